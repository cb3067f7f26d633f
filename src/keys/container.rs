//! The DER key containers users have, read with RustCrypto's parsers: SubjectPublicKeyInfo
//! (`spki`), PKCS#8 v1 and v2 (`pkcs8`), PKCS#1 RSA keys (`pkcs1`) and the EC private key inside
//! PKCS#8 (`sec1`). PEM is unwrapped before, by our own lenient reader (`pem.rs`). This adapter
//! names the key type and the curve, hands over the bytes jsonwebtoken wants and words what is
//! wrong; it does no crypto.

use pkcs1::{RsaPrivateKey, RsaPublicKey};
use pkcs8::PrivateKeyInfoRef;
use sec1::EcPrivateKey;
use spki::der::asn1::{AnyRef, UintRef};
use spki::der::{self, Decode, ErrorKind, Reader, SliceReader, Tag, Tagged};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

use crate::error::KeyProblem;

/// What is wrong with a key's encoding, for [`ConfigError::InvalidKey`](crate::ConfigError).
pub(crate) type Problem = KeyProblem;

const MALFORMED: Problem = KeyProblem::MalformedDer;
const UNEXPECTED: Problem = KeyProblem::UnexpectedDer;

// The contents of the OIDs this crate knows.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The key type named by an AlgorithmIdentifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

/// A DER decoding error in the words of [`Problem`].
fn problem(error: der::Error) -> Problem {
    match error.kind() {
        ErrorKind::TrailingData { .. } => KeyProblem::TrailingData,
        ErrorKind::TagUnexpected { .. }
        | ErrorKind::TagUnknown { .. }
        | ErrorKind::Value { .. } => UNEXPECTED,
        _ => MALFORMED,
    }
}

/// The tags of the first two elements of the SEQUENCE a whole document must be.
fn leading_tags(der: &[u8]) -> Result<(Option<Tag>, Option<Tag>), Problem> {
    let outer = AnyRef::from_der(der).map_err(problem)?;
    if outer.tag() != Tag::Sequence {
        return Err(UNEXPECTED);
    }
    let mut inner = SliceReader::new(outer.value()).map_err(problem)?;
    let mut next = || {
        if inner.is_finished() {
            return Ok(None);
        }
        AnyRef::decode(&mut inner).map(|any| Some(any.tag()))
    };
    Ok((next().map_err(problem)?, next().map_err(problem)?))
}

fn algorithm(id: &AlgorithmIdentifierRef<'_>) -> Result<Kind, Problem> {
    match id.oid.as_bytes() {
        RSA_ENCRYPTION => Ok(Kind::Rsa),
        RSA_PSS => Err(KeyProblem::RsaPssOnly),
        EC_PUBLIC_KEY => {
            let curve = id.parameters.ok_or(MALFORMED)?;
            let curve: ObjectIdentifier = curve.decode_as().map_err(problem)?;
            match curve.as_bytes() {
                P256 => Ok(Kind::P256),
                P384 => Ok(Kind::P384),
                _ => Err(KeyProblem::UnsupportedCurve),
            }
        }
        ED25519 => Ok(Kind::Ed25519),
        _ => Err(KeyProblem::UnsupportedKeyType),
    }
}

/// A SubjectPublicKeyInfo: the key type and the `subjectPublicKey` bytes (PKCS#1 for RSA, the
/// point for EC, the 32 raw bytes for Ed25519).
pub(crate) fn spki(der: &[u8]) -> Result<(Kind, &[u8]), Problem> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(problem)?;
    let kind = algorithm(&info.algorithm)?;
    let key = info.subject_public_key.as_bytes().ok_or(UNEXPECTED)?;
    Ok((kind, key))
}

/// A PKCS#8 private key: its type, the inner private key (PKCS#1 for RSA, ECPrivateKey for EC,
/// the seed for Ed25519) and the v2 public key when present.
pub(crate) struct Pkcs8<'a> {
    pub(crate) kind: Kind,
    pub(crate) private: &'a [u8],
    pub(crate) public: Option<&'a [u8]>,
}

pub(crate) fn pkcs8(der: &[u8]) -> Result<Pkcs8<'_>, Problem> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(problem)?;
    // pkcs8 0.11 hands the v2 public key over as a BIT STRING; one that is not whole bytes
    // is refused, as pkcs8 0.10 refused it while decoding.
    let public = match info.public_key {
        Some(bits) => Some(bits.as_bytes().ok_or(UNEXPECTED)?),
        None => None,
    };
    Ok(Pkcs8 {
        kind: algorithm(&info.algorithm)?,
        private: info.private_key.as_bytes(),
        public,
    })
}

