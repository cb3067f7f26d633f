//! Refresh tokens: rotation with reuse detection ([`JwtAuth::refresh`](crate::JwtAuth::refresh)).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::StatusCode;

#[cfg(feature = "cookie")]
use super::cookie::AuthCookie;
use super::token::{Issued, Issuer};
use crate::error::{AuthError, AuthErrorKind, InvalidRequestReason, InvalidTokenReason};
use crate::response::{internal_error, json_error};

/// Refresh-token settings (see `JwtAuthBuilder::refresh_tokens`): a lifetime of 14 days, the
/// audience `refresh`, the header `typ` `refresh+jwt`, and optionally an HttpOnly cookie with
/// a narrow path. A refresh token is never accepted as an access token, nor the reverse.
///
/// ```
/// use axum_jwt_layer::issue::RefreshTokens;
/// use std::time::Duration;
/// let settings = RefreshTokens::new().lifetime(Duration::from_secs(7 * 86_400)).audience("my-refresh");
/// # let _ = settings;
/// ```
#[derive(Debug, Clone)]
pub struct RefreshTokens {
    pub(crate) lifetime: Duration,
    pub(crate) audience: String,
    #[cfg(feature = "cookie")]
    pub(crate) cookie: Option<AuthCookie>,
}

impl Default for RefreshTokens {
    fn default() -> Self {
        Self::new()
    }
}

impl RefreshTokens {
    /// The defaults.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::RefreshTokens;
    /// let settings = RefreshTokens::new();
    /// # let _ = settings;
    /// ```
    pub fn new() -> Self {
        Self {
            lifetime: Duration::from_secs(14 * 86_400),
            audience: "refresh".to_owned(),
            #[cfg(feature = "cookie")]
            cookie: None,
        }
    }

    /// How long a refresh token is valid. Default 14 days.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::RefreshTokens;
    /// let settings = RefreshTokens::new().lifetime(std::time::Duration::from_secs(3600));
    /// # let _ = settings;
    /// ```
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The `aud` of refresh tokens; must differ from every accepted access audience.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::RefreshTokens;
    /// let settings = RefreshTokens::new().audience("refresh.example");
    /// # let _ = settings;
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Also deliver (and accept) the refresh token in this cookie; give it a narrow path such
    /// as `/refresh`.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::{AuthCookie, RefreshTokens};
    /// let settings = RefreshTokens::new().cookie(AuthCookie::new("refresh").path("/refresh"));
    /// # let _ = settings;
    /// ```
    #[cfg(feature = "cookie")]
    pub fn cookie(mut self, cookie: AuthCookie) -> Self {
        self.cookie = Some(cookie);
        self
    }
}

/// A new token pair: 200 with an RFC 6749 §5.1 token response (and the cookies of the
/// preset). Made by [`JwtAuth::refresh`](crate::JwtAuth::refresh).
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
/// # use std::convert::Infallible;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// # let login = auth.login("42").await;
/// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
/// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// # let refresh_token = body["refresh_token"].as_str().unwrap();
/// let refreshed = auth.refresh(refresh_token).await.unwrap();
/// assert!(auth.verify(refreshed.access_token()).is_ok());
/// # });
/// ```
pub struct Refreshed {
    pub(crate) issuer: Arc<Issuer>,
    pub(crate) issued: Issued,
}

impl std::fmt::Debug for Refreshed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refreshed").finish_non_exhaustive()
    }
}

impl Refreshed {
    /// The new access token.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = auth.login("42").await;
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// assert_eq!(auth.refresh(refresh_token).await.unwrap().access_token().split('.').count(), 3);
    /// # });
    /// ```
    pub fn access_token(&self) -> &str {
        &self.issued.access
    }

    /// The new refresh token.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = auth.login("42").await;
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// let refreshed = auth.refresh(refresh_token).await.unwrap();
    /// assert_ne!(refreshed.refresh_token(), Some(refresh_token));
    /// # });
    /// ```
    pub fn refresh_token(&self) -> Option<&str> {
        self.issued.refresh.as_deref()
    }
}

