//! [`MemoryRevocationStore`]: a bounded in-process store for one instance.

use std::collections::{HashMap, VecDeque};
use std::future::{ready, Future};
use std::sync::{Mutex, MutexGuard};

use super::store::{Family, Revocation, RevocationStore, Rotation, StoreError, TokenIds};
use crate::time::now;

/// How many live login families one subject keeps by default before its oldest is revoked.
pub(crate) const DEFAULT_FAMILIES_PER_SUBJECT: usize = 32;

/// Login families, revoked tokens and "logged out everywhere" times, held in memory for one
/// instance (use a shared store such as Redis for several).
///
/// Bounded to `capacity` entries (a login family, a subject, a revoked `jti`: one each).
/// Entries are forgotten once the tokens they cover have expired. At the bound:
///
/// - a new login is refused ([`StoreError::full`], 503): the newcomer waits, nobody else does;
/// - logging out a login family, reuse detection and "log out everywhere" for a subject that
///   logged in never need room (they remove a family), so they never fail for lack of it;
/// - a revocation is never forgotten to make room (that would make a revoked token valid
///   again); revoking a token without a family (`create_token`) needs room of its own.
///
/// One subject keeps at most [`families_per_subject`](Self::families_per_subject) live logins
/// (32 by default): the next login revokes its oldest, so one account cannot fill the store.
///
/// ```
/// use axum_jwt_layer::revocation::MemoryRevocationStore;
/// let store = MemoryRevocationStore::new(10_000).families_per_subject(8);
/// assert_eq!(store.len(), 0);
/// ```
#[derive(Debug)]
pub struct MemoryRevocationStore {
    capacity: usize,
    families_per_subject: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Live login families by id.
    families: HashMap<String, FamilyEntry>,
    /// Subjects with live families or a "logged out up to" time.
    subjects: HashMap<String, SubjectEntry>,
    /// Revoked tokens without a family: `jti` -> forget after.
    tokens: HashMap<String, i64>,
    /// When expired entries were last swept (at most once a second when full).
    swept_at: i64,
}

#[derive(Debug)]
struct FamilyEntry {
    subject: String,
    /// The family's current refresh token, when refresh tokens are on.
    current: Option<String>,
    until: i64,
}

#[derive(Debug, Default)]
struct SubjectEntry {
    /// The subject's families, oldest first.
    families: VecDeque<String>,
    /// Tokens without a family issued at or before this time are refused.
    logged_out_up_to: Option<i64>,
    until: i64,
}

impl State {
    fn len(&self) -> usize {
        self.families.len() + self.subjects.len() + self.tokens.len()
    }

    /// Forgets what has expired.
    fn sweep(&mut self, now: i64) {
        self.swept_at = now;
        self.tokens.retain(|_, until| *until > now);
        self.families.retain(|_, family| family.until > now);
        let families = &self.families;
        self.subjects.retain(|_, subject| {
            subject.families.retain(|id| families.contains_key(id));
            subject.until > now
        });
    }

    /// Room for `needed` more entries, sweeping expired ones at most once a second.
    fn room(&mut self, needed: usize, capacity: usize, now: i64) -> Result<(), StoreError> {
        if self.len() + needed > capacity && self.swept_at != now {
            self.sweep(now);
        }
        if self.len() + needed > capacity {
            return Err(StoreError::full());
        }
        Ok(())
    }