/// Whether a private key document is PKCS#8 (else PKCS#1 or SEC1), from its second element.
pub(crate) fn is_pkcs8(der: &[u8]) -> Result<bool, Problem> {
    match leading_tags(der)? {
        (Some(Tag::Integer), Some(Tag::Sequence)) => Ok(true),
        (Some(Tag::Integer), Some(Tag::Integer)) => Ok(false),
        (Some(Tag::Integer), Some(Tag::OctetString)) => Err(KeyProblem::Sec1),
        _ => Err(UNEXPECTED),
    }
}

/// Whether a public key document is a SubjectPublicKeyInfo (else PKCS#1 `RSAPublicKey`).
pub(crate) fn is_spki(der: &[u8]) -> Result<bool, Problem> {
    match leading_tags(der)?.0 {
        Some(Tag::Sequence) => Ok(true),
        Some(Tag::Integer) => Ok(false),
        _ => Err(UNEXPECTED),
    }
}

/// A big-endian unsigned integer without its leading zero bytes (zero is empty).
fn unsigned(n: &[u8]) -> &[u8] {
    let zeros = n.iter().take_while(|&&b| b == 0).count();
    &n[zeros..]
}

fn magnitude(n: UintRef<'_>) -> &[u8] {
    unsigned(n.as_bytes())
}

/// `(n, e)` of a PKCS#1 `RSAPublicKey`.
pub(crate) fn rsa_public(der: &[u8]) -> Result<(&[u8], &[u8]), Problem> {
    let key = RsaPublicKey::from_der(der).map_err(problem)?;
    Ok((magnitude(key.modulus), magnitude(key.public_exponent)))
}

/// `(n, e)` of a PKCS#1 `RSAPrivateKey`.
pub(crate) fn rsa_private(der: &[u8]) -> Result<(&[u8], &[u8]), Problem> {
    let key = RsaPrivateKey::from_der(der).map_err(problem)?;
    Ok((magnitude(key.modulus), magnitude(key.public_exponent)))
}

/// The public point stored in an `ECPrivateKey` (RFC 5915), when the encoder included it.
pub(crate) fn ec_private_public(der: &[u8]) -> Result<Option<&[u8]>, Problem> {
    Ok(EcPrivateKey::from_der(der).map_err(problem)?.public_key)
}

/// The size in bits of a big-endian unsigned integer (an RSA modulus, also from a JWK's `n`).
pub(crate) fn bits(n: &[u8]) -> usize {
    let n = unsigned(n);
    match n.first() {
        Some(&first) => n.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_der_and_bits() {
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([0x02, 0x7e]);
        long.extend([1u8; 126]);
        assert_eq!(leading_tags(&long), Ok((Some(Tag::Integer), None)));
        let cases: [(&[u8], Problem); 5] = [
            (&[0x30, 0x80, 0x00, 0x00], MALFORMED), // indefinite length
            (&[0x30, 0x81, 0x03, 0x02, 0x01, 0x01], MALFORMED), // length not minimal
            (&[0x30, 0x82, 0xff], MALFORMED),       // truncated length
            (&[0x30, 0x05, 0x02, 0x01], MALFORMED), // truncated contents
            (&[0x30, 0x00, 0x00], KeyProblem::TrailingData),
        ];
        for (der, expected) in cases {
            assert_eq!(is_spki(der), Err(expected), "{der:02x?}");
        }
        assert_eq!(bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bits(&[0x01, 0xff]), 9);
        assert_eq!(bits(&[0, 0]), 0);
    }

    #[test]
    fn pkcs8_v2_public_key_and_ec_public_point() {
        // OneAsymmetricKey v2 for Ed25519 with a [1] public key.
        let mut v2 = vec![
            0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
        ];
        v2.extend([0x04, 0x22, 0x04, 0x20]);
        v2.extend([1u8; 32]);
        v2.extend([0x81, 0x21, 0x00]);
        v2.extend([2u8; 32]);
        assert_eq!(is_pkcs8(&v2), Ok(true));
        let parsed = pkcs8(&v2).unwrap();
        assert_eq!(parsed.kind, Kind::Ed25519);
        assert_eq!(parsed.public, Some(&[2u8; 32][..]));
        // ECPrivateKey with [0] parameters (P-256) and [1] public key.
        let mut ec = vec![
            0x30, 0x1a, 0x02, 0x01, 0x01, 0x04, 0x01, 0x09, 0xa0, 0x0a, 0x06, 0x08,
        ];
        ec.extend(P256);
        ec.extend([0xa1, 0x06, 0x03, 0x04, 0x00, 0x04, 0x01, 0x02]);
        assert_eq!(
            ec_private_public(&ec).unwrap(),
            Some(&[0x04, 0x01, 0x02][..])
        );
        assert!(is_pkcs8(&ec).is_err(), "SEC1 outside PKCS#8");
    }
}
