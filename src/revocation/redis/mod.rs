//! [`RedisRevocationStore`]: revocations and refresh families in Redis, shared by every
//! instance (feature `redis`).

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{AsyncCommands as _, Script};

mod connection;
mod scripts;

use self::connection::Connection;
use self::scripts::{FAMILY_SCRIPT, REGISTER_SCRIPT, ROTATE_SCRIPT, SUBJECT_SCRIPT};
use super::memory::DEFAULT_FAMILIES_PER_SUBJECT;
use super::store::{Family, Revocation, RevocationStore, Rotation, StoreError, TokenIds};
use crate::time::now;

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
    connection: Connection,
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
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
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
        Self::with(Connection::Single(connection))
    }

    /// Connects to a Redis Cluster through any of its `nodes` (`redis://host:port`); the
    /// cluster connection learns the slot map and sends each command to the node owning the
    /// subject's slot. A call gives up after 2 s per attempt and 2 retries, so a node that is
    /// down makes the requests of its subjects 503 (fail closed) while the others are served.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), axum_jwt_layer::revocation::StoreError> {
    /// let nodes = ["redis://10.0.0.1:6379", "redis://10.0.0.2:6379", "redis://10.0.0.3:6379"];
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::connect_cluster(nodes).await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub async fn connect_cluster(
        nodes: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, StoreError> {
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        let client = ClusterClient::builder(nodes)
            .connection_timeout(Duration::from_secs(2))
            .response_timeout(Duration::from_secs(2))
            .retries(2)
            .min_retry_wait(50)
            .max_retry_wait(500)
            .build()
            .map_err(unavailable)?;
        let connection = client.get_async_connection().await.map_err(unavailable)?;
        Ok(Self::from_cluster_connection(connection))
    }

    /// Uses an existing Redis Cluster connection (your own timeouts, TLS, ...).
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// let client = redis::cluster::ClusterClient::new(vec!["redis://127.0.0.1:7000"])?;
    /// let connection = client.get_async_connection().await?;
    /// let store = axum_jwt_layer::revocation::RedisRevocationStore::from_cluster_connection(connection);
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn from_cluster_connection(connection: ClusterConnection) -> Self {
        Self::with(Connection::Cluster(connection))
    }

    fn with(connection: Connection) -> Self {
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
