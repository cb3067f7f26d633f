//! [`KeySource`]: where the verifier finds the current key set, fixed at `build()` or a remote
//! JWK Set (feature `jwks`), and how `build()` chooses between them.

use std::sync::Arc;

use super::set::{KeyEntry, KeySet};
use crate::error::{AuthError, AuthErrorKind, InvalidTokenReason as Reason};

/// Why verification failed: the token, or the keys (none loaded yet: 503, not 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Invalid(Reason),
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    KeysUnavailable,
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        Failure::Invalid(reason)
    }
}

impl From<Failure> for AuthError {
    fn from(failure: Failure) -> Self {
        AuthError::new(match failure {
            Failure::Invalid(reason) => AuthErrorKind::InvalidToken(reason),
            Failure::KeysUnavailable => AuthErrorKind::KeysUnavailable,
        })
    }
}

/// Where the verifier finds its keys.
pub(crate) enum KeySource {
    /// Fixed at `build()`.
    Local(Arc<KeySet>),
    /// A remote JWK Set, replaced as it is refreshed.
    #[cfg(feature = "jwks")]
    Remote(Arc<super::remote::RemoteKeys>),
}

impl KeySource {
    /// Runs `verify` with the key for `kid` in the current set. Lock-free: a remote set is
    /// read through an atomic pointer, never behind a lock a fetch could hold.
    pub(crate) fn with_key<R>(
        &self,
        kid: Option<&str>,
        verify: impl FnOnce(&KeyEntry) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        match self {
            KeySource::Local(set) => verify(set.lookup(kid)?),
            #[cfg(feature = "jwks")]
            KeySource::Remote(remote) => {
                let current = remote.current();
                let set = current.as_deref().ok_or(Failure::KeysUnavailable)?;
                verify(set.lookup(kid)?)
            }
        }
    }

    /// The generation of the current set (0 when a remote set is not loaded yet).
    pub(crate) fn generation(&self) -> u64 {
        match self {
            KeySource::Local(set) => set.generation(),
            #[cfg(feature = "jwks")]
            KeySource::Remote(remote) => remote.current().as_deref().map_or(0, KeySet::generation),
        }
    }

    /// How many keys the current set holds.
    pub(crate) fn len(&self) -> usize {
        match self {
            KeySource::Local(set) => set.len(),
            #[cfg(feature = "jwks")]
            KeySource::Remote(remote) => remote.current().as_deref().map_or(0, KeySet::len),
        }
    }
}
