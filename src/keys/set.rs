//! The key set: every configured [`Key`], parsed and checked once by `build()`, looked up by
//! `kid` (an exact string match, never a path or a query) on each request.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
#[cfg(feature = "jwks")]
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};

use super::hmac::HmacKeys;
use super::key::Key;
use super::parse::{Parsed, Refusal, Shape};
#[cfg(feature = "aws-lc-rs")]
use super::public::PublicKeys;
use crate::error::{ConfigError, InvalidTokenReason as Reason, KeyProblem};

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
    /// An HMAC secret prepared once (its pads hashed), for the HS algorithms it serves.
    hmac: Option<HmacKeys>,
    /// A public key parsed once, for the asymmetric algorithms it serves.
    #[cfg(feature = "aws-lc-rs")]
    public: Option<PublicKeys>,
}

impl KeyEntry {
    fn new(
        kid: Option<String>,
        decoding: DecodingKey,
        encoding: Option<EncodingKey>,
        algorithms: Vec<Algorithm>,
    ) -> Self {
        let hmac = match decoding.kind() {
            DecodingKeyKind::SecretOrDer(secret) if decoding.family() == AlgorithmFamily::Hmac => {
                HmacKeys::new(secret, &algorithms)
            }
            _ => None,
        };
        Self {
            kid,
            #[cfg(feature = "aws-lc-rs")]
            public: PublicKeys::new(&decoding, &algorithms),
            decoding,
            encoding,
            algorithms,
            hmac,
        }
    }

    /// Verifies `signature` (base64url, as in the token) over `message` with `algorithm`.
    pub(crate) fn verify(&self, signature: &str, message: &[u8], algorithm: Algorithm) -> bool {
        if let Some(hmac) = &self.hmac {
            let mut tag = [0u8; 64];
            // A tag that does not decode into 64 bytes is not one of ours.
            let decoded = URL_SAFE_NO_PAD.decode_slice(signature, &mut tag);
            if let Some(valid) = decoded
                .ok()
                .and_then(|len| hmac.verify(algorithm, message, &tag[..len]))
            {
                return valid;
            }
        }
        #[cfg(feature = "aws-lc-rs")]
        if let Some(public) = &self.public {
            // The largest signature: RSA with an 8192-bit modulus. One that does not decode
            // into it is left to jsonwebtoken, which refuses it.
            let mut decoded = [0u8; 1024];
            let verified = URL_SAFE_NO_PAD
                .decode_slice(signature, &mut decoded)
                .ok()
                .and_then(|len| public.verify(algorithm, message, &decoded[..len]));
            if let Some(valid) = verified {
                return valid;
            }
        }
        matches!(
            jsonwebtoken::crypto::verify(signature, message, &self.decoding, algorithm),
            Ok(true)
        )
    }
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
    /// Distinct for every set built in this process: what a cached verification is tied to.
    generation: u64,
}

fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The allowed algorithms a parsed key serves: its type's, narrowed by its JWK `alg`.
fn served(key: &Parsed, algorithms: &[Algorithm]) -> Vec<Algorithm> {
    algorithms
        .iter()
        .copied()
        .filter(|&a| key.shape.permits(a) && key.jwk_alg.is_none_or(|alg| alg == a))
        .collect()
}

/// Why a remote JWK Set was not installed.
#[cfg(feature = "jwks")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RemoteSetProblem {
    /// No member is a public signature key for an allowed algorithm.
    NoUsableKeys,
    /// Two usable members share a kid.
    DuplicateKid,
}

