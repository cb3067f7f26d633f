//! The verified-token cache (on by default): tokens that passed every check, keyed by the
//! whole token string, so a token in use skips base64, JSON and signature work (with HMAC
//! algorithms only, once it verified twice: see [`TokenCache`]). The clock-dependent
//! checks (`exp`, `nbf`, `iat`) run again on every hit; revocation and the resolver run later
//! in the pipeline anyway. An entry is tied to the key set that verified it: when a remote JWK
//! Set changes, older entries stop matching.

use std::sync::Arc;

use super::verify::Verifier;
use crate::error::{AuthError, AuthErrorKind};
use crate::token::Token;

/// A verified-token cache behind a trait object, so `JwtAuth<U, C>` stays `Send + Sync` and
/// needs `C: Clone` only where the cache is configured.
pub(crate) trait VerifiedTokens<C>: Send + Sync {
    /// The cached token, if `token` was verified with the key set of `generation`.
    fn get(&self, token: &str, generation: u64) -> Option<Token<C>>;
    /// Remembers that `token` verified to `verified` with the key set of `generation`.
    fn insert(&self, token: &str, generation: u64, verified: &Token<C>, now: i64);
    /// Forgets `token`.
    fn remove(&self, token: &str);
}

struct Cached<C> {
    token: Arc<Token<C>>,
    generation: u64,
}

impl<C> Clone for Cached<C> {
    fn clone(&self) -> Self {
        Self {
            token: Arc::clone(&self.token),
            generation: self.generation,
        }
    }
}

/// A bounded concurrent map from the full token string (never a hash of it) to its verified
/// claims: `quick_cache`, sharded, with S3-FIFO eviction. A token enters a small probation
/// queue and moves to the main one only when it is hit again, so a stream of one-off tokens
/// churns through probation while the tokens in use stay (SECURITY.md 54). At most about
/// `capacity` entries; each holds one token of at most the configured maximum size.
///
/// Made with [`at_second_sight`](Self::at_second_sight), a token is admitted the second time it verifies: the first time
/// only a keyed 64-bit hash of it is remembered (in a bounded set of as many hashes), so a
/// token seen once costs no copy of the token or of its claims. That is for HMAC, where a
/// second verification costs less than the copies; an asymmetric signature is dearer than
/// any copy, so there a token is admitted at once.
pub(crate) struct TokenCache<C> {
    entries: quick_cache::sync::Cache<Box<str>, Cached<C>>,
    /// Keyed hashes of tokens verified once and not admitted yet.
    seen_once: Option<SeenOnce>,
}

/// The hashes of the doorkeeper; the key is random per cache, so nobody can aim tokens at
/// one hash (a collision would only admit a token at its first sight). The hasher is the
/// cache crate's own randomly seeded one (foldhash), a fraction of SipHash's cost per token.
struct SeenOnce {
    hashes: quick_cache::sync::Cache<u64, ()>,
    key: quick_cache::DefaultHashBuilder,
}

impl SeenOnce {
    /// Whether `token` was seen before; remembers it when it was not.
    fn again(&self, token: &str) -> bool {
        use std::hash::BuildHasher as _;
        let hash = self.key.hash_one(token);
        if self.hashes.remove(&hash).is_some() {
            return true;
        }
        self.hashes.insert(hash, ());
        false
    }
}

