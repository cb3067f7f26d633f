//! Refresh tokens: rotation with reuse detection ([`JwtAuth::refresh`]).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use http::StatusCode;
use serde::Deserialize;

use crate::config::{now, JwtAuth};
#[cfg(feature = "cookie")]
use crate::cookie::AuthCookie;
use crate::error::{AuthError, AuthErrorKind, InvalidRequestReason, InvalidTokenReason};
use crate::issue::{random_id, Issued, Issuer};
use crate::oauth2::OAuth2Error;
use crate::response::internal_error;
use crate::response::json_error;
use crate::revocation::{Revocation, Rotation, StoreError};
use crate::token::{Claims, Token};

/// Refresh-token settings (see `JwtAuthBuilder::refresh_tokens`): a lifetime of 14 days, the
/// audience `refresh`, the header `typ` `refresh+jwt`, and optionally an HttpOnly cookie with
/// a narrow path. A refresh token is never accepted as an access token, nor the reverse.
///
/// ```
/// use axum_jwt_layer::RefreshTokens;
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
    /// # use axum_jwt_layer::RefreshTokens;
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
    /// # use axum_jwt_layer::RefreshTokens;
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
    /// # use axum_jwt_layer::RefreshTokens;
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
    /// # use axum_jwt_layer::{AuthCookie, RefreshTokens};
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
/// preset). Made by [`JwtAuth::refresh`].
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
/// # use std::convert::Infallible;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
/// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
/// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// # let refresh_token = body["refresh_token"].as_str().unwrap();
/// let refreshed = auth.refresh(refresh_token).await.unwrap();
/// assert!(auth.verify(refreshed.access_token()).is_ok());
/// # });
/// ```
pub struct Refreshed {
    issuer: Arc<Issuer>,
    issued: Issued,
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
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
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
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
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
/// use axum_jwt_layer::RefreshErrorKind;
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
/// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
/// # use std::convert::Infallible;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
/// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
/// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// # let refresh_token = body["refresh_token"].as_str().unwrap();
/// let error = auth.refresh("not.a.token").await.unwrap_err();
/// assert_eq!(error.kind(), axum_jwt_layer::RefreshErrorKind::Invalid);
/// # });
/// ```
pub struct RefreshError {
    kind: RefreshErrorKind,
    response: Response,
}

impl std::fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshError")
            .field("kind", &self.kind)
            .finish()
    }
}

impl RefreshError {
    /// Why the refresh was refused.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// auth.refresh(refresh_token).await.unwrap();
    /// let replay = auth.refresh(refresh_token).await.unwrap_err();
    /// assert_eq!(replay.kind(), axum_jwt_layer::RefreshErrorKind::Reused);
    /// # });
    /// ```
    pub fn kind(&self) -> RefreshErrorKind {
        self.kind
    }
}

impl IntoResponse for RefreshError {
    fn into_response(self) -> Response {
        self.response
    }
}

#[derive(Deserialize)]
struct RefreshBody {
    grant_type: Option<String>,
    refresh_token: Option<String>,
}

/// Largest refresh request body read: a token (8 KiB) and a little form or JSON around it.
const MAX_BODY: usize = 16 * 1024;

