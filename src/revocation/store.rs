//! [`RevocationStore`] and the types it speaks: [`Revocation`], [`TokenIds`], [`Rotation`],
//! [`StoreError`]; and the store behind an `Arc<dyn _>` for the flow and for issuing.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::token::Token;

/// Where the state of logins and revocations lives: the login families that are live (each
/// with the current refresh token, for rotation with reuse detection), single revoked tokens
/// (by `jti`), and subjects logged out everywhere up to a time.
///
/// A token of a login family (the `fid` claim, set by `login()` and refresh) is valid only
/// while its family is registered: [`register`](Self::register) at login, and logout, reuse
/// detection, "log out everywhere" or the per-subject cap remove it. Revoking a family
/// therefore frees room instead of taking it, and what a bounded store refuses at its bound
/// is a new login, never a logout. Tokens without a family (made with `create_token`) are
/// refused by `jti` or by their subject's "logged out up to" time.
///
/// An `Err` means the store cannot answer: the layer answers 503 and never lets the request
/// through (fail closed).
///
/// ```
/// use axum_jwt_layer::revocation::{
///     Family, MemoryRevocationStore, Revocation, RevocationStore, TokenIds,
/// };
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryRevocationStore::new(1000);
/// store.register(Family::new("fam-1", "alice"), None, i64::MAX).await.unwrap();
/// let token = TokenIds::new("jti-1", "alice").family(Some("fam-1"));
/// assert!(!store.is_revoked(token).await.unwrap());
/// store.revoke(Revocation::Family(Family::new("fam-1", "alice")), i64::MAX).await.unwrap();
/// assert!(store.is_revoked(token).await.unwrap());
/// # });
/// ```
pub trait RevocationStore: Send + Sync + 'static {
    /// Registers a new login family of `family.subject`, valid until `until` (seconds since
    /// the epoch), with `refresh` as its current refresh token (`jti`) when refresh tokens
    /// are on. When the subject already has as many live families as the store allows, the
    /// oldest is revoked first. A store without room for another login answers
    /// [`StoreError::full`] (the login gets 503).
    fn register(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records `revocation` until `until` (seconds since the epoch: the longest expiry of the
    /// tokens it covers, plus leeway); the store may forget it afterwards. Revoking a family
    /// removes its registration (it never takes room).
    fn revoke(
        &self,
        revocation: Revocation<'_>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether `token` is refused: its `jti` is revoked; or it belongs to a family that is not
    /// registered (any more); or, without a family, its subject was logged out everywhere at
    /// or after its `iat` (a token without `iat` counts as covered). Stores should answer in
    /// one round trip.
    fn is_revoked(
        &self,
        token: TokenIds<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Atomically moves `family`'s current refresh token from `presented` to `next` and keeps
    /// the family until `until`. A family registered without a refresh token accepts any
    /// `presented`. When another token is current, `presented` was already rotated: answer
    /// [`Rotation::Reused`] and change nothing; when the family is not registered,
    /// [`Rotation::Unknown`].
    fn rotate(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send;
}

/// A store behind an `Arc` is a store: keep a handle to it (to look at it, or to share one
/// store between two configurations).
///
/// ```
/// use std::sync::Arc;
/// use axum_jwt_layer::revocation::MemoryRevocationStore;
/// use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// let store = Arc::new(MemoryRevocationStore::new(1000));
/// let auth = JwtAuth::<String>::builder().secret([7u8; 32]).revocation(Arc::clone(&store))
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// assert!(store.is_empty());
/// # let _ = auth;
/// ```
impl<S: RevocationStore> RevocationStore for std::sync::Arc<S> {
    fn register(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::register(self, family, refresh, until)
    }

    fn revoke(
        &self,
        revocation: Revocation<'_>,
        until: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::revoke(self, revocation, until)
    }

    fn is_revoked(
        &self,
        token: TokenIds<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::is_revoked(self, token)
    }

    fn rotate(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        S::rotate(self, family, presented, next, until)
    }
}

/// A login family: its id (the `fid` claim) and its subject (the `sub` claim).
///
/// ```
/// use axum_jwt_layer::revocation::Family;
/// let family = Family::new("fam-1", "alice");
/// assert_eq!((family.id, family.subject), ("fam-1", "alice"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Family<'a> {
    /// The `fid` claim.
    pub id: &'a str,
    /// The `sub` claim.
    pub subject: &'a str,
}

impl<'a> Family<'a> {
    /// The family `id` of `subject`.
    ///
    /// ```
    /// # use axum_jwt_layer::revocation::Family;
    /// assert_eq!(Family::new("f", "s").id, "f");
    /// ```
    pub fn new(id: &'a str, subject: &'a str) -> Self {
        Self { id, subject }
    }
}

/// What [`RevocationStore::revoke`] records.
///
/// ```
/// use axum_jwt_layer::revocation::{Family, Revocation};
/// let everywhere = Revocation::Subject { subject: "alice", issued_up_to: 1_700_000_000 };
/// assert!(matches!(everywhere, Revocation::Subject { .. }));
/// let one_login = Revocation::Family(Family::new("fam-1", "alice"));
/// assert!(matches!(one_login, Revocation::Family(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation<'a> {
    /// One token, by `jti`.
    Token {
        /// The `jti` claim.
        jti: &'a str,
        /// The `sub` claim.
        subject: &'a str,
    },
    /// Every token of one login: the family's registration is removed.
    Family(Family<'a>),
    /// Every token of `subject`: its login families are removed, and tokens without a family
    /// whose `iat` is at or before `issued_up_to` are refused.
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
/// assert_ne!(Rotation::Reused, Rotation::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// `presented` was current; `next` is now.
    Rotated,
    /// `presented` had already been rotated: a replay.
    Reused,
    /// The family is not registered: logged out, revoked, or expired.
    Unknown,
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
    /// A bounded store has no room for new state (a login) among unexpired entries.
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
    fn register_dyn<'a>(
        &'a self,
        family: Family<'a>,
        refresh: Option<&'a str>,
        until: i64,
    ) -> StoreFuture<'a, ()>;
    fn revoke_dyn<'a>(&'a self, revocation: Revocation<'a>, until: i64) -> StoreFuture<'a, ()>;
    fn is_revoked_dyn<'a>(&'a self, token: TokenIds<'a>) -> StoreFuture<'a, bool>;
    fn rotate_dyn<'a>(
        &'a self,
        family: Family<'a>,
        presented: &'a str,
        next: &'a str,
        until: i64,
    ) -> StoreFuture<'a, Rotation>;
}

impl<S: RevocationStore> ErasedStore for S {
    fn register_dyn<'a>(
        &'a self,
        family: Family<'a>,
        refresh: Option<&'a str>,
        until: i64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.register(family, refresh, until))
    }

    fn revoke_dyn<'a>(&'a self, revocation: Revocation<'a>, until: i64) -> StoreFuture<'a, ()> {
        Box::pin(self.revoke(revocation, until))
    }

    fn is_revoked_dyn<'a>(&'a self, token: TokenIds<'a>) -> StoreFuture<'a, bool> {
        Box::pin(self.is_revoked(token))
    }

    fn rotate_dyn<'a>(
        &'a self,
        family: Family<'a>,
        presented: &'a str,
        next: &'a str,
        until: i64,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(self.rotate(family, presented, next, until))
    }
}
