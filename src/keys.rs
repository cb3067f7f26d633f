//! The key set: every configured [`Key`], parsed and checked once by `build()`, looked up by
//! `kid` (an exact string match, never a path or a query) on each request.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::config::JwtAuthBuilder;
use crate::error::ConfigError;
use crate::key::{Key, Refusal, Shape};

/// One configured key, as given to the builder.
#[derive(Clone)]
pub(crate) struct KeySpec {
    pub(crate) key: Key,
    /// Part of a JWK Set: skipped, not refused, when it is not for our signatures.
    pub(crate) from_set: bool,
}

impl KeySpec {
    pub(crate) fn new(key: Key) -> Self {
        Self {
            key,
            from_set: false,
        }
    }
}

/// A verification key with its optional signing half.
pub(crate) struct KeyEntry {
    pub(crate) kid: Option<String>,
    pub(crate) decoding: DecodingKey,
    pub(crate) encoding: Option<EncodingKey>,
    /// The allowed algorithms this key serves, in allow-list order; never empty.
    algorithms: Vec<Algorithm>,
}

impl KeyEntry {
    /// Whether a token signed with `algorithm` may be verified with this key.
    pub(crate) fn permits(&self, algorithm: Algorithm) -> bool {
        self.algorithms.contains(&algorithm)
    }

    /// The algorithm this key signs with: the first allowed one it serves.
    pub(crate) fn signing_algorithm(&self) -> Option<Algorithm> {
        self.algorithms.first().copied()
    }
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

/// How a key is named in errors: its position and, when it has one, its kid.
fn label(index: usize, kid: Option<&str>) -> String {
    match kid {
        Some(kid) => format!("key #{} (kid {kid:?})", index + 1),
        None => format!("key #{}", index + 1),
    }
}

/// Every allowed algorithm needs a key of its family.
fn check_coverage(
    families: impl Iterator<Item = AlgorithmFamily> + Clone,
    algorithms: &[Algorithm],
) -> Result<(), ConfigError> {
    for &algorithm in algorithms {
        if !families.clone().any(|family| family == algorithm.family()) {
            let first = algorithms.first().map(|a| a.family());
            return Err(if algorithms.iter().any(|a| Some(a.family()) != first) {
                ConfigError::MixedAlgorithmFamilies(algorithms.to_vec())
            } else {
                ConfigError::AlgorithmKeyMismatch(algorithm)
            });
        }
    }
    Ok(())
}

fn family(shape: Shape) -> AlgorithmFamily {
    match shape {
        Shape::Hmac(_) => AlgorithmFamily::Hmac,
        Shape::Rsa(_) => AlgorithmFamily::Rsa,
        Shape::P256 | Shape::P384 => AlgorithmFamily::Ec,
        Shape::Ed25519 => AlgorithmFamily::Ed,
    }
}

impl KeySet {
    /// Parses the specs, checks them against the allowed algorithms and builds the keys once.
    pub(crate) fn build(specs: &[KeySpec], algorithms: &[Algorithm]) -> Result<Self, ConfigError> {
        if specs.is_empty() {
            return Err(ConfigError::MissingKey);
        }
        let mut parsed = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let key = || label(index, spec.key.kid());
            match spec.key.parse() {
                Ok(key) => parsed.push((index, spec.from_set, key)),
                Err(Refusal::NotForSignatures(_)) if spec.from_set => {}
                Err(Refusal::Invalid(problem) | Refusal::NotForSignatures(problem)) => {
                    return Err(ConfigError::InvalidKey {
                        key: key(),
                        problem,
                    })
                }
                Err(Refusal::RsaSize(bits)) => {
                    return Err(ConfigError::RsaKeySize { key: key(), bits })
                }
            }
        }
        check_coverage(parsed.iter().map(|(_, _, p)| family(p.shape)), algorithms)?;
        let mut entries = Vec::with_capacity(parsed.len());
        for (index, from_set, key) in parsed {
            let served: Vec<Algorithm> = algorithms
                .iter()
                .copied()
                .filter(|&a| key.shape.permits(a) && key.jwk_alg.is_none_or(|alg| alg == a))
                .collect();
            if served.is_empty() {
                if from_set {
                    continue;
                }
                return Err(ConfigError::InvalidKey {
                    key: label(index, key.kid.as_deref()),
                    problem: "none of the allowed algorithms fits this key (its type or JWK `alg`)",
                });
            }
            if let Shape::Hmac(actual) = key.shape {
                for &algorithm in &served {
                    let required = min_secret_len(algorithm).unwrap_or(0);
                    if actual < required {
                        return Err(ConfigError::SecretTooShort {
                            algorithm,
                            actual,
                            required,
                        });
                    }
                }
            }
            let entry = KeyEntry {
                kid: key.kid,
                decoding: key.decoding,
                encoding: key.encoding,
                algorithms: served,
            };
            probe(&entry).map_err(|problem| ConfigError::InvalidKey {
                key: label(index, entry.kid.as_deref()),
                problem,
            })?;
            entries.push(entry);
        }
        // Skipped JWK Set members may have left a family without a key.
        let served = entries
            .iter()
            .flat_map(|e| e.algorithms.iter().map(|a| a.family()));
        check_coverage(served, algorithms)?;
        if entries.len() > 1 {
            let mut kids: Vec<&str> = Vec::with_capacity(entries.len());
            for entry in &entries {
                match entry.kid.as_deref() {
                    Some(kid) if !kids.contains(&kid) => kids.push(kid),
                    _ => return Err(ConfigError::AmbiguousKeys),
                }
            }
        }
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