impl<U, C: Sync> JwtAuth<U, C> {
    fn refresh_error(&self, kind: RefreshErrorKind) -> RefreshError {
        let response = match kind {
            RefreshErrorKind::Missing => self.error_response(&AuthError::new(
                AuthErrorKind::InvalidRequest(InvalidRequestReason::EmptyToken),
            )),
            RefreshErrorKind::Invalid => self.error_response(&AuthError::new(
                AuthErrorKind::InvalidToken(InvalidTokenReason::WrongType),
            )),
            RefreshErrorKind::Reused => {
                self.error_response(&AuthError::new(AuthErrorKind::Revoked))
            }
            RefreshErrorKind::StoreUnavailable => {
                self.error_response(&AuthError::new(AuthErrorKind::StoreUnavailable))
            }
            RefreshErrorKind::Issue => {
                json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        };
        RefreshError { kind, response }
    }

    /// Exchanges a refresh token for a new pair (rotation): the presented refresh token is
    /// spent. Presenting a spent one again revokes its whole login family, access tokens
    /// included, and is refused. Needs `.refresh_tokens(..)` and a revocation store.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// let refreshed = auth.refresh(refresh_token).await.unwrap();
    /// assert!(auth.refresh(refresh_token).await.is_err(), "spent");
    /// assert!(auth.verify(refreshed.access_token()).is_ok());
    /// # });
    /// ```
    pub async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, RefreshError> {
        let issuer = Arc::clone(&self.inner.issuer);
        let (Some(store), Some(settings)) = (&self.inner.revocation, &issuer.refresh) else {
            return Err(self.refresh_error(RefreshErrorKind::Invalid));
        };
        let now = now();
        let verified = self.inner.verifier.verify_refresh(refresh_token, now);
        let Ok(token) = verified.and_then(|payload| {
            Token::<Claims>::from_checked(payload).map_err(|_| InvalidTokenReason::BadClaim)
        }) else {
            tracing::debug!("refresh refused: invalid refresh token");
            return Err(self.refresh_error(RefreshErrorKind::Invalid));
        };
        let (Some(ids), Some(family)) = (token.ids(), token.fid.as_deref()) else {
            return Err(self.refresh_error(RefreshErrorKind::Invalid));
        };
        let until = now
            .saturating_add(settings.lifetime.max(issuer.expiration))
            .saturating_add(issuer.leeway);
        let store_down = |error: StoreError| {
            tracing::error!(%error, "refresh refused: revocation store failed");
            self.refresh_error(RefreshErrorKind::StoreUnavailable)
        };
        if store.is_revoked_dyn(ids).await.map_err(store_down)? {
            return Err(self.refresh_error(RefreshErrorKind::Invalid));
        }
        let next = random_id().map_err(|_| self.refresh_error(RefreshErrorKind::Issue))?;
        let rotation = store
            .rotate_dyn(family, ids.jti, &next, until)
            .await
            .map_err(store_down)?;
        if rotation == Rotation::Reused {
            tracing::warn!("refresh token reuse detected: revoking its login family");
            store
                .revoke_dyn(Revocation::Family(family), until)
                .await
                .map_err(store_down)?;
            return Err(self.refresh_error(RefreshErrorKind::Reused));
        }
        let mut builder = self.create_token(token.sub.clone()).claims(&token.claims);
        builder = builder.family(family.to_owned());
        if let Some(iss) = &token.iss {
            builder = builder.issuer(iss.clone());
        }
        let issued = issuer.issue(builder, Some(next)).map_err(|error| {
            tracing::error!(%error, "refresh failed: could not issue tokens");
            self.refresh_error(RefreshErrorKind::Issue)
        })?;
        Ok(Refreshed { issuer, issued })
    }

    /// A ready refresh endpoint: reads the refresh token from a JSON body
    /// `{"refresh_token": ..}`, a form (`refresh_token=..`, with `grant_type=refresh_token`
    /// when a grant type is given, RFC 6749 §6), or the refresh cookie, and answers with
    /// [`JwtAuth::refresh`]. A form request gets RFC 6749 §5.2 errors (`400 invalid_grant`).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .revocation(MemoryRevocationStore::new(100)).refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # let login = axum::response::IntoResponse::into_response(auth.login("42"));
    /// # let body = axum::body::to_bytes(login.into_body(), 10_000).await.unwrap();
    /// # let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// # let refresh_token = body["refresh_token"].as_str().unwrap();
    /// let request = http::Request::post("/refresh")
    ///     .header("content-type", "application/x-www-form-urlencoded")
    ///     .body(axum::body::Body::from(format!("grant_type=refresh_token&refresh_token={refresh_token}")))
    ///     .unwrap();
    /// assert_eq!(auth.refresh_request(request).await.status(), 200);
    /// # });
    /// ```
    pub async fn refresh_request(&self, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let form = content_type.starts_with("application/x-www-form-urlencoded");
        let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY)
            .await
            .unwrap_or_default();
        let parsed: Option<RefreshBody> = if form {
            serde_urlencoded::from_bytes(&bytes).ok()
        } else if bytes.is_empty() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        if form {
            match parsed.as_ref().and_then(|b| b.grant_type.as_deref()) {
                None | Some("refresh_token") => {}
                Some(_) => return OAuth2Error::unsupported_grant_type().into_response(),
            }
        }
        let from_body = parsed.and_then(|b| b.refresh_token);
        let from_cookie = self.refresh_cookie_token(&parts.headers);
        let token = match (from_body, from_cookie) {
            (Some(body), Some(cookie)) if body != cookie => None,
            (Some(body), _) => Some(body),
            (None, cookie) => cookie,
        };
        let Some(token) = token else {
            return if form {
                OAuth2Error::invalid_request().into_response()
            } else {
                self.refresh_error(RefreshErrorKind::Missing)
                    .into_response()
            };
        };
        match self.refresh(&token).await {
            Ok(refreshed) => refreshed.into_response(),
            Err(error)
                if form
                    && matches!(
                        error.kind,
                        RefreshErrorKind::Invalid | RefreshErrorKind::Reused
                    ) =>
            {
                OAuth2Error::invalid_grant().into_response()
            }
            Err(error) => error.into_response(),
        }
    }

    #[cfg(feature = "cookie")]
    fn refresh_cookie_token(&self, headers: &http::HeaderMap) -> Option<String> {
        let cookie = self.inner.issuer.refresh.as_ref()?.cookie.as_ref()?;
        let source = crate::source::TokenSource::cookie(cookie.name())
            .compile()
            .ok()?;
        crate::source::find_token(&[source], headers)
            .ok()
            .flatten()
            .map(str::to_owned)
    }

    #[cfg(not(feature = "cookie"))]
    fn refresh_cookie_token(&self, _: &http::HeaderMap) -> Option<String> {
        None
    }
}
