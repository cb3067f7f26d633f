//! The live sessions of each subject, kept by the backend to bound them (SECURITY.md 49): one
//! account logging in without end replaces its own oldest session and never fills the store
//! for everyone else. The index lives in this process: with a store shared by several
//! instances, each instance bounds the sessions it created.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use ::time::OffsetDateTime;
use tower_sessions_core::session::Id;

/// Sessions by subject, oldest first, with their ends.
pub(crate) struct Subjects {
    index: Mutex<HashMap<String, VecDeque<(Id, OffsetDateTime)>>>,
    per_subject: usize,
    max_subjects: usize,
}

/// The index holds `max_subjects` subjects with live sessions: a new one is refused.
#[derive(Debug)]
pub(crate) struct Full;

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the session index is full of live sessions")
    }
}

impl std::error::Error for Full {}

impl Subjects {
    pub(crate) fn new(per_subject: usize, max_subjects: usize) -> Self {
        Self {
            index: Mutex::default(),
            per_subject,
            max_subjects,
        }
    }

    fn index(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<(Id, OffsetDateTime)>>> {
        // Nothing panics while it is held; a poisoned index is still consistent.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for one more session of `subject`: forgets its ended sessions, and takes
    /// out (and returns, to be deleted from the store) its oldest ones beyond the cap.
    pub(crate) fn admit(&self, subject: &str, now: OffsetDateTime) -> Result<Vec<Id>, Full> {
        let mut index = self.index();
        if let Some(sessions) = index.get_mut(subject) {
            sessions.retain(|(_, end)| *end > now);
            let mut victims = Vec::new();
            while sessions.len() >= self.per_subject {
                victims.extend(sessions.pop_front().map(|(id, _)| id));
            }
            return Ok(victims);
        }
        if index.len() >= self.max_subjects {
            index.retain(|_, sessions| {
                sessions.retain(|(_, end)| *end > now);
                !sessions.is_empty()
            });
            if index.len() >= self.max_subjects {
                return Err(Full);
            }
        }
        Ok(Vec::new())
    }

    /// Records a new session of `subject`.
    pub(crate) fn add(&self, subject: &str, id: Id, end: OffsetDateTime) {
        self.index()
            .entry(subject.to_owned())
            .or_default()
            .push_back((id, end));
    }

    /// Forgets a session that ended (logout).
    pub(crate) fn remove(&self, subject: &str, id: Id) {
        let mut index = self.index();
        if let Some(sessions) = index.get_mut(subject) {
            sessions.retain(|(session, _)| *session != id);
            if sessions.is_empty() {
                index.remove(subject);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_keeps_its_newest_sessions_and_the_index_is_bounded() {
        let now = OffsetDateTime::now_utc();
        let later = now + ::time::Duration::hours(1);
        let subjects = Subjects::new(2, 2);
        let ids: Vec<Id> = (1..=3).map(Id).collect();
        for id in &ids {
            let victims = subjects.admit("ada", now).unwrap();
            if *id == Id(3) {
                assert_eq!(victims, vec![Id(1)], "the oldest goes");
            } else {
                assert!(victims.is_empty());
            }
            subjects.add("ada", *id, later);
        }
        assert!(subjects.admit("bob", now).is_ok());
        subjects.add("bob", Id(4), later);
        assert!(
            subjects.admit("eve", now).is_err(),
            "two subjects with live sessions"
        );
        subjects.remove("bob", Id(4));
        assert!(subjects.admit("eve", now).is_ok(), "room after a logout");
        // Ended sessions make room too.
        subjects.add("eve", Id(5), now);
        assert!(subjects.admit("mallory", later).is_ok());
    }
}
