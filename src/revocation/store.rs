//! [`RevocationStore`] and the types it speaks: [`Revocation`], [`TokenIds`], [`Rotation`],
//! [`StoreError`]; and the store behind an `Arc<dyn _>` for the flow and for issuing.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::token::Token;

/// Where revocations live until the tokens they cover would have expired anyway: single
/// tokens (by `jti`), whole login families (by the `fid` claim), and every token of a subject
/// issued up to a time ("log out everywhere"). It also tracks the current refresh token of
/// each family, for rotation with reuse detection.
///
/// An `Err` means the store cannot answer: the layer answers 503 and never lets the request
/// through (fail closed).
///
/// ```
/// use axum_jwt_layer::revocation::{MemoryRevocationStore, Revocation, RevocationStore, TokenIds};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryRevocationStore::new(1000);
/// store.revoke(Revocation::Token("jti-1"), i64::MAX).await.unwrap();
/// assert!(store.is_revoked(TokenIds::new("jti-1", "alice")).await.unwrap());
/// assert!(!store.is_revoked(TokenIds::new("jti-2", "alice")).await.unwrap());
/// # });
/// ```
pub trait RevocationStore: Send + Sync + 'static {
    /// Records `revocation` until `until` (seconds since the epoch: the longest expiry of the
    /// tokens it covers, plus leeway); the store may forget it afterwards.
    fn revoke(
        &self,
        revocation: Revocation<'_>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether any recorded revocation covers this token: its `jti`, its family, or its
    /// subject with `iat` at or before the subject's revocation time (a token without `iat`
    /// counts as covered). Stores should answer in one round trip.
    fn is_revoked(
        &self,
        token: TokenIds<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Atomically moves `family`'s current refresh token from `presented` to `next`.
    /// A family with no current token yet accepts any `presented` (the one issued at login).
    /// When another token is current, `presented` was already rotated: answer
    /// [`Rotation::Reused`] and change nothing.
    fn rotate(
        &self,
        family: &str,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send;
}

/// What [`RevocationStore::revoke`] records.
///
/// ```
/// use axum_jwt_layer::revocation::Revocation;
/// let everywhere = Revocation::Subject { subject: "alice", issued_up_to: 1_700_000_000 };
/// assert!(matches!(everywhere, Revocation::Subject { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation<'a> {
    /// One token, by `jti`.
    Token(&'a str),
    /// Every token of one login, by the `fid` claim.
    Family(&'a str),
    /// Every token of `subject` whose `iat` is at or before `issued_up_to`.
    Subject {
        /// The `sub` claim.
        subject: &'a str,
        /// Seconds since the epoch.
        issued_up_to: i64,
    },
}

/// The identifiers of a verified token that revocation is checked against.
///
/// ```
/// use axum_jwt_layer::revocation::TokenIds;
/// let ids = TokenIds::new("jti-1", "alice").family(Some("fam-1")).issued_at(Some(1_700_000_000));
/// assert_eq!(ids.family, Some("fam-1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenIds<'a> {
    /// The `jti` claim.
    pub jti: &'a str,
    /// The `sub` claim.
    pub subject: &'a str,
    /// The `fid` (login family) claim, when present.
    pub family: Option<&'a str>,
    /// The `iat` claim, when present.
    pub issued_at: Option<i64>,
}

impl<'a> TokenIds<'a> {
    /// Ids with a `jti` and a subject.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::TokenIds;
    /// assert_eq!(TokenIds::new("j", "s").jti, "j");
    /// ```
    pub fn new(jti: &'a str, subject: &'a str) -> Self {
        Self {
            jti,
            subject,
            family: None,
            issued_at: None,
        }
    }

    /// With the family id.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::TokenIds;
    /// assert_eq!(TokenIds::new("j", "s").family(Some("f")).family, Some("f"));
    /// ```
    pub fn family(mut self, family: Option<&'a str>) -> Self {
        self.family = family;
        self
    }

    /// With the issue time.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::TokenIds;
    /// assert_eq!(TokenIds::new("j", "s").issued_at(Some(5)).issued_at, Some(5));
    /// ```
    pub fn issued_at(mut self, issued_at: Option<i64>) -> Self {
        self.issued_at = issued_at;
        self
    }
}

/// The outcome of [`RevocationStore::rotate`].
///
/// ```
/// use axum_jwt_layer::revocation::Rotation;
/// assert_ne!(Rotation::Rotated, Rotation::Reused);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// `presented` was current; `next` is now.
    Rotated,
    /// `presented` had already been rotated: a replay.
    Reused,
}

/// A revocation store that could not answer.
///
/// ```
/// use axum_jwt_layer::revocation::StoreError;
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
/// use axum_jwt_layer::revocation::{StoreError, StoreErrorKind};
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
    /// # use axum_jwt_layer::revocation::{StoreError, StoreErrorKind};
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
    /// # use axum_jwt_layer::revocation::StoreError;
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
    /// # use axum_jwt_layer::revocation::{StoreError, StoreErrorKind};
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

/// The ids the store knows a JWT by: `jti`, login family, subject and `iat`; `None` without
/// a `jti`, which a configuration with a store refuses.
pub(crate) fn token_ids<C>(token: &Token<C>) -> Option<TokenIds<'_>> {
    let ids = TokenIds::new(token.jti.as_deref()?, &token.sub);
    Some(ids.family(token.fid.as_deref()).issued_at(token.iat))
}

pub(crate) type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store behind an `Arc<dyn _>`.
pub(crate) trait ErasedStore: Send + Sync {
    fn revoke_dyn<'a>(&'a self, revocation: Revocation<'a>, until: i64) -> StoreFuture<'a, ()>;
    fn is_revoked_dyn<'a>(&'a self, token: TokenIds<'a>) -> StoreFuture<'a, bool>;
    fn rotate_dyn<'a>(
        &'a self,
        family: &'a str,
        presented: &'a str,
        next: &'a str,
        until: i64,
    ) -> StoreFuture<'a, Rotation>;
}

impl<S: RevocationStore> ErasedStore for S {
    fn revoke_dyn<'a>(&'a self, revocation: Revocation<'a>, until: i64) -> StoreFuture<'a, ()> {
        Box::pin(self.revoke(revocation, until))
    }

    fn is_revoked_dyn<'a>(&'a self, token: TokenIds<'a>) -> StoreFuture<'a, bool> {
        Box::pin(self.is_revoked(token))
    }

    fn rotate_dyn<'a>(
        &'a self,
        family: &'a str,
        presented: &'a str,
        next: &'a str,
        until: i64,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(self.rotate(family, presented, next, until))
    }
}
