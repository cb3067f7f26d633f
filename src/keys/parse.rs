//! Parsing a [`Key`]: what it is, what it can serve, its verifying and signing halves.

use std::str::FromStr;

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::container::{self, Kind, Problem};
use super::key::{Key, Source};
use super::pem;
use crate::error::KeyProblem;

/// What a key can serve: its family, and its curve or size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Hmac(usize),
    Rsa(usize),
    P256,
    P384,
    Ed25519,
}

impl Shape {
    pub(crate) fn permits(self, algorithm: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Shape::Hmac(_) => matches!(algorithm, HS256 | HS384 | HS512),
            Shape::Rsa(_) => matches!(algorithm, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Shape::P256 => algorithm == ES256,
            Shape::P384 => algorithm == ES384,
            Shape::Ed25519 => algorithm == EdDSA,
        }
    }

    fn same_type(self, other: Shape) -> bool {
        std::mem::discriminant(&self) == std::mem::discriminant(&other)
    }
}

/// A key after parsing.
pub(crate) struct Parsed {
    pub(crate) shape: Shape,
    /// The verifying half. `None` only for an empty HMAC secret, which jsonwebtoken does not
    /// hold (since 12); `KeySet::build` refuses it as shorter than any HMAC algorithm allows.
    pub(crate) decoding: Option<DecodingKey>,
    pub(crate) encoding: Option<EncodingKey>,
    /// A JWK's `alg`: the only algorithm the key serves.
    pub(crate) jwk_alg: Option<Algorithm>,
    pub(crate) kid: Option<String>,
}

/// Why a key was not parsed.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Malformed, contradictory or of an unsupported kind.
    Invalid(Problem),
    /// Well formed but declared for something else (a JWK for encryption, an unsupported
    /// curve or algorithm): skipped when it comes from a JWK Set.
    NotForSignatures(Problem),
    /// An RSA modulus outside 2048..=8192 bits.
    RsaSize(usize),
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal::Invalid(problem)
    }
}

/// A parsed key whose verifying half may still be missing.
struct Halves {
    shape: Shape,
    decoding: Option<DecodingKey>,
    encoding: Option<EncodingKey>,
}

impl Key {
    pub(crate) fn parse(&self) -> Result<Parsed, Refusal> {
        let mut jwk_alg = None;
        let mut halves = match &self.source {
            Source::Hmac(secret) => Halves {
                shape: Shape::Hmac(secret.len()),
                // Both `None` only when the secret is empty (see `Parsed::decoding`).
                decoding: DecodingKey::from_secret(secret).ok(),
                encoding: EncodingKey::from_secret(secret).ok(),
            },
            Source::Public { pem, bytes } => public(&document(*pem, bytes, false)?)?,
            Source::Private { pem, bytes } => private(&document(*pem, bytes, true)?)?,
            Source::Jwk(jwk) => {
                let (halves, alg) = from_jwk(jwk)?;
                jwk_alg = alg;
                halves
            }
        };
        if let Some(public) = &self.public {
            let public = public.parse()?;
            if !signs(halves.shape, halves.encoding.as_ref())
                || signs(public.shape, public.encoding.as_ref())
            {
                return Err(Refusal::Invalid(KeyProblem::WithPublicNotPublic));
            }
            if !public.shape.same_type(halves.shape) {
                return Err(Refusal::Invalid(KeyProblem::PublicOfAnotherType));
            }
            halves.decoding = public.decoding;
        }
        // A private key without its public half; an empty HMAC secret goes on to be refused
        // as too short by `KeySet::build`.
        if halves.decoding.is_none() && !matches!(halves.shape, Shape::Hmac(_)) {
            return Err(Refusal::Invalid(KeyProblem::MissingPublicHalf));
        }
        if let Shape::Rsa(bits) = halves.shape {
            if !(2048..=8192).contains(&bits) {
                return Err(Refusal::RsaSize(bits));
            }
        }
        Ok(Parsed {
            shape: halves.shape,
            decoding: halves.decoding,
            encoding: halves.encoding,
            jwk_alg,
            kid: self.kid().map(str::to_owned),
        })
    }
}