    /// Removes a family; `false` when it was not registered.
    fn remove_family(&mut self, id: &str) -> bool {
        let Some(family) = self.families.remove(id) else {
            return false;
        };
        if let Some(subject) = self.subjects.get_mut(&family.subject) {
            subject.families.retain(|other| other != id);
        }
        true
    }
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
            families_per_subject: DEFAULT_FAMILIES_PER_SUBJECT,
            state: Mutex::new(State::default()),
        }
    }

    /// How many live logins (families) one subject keeps; the next login revokes the oldest.
    /// Default 32; at least 1.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::MemoryRevocationStore;
    /// let store = MemoryRevocationStore::new(100).families_per_subject(1); // one device at a time
    /// # let _ = store;
    /// ```
    pub fn families_per_subject(mut self, families: usize) -> Self {
        self.families_per_subject = families.max(1);
        self
    }

    /// How many unexpired entries the store holds.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::MemoryRevocationStore;
    /// assert_eq!(MemoryRevocationStore::new(1).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        let now = now();
        self.lock().map_or(0, |state| {
            let families = state.families.values().filter(|e| e.until > now).count();
            let subjects = state.subjects.values().filter(|e| e.until > now).count();
            let tokens = state.tokens.values().filter(|until| **until > now).count();
            families + subjects + tokens
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

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::unavailable("memory store lock poisoned"))
    }

    fn add(&self, family: Family<'_>, refresh: Option<&str>, until: i64) -> Result<(), StoreError> {
        let now = now();
        let mut state = self.lock()?;
        let state = &mut *state;
        // The subject's own logins first: forget the ended ones, revoke the oldest at the cap.
        if let Some(subject) = state.subjects.get_mut(family.subject) {
            let families = &mut state.families;
            subject.families.retain(|id| match families.get(id) {
                Some(entry) if entry.until > now => true,
                Some(_) => {
                    families.remove(id);
                    false
                }
                None => false,
            });
            while subject.families.len() >= self.families_per_subject {
                if let Some(oldest) = subject.families.pop_front() {
                    families.remove(&oldest);
                }
            }
        }
        let needed = usize::from(!state.families.contains_key(family.id))
            + usize::from(!state.subjects.contains_key(family.subject));
        state.room(needed, self.capacity, now)?;
        if state.families.contains_key(family.id) {
            state.remove_family(family.id);
        }
        state.families.insert(
            family.id.to_owned(),
            FamilyEntry {
                subject: family.subject.to_owned(),
                current: refresh.map(str::to_owned),
                until,
            },
        );
        let subject = state.subjects.entry(family.subject.to_owned()).or_default();
        subject.families.push_back(family.id.to_owned());
        subject.until = subject.until.max(until);
        Ok(())
    }

    fn record(&self, revocation: Revocation<'_>, until: i64) -> Result<(), StoreError> {
        let now = now();
        let mut state = self.lock()?;
        match revocation {
            Revocation::Token { jti, .. } => {
                if let Some(existing) = state.tokens.get_mut(jti) {
                    *existing = (*existing).max(until);
                    return Ok(());
                }
                state.room(1, self.capacity, now)?;
                state.tokens.insert(jti.to_owned(), until);
            }
            Revocation::Family(family) => {
                state.remove_family(family.id);
            }
            Revocation::Subject {
                subject,
                issued_up_to,
            } => {
                if !state.subjects.contains_key(subject) {
                    state.room(1, self.capacity, now)?;
                }
                let state = &mut *state;
                let entry = state.subjects.entry(subject.to_owned()).or_default();
                for id in entry.families.drain(..) {
                    state.families.remove(&id);
                }
                let up_to = entry
                    .logged_out_up_to
                    .map_or(issued_up_to, |old| old.max(issued_up_to));
                entry.logged_out_up_to = Some(up_to);
                entry.until = entry.until.max(until);
            }
        }
        Ok(())
    }

    fn covers(&self, token: TokenIds<'_>) -> Result<bool, StoreError> {
        let state = self.lock()?;
        let now = now();
        if state
            .tokens
            .get(token.jti)
            .is_some_and(|until| *until > now)
        {
            return Ok(true);
        }
        if let Some(family) = token.family {
            // A family token is valid while its login is registered, and only for its subject.
            let live = state
                .families
                .get(family)
                .is_some_and(|entry| entry.until > now && entry.subject == token.subject);
            return Ok(!live);
        }
        Ok(match state.subjects.get(token.subject) {
            Some(SubjectEntry {
                logged_out_up_to: Some(up_to),
                until,
                ..
            }) if *until > now => token.issued_at.is_none_or(|iat| iat <= *up_to),
            _ => false,
        })
    }

    fn advance(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> Result<Rotation, StoreError> {
        let now = now();
        let mut state = self.lock()?;
        let Some(entry) = state
            .families
            .get_mut(family.id)
            .filter(|entry| entry.until > now && entry.subject == family.subject)
        else {
            return Ok(Rotation::Unknown);
        };
        if entry
            .current
            .as_deref()
            .is_some_and(|current| current != presented)
        {
            return Ok(Rotation::Reused);
        }
        entry.current = Some(next.to_owned());
        entry.until = entry.until.max(until);
        if let Some(subject) = state.subjects.get_mut(family.subject) {
            subject.until = subject.until.max(until);
        }
        Ok(Rotation::Rotated)
    }
}

impl RevocationStore for MemoryRevocationStore {
    fn register(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.add(family, refresh, until))
    }

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
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        ready(self.advance(family, presented, next, until))
    }
}
