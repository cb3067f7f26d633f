//! Just enough PEM and DER to read the key containers users have: SubjectPublicKeyInfo,
//! PKCS#8 (v1 and v2), PKCS#1 RSA keys and the EC private key inside PKCS#8. It finds the key
//! type, the curve, the RSA modulus size and the bytes jsonwebtoken wants; it does no crypto.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// What is wrong with a key's encoding, for [`ConfigError::InvalidKey`](crate::ConfigError).
pub(crate) type Problem = &'static str;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;

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

/// A DER reader over one level of a structure.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// The next element's tag and contents (definite lengths only, as DER requires).
    fn next(&mut self) -> Result<(u8, &'a [u8]), Problem> {
        const BAD: Problem = "malformed DER";
        let (&tag, rest) = self.0.split_first().ok_or(BAD)?;
        let (&first, rest) = rest.split_first().ok_or(BAD)?;
        let (len, rest) = match first {
            0..=0x7f => (usize::from(first), rest),
            0x81..=0x84 => {
                let n = usize::from(first & 0x7f);
                let bytes = rest.get(..n).ok_or(BAD)?;
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                (len, &rest[n..])
            }
            _ => return Err(BAD),
        };
        let contents = rest.get(..len).ok_or(BAD)?;
        self.0 = &rest[len..];
        Ok((tag, contents))
    }

    fn expect(&mut self, tag: u8) -> Result<&'a [u8], Problem> {
        match self.next()? {
            (found, contents) if found == tag => Ok(contents),
            _ => Err("unexpected DER structure"),
        }
    }

    fn end(&self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err("trailing data after the DER structure")
        }
    }
}

/// Reads a whole DER document that must be one SEQUENCE.
fn sequence(der: &[u8]) -> Result<Reader<'_>, Problem> {
    let mut outer = Reader(der);
    let inner = outer.expect(SEQUENCE)?;
    outer.end()?;
    Ok(Reader(inner))
}

/// The contents of a BIT STRING whose bit count is a whole number of bytes.
fn bit_string(contents: &[u8]) -> Result<&[u8], Problem> {
    match contents.split_first() {
        Some((0, bytes)) => Ok(bytes),
        _ => Err("unexpected DER structure"),
    }
}

fn algorithm(contents: &[u8]) -> Result<Kind, Problem> {
    let mut alg = Reader(contents);
    match alg.expect(OID)? {
        RSA_ENCRYPTION => Ok(Kind::Rsa),
        RSA_PSS => {
            Err("RSASSA-PSS-only keys (id-RSASSA-PSS) are not supported: use an rsaEncryption key")
        }
        EC_PUBLIC_KEY => match alg.expect(OID)? {
            P256 => Ok(Kind::P256),
            P384 => Ok(Kind::P384),
            _ => Err("unsupported elliptic curve: only P-256 and P-384 are supported"),
        },
        ED25519 => Ok(Kind::Ed25519),
        _ => Err("unsupported key type: only RSA, EC P-256/P-384 and Ed25519 are supported"),
    }
}

/// A SubjectPublicKeyInfo: the key type and the `subjectPublicKey` bytes (PKCS#1 for RSA, the
/// point for EC, the 32 raw bytes for Ed25519).
pub(crate) fn spki(der: &[u8]) -> Result<(Kind, &[u8]), Problem> {
    let mut spki = sequence(der)?;
    let kind = algorithm(spki.expect(SEQUENCE)?)?;
    let key = bit_string(spki.expect(BIT_STRING)?)?;
    spki.end()?;
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
    let mut info = sequence(der)?;
    info.expect(INTEGER)?;
    let kind = algorithm(info.expect(SEQUENCE)?)?;
    let private = info.expect(OCTET_STRING)?;
    let mut public = None;
    while info.peek().is_some() {
        match info.next()? {
            (0xa0, _) => {}                                   // [0] attributes
            (0x81, bits) => public = Some(bit_string(bits)?), // [1] IMPLICIT publicKey (v2)
            _ => return Err("unexpected DER structure"),
        }
    }
    Ok(Pkcs8 {
        kind,
        private,
        public,
    })
}

/// Whether a private key document is PKCS#8 (else PKCS#1 or SEC1), from its second element.
pub(crate) fn is_pkcs8(der: &[u8]) -> Result<bool, Problem> {
    let mut outer = sequence(der)?;
    outer.expect(INTEGER)?;
    match outer.peek() {
        Some(SEQUENCE) => Ok(true),
        Some(INTEGER) => Ok(false),
        Some(OCTET_STRING) => Err("SEC1 `EC PRIVATE KEY` is not supported: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)"),
        _ => Err("unexpected DER structure"),
    }
}

/// Whether a public key document is a SubjectPublicKeyInfo (else PKCS#1 `RSAPublicKey`).
pub(crate) fn is_spki(der: &[u8]) -> Result<bool, Problem> {
    match sequence(der)?.peek() {
        Some(SEQUENCE) => Ok(true),
        Some(INTEGER) => Ok(false),
        _ => Err("unexpected DER structure"),
    }
}