/// Whether a key signs: a private key, or an HMAC secret (an empty one too, though jsonwebtoken
/// holds no halves for it).
fn signs(shape: Shape, encoding: Option<&EncodingKey>) -> bool {
    encoding.is_some() || matches!(shape, Shape::Hmac(_))
}

/// The DER document of a PEM or DER input, checking the PEM label fits the constructor.
fn document(pem: bool, bytes: &[u8], private: bool) -> Result<Vec<u8>, Problem> {
    if !pem {
        if bytes.starts_with(b"-----BEGIN") {
            return Err(KeyProblem::PemGivenAsDer);
        }
        return Ok(bytes.to_vec());
    }
    let (label, der) = pem::decode(bytes)?;
    match (label, private) {
        ("PUBLIC KEY" | "RSA PUBLIC KEY", false) | ("PRIVATE KEY" | "RSA PRIVATE KEY", true) => {
            Ok(der)
        }
        ("PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY", false) => {
            Err(KeyProblem::PrivateGivenAsPublic)
        }
        ("PUBLIC KEY" | "RSA PUBLIC KEY", true) => Err(KeyProblem::PublicGivenAsPrivate),
        ("CERTIFICATE", _) => Err(KeyProblem::Certificate),
        ("EC PRIVATE KEY", true) => Err(KeyProblem::Sec1),
        ("ENCRYPTED PRIVATE KEY", _) => Err(KeyProblem::EncryptedKey),
        _ => Err(KeyProblem::UnsupportedPemLabel),
    }
}

fn rsa_decoding(n: &[u8], e: &[u8]) -> Result<(Shape, DecodingKey), Problem> {
    if e.is_empty() {
        return Err(KeyProblem::ZeroExponent);
    }
    let shape = Shape::Rsa(container::bits(n));
    Ok((shape, DecodingKey::from_rsa_raw_components(n, e)))
}

/// Checks an EC point (uncompressed, of the curve's size) or an Ed25519 public key.
fn point_decoding(shape: Shape, point: &[u8]) -> Result<DecodingKey, Problem> {
    match (shape, point.len(), point.first()) {
        (Shape::P256, 65, Some(4)) | (Shape::P384, 97, Some(4)) => {
            Ok(DecodingKey::from_ec_der(point))
        }
        (Shape::Ed25519, 32, _) => Ok(DecodingKey::from_ed_der(point)),
        (Shape::Ed25519, _, _) => Err(KeyProblem::Ed25519Length),
        _ => Err(KeyProblem::NotAPoint),
    }
}

fn shape_of(kind: Kind) -> Shape {
    match kind {
        Kind::Rsa => Shape::Rsa(0),
        Kind::P256 => Shape::P256,
        Kind::P384 => Shape::P384,
        Kind::Ed25519 => Shape::Ed25519,
    }
}

fn public(der: &[u8]) -> Result<Halves, Problem> {
    let (kind, key) = if container::is_spki(der)? {
        container::spki(der)?
    } else {
        (Kind::Rsa, der)
    };
    let (shape, decoding) = match kind {
        Kind::Rsa => {
            let (n, e) = container::rsa_public(key)?;
            rsa_decoding(n, e)?
        }
        other => (shape_of(other), point_decoding(shape_of(other), key)?),
    };
    Ok(Halves {
        shape,
        decoding: Some(decoding),
        encoding: None,
    })
}

