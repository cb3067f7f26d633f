//! Public keys parsed once, when the key set is built (aws-lc-rs): a verification then skips
//! what `jsonwebtoken::crypto::verify` does on every call (copy the key, parse it into the
//! backend's key object, decode the signature into a new vector). The parameters are the ones
//! jsonwebtoken's aws-lc-rs backend verifies with, so the answers are the same; a key or an
//! algorithm not prepared here is verified by jsonwebtoken as before.

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, VerificationAlgorithm};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};

/// One public key, parsed for each asymmetric algorithm it serves.
pub(crate) struct PublicKeys {
    prepared: Vec<(Algorithm, ParsedPublicKey)>,
}

/// jsonwebtoken's RSA verification parameters (2048 to 8192-bit moduli).
fn rsa(algorithm: Algorithm) -> Option<&'static RsaParameters> {
    Some(match algorithm {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// The verification algorithm of `algorithm`, as jsonwebtoken's backend picks it.
fn parameters(algorithm: Algorithm) -> Option<&'static dyn VerificationAlgorithm> {
    if let Some(rsa) = rsa(algorithm) {
        return Some(rsa);
    }
    Some(match algorithm {
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &signature::ED25519,
        _ => return None,
    })
}

/// `kind` parsed for `algorithm`; `None` leaves it to jsonwebtoken.
fn parse(kind: &DecodingKeyKind, algorithm: Algorithm) -> Option<ParsedPublicKey> {
    match kind {
        DecodingKeyKind::SecretOrDer(bytes) => {
            ParsedPublicKey::new(parameters(algorithm)?, bytes).ok()
        }
        DecodingKeyKind::RsaModulusExponent { n, e } => {
            let components = signature::RsaPublicKeyComponents { n, e };
            components.to_parsed_public_key(rsa(algorithm)?).ok()
        }
    }
}

impl PublicKeys {
    /// `decoding` parsed for each of `algorithms` it serves; `None` for an HMAC secret or
    /// when nothing could be prepared.
    pub(crate) fn new(decoding: &DecodingKey, algorithms: &[Algorithm]) -> Option<Self> {
        if decoding.family() == AlgorithmFamily::Hmac {
            return None;
        }
        let prepared: Vec<_> = algorithms
            .iter()
            .filter_map(|&algorithm| Some((algorithm, parse(decoding.kind(), algorithm)?)))
            .collect();
        (!prepared.is_empty()).then_some(Self { prepared })
    }

    /// Whether `signature` (decoded) is a valid `algorithm` signature of `message`; `None`
    /// when the key was not prepared for `algorithm`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        let (_, key) = self.prepared.iter().find(|(a, _)| *a == algorithm)?;
        Some(key.verify_sig(message, signature).is_ok())
    }
}
