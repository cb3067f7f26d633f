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
    inner: Arc<Mutex<Sessions>>,
    capacity: usize,
}

/// The sessions, and no later than the earliest of their ends: before then, a full store has
/// nothing to drop, and a refused login costs no scan.
#[derive(Debug, Default)]
struct Sessions {
    map: HashMap<Id, Record>,
    earliest_end: Option<OffsetDateTime>,
}

impl Sessions {
    fn insert(&mut self, record: &Record) {
        let end = record.expiry_date;
        self.earliest_end = Some(self.earliest_end.map_or(end, |e| e.min(end)));
        self.map.insert(record.id, record.clone());
    }

    /// Room for one more session: drops the expired ones when one may have ended.
    fn has_room(&mut self, capacity: usize) -> bool {
        if self.map.len() < capacity {
            return true;
        }
        let now = OffsetDateTime::now_utc();
        if self.earliest_end.is_some_and(|end| end > now) {
            return false;
        }
        self.map.retain(|_, record| is_active(record, now));
        self.earliest_end = self.map.values().map(|r| r.expiry_date).min();
        self.map.len() < capacity
    }
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
        self.sessions().map.len()
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
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
        let mut sessions = self.sessions();
        if !sessions.map.contains_key(&record.id) && !sessions.has_room(self.capacity) {
            return Err(Error::Backend("the session store is full".to_owned()));
        }
        while sessions.map.contains_key(&record.id) {
            record.id = Id::default();
        }
        sessions.insert(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let mut sessions = self.sessions();
        // An update of a known session always succeeds; a new one counts against the bound.
        if !sessions.map.contains_key(&record.id) && sessions.map.len() >= self.capacity {
            return Err(Error::Backend("the session store is full".to_owned()));
        }
        sessions.insert(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        let mut sessions = self.sessions();
        match sessions.map.get(id) {
            Some(record) if is_active(record, now) => Ok(Some(record.clone())),
            Some(_) => {
                sessions.map.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.sessions().map.remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ends_in: ::time::Duration) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + ends_in,
        }
    }

    #[tokio::test]
    async fn a_full_store_drops_what_ended_and_refuses_while_every_session_lives() {
        let store = MemoryStore::with_capacity(2);
        let hour = ::time::Duration::hours(1);
        store.create(&mut record(hour)).await.unwrap();
        store.create(&mut record(-hour)).await.unwrap();
        // Full, one session ended: it makes room.
        let mut third = record(hour);
        store.create(&mut third).await.unwrap();
        assert_eq!(store.len(), 2);
        assert!(store.load(&third.id).await.unwrap().is_some());
        // Full of live sessions: refused, and nothing dropped.
        assert!(store.create(&mut record(hour)).await.is_err());
        assert_eq!(store.len(), 2);
        // A session that ends early, created in place of one that was deleted, is still
        // found to have ended; so is one whose end a save moved earlier.
        store.delete(&third.id).await.unwrap();
        let mut brief = record(::time::Duration::seconds(1));
        store.create(&mut brief).await.unwrap();
        assert!(store.create(&mut record(hour)).await.is_err());
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        store.create(&mut record(hour)).await.unwrap();
        assert!(store.load(&brief.id).await.unwrap().is_none());
        assert_eq!(store.len(), 2);

        let live: Vec<Id> = store.sessions().map.keys().copied().collect();
        let mut shortened = store.load(&live[0]).await.unwrap().unwrap();
        shortened.expiry_date = OffsetDateTime::now_utc() - hour;
        store.save(&shortened).await.unwrap();
        store.create(&mut record(hour)).await.unwrap();
        assert!(store.load(&shortened.id).await.unwrap().is_none());
    }
}