/// An unsigned big-endian INTEGER without its leading zero bytes.
fn unsigned(contents: &[u8]) -> &[u8] {
    let zeros = contents.iter().take_while(|&&b| b == 0).count();
    &contents[zeros..]
}

/// `(n, e)` of a PKCS#1 `RSAPublicKey`.
pub(crate) fn rsa_public(der: &[u8]) -> Result<(&[u8], &[u8]), Problem> {
    let mut key = sequence(der)?;
    let n = unsigned(key.expect(INTEGER)?);
    let e = unsigned(key.expect(INTEGER)?);
    key.end()?;
    Ok((n, e))
}

/// `(n, e)` of a PKCS#1 `RSAPrivateKey`.
pub(crate) fn rsa_private(der: &[u8]) -> Result<(&[u8], &[u8]), Problem> {
    let mut key = sequence(der)?;
    key.expect(INTEGER)?;
    let n = unsigned(key.expect(INTEGER)?);
    let e = unsigned(key.expect(INTEGER)?);
    Ok((n, e))
}

/// The public point stored in an `ECPrivateKey` (RFC 5915), when the encoder included it.
pub(crate) fn ec_private_public(der: &[u8]) -> Result<Option<&[u8]>, Problem> {
    let mut key = sequence(der)?;
    key.expect(INTEGER)?;
    key.expect(OCTET_STRING)?;
    while key.peek().is_some() {
        match key.next()? {
            (0xa0, _) => {}
            (0xa1, explicit) => {
                let mut inner = Reader(explicit);
                let point = bit_string(inner.expect(BIT_STRING)?)?;
                return Ok(Some(point));
            }
            _ => return Err("unexpected DER structure"),
        }
    }
    Ok(None)
}

/// The size in bits of a big-endian unsigned integer.
pub(crate) fn bits(n: &[u8]) -> usize {
    let n = unsigned(n);
    match n.first() {
        Some(&first) => n.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// The label and DER bytes of the first PEM block in `text`.
pub(crate) fn pem(text: &[u8]) -> Result<(&str, Vec<u8>), Problem> {
    const NOT_PEM: Problem = "not PEM: expected a `-----BEGIN ...-----` block";
    let text = std::str::from_utf8(text).map_err(|_| NOT_PEM)?;
    let start = text.find("-----BEGIN ").ok_or(NOT_PEM)?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----").ok_or(NOT_PEM)?;
    let label = &rest[..label_end];
    let body = &rest[label_end + 5..];
    let end = body.find("-----END ").ok_or(NOT_PEM)?;
    let closing = &body[end + 9..];
    if !closing.starts_with(label) || !closing[label.len()..].starts_with("-----") {
        return Err("PEM END line does not match its BEGIN line");
    }
    let body = &body[..end];
    if body.contains(':') {
        return Err("encrypted or annotated PEM is not supported: decrypt the key first");
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD
        .decode(compact)
        .map_err(|_| "PEM body is not base64")?;
    Ok((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_bits() {
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 128]);
        assert_eq!(Reader(&long).next().unwrap().1.len(), 128);
        assert!(
            Reader(&[0x04, 0x80, 0x00]).next().is_err(),
            "indefinite length"
        );
        assert!(Reader(&[0x04, 0x85, 1, 1, 1, 1, 1]).next().is_err());
        assert!(
            Reader(&[0x04, 0x82, 0xff]).next().is_err(),
            "truncated length"
        );
        assert!(
            Reader(&[0x04, 0x05, 1]).next().is_err(),
            "truncated contents"
        );
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
        let parsed = pkcs8(&v2).unwrap();
        assert_eq!(parsed.kind, Kind::Ed25519);
        assert_eq!(parsed.public, Some(&[2u8; 32][..]));
        // ECPrivateKey with [0] parameters and [1] public key.
        let mut ec = vec![
            0x30, 0x12, 0x02, 0x01, 0x01, 0x04, 0x01, 0x09, 0xa0, 0x02, 0x05, 0x00,
        ];
        ec.extend([0xa1, 0x06, 0x03, 0x04, 0x00, 0x04, 0x01, 0x02]);
        assert_eq!(
            ec_private_public(&ec).unwrap(),
            Some(&[0x04, 0x01, 0x02][..])
        );
    }

    #[test]
    fn pem_blocks() {
        let text = b"junk\n-----BEGIN PUBLIC KEY-----\nMAMCAQE=\n-----END PUBLIC KEY-----\n";
        let (label, der) = pem(text).unwrap();
        assert_eq!(
            (label, der.as_slice()),
            ("PUBLIC KEY", &[0x30, 0x03, 0x02, 0x01, 0x01][..])
        );
        assert!(pem(b"-----BEGIN A-----\nMAMCAQE=\n-----END B-----").is_err());
        assert!(pem(b"-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n-----END A-----").is_err());
        assert!(pem(b"-----BEGIN A-----\n!!!!\n-----END A-----").is_err());
        assert!(pem(b"MAMCAQE=").is_err());
    }
}