impl<C> TokenCache<C> {
    /// A cache of at most `capacity` tokens (`capacity` > 0), admitting at first sight.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: quick_cache::sync::Cache::new(capacity.max(1)),
            seen_once: None,
        }
    }

    /// A cache of at most `capacity` tokens that admits a token at its second sight.
    pub(crate) fn at_second_sight(capacity: usize) -> Self {
        Self {
            seen_once: Some(SeenOnce {
                hashes: quick_cache::sync::Cache::new(capacity.max(1)),
                key: Default::default(),
            }),
            ..Self::new(capacity)
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<C: Clone + Send + Sync + 'static> VerifiedTokens<C> for TokenCache<C> {
    fn get(&self, token: &str, generation: u64) -> Option<Token<C>> {
        let cached = self.entries.get(token)?;
        if cached.generation != generation {
            self.entries.remove(token);
            return None;
        }
        Some(Token::clone(&cached.token))
    }

    fn insert(&self, token: &str, generation: u64, verified: &Token<C>, _now: i64) {
        if let Some(seen_once) = &self.seen_once {
            if !seen_once.again(token) {
                return;
            }
        }
        let cached = Cached {
            token: Arc::new(verified.clone()),
            generation,
        };
        self.entries.insert(token.into(), cached);
    }

    fn remove(&self, token: &str) {
        self.entries.remove(token);
    }
}

/// Verification with the cache: a hit is checked against the clock again; a miss is verified
/// in full (`verify_in_full`) and remembered.
pub(crate) fn verify_cached<C>(
    verifier: &Verifier,
    cache: &dyn VerifiedTokens<C>,
    token: &str,
    now: i64,
    verify_in_full: impl FnOnce() -> Result<Token<C>, AuthError>,
) -> Result<Token<C>, AuthError> {
    // Read before verifying: a set replaced meanwhile makes this entry a miss, never stale.
    let generation = verifier.generation();
    if let Some(hit) = cache.get(token, generation) {
        return match verifier.rules.check_times(hit.exp, hit.nbf, hit.iat, now) {
            Ok(()) => Ok(hit),
            Err(reason) => {
                cache.remove(token);
                Err(AuthError::new(AuthErrorKind::InvalidToken(reason)))
            }
        };
    }
    let verified = verify_in_full()?;
    cache.insert(token, generation, &verified, now);
    Ok(verified)
}

/// The capacity of the cache when
/// [`JwtAuthBuilder::verified_token_cache`](crate::JwtAuthBuilder::verified_token_cache) was not called.
pub(crate) const DEFAULT_CAPACITY: usize = 4_096;

/// For `build()`: the configured cache, or the default one (on, for every algorithm: a hit
/// skips base64, JSON and the signature; `benches/keys.rs` and `benches/instructions.rs`
/// measure what it saves); `None` when the capacity is 0.
///
/// `hmac_only`: every accepted algorithm is an HMAC one, so tokens are admitted at their
/// second sight (see [`TokenCache`]).
pub(crate) fn build_cache<C>(
    capacity: Option<usize>,
    hmac_only: bool,
) -> Option<Box<dyn VerifiedTokens<C>>>
where
    C: Clone + Send + Sync + 'static,
{
    let capacity = capacity.unwrap_or(DEFAULT_CAPACITY);
    if capacity == 0 {
        return None;
    }
    let cache = match hmac_only {
        true => TokenCache::<C>::at_second_sight(capacity),
        false => TokenCache::<C>::new(capacity),
    };
    Some(Box::new(cache))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Claims;

    fn token(sub: &str, exp: i64) -> Token {
        serde_json::from_value(serde_json::json!({"sub": sub, "exp": exp})).unwrap()
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = TokenCache::new(40);
        for i in 0..1_000 {
            cache.insert(&format!("token-{i}"), 1, &token("a", 10_000), 0);
        }
        assert!(cache.len() <= 40, "{}", cache.len());
    }

    #[test]
    fn at_second_sight_a_token_seen_once_is_not_copied_and_one_seen_twice_is() {
        let cache = TokenCache::at_second_sight(8);
        cache.insert("once", 1, &token("a", 10_000), 0);
        assert!(cache.get("once", 1).is_none());
        assert_eq!(cache.len(), 0);
        cache.insert("twice", 1, &token("b", 10_000), 0);
        cache.insert("twice", 1, &token("b", 10_000), 0);
        assert_eq!(cache.get("twice", 1).unwrap().sub, "b");
        // The doorkeeper is bounded too: a flood of one-off tokens keeps at most 8 hashes.
        for i in 0..1_000 {
            cache.insert(&format!("one-off-{i}"), 1, &token("x", 10_000), 0);
        }
        assert!(cache.seen_once.as_ref().unwrap().hashes.len() <= 8);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_hit_needs_the_same_key_set_generation() {
        let cache = TokenCache::new(8);
        cache.insert("t", 1, &token("a", 10_000), 0);
        assert_eq!(cache.get("t", 1).unwrap().sub, "a");
        assert!(cache.get("t", 2).is_none());
        assert!(cache.get("t", 1).is_none(), "a stale entry is dropped");
    }

    /// SECURITY.md 54: a working set of 1,000 tokens in use is still served from the cache
    /// after 100,000 one-off tokens passed through, and the cache stays within its bound.
    #[test]
    fn a_working_set_survives_a_stream_of_one_off_tokens() {
        working_set_survives(TokenCache::new(DEFAULT_CAPACITY));
        working_set_survives(TokenCache::at_second_sight(DEFAULT_CAPACITY));
    }

    fn working_set_survives(cache: TokenCache<Claims>) {
        let working: Vec<String> = (0..1_000).map(|i| format!("working-{i}")).collect();
        for name in &working {
            cache.insert(name, 1, &token("w", 10_000), 0);
        }
        for round in 0..100 {
            for name in &working {
                // In use: hit (and re-inserted if it had been dropped, as the layer does).
                if cache.get(name, 1).is_none() {
                    cache.insert(name, 1, &token("w", 10_000), 0);
                }
            }
            for i in 0..1_000 {
                cache.insert(&format!("one-off-{round}-{i}"), 1, &token("x", 10_000), 0);
            }
            assert!(cache.len() <= DEFAULT_CAPACITY + DEFAULT_CAPACITY / 10);
        }
        let served = working.iter().filter(|n| cache.get(n, 1).is_some()).count();
        assert!(served >= 990, "only {served} of 1,000 still cached");
    }
}