/// At most this many keys of a remote set are used (the lookup is a linear scan).
#[cfg(feature = "jwks")]
pub(crate) const MAX_REMOTE_KEYS: usize = 100;

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
            let served = served(&key, algorithms);
            if served.is_empty() {
                if from_set {
                    continue;
                }
                return Err(ConfigError::InvalidKey {
                    key: label(index, key.kid.as_deref()),
                    problem: KeyProblem::NoAllowedAlgorithm,
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
            // Only an empty HMAC secret has no verifying half, and the check above refused it
            // (every HMAC algorithm needs 32 bytes or more); were one to get here, it is left
            // out, and the coverage check below still sees what is missing.
            let Some(decoding) = key.decoding else {
                continue;
            };
            let entry = KeyEntry::new(key.kid, decoding, key.encoding, served);
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
        Ok(Self::from_entries(entries))
    }

    fn from_entries(entries: Vec<KeyEntry>) -> Self {
        Self {
            entries,
            generation: next_generation(),
        }
    }

    /// A set without keys: what a verify-only configuration signs with (it cannot).
    #[cfg(feature = "jwks")]
    pub(crate) fn empty() -> Self {
        Self::from_entries(Vec::new())
    }

    /// The usable members of a fetched JWK Set (RFC 7517 §5: members of an unknown type, or
    /// not for our signatures, are skipped). HMAC secrets are never taken from a remote set.
    /// Returns the set and how many members were skipped.
    #[cfg(feature = "jwks")]
    pub(crate) fn from_remote(
        members: &[Jwk],
        algorithms: &[Algorithm],
    ) -> Result<(Self, usize), RemoteSetProblem> {
        let mut entries: Vec<KeyEntry> = Vec::new();
        for jwk in members {
            if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
                continue;
            }
            let Ok(key) = Key::from_jwk(jwk).parse() else {
                continue;
            };
            let algorithms = served(&key, algorithms);
            if algorithms.is_empty() || entries.len() == MAX_REMOTE_KEYS {
                continue;
            }
            if let Some(kid) = key.kid.as_deref() {
                if entries.iter().any(|e| e.kid.as_deref() == Some(kid)) {
                    return Err(RemoteSetProblem::DuplicateKid);
                }
            }
            // Only an HMAC secret can lack a verifying half, and those are skipped above.
            let Some(decoding) = key.decoding else {
                continue;
            };
            entries.push(KeyEntry::new(key.kid, decoding, None, algorithms));
        }
        if entries.is_empty() {
            return Err(RemoteSetProblem::NoUsableKeys);
        }
        let skipped = members.len() - entries.len();
        Ok((Self::from_entries(entries), skipped))
    }

    /// The key for a token's `kid`: an exact match, or the only key when the token has none.
    pub(crate) fn lookup(&self, kid: Option<&str>) -> Result<&KeyEntry, Reason> {
        match (kid, self.entries.as_slice()) {
            (Some(kid), entries) => entries
                .iter()
                .find(|entry| entry.kid.as_deref() == Some(kid))
                .ok_or(Reason::UnknownKey),
            (None, [only]) => Ok(only),
            (None, _) => Err(Reason::MissingKid),
        }
    }

    /// The signing key: the one with `kid`, or the first configured key that can sign.
    pub(crate) fn signing(&self, kid: Option<&str>) -> Option<&KeyEntry> {
        match kid {
            Some(_) => self.lookup(kid).ok(),
            None => self.entries.iter().find(|entry| entry.encoding.is_some()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }
}

/// A signing key must sign, and its own public half must verify what it signed.
fn probe(entry: &KeyEntry) -> Result<(), KeyProblem> {
    let (Some(encoding), Some(algorithm)) = (&entry.encoding, entry.signing_algorithm()) else {
        return Ok(());
    };
    let message = b"axum-jwt-layer key check";
    let signature = jsonwebtoken::crypto::sign(message, encoding, algorithm)
        .map_err(|_| KeyProblem::CannotSign)?;
    if entry.verify(&signature, message, algorithm) {
        Ok(())
    } else {
        Err(KeyProblem::NotAPair)
    }
}

/// Makes sure jsonwebtoken has a crypto provider, once per process.
///
/// The backend this crate's features name is installed as the process default (aws-lc-rs when
/// both are on), unless the application installed one first; with none, `build()` fails
/// instead of panicking later.
pub(crate) fn ensure_crypto_backend() -> Result<(), ConfigError> {
    static USABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let usable = *USABLE.get_or_init(|| {
        // The backend this crate's features name, even when another crate in the graph turned
        // on jsonwebtoken's other backend too (then jsonwebtoken would pick none by itself).
        // Err means a provider is already installed (the application's), which is kept.
        #[cfg(feature = "aws-lc-rs")]
        {
            let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        }
        #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
        {
            let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        }
        // jsonwebtoken 12 says whether it has a provider without panicking (10 panicked on the
        // first use, and left a provider behind that panicked for good).
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return false;
        }
        let Ok(probe) = EncodingKey::from_secret(&[0u8; 32]) else {
            return false;
        };
        // A provider the application installed may still panic rather than sign.
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