    /// The signing key: the one with `kid`, or the first configured key that can sign.
    pub(crate) fn signing(&self, kid: Option<&str>) -> Option<&KeyEntry> {
        match kid {
            Some(_) => self.find(kid),
            None => self.entries.iter().find(|entry| entry.encoding.is_some()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A signing key must sign, and its own public half must verify what it signed.
fn probe(entry: &KeyEntry) -> Result<(), &'static str> {
    let (Some(encoding), Some(algorithm)) = (&entry.encoding, entry.signing_algorithm()) else {
        return Ok(());
    };
    let message = b"axum-jwt-layer key check";
    let signature = jsonwebtoken::crypto::sign(message, encoding, algorithm)
        .map_err(|_| "the crypto backend cannot sign with this private key")?;
    match jsonwebtoken::crypto::verify(&signature, message, &entry.decoding, algorithm) {
        Ok(true) => Ok(()),
        _ => Err("the public key does not verify what the private key signs: not a pair"),
    }
}

impl<U, C> JwtAuthBuilder<U, C>
where
    C: serde::de::DeserializeOwned,
{
    /// Adds a key (see [`Key`]): an HMAC secret, an RSA, EC or Ed25519 key, or a JWK. With
    /// several keys, each needs a distinct kid, and a token's `kid` selects its key.
    ///
    /// ```
    /// use axum_jwt_layer::{Algorithm, JwtAuth, Key, Token};
    /// use std::convert::Infallible;
    ///
    /// let auth = JwtAuth::<String>::builder()
    ///     .key(Key::private_pem(include_bytes!("../tests/fixtures/p256-a-private.pem")).with_kid("ec"))
    ///     .key(Key::public_pem(include_bytes!("../tests/fixtures/rsa2048-a-public.pem")).with_kid("rsa"))
    ///     .algorithms([Algorithm::ES256, Algorithm::RS256])
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap(); // the first key that can sign
    /// assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, Algorithm::ES256);
    /// ```
    pub fn key(mut self, key: Key) -> Self {
        self.keys.push(KeySpec::new(key));
        self
    }

    /// Adds the keys of a JWK Set (see [`Key::from_jwk`]). Members that are not for
    /// signatures (`use` other than `sig`, `key_ops` without `verify`, an `alg` or curve this
    /// crate does not verify, or no allowed algorithm for their type) are skipped; a malformed
    /// member fails `build()`.
    ///
    /// ```
    /// use axum_jwt_layer::{Algorithm, JwkSet, JwtAuth, Token};
    /// use std::convert::Infallible;
    ///
    /// let set: JwkSet = serde_json::from_str(r#"{"keys": [
    ///     {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":"g5e17dExK9IlQtcvuiMr_u7DI0KxQ2YHuXHrmo81lm4"},
    ///     {"kty":"oct","use":"enc","kid":"wrap","k":"AAAAAAAAAAAAAAAAAAAAAA"}
    /// ]}"#).unwrap();
    /// let auth = JwtAuth::<String>::builder()
    ///     .jwk_set(&set)
    ///     .algorithms([Algorithm::EdDSA])
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(format!("{auth:?}").contains("keys: 1"));
    /// ```
    pub fn jwk_set(mut self, set: &JwkSet) -> Self {
        self.keys.extend(set.keys.iter().map(|jwk| KeySpec {
            key: Key::from_jwk(jwk),
            from_set: true,
        }));
        self
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
