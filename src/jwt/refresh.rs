//! Refresh tokens with a [`JwtAuth`](crate::JwtAuth): `refresh` (verify, check reuse, rotate
//! in the store, issue a new pair) and `refresh_request` (the token from a JSON body, an
//! RFC 6749 form or the refresh cookie). The types of the answers are in `issue/refresh.rs`.

use std::error::Error as StdError;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use serde::Deserialize;

use super::backend::JwtBackend;
#[cfg(feature = "cookie")]
use super::source::{find_token, TokenSource};
use crate::error::InvalidTokenReason;
use crate::flow::authenticator::Authenticator;
use crate::issue::oauth2::OAuth2Error;
use crate::issue::refresh::{RefreshError, RefreshErrorKind, Refreshed};
use crate::issue::token::random_id;
use crate::revocation::{token_ids, Family, Revocation, Rotation, StoreError};
use crate::time::now;
use crate::token::Claims;

#[derive(Deserialize)]
struct RefreshBody {
    grant_type: Option<String>,
    refresh_token: Option<String>,
}

/// Largest refresh request body read: a token (8 KiB) and a little form or JSON around it.
const MAX_BODY: usize = 16 * 1024;

impl<U: 'static, C: 'static> Authenticator<JwtBackend<C>, U> {
    /// A refused refresh, answered by this configuration's error handler.
    fn refresh_error(
        &self,
        kind: RefreshErrorKind,
        source: Option<Arc<dyn StdError + Send + Sync>>,
    ) -> RefreshError {
        let auth = self.clone();
        RefreshError::new(
            kind,
            source,
            Arc::new(move |error| auth.error_response(error)),
        )
    }

    /// Exchanges a refresh token for a new pair (rotation): the presented refresh token is
    /// spent. Presenting a spent one again revokes its whole login family, access tokens
    /// included, and is refused. Needs `.refresh_tokens(..)` and a revocation store.
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
    /// assert!(auth.refresh(refresh_token).await.is_err(), "spent");
    /// assert!(auth.verify(refreshed.access_token()).is_ok());
    /// # });
    /// ```
    pub async fn refresh(&self, refresh_token: &str) -> Result<Refreshed, RefreshError> {
        let issuer = Arc::clone(&self.backend().issuer);
        let (Some(store), Some(settings)) = (&self.backend().store, &issuer.refresh) else {
            return Err(self.refresh_error(RefreshErrorKind::Invalid, None));
        };
        let now = now();
        let verified = self.backend().verifier.verify_refresh(refresh_token, now);
        let Ok(token) = verified.and_then(|payload| {
            payload
                .into_token::<Claims>()
                .map_err(|_| InvalidTokenReason::BadClaim)
        }) else {
            tracing::debug!("refresh refused: invalid refresh token");
            return Err(self.refresh_error(RefreshErrorKind::Invalid, None));
        };
        let (Some(ids), Some(family)) = (token_ids(&token), token.fid.as_deref()) else {
            return Err(self.refresh_error(RefreshErrorKind::Invalid, None));
        };
        let family = Family::new(family, &token.sub);
        let until = now
            .saturating_add(settings.lifetime.max(issuer.expiration))
            .saturating_add(issuer.leeway);
        let store_down = |error: StoreError| {
            tracing::error!(%error, "refresh refused: revocation store failed");
            self.refresh_error(RefreshErrorKind::StoreUnavailable, Some(Arc::new(error)))
        };
        if store.is_revoked_dyn(ids).await.map_err(store_down)? {
            return Err(self.refresh_error(RefreshErrorKind::Invalid, None));
        }
        let next = random_id()
            .map_err(|error| self.refresh_error(RefreshErrorKind::Issue, Some(Arc::new(error))))?;
        // The family must still be registered when it rotates: a logout or logout-all between
        // the check above and here leaves it unknown, and nothing is issued.
        match store
            .rotate_dyn(family, ids.jti, &next, until)
            .await
            .map_err(store_down)?
        {
            Rotation::Rotated => {}
            Rotation::Unknown => return Err(self.refresh_error(RefreshErrorKind::Invalid, None)),
            Rotation::Reused => {
                tracing::warn!("refresh token reuse detected: revoking its login family");
                store
                    .revoke_dyn(Revocation::Family(family), until)
                    .await
                    .map_err(store_down)?;
                return Err(self.refresh_error(RefreshErrorKind::Reused, None));
            }
        }
        let mut builder = self.create_token(token.sub.clone()).claims(&token.claims);
        builder = builder.family(family.id.to_owned());
        if let Some(iss) = &token.iss {
            builder = builder.issuer(iss.clone());
        }
        let issued = issuer.issue(builder, Some(next)).map_err(|error| {
            tracing::error!(%error, "refresh failed: could not issue tokens");
            self.refresh_error(RefreshErrorKind::Issue, Some(Arc::new(error)))
        })?;
        Ok(Refreshed { issuer, issued })
    }

    /// A ready refresh endpoint: reads the refresh token from a JSON body
    /// `{"refresh_token": ..}`, a form (`refresh_token=..`, with `grant_type=refresh_token`
    /// when a grant type is given, RFC 6749 §6), or the refresh cookie, and answers with
    /// [`JwtAuth::refresh`](crate::JwtAuth::refresh). A form request gets RFC 6749 §5.2 errors (`400 invalid_grant`).
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
                self.refresh_error(RefreshErrorKind::Missing, None)
                    .into_response()
            };
        };
        match self.refresh(&token).await {
            Ok(refreshed) => refreshed.into_response(),
            Err(error)
                if form
                    && matches!(
                        error.kind(),
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
        let cookie = self.backend().issuer.refresh.as_ref()?.cookie.as_ref()?;
        let source = TokenSource::cookie(cookie.name()).compile().ok()?;
        find_token(&[source], headers, None)
            .ok()
            .flatten()
            .map(str::to_owned)
    }

    #[cfg(not(feature = "cookie"))]
    fn refresh_cookie_token(&self, _: &http::HeaderMap) -> Option<String> {
        None
    }
}
