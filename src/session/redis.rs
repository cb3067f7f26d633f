//! [`RedisSessionStore`]: sessions in Redis (features `session` and `redis`), so that every
//! instance of a service serves every session.

use std::fmt;
use std::time::Duration;

use ::time::OffsetDateTime;
use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error, Result};
use tower_sessions_core::SessionStore;

/// How many fresh ids `create` tries when one is taken (with 128-bit random ids, one retry is
/// already a surprise).
const CREATE_ATTEMPTS: usize = 8;

/// A tower-sessions [`SessionStore`] on one Redis node, through the `redis` crate this crate
/// already uses for revocation (tower-sessions' own Redis store is built on another client,
/// `fred`, and on the previous tower-sessions-core line). Each session is one key,
/// `<prefix><id>` (prefix `session:` by default), holding the record as JSON, with Redis
/// expiring it at the session's end (`EXAT`): nothing to sweep, and memory bounded by the
/// server's `maxmemory` policy. A new session is written with `NX`, so an id is never reused.
///
/// ```no_run
/// # async fn run() -> Result<(), redis::RedisError> {
/// use axum_jwt_layer::session::{RedisSessionStore, SessionBackend};
///
/// let store = RedisSessionStore::connect("redis://127.0.0.1/").await?;
/// let sessions = SessionBackend::<String>::builder().store(store).build().unwrap();
/// # let _ = sessions; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A Redis failure as a store error: its kind only (never a key, which holds a session id).
fn backend(error: redis::RedisError) -> Error {
    Error::Backend(format!("redis: {:?}", error.kind()))
}

impl RedisSessionStore {
    /// Connects to `url` (`redis://host:port/db`) with a connection manager that gives up on
    /// a call after 2 s and reconnects in the background.
    pub async fn connect(url: &str) -> std::result::Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self::from_connection(connection))
    }

    /// Uses an existing connection manager (your own timeouts, TLS, ...).
    pub fn from_connection(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: "session:".to_owned(),
        }
    }

    /// The prefix of the keys (default `session:`), to share a Redis with other data.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// # use axum_jwt_layer::session::RedisSessionStore;
    /// let store = RedisSessionStore::connect("redis://127.0.0.1/").await?.prefix("shop:session:");
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, id: &Id) -> String {
        format!("{}{id}", self.prefix)
    }

    /// `SET key record EXAT <end> [NX]`; `false` when `NX` found the key taken. A record
    /// already past its end is deleted instead (Redis refuses an expiry in the past).
    async fn write(&self, record: &Record, only_new: bool) -> Result<bool> {
        let key = self.key(&record.id);
        let end = record.expiry_date.unix_timestamp();
        let mut connection = self.connection.clone();
        if end <= OffsetDateTime::now_utc().unix_timestamp() {
            if only_new {
                // A session created already ended would hand out a cookie for nothing.
                return Err(Error::Backend("the session has already ended".to_owned()));
            }
            let _: i64 = redis::cmd("DEL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .map_err(backend)?;
            return Ok(true);
        }
        let value = serde_json::to_vec(record)
            .map_err(|e| Error::Encode(format!("session record ({:?})", e.classify())))?;
        let mut set = redis::cmd("SET");
        set.arg(&key).arg(value).arg("EXAT").arg(end);
        if only_new {
            set.arg("NX");
        }
        let answer: Option<String> = set.query_async(&mut connection).await.map_err(backend)?;
        Ok(answer.is_some())
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        for _ in 0..CREATE_ATTEMPTS {
            if self.write(record, true).await? {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id".to_owned()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.write(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let mut connection = self.connection.clone();
        let value: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.key(id))
            .query_async(&mut connection)
            .await
            .map_err(backend)?;
        // The category only: serde's message can quote the record.
        value
            .map(|bytes| {
                serde_json::from_slice(&bytes).map_err(|e| {
                    Error::Decode(format!("not a session record ({:?})", e.classify()))
                })
            })
            .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let mut connection = self.connection.clone();
        let _: i64 = redis::cmd("DEL")
            .arg(self.key(id))
            .query_async(&mut connection)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
