//! Keys: the verification key set (selected by `kid`) and the signing key.
//!
//! Only HMAC secrets exist today; the entry type is where public keys will join.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::error::ConfigError;

/// One configured key, as given to the builder.
#[derive(Clone)]
pub(crate) struct KeySpec {
    pub(crate) kid: Option<String>,
    pub(crate) secret: Vec<u8>,
}

/// A verification key with its optional signing half.
pub(crate) struct KeyEntry {
    pub(crate) kid: Option<String>,
    pub(crate) decoding: DecodingKey,
    pub(crate) encoding: Option<EncodingKey>,
}

/// The keys a token may be verified with, looked up by `kid` (never used as a path or query).
pub(crate) struct KeySet {
    entries: Vec<KeyEntry>,
}

/// The shortest HMAC secret RFC 7518 §3.2 allows for an algorithm.
pub(crate) fn min_secret_len(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    }
}

impl KeySet {
    /// Validates the specs against the allowed algorithms and builds the keys once.
    pub(crate) fn build(specs: &[KeySpec], algorithms: &[Algorithm]) -> Result<Self, ConfigError> {
        if specs.is_empty() {
            return Err(ConfigError::MissingKey);
        }
        if specs.len() > 1 {
            let mut kids: Vec<&str> = Vec::with_capacity(specs.len());
            for spec in specs {
                match spec.kid.as_deref() {
                    Some(kid) if !kids.contains(&kid) => kids.push(kid),
                    _ => return Err(ConfigError::AmbiguousKeys),
                }
            }
        }
        for &algorithm in algorithms {
            let required =
                min_secret_len(algorithm).ok_or(ConfigError::AlgorithmKeyMismatch(algorithm))?;
            for spec in specs {
                if spec.secret.len() < required {
                    return Err(ConfigError::SecretTooShort {
                        algorithm,
                        actual: spec.secret.len(),
                        required,
                    });
                }
            }
        }
        let entries = specs
            .iter()
            .map(|spec| KeyEntry {
                kid: spec.kid.clone(),
                decoding: DecodingKey::from_secret(&spec.secret),
                encoding: Some(EncodingKey::from_secret(&spec.secret)),
            })
            .collect();
        Ok(Self { entries })
    }

    /// The key for a token's `kid`: an exact match, or the only key when the token has none.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<&KeyEntry> {
        match kid {
            Some(kid) => self
                .entries
                .iter()
                .find(|entry| entry.kid.as_deref() == Some(kid)),
            None if self.entries.len() == 1 => self.entries.first(),
            None => None,
        }
    }

    /// The signing key: the one with `kid`, or the first configured key.
    pub(crate) fn signing(&self, kid: Option<&str>) -> Option<&KeyEntry> {
        match kid {
            Some(_) => self.find(kid),
            None => self.entries.first(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Makes sure jsonwebtoken has a crypto provider, once per process.
///
/// With both backend features on, aws-lc-rs is installed as the process default (unless the
/// application installed one first); with none, `build()` fails instead of panicking later.
pub(crate) fn ensure_crypto_backend() -> Result<(), ConfigError> {
    static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let usable = *USABLE.get_or_init(|| {
        #[cfg(all(feature = "aws-lc-rs", feature = "rust-crypto"))]
        {
            // Err means a provider is already installed, which is what we want.
            let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        }
        let probe = EncodingKey::from_secret(&[0u8; 32]);
        std::panic::catch_unwind(|| jsonwebtoken::crypto::sign(b"probe", &probe, Algorithm::HS256))
            .map(|signed| signed.is_ok())
            .unwrap_or(false)
    });
    if usable {
        Ok(())
    } else {
        Err(ConfigError::CryptoBackend)
    }
}