fn private(der: &[u8]) -> Result<Halves, Problem> {
    if !container::is_pkcs8(der)? {
        let (n, e) = container::rsa_private(der)?;
        let (shape, decoding) = rsa_decoding(n, e)?;
        return Ok(Halves {
            shape,
            decoding: Some(decoding),
            encoding: Some(EncodingKey::from_rsa_der(der)),
        });
    }
    let pkcs8 = container::pkcs8(der)?;
    let shape = shape_of(pkcs8.kind);
    let (shape, decoding, encoding) = match pkcs8.kind {
        Kind::Rsa => {
            let (n, e) = container::rsa_private(pkcs8.private)?;
            let (shape, decoding) = rsa_decoding(n, e)?;
            let encoding = EncodingKey::from_rsa_der(pkcs8.private);
            (shape, Some(decoding), encoding)
        }
        Kind::P256 | Kind::P384 => {
            let point = container::ec_private_public(pkcs8.private)?;
            let decoding = point.map(|p| point_decoding(shape, p)).transpose()?;
            (shape, decoding, EncodingKey::from_ec_der(der))
        }
        Kind::Ed25519 => {
            let decoding = pkcs8.public.map(|p| point_decoding(shape, p)).transpose()?;
            (shape, decoding, EncodingKey::from_ed_der(der))
        }
    };
    Ok(Halves {
        shape,
        decoding,
        encoding: Some(encoding),
    })
}

/// base64url, with or without padding (RFC 7518 says without; some publishers pad).
fn b64url(value: &str) -> Result<Vec<u8>, Problem> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE
        .decode(value)
        .map_err(|_| KeyProblem::JwkNotBase64url)
}

fn from_jwk(jwk: &Jwk) -> Result<(Halves, Option<Algorithm>), Refusal> {
    let common = &jwk.common;
    match &common.public_key_use {
        None | Some(PublicKeyUse::Signature) => {}
        Some(_) => return Err(Refusal::NotForSignatures(KeyProblem::JwkUseNotSig)),
    }
    if let Some(ops) = &common.key_operations {
        if !ops.contains(&KeyOperations::Verify) {
            let problem = KeyProblem::JwkKeyOpsWithoutVerify;
            return Err(Refusal::NotForSignatures(problem));
        }
    }
    let alg = match common.key_algorithm {
        None => None,
        Some(alg) => Some(
            Algorithm::from_str(&alg.to_string())
                .map_err(|_| Refusal::NotForSignatures(KeyProblem::JwkAlgUnsupported))?,
        ),
    };
    let (shape, decoding) = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let (shape, decoding) = rsa_decoding(&b64url(&rsa.n)?, &b64url(&rsa.e)?)?;
            (shape, Some(decoding))
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            let shape = match ec.curve {
                EllipticCurve::P256 => Shape::P256,
                EllipticCurve::P384 => Shape::P384,
                _ => {
                    let problem = KeyProblem::UnsupportedCurve;
                    return Err(Refusal::NotForSignatures(problem));
                }
            };
            let mut point = vec![4];
            point.extend(b64url(&ec.x)?);
            point.extend(b64url(&ec.y)?);
            (shape, Some(point_decoding(shape, &point)?))
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            let shape = Shape::Ed25519;
            (shape, Some(point_decoding(shape, &b64url(&okp.x)?)?))
        }
        AlgorithmParameters::OctetKeyPair(_) => {
            let problem = KeyProblem::UnsupportedOkpCurve;
            return Err(Refusal::NotForSignatures(problem));
        }
        AlgorithmParameters::OctetKey(oct) => {
            let secret = b64url(&oct.value)?;
            // `None` only when the secret is empty (see `Parsed::decoding`).
            (
                Shape::Hmac(secret.len()),
                DecodingKey::from_secret(&secret).ok(),
            )
        }
        // `AlgorithmParameters::Other` (since jsonwebtoken 11): a `kty` it does not know, or
        // members that do not fit their `kty`; and any type a later version adds (the enum is
        // `non_exhaustive`).
        _ => {
            let problem = KeyProblem::UnsupportedKeyType;
            return Err(Refusal::NotForSignatures(problem));
        }
    };
    if alg.is_some_and(|alg| !shape.permits(alg)) {
        return Err(Refusal::Invalid(KeyProblem::JwkAlgMismatch));
    }
    let halves = Halves {
        shape,
        decoding,
        encoding: None,
    };
    Ok((halves, alg))
}
