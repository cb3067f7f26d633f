//! [`MemoryRevocationStore`]: a bounded in-process store for one instance.

use std::collections::HashMap;
use std::future::{ready, Future};
use std::sync::{Mutex, MutexGuard};

use super::store::{Revocation, RevocationStore, Rotation, StoreError, TokenIds};
use crate::time::now;

/// Revoked tokens, families and subjects, and the current refresh token of each family, held
/// in memory for one instance (use a shared store such as Redis for several). Bounded to
/// `capacity` entries: entries are forgotten once the tokens they cover have expired, and
/// when every slot holds a live entry, recording another fails (a logout answers 503) rather
/// than forgetting a revocation.
///
/// ```
/// use axum_jwt_layer::revocation::MemoryRevocationStore;
/// let store = MemoryRevocationStore::new(10_000);
/// assert_eq!(store.len(), 0);
/// ```
#[derive(Debug)]
pub struct MemoryRevocationStore {
    capacity: usize,
    entries: Mutex<HashMap<Key, Entry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Token(String),
    Family(String),
    Subject(String),
    Current(String),
}

#[derive(Debug, Clone)]
struct Entry {
    /// Forget after this time (seconds).
    until: i64,
    /// Subject: revoked up to this `iat`. Current: the family's current refresh jti.
    value: Value,
}

#[derive(Debug, Clone)]
enum Value {
    Revoked,
    IssuedUpTo(i64),
    Current(String),
}

impl MemoryRevocationStore {
    /// A store holding at most `capacity` entries at a time.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::MemoryRevocationStore;
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
    /// # use axum_jwt_layer::revocation::MemoryRevocationStore;
    /// assert_eq!(MemoryRevocationStore::new(1).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        let now = now();
        self.lock().map_or(0, |entries| {
            entries.values().filter(|e| e.until > now).count()
        })
    }

    /// Whether the store holds no unexpired entry.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::MemoryRevocationStore;
    /// assert!(MemoryRevocationStore::new(1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<Key, Entry>>, StoreError> {
        self.entries
            .lock()
            .map_err(|_| StoreError::unavailable("memory store lock poisoned"))
    }

    /// Makes room for `key`, forgetting expired entries first; never evicts a live one.
    fn room(&self, entries: &mut HashMap<Key, Entry>, key: &Key) -> Result<(), StoreError> {
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            let now = now();
            entries.retain(|_, entry| entry.until > now);
            if entries.len() >= self.capacity {
                return Err(StoreError::full());
            }
        }
        Ok(())
    }

    fn record(&self, revocation: Revocation<'_>, until: i64) -> Result<(), StoreError> {
        let (key, value) = match revocation {
            Revocation::Token(jti) => (Key::Token(jti.to_owned()), Value::Revoked),
            Revocation::Family(family) => (Key::Family(family.to_owned()), Value::Revoked),
            Revocation::Subject {
                subject,
                issued_up_to,
            } => (
                Key::Subject(subject.to_owned()),
                Value::IssuedUpTo(issued_up_to),
            ),
        };
        let mut entries = self.lock()?;
        self.room(&mut entries, &key)?;
        let entry = entries.entry(key).or_insert(Entry {
            until,
            value: value.clone(),
        });
        entry.until = entry.until.max(until);
        if let (Value::IssuedUpTo(old), Value::IssuedUpTo(new)) = (&entry.value, &value) {
            entry.value = Value::IssuedUpTo((*old).max(*new));
        }
        Ok(())
    }

    fn covers(&self, token: TokenIds<'_>) -> Result<bool, StoreError> {
        let entries = self.lock()?;
        let now = now();
        let live = |key: Key| entries.get(&key).filter(|e| e.until > now);
        if live(Key::Token(token.jti.to_owned())).is_some() {
            return Ok(true);
        }
        if let Some(family) = token.family {
            if live(Key::Family(family.to_owned())).is_some() {
                return Ok(true);
            }
        }
        Ok(match live(Key::Subject(token.subject.to_owned())) {
            Some(Entry {
                value: Value::IssuedUpTo(up_to),
                ..
            }) => token.issued_at.is_none_or(|iat| iat <= *up_to),
            _ => false,
        })
    }

    fn advance(
        &self,
        family: &str,
        presented: &str,
        next: &str,
        until: i64,
    ) -> Result<Rotation, StoreError> {
        let key = Key::Current(family.to_owned());
        let mut entries = self.lock()?;
        let now = now();
        let current = entries
            .get(&key)
            .filter(|e| e.until > now)
            .map(|e| e.value.clone());
        match current {
            Some(Value::Current(jti)) if jti != presented => return Ok(Rotation::Reused),
            _ => {}
        }
        self.room(&mut entries, &key)?;
        entries.insert(
            key,
            Entry {
                until,
                value: Value::Current(next.to_owned()),
            },
        );
        Ok(Rotation::Rotated)
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn revoke(
        &self,
        revocation: Revocation<'_>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.record(revocation, until))
    }

    fn is_revoked(
        &self,
        token: TokenIds<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        ready(self.covers(token))
    }

    fn rotate(
        &self,
        family: &str,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        ready(self.advance(family, presented, next, until))
    }
}
