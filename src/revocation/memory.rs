//! [`MemoryRevocationStore`]: a bounded in-process deny-list.

use std::collections::HashMap;
use std::future::{ready, Future};
use std::sync::Mutex;

use super::{RevocationStore, StoreError};
use crate::config::now;

/// An in-memory deny-list for one instance, bounded to `capacity` entries. Entries are
/// forgotten once their token has expired; when every slot holds an unexpired entry,
/// `revoke` fails (a logout answers 503) rather than forgetting a revocation.
///
/// ```
/// use axum_jwt_layer::MemoryRevocationStore;
/// let store = MemoryRevocationStore::new(10_000);
/// assert_eq!(store.len(), 0);
/// ```
#[derive(Debug)]
pub struct MemoryRevocationStore {
    capacity: usize,
    entries: Mutex<HashMap<String, i64>>,
}

impl MemoryRevocationStore {
    /// A store holding at most `capacity` revoked ids at a time.
    ///
    /// ```
    /// # use axum_jwt_layer::MemoryRevocationStore;
    /// let store = MemoryRevocationStore::new(100);
    /// # let _ = store;
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How many unexpired entries the store holds.
    ///
    /// ```
    /// # use axum_jwt_layer::MemoryRevocationStore;
    /// assert_eq!(MemoryRevocationStore::new(1).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        let now = now();
        self.entries.lock().map_or(0, |entries| {
            entries.values().filter(|until| **until > now).count()
        })
    }

    /// Whether the store holds no unexpired entry.
    ///
    /// ```
    /// # use axum_jwt_layer::MemoryRevocationStore;
    /// assert!(MemoryRevocationStore::new(1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| StoreError::unavailable("memory store lock poisoned"))?;
        if entries.len() >= self.capacity && !entries.contains_key(jti) {
            let now = now();
            entries.retain(|_, expiry| *expiry > now);
            if entries.len() >= self.capacity {
                return Err(StoreError::full());
            }
        }
        let expiry = entries.entry(jti.to_owned()).or_insert(until);
        *expiry = (*expiry).max(until);
        Ok(())
    }

    fn contains(&self, jti: &str) -> Result<bool, StoreError> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| StoreError::unavailable("memory store lock poisoned"))?;
        Ok(entries.get(jti).is_some_and(|until| *until > now()))
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke(&self, jti: &str, until: i64) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.insert(jti, until))
    }

    fn is_revoked(&self, jti: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        ready(self.contains(jti))
    }
}
