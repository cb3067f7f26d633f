//! [`MemoryStore`]: the default session store, in this process, bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ::time::OffsetDateTime;
use async_trait::async_trait;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error, Result};
use tower_sessions_core::SessionStore;

/// Sessions in memory, for one process (several instances need a shared store: any
/// tower-sessions [`SessionStore`], e.g. on Redis). At most `capacity` sessions: a login
/// that would exceed it first drops the expired ones, and is refused (503) if none expired.
/// Live sessions are never dropped to make room, so a flood of logins cannot log others out.
/// (tower-sessions' own memory store never forgets an expired session; that is why this one
/// exists.)
///
/// ```
/// use axum_jwt_layer::session::MemoryStore;
/// let store = MemoryStore::with_capacity(50_000);
/// # let _ = store;
/// ```
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<HashMap<Id, Record>>>,
    capacity: usize,
}

impl Default for MemoryStore {
    /// Room for 100,000 sessions.
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl MemoryStore {
    /// A store holding at most `capacity` live sessions.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::default(),
            capacity,
        }
    }

    /// How many sessions it holds, expired ones not yet dropped included.
    ///
    /// ```
    /// # use axum_jwt_layer::session::MemoryStore;
    /// assert_eq!(MemoryStore::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Record>> {
        // Nothing panics while it is held; a poisoned map is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn is_active(record: &Record, now: OffsetDateTime) -> bool {
    record.expiry_date > now
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let mut map = self.map();
        if !map.contains_key(&record.id) && map.len() >= self.capacity {
            let now = OffsetDateTime::now_utc();
            map.retain(|_, record| is_active(record, now));
            if map.len() >= self.capacity {
                return Err(Error::Backend("the session store is full".to_owned()));
            }
        }
        while map.contains_key(&record.id) {
            record.id = Id::default();
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let mut map = self.map();
        // An update of a known session always succeeds; a new one counts against the bound.
        if !map.contains_key(&record.id) && map.len() >= self.capacity {
            return Err(Error::Backend("the session store is full".to_owned()));
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        let mut map = self.map();
        match map.get(id) {
            Some(record) if is_active(record, now) => Ok(Some(record.clone())),
            Some(_) => {
                map.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.map().remove(id);
        Ok(())
    }
}