impl IntoResponse for Refreshed {
    fn into_response(self) -> Response {
        let mut response = self.issuer.token_response(&self.issued);
        if let Err(error) = self.issuer.deliver(&self.issued, &mut response) {
            return internal_error(&error);
        }
        response
    }
}

/// Why a refresh was refused.
///
/// ```
/// use axum_jwt_layer::issue::RefreshErrorKind;
/// assert_ne!(RefreshErrorKind::Reused, RefreshErrorKind::Invalid);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshErrorKind {
    /// No refresh token in the request: 400 `invalid_request`.
    Missing,
    /// Not a valid, unrevoked refresh token: 401 `invalid_token`.
    Invalid,
    /// An already-rotated refresh token: its whole family is now revoked. 401.
    Reused,
    /// The revocation store could not answer: 503.
    StoreUnavailable,
    /// The new tokens could not be signed: 500.
    Issue,
}

/// A refused refresh, with the response the configured error handler gives for it.
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
/// # use std::convert::Infallible;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// # let login = auth.login("42").await;
/// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
/// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// # let refresh_token = body["refresh_token"].as_str().unwrap();
/// let error = auth.refresh("not.a.token").await.unwrap_err();
/// assert_eq!(error.kind(), axum_jwt_layer::issue::RefreshErrorKind::Invalid);
/// # });
/// ```
pub struct RefreshError {
    kind: RefreshErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync>>,
    respond: Respond,
}

/// How the configuration answers a refusal (its error handler).
pub(crate) type Respond = Arc<dyn Fn(&AuthError) -> Response + Send + Sync>;

impl fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshError")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl RefreshError {
    pub(crate) fn new(
        kind: RefreshErrorKind,
        source: Option<Arc<dyn StdError + Send + Sync>>,
        respond: Respond,
    ) -> Self {
        Self {
            kind,
            source,
            respond,
        }
    }

    /// The rejection the response is made from; `None` for a failure to sign (a bare 500).
    fn rejection(&self) -> Option<AuthError> {
        let kind = match self.kind {
            RefreshErrorKind::Missing => {
                AuthErrorKind::InvalidRequest(InvalidRequestReason::EmptyToken)
            }
            RefreshErrorKind::Invalid => AuthErrorKind::InvalidToken(InvalidTokenReason::WrongType),
            RefreshErrorKind::Reused => AuthErrorKind::Revoked,
            RefreshErrorKind::StoreUnavailable => AuthErrorKind::StoreUnavailable,
            RefreshErrorKind::Issue => return None,
        };
        Some(AuthError::new(kind))
    }

    /// The HTTP status of the default response.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, issue::RefreshTokens, revocation::MemoryRevocationStore};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .build().unwrap();
    /// let error = auth.refresh("not.a.token").await.unwrap_err();
    /// assert_eq!(error.status(), 401);
    /// assert_eq!(error.to_string(), "invalid refresh token");
    /// # });
    /// ```
    pub fn status(&self) -> StatusCode {
        self.rejection()
            .map_or(StatusCode::INTERNAL_SERVER_ERROR, |error| error.status())
    }

    /// Why the refresh was refused.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = auth.login("42").await;
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// auth.refresh(refresh_token).await.unwrap();
    /// let replay = auth.refresh(refresh_token).await.unwrap_err();
    /// assert_eq!(replay.kind(), axum_jwt_layer::issue::RefreshErrorKind::Reused);
    /// # });
    /// ```
    pub fn kind(&self) -> RefreshErrorKind {
        self.kind
    }
}

impl fmt::Display for RefreshErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "no refresh token",
            Self::Invalid => "invalid refresh token",
            Self::Reused => "refresh token reused: its login family is revoked",
            Self::StoreUnavailable => "revocation store unavailable",
            Self::Issue => "new tokens could not be issued",
        })
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl StdError for RefreshError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl IntoResponse for RefreshError {
    fn into_response(self) -> Response {
        match self.rejection() {
            Some(error) => (self.respond)(&error),
            None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        }
    }
}
