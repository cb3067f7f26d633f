//! [`RedisRevocationStore`]: revocations and refresh families in Redis, shared by every
//! instance (feature `redis`).

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Script};

use super::memory::DEFAULT_FAMILIES_PER_SUBJECT;
use super::store::{Family, Revocation, RevocationStore, Rotation, StoreError, TokenIds};
use crate::time::now;

/// Registers a login family. KEYS: the subject's family index (a sorted set of family ids
/// scored by expiry), the family's key. ARGV: now, until, the current refresh jti (or ""),
/// the per-subject cap, the prefix of the subject's family keys, the family id.
/// Ended families leave the index; at the cap the oldest is removed with its key. New state:
/// without `allow-oom`, Redis refuses it at `maxmemory`.
const REGISTER_SCRIPT: &str = r"#!lua
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(ARGV[4])
while redis.call('ZCARD', KEYS[1]) >= cap do
  local oldest = redis.call('ZPOPMIN', KEYS[1])
  redis.call('DEL', ARGV[5] .. oldest[1])
end
redis.call('SET', KEYS[2], ARGV[3], 'EXAT', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], newest[2])
return 1";

/// Logs a subject out everywhere. KEYS: the family index, the subject's "logged out up to"
/// key. ARGV: the issue time, until, the prefix of the subject's family keys, now. Every family
/// key is removed with the index; the time kept is the larger one. It frees memory, so it
/// runs at `maxmemory` too.
const SUBJECT_SCRIPT: &str = r"#!lua flags=allow-oom
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[3] .. id)
end
redis.call('DEL', KEYS[1])
local current = redis.call('GET', KEYS[2])
local value = tonumber(ARGV[1])
if current and tonumber(current) > value then value = tonumber(current) end
local expiry = tonumber(ARGV[2])
local ttl = redis.call('TTL', KEYS[2])
if ttl > 0 and tonumber(ARGV[4]) + ttl > expiry then expiry = tonumber(ARGV[4]) + ttl end
redis.call('SET', KEYS[2], value, 'EXAT', expiry)
return 1";

/// Removes a login family. KEYS: the family's key, the family index. ARGV: the family id.
/// It frees memory, so it runs at `maxmemory` too (a `MULTI` would not).
const FAMILY_SCRIPT: &str = r"#!lua flags=allow-oom
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1";

/// Moves a family's current refresh token. KEYS: the family's key, the family index. ARGV:
/// presented, next, until, the family id. 2: the family is not registered; 0: another token
/// is current (reuse); 1: rotated. It replaces a value of the same size, so it runs at
/// `maxmemory` too: a full Redis never stops a user's refresh.
const ROTATE_SCRIPT: &str = r"#!lua flags=allow-oom
local current = redis.call('GET', KEYS[1])
if not current then return 2 end
if current ~= '' and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[2], newest[2])
return 1";

/// A [`RevocationStore`] in Redis: every entry is a key with an expiry at the end of the
/// lifetime of the tokens it covers, so Redis forgets it by itself. An authenticated request
/// costs one round trip (`MGET` of the family's, the token's and the subject's keys). Connection
/// loss makes calls fail (the layer answers 503: fail closed) and the connection manager
/// reconnects by itself when Redis is back.
///
/// Keys, all of one subject in one Redis Cluster hash slot (the subject is the hash tag):
/// `{prefix}{<sub>}:fid:<fid>` a live login family (its current refresh `jti`, or empty),
/// `{prefix}{<sub>}:fids` the subject's families (a sorted set by expiry),
/// `{prefix}{<sub>}:jti:<jti>` a revoked token without a family, `{prefix}{<sub>}:out` the
/// subject's "logged out up to" time.
///
/// Bounds: one subject keeps at most [`families_per_subject`](Self::families_per_subject)
/// live logins (the next login removes the oldest); logging out removes keys and never needs
/// memory, and refreshing and logging out everywhere still run when Redis is at `maxmemory`.
/// Redis's own bound is `maxmemory`: run it with `maxmemory-policy noeviction` (a login then
/// gets 503 when Redis is full; an evicting policy could drop a revoked `jti`). Needs Redis 7
/// or later (the scripts declare their flags).
///
/// ```no_run
/// use axum_jwt_layer::revocation::RedisRevocationStore;
/// # async fn connect() -> Result<(), axum_jwt_layer::revocation::StoreError> {
/// let store = RedisRevocationStore::connect("redis://127.0.0.1:6379/").await?.prefix("myapp:auth:");
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisRevocationStore {
    connection: ConnectionManager,
    prefix: String,
    families_per_subject: usize,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    register: Script,
    family: Script,
    subject: Script,
    rotate: Script,
}

impl std::fmt::Debug for RedisRevocationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRevocationStore")
            .field("prefix", &self.prefix)
            .field("families_per_subject", &self.families_per_subject)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: redis::RedisError) -> StoreError {
    StoreError::unavailable(error)
}

