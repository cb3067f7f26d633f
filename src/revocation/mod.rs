//! Revocation: a [`RevocationStore`] consulted after the signature and claims pass and before
//! the user resolver. The key is the token's `jti`, never a hash of the token.

mod memory;

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use memory::MemoryRevocationStore;

/// Where revoked token ids live until their token would have expired anyway.
///
/// An `Err` means the store cannot answer: the layer answers 503 and never lets the request
/// through (fail closed).
///
/// ```
/// use axum_jwt_layer::{MemoryRevocationStore, RevocationStore};
///
/// # tokio_test_block_on(async {
/// let store = MemoryRevocationStore::new(1000);
/// store.revoke("jti-1", i64::MAX).await.unwrap();
/// assert!(store.is_revoked("jti-1").await.unwrap());
/// assert!(!store.is_revoked("jti-2").await.unwrap());
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes `jti` until `until` (seconds since the epoch; the token's expiry plus leeway).
    fn revoke(&self, jti: &str, until: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether `jti` is revoked.
    fn is_revoked(&self, jti: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A revocation store that could not answer.
///
/// ```
/// use axum_jwt_layer::StoreError;
/// let error = StoreError::unavailable(std::io::Error::other("connection refused"));
/// assert_eq!(error.to_string(), "revocation store unavailable");
/// assert!(std::error::Error::source(&error).is_some());
/// ```
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

/// The kinds of [`StoreError`].
///
/// ```
/// use axum_jwt_layer::{StoreError, StoreErrorKind};
/// assert_eq!(StoreError::full().kind(), StoreErrorKind::Full);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The backend cannot be reached or failed.
    Unavailable,
    /// A bounded store is full of unexpired entries.
    Full,
}

impl StoreError {
    /// The backend failed with `source`.
    ///
    /// ```
    /// # use axum_jwt_layer::{StoreError, StoreErrorKind};
    /// let error = StoreError::unavailable(std::io::Error::other("down"));
    /// assert_eq!(error.kind(), StoreErrorKind::Unavailable);
    /// ```
    pub fn unavailable(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            kind: StoreErrorKind::Unavailable,
            source: Some(source.into()),
        }
    }

    /// A bounded store has no room left.
    ///
    /// ```
    /// # use axum_jwt_layer::StoreError;
    /// assert_eq!(StoreError::full().to_string(), "revocation store is full");
    /// ```
    pub fn full() -> Self {
        Self {
            kind: StoreErrorKind::Full,
            source: None,
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// # use axum_jwt_layer::{StoreError, StoreErrorKind};
    /// assert_eq!(StoreError::full().kind(), StoreErrorKind::Full);
    /// ```
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            StoreErrorKind::Unavailable => "revocation store unavailable",
            StoreErrorKind::Full => "revocation store is full",
        })
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

pub(crate) type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store behind an `Arc<dyn _>`.
pub(crate) trait ErasedStore: Send + Sync {
    fn is_revoked_dyn<'a>(&'a self, jti: &'a str) -> StoreFuture<'a, bool>;
    fn revoke_dyn<'a>(&'a self, jti: &'a str, until: i64) -> StoreFuture<'a, ()>;
}

impl<S: RevocationStore> ErasedStore for S {
    fn is_revoked_dyn<'a>(&'a self, jti: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(self.is_revoked(jti))
    }

    fn revoke_dyn<'a>(&'a self, jti: &'a str, until: i64) -> StoreFuture<'a, ()> {
        Box::pin(self.revoke(jti, until))
    }
}
