//! [`RedisRevocationStore`]: revocations and refresh families in Redis, shared by every
//! instance (feature `redis`).

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands as _, Script};

use super::store::{Revocation, RevocationStore, Rotation, StoreError, TokenIds};

/// Keeps the larger "issued up to" time of a subject and extends its expiry.
const SUBJECT_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
local value = tonumber(ARGV[1])
if current and tonumber(current) > value then value = tonumber(current) end
redis.call('SET', KEYS[1], value, 'EXAT', ARGV[2])
return 1";

/// Moves a family's current refresh token from ARGV[1] to ARGV[2], unless another is current.
const ROTATE_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
return 1";

/// A [`RevocationStore`] in Redis: every entry is a key with an expiry at the end of the
/// lifetime of the tokens it covers, so Redis forgets it by itself. An authenticated request
/// costs one round trip (`MGET` of the token's, family's and subject's keys). Connection loss
/// makes calls fail (the layer answers 503: fail closed) and the connection manager
/// reconnects by itself when Redis is back.
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
    subject: std::sync::Arc<Script>,
    rotate: std::sync::Arc<Script>,
}

impl std::fmt::Debug for RedisRevocationStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRevocationStore")
            .field("prefix", &self.prefix)
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
            subject: std::sync::Arc::new(Script::new(SUBJECT_SCRIPT)),
            rotate: std::sync::Arc::new(Script::new(ROTATE_SCRIPT)),
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

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    async fn record(&self, revocation: Revocation<'_>, until: i64) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let expiry = redis::SetOptions::default()
            .with_expiration(redis::SetExpiry::EXAT(u64::try_from(until).unwrap_or(0)));
        match revocation {
            Revocation::Token(jti) => {
                let key = self.key("jti", jti);
                connection.set_options::<_, _, ()>(key, 1, expiry).await
            }
            Revocation::Family(family) => {
                let key = self.key("fid", family);
                connection.set_options::<_, _, ()>(key, 1, expiry).await
            }
            Revocation::Subject {
                subject,
                issued_up_to,
            } => {
                let mut invocation = self.subject.key(self.key("sub", subject));
                invocation.arg(issued_up_to).arg(until);
                invocation.invoke_async::<()>(&mut connection).await
            }
        }
        .map_err(unavailable)
    }

    async fn covers(&self, token: TokenIds<'_>) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let keys = [
            self.key("jti", token.jti),
            // Without a family, a key that never exists keeps the reply shape.
            self.key("fid", token.family.unwrap_or("")),
            self.key("sub", token.subject),
        ];
        let (jti, family, subject): (Option<String>, Option<String>, Option<i64>) =
            redis::cmd("MGET")
                .arg(&keys)
                .query_async(&mut connection)
                .await
                .map_err(unavailable)?;
        let by_subject =
            subject.is_some_and(|up_to| token.issued_at.is_none_or(|iat| iat <= up_to));
        Ok(jti.is_some() || (token.family.is_some() && family.is_some()) || by_subject)
    }

    async fn advance(
        &self,
        family: &str,
        presented: &str,
        next: &str,
        until: i64,
    ) -> Result<Rotation, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.rotate.key(self.key("cur", family));
        invocation.arg(presented).arg(next).arg(until);
        let rotated: i64 = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(unavailable)?;
        Ok(if rotated == 1 {
            Rotation::Rotated
        } else {
            Rotation::Reused
        })
    }
}

impl RevocationStore for RedisRevocationStore {
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
        family: &str,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        self.advance(family, presented, next, until)
    }
}
