//! The verified-token cache (opt-in): tokens that passed every check, keyed by the whole token
//! string, so a token seen again skips base64, JSON and signature work. The clock-dependent
//! checks (`exp`, `nbf`, `iat`) run again on every hit; revocation and the resolver run later
//! in the pipeline anyway. An entry is tied to the key set that verified it: when a remote JWK
//! Set changes, older entries stop matching.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::verify::Verifier;
use crate::error::{AuthError, AuthErrorKind};
use crate::token::Token;

/// At most this many independently locked shards.
const SHARDS: usize = 16;

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

/// One independently locked part of the cache, keyed by the full token string.
type Shard<C> = Mutex<HashMap<Box<str>, Cached<C>>>;

/// A bounded map from the full token string (never a hash of it) to its verified claims.
pub(crate) struct TokenCache<C> {
    shards: Box<[Shard<C>]>,
    per_shard: usize,
}

impl<C> TokenCache<C> {
    /// A cache of at most `capacity` tokens (`capacity` > 0).
    pub(crate) fn new(capacity: usize) -> Self {
        let count = capacity.clamp(1, SHARDS);
        Self {
            shards: (0..count).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: (capacity / count).max(1),
        }
    }

    /// The shard of a token, from its last bytes (the signature: uniform for real tokens).
    fn shard(&self, token: &str) -> MutexGuard<'_, HashMap<Box<str>, Cached<C>>> {
        let mix = token.bytes().rev().take(8).fold(0usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        });
        let shard = &self.shards[mix % self.shards.len()];
        // Nothing panics while a shard is locked; a poisoned one is still consistent.
        shard.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clone + Send + Sync + 'static> VerifiedTokens<C> for TokenCache<C> {
    fn get(&self, token: &str, generation: u64) -> Option<Token<C>> {
        let hit = {
            let mut shard = self.shard(token);
            match shard.get(token) {
                Some(cached) if cached.generation == generation => Arc::clone(&cached.token),
                Some(_) => {
                    shard.remove(token);
                    return None;
                }
                None => return None,
            }
        };
        // Cloned outside the lock.
        Some(Token::clone(&hit))
    }

    fn insert(&self, token: &str, generation: u64, verified: &Token<C>, now: i64) {
        let cached = Cached {
            token: Arc::new(verified.clone()),
            generation,
        };
        let mut shard = self.shard(token);
        if shard.len() >= self.per_shard && !shard.contains_key(token) {
            shard.retain(|_, c| c.token.exp.is_none_or(|exp| exp > now));
            if shard.len() >= self.per_shard {
                // Evict an eighth, in the map's (arbitrary) order, so this O(n) pass is rare.
                let mut evict = (self.per_shard / 8).max(1);
                shard.retain(|_, _| {
                    let keep = evict == 0;
                    evict = evict.saturating_sub(1);
                    keep
                });
            }
        }
        shard.insert(token.into(), cached);
    }

    fn remove(&self, token: &str) {
        self.shard(token).remove(token);
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
    let generation = verifier.keys.generation();
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

/// The capacity of the cache when the allow-list has an asymmetric algorithm and
/// [`JwtAuthBuilder::verified_token_cache`](crate::JwtAuthBuilder::verified_token_cache) was not called.
pub(crate) const DEFAULT_CAPACITY: usize = 4_096;

/// For `build()`: the configured cache, or the default one. On by default only when an
/// asymmetric algorithm is allowed: there the signature check dominates (about 10 to 25 times
/// a hit, `benches/keys.rs`); for HMAC alone a hit saves about half.
pub(crate) fn build_cache<C>(
    capacity: Option<usize>,
    algorithms: &[jsonwebtoken::Algorithm],
) -> Option<Box<dyn VerifiedTokens<C>>>
where
    C: Clone + Send + Sync + 'static,
{
    let asymmetric = algorithms
        .iter()
        .any(|a| a.family() != jsonwebtoken::AlgorithmFamily::Hmac);
    let capacity = capacity.unwrap_or(if asymmetric { DEFAULT_CAPACITY } else { 0 });
    (capacity > 0).then(|| Box::new(TokenCache::<C>::new(capacity)) as Box<dyn VerifiedTokens<C>>)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(sub: &str, exp: i64) -> Token {
        serde_json::from_value(serde_json::json!({"sub": sub, "exp": exp})).unwrap()
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = TokenCache::new(40);
        for i in 0..1_000 {
            cache.insert(&format!("token-{i}"), 1, &token("a", 10_000), 0);
        }
        let held: usize = cache.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(held <= 40, "{held}");
    }

    #[test]
    fn a_hit_needs_the_same_key_set_generation() {
        let cache = TokenCache::new(8);
        cache.insert("t", 1, &token("a", 10_000), 0);
        assert_eq!(cache.get("t", 1).unwrap().sub, "a");
        assert!(cache.get("t", 2).is_none());
        assert!(cache.get("t", 1).is_none(), "a stale entry is dropped");
    }

    #[test]
    fn expired_entries_go_first_when_full() {
        let cache = TokenCache::new(1);
        cache.insert("old", 1, &token("a", 5), 0);
        cache.insert("new", 1, &token("b", 100), 50);
        assert!(cache.get("old", 1).is_none());
        assert_eq!(cache.get("new", 1).unwrap().sub, "b");
    }
}