impl RedisRevocationStore {
    /// Connects to `url` (`redis://host:port/db`) with a connection manager that gives up on
    /// a call after 2 s and reconnects in the background. Keys are prefixed `jwt:`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), axum_jwt_layer::revocation::StoreError> {
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::connect("redis://127.0.0.1/").await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(2))
            .set_number_of_retries(2)
            .set_max_delay(500);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(Self::from_connection(connection))
    }

    /// Uses an existing connection manager (your own timeouts, TLS, ...).
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1/")?;
    /// let manager = redis::aio::ConnectionManager::new(client).await?;
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::from_connection(manager);
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn from_connection(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: "jwt:".to_owned(),
            families_per_subject: DEFAULT_FAMILIES_PER_SUBJECT,
            scripts: std::sync::Arc::new(Scripts {
                register: Script::new(REGISTER_SCRIPT),
                family: Script::new(FAMILY_SCRIPT),
                subject: Script::new(SUBJECT_SCRIPT),
                rotate: Script::new(ROTATE_SCRIPT),
            }),
        }
    }

    /// The prefix of every key this store writes. Default `jwt:`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), axum_jwt_layer::revocation::StoreError> {
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::connect("redis://127.0.0.1/").await?
    ///     .prefix("shop:auth:");
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many live logins (families) one subject keeps; the next login removes the oldest.
    /// Default 32; at least 1.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), axum_jwt_layer::revocation::StoreError> {
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::connect("redis://127.0.0.1/").await?
    ///     .families_per_subject(5);
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn families_per_subject(mut self, families: usize) -> Self {
        self.families_per_subject = families.max(1);
        self
    }

    /// `{prefix}{<subject>}:<kind>`: the subject's keys share one hash slot.
    fn key(&self, subject: &str, kind: &str) -> String {
        format!("{}{{{subject}}}:{kind}", self.prefix)
    }

    async fn add(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.scripts.register.key(self.key(family.subject, "fids"));
        invocation
            .key(self.key(family.subject, &format!("fid:{}", family.id)))
            .arg(now())
            .arg(until)
            .arg(refresh.unwrap_or(""))
            .arg(self.families_per_subject)
            .arg(self.key(family.subject, "fid:"))
            .arg(family.id);
        invocation
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(unavailable)
    }

    async fn record(&self, revocation: Revocation<'_>, until: i64) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        match revocation {
            Revocation::Token { jti, subject } => {
                let expiry = redis::SetOptions::default()
                    .with_expiration(redis::SetExpiry::EXAT(u64::try_from(until).unwrap_or(0)));
                let key = self.key(subject, &format!("jti:{jti}"));
                connection.set_options::<_, _, ()>(key, 1, expiry).await
            }
            Revocation::Family(family) => {
                let mut invocation = self
                    .scripts
                    .family
                    .key(self.key(family.subject, &format!("fid:{}", family.id)));
                invocation
                    .key(self.key(family.subject, "fids"))
                    .arg(family.id);
                invocation.invoke_async::<()>(&mut connection).await
            }
            Revocation::Subject {
                subject,
                issued_up_to,
            } => {
                let mut invocation = self.scripts.subject.key(self.key(subject, "fids"));
                invocation
                    .key(self.key(subject, "out"))
                    .arg(issued_up_to)
                    .arg(until)
                    .arg(self.key(subject, "fid:"))
                    .arg(now());
                invocation.invoke_async::<()>(&mut connection).await
            }
        }
        .map_err(unavailable)
    }

    async fn covers(&self, token: TokenIds<'_>) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let keys = [
            // Without a family, a key that never exists keeps the reply shape.
            self.key(
                token.subject,
                &format!("fid:{}", token.family.unwrap_or("")),
            ),
            self.key(token.subject, &format!("jti:{}", token.jti)),
            self.key(token.subject, "out"),
        ];
        let (family, jti, out): (Option<String>, Option<String>, Option<i64>) = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        if jti.is_some() {
            return Ok(true);
        }
        if token.family.is_some() {
            return Ok(family.is_none());
        }
        Ok(out.is_some_and(|up_to| token.issued_at.is_none_or(|iat| iat <= up_to)))
    }

    async fn advance(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> Result<Rotation, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self
            .scripts
            .rotate
            .key(self.key(family.subject, &format!("fid:{}", family.id)));
        invocation
            .key(self.key(family.subject, "fids"))
            .arg(presented)
            .arg(next)
            .arg(until)
            .arg(family.id);
        let rotated: i64 = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(unavailable)?;
        Ok(match rotated {
            1 => Rotation::Rotated,
            0 => Rotation::Reused,
            _ => Rotation::Unknown,
        })
    }
}

impl RevocationStore for RedisRevocationStore {
    fn register(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.add(family, refresh, until)
    }

    fn revoke(
        &self,
        revocation: Revocation<'_>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.record(revocation, until)
    }

    fn is_revoked(
        &self,
        token: TokenIds<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.covers(token)
    }

    fn rotate(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        self.advance(family, presented, next, until)
    }
}
