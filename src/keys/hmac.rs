//! HMAC verification with the key schedule done once: the secret's inner and outer pads are
//! hashed when the key set is built, not on every request. It runs on the backend this
//! crate's features name (aws-lc-rs, else RustCrypto), whatever jsonwebtoken was built with.

use jsonwebtoken::Algorithm;

/// One secret, prepared for each HMAC algorithm it serves.
pub(crate) struct HmacKeys {
    prepared: Vec<(Algorithm, Prepared)>,
}

#[cfg(feature = "aws-lc-rs")]
type Prepared = aws_lc_rs::hmac::Key;

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
#[derive(Clone)]
enum Prepared {
    Sha256(hmac::Hmac<sha2::Sha256>),
    Sha384(hmac::Hmac<sha2::Sha384>),
    Sha512(hmac::Hmac<sha2::Sha512>),
}

/// Whether `algorithm` is an HMAC one.
pub(crate) fn is_hmac(algorithm: &Algorithm) -> bool {
    tag_len(*algorithm).is_some()
}

/// The tag length of an HMAC algorithm, in bytes.
fn tag_len(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    }
}

#[cfg(feature = "aws-lc-rs")]
fn prepare(secret: &[u8], algorithm: Algorithm) -> Option<Prepared> {
    use aws_lc_rs::hmac;
    let digest = match algorithm {
        Algorithm::HS256 => hmac::HMAC_SHA256,
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => return None,
    };
    Some(hmac::Key::new(digest, secret))
}

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
fn prepare(secret: &[u8], algorithm: Algorithm) -> Option<Prepared> {
    use hmac::KeyInit as _;
    match algorithm {
        Algorithm::HS256 => hmac::Hmac::new_from_slice(secret)
            .ok()
            .map(Prepared::Sha256),
        Algorithm::HS384 => hmac::Hmac::new_from_slice(secret)
            .ok()
            .map(Prepared::Sha384),
        Algorithm::HS512 => hmac::Hmac::new_from_slice(secret)
            .ok()
            .map(Prepared::Sha512),
        _ => None,
    }
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
enum Prepared {}

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
fn prepare(_: &[u8], _: Algorithm) -> Option<Prepared> {
    None
}

impl HmacKeys {
    /// `secret` prepared for every HMAC algorithm among `algorithms`; `None` when none is.
    pub(crate) fn new(secret: &[u8], algorithms: &[Algorithm]) -> Option<Self> {
        let prepared: Vec<_> = algorithms
            .iter()
            .filter_map(|&algorithm| Some((algorithm, prepare(secret, algorithm)?)))
            .collect();
        (!prepared.is_empty()).then_some(Self { prepared })
    }

    /// Whether `signature` (the decoded tag) is `algorithm`'s HMAC of `message`, compared in
    /// constant time; `None` when this secret is not prepared for `algorithm`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        let (_, key) = self.prepared.iter().find(|(a, _)| *a == algorithm)?;
        if Some(signature.len()) != tag_len(algorithm) {
            return Some(false);
        }
        Some(check(key, message, signature))
    }
}

#[cfg(feature = "aws-lc-rs")]
fn check(key: &Prepared, message: &[u8], signature: &[u8]) -> bool {
    aws_lc_rs::hmac::verify(key, message, signature).is_ok()
}

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
fn check(key: &Prepared, message: &[u8], signature: &[u8]) -> bool {
    use hmac::Mac as _;
    match key.clone() {
        Prepared::Sha256(mac) => mac.chain_update(message).verify_slice(signature).is_ok(),
        Prepared::Sha384(mac) => mac.chain_update(message).verify_slice(signature).is_ok(),
        Prepared::Sha512(mac) => mac.chain_update(message).verify_slice(signature).is_ok(),
    }
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
fn check(key: &Prepared, _: &[u8], _: &[u8]) -> bool {
    match *key {}
}
