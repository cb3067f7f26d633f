//! Logging out: [`JwtAuth::logout`] (one login family) and [`JwtAuth::logout_all`] (every
//! token of a subject), answered with [`Logout`].

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::header::CACHE_CONTROL;
#[cfg(feature = "cookie")]
use http::header::SET_COOKIE;
use http::{HeaderValue, StatusCode};

use crate::config::{now, JwtAuth};
use crate::issue::Issuer;
use crate::response::json_error;
use crate::revocation::{Revocation, StoreError};
use crate::token::Token;

impl<U, C: Sync> JwtAuth<U, C> {
    /// Revokes the token's whole login family (every token of that login and its refreshes)
    /// or, for a token without family, its `jti`; answers 204 with the cookies expired. A
    /// store failure answers 503 and leaves the cookies alone.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(1000))
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let token = auth.verify(&auth.create_token("42").sign().unwrap()).unwrap();
    /// assert_eq!(auth.logout(&token).await.into_response().status(), 204);
    /// # });
    /// ```
    pub async fn logout(&self, token: &Token<C>) -> Logout {
        let issuer = Arc::clone(&self.inner.issuer);
        let revocation = match (&token.fid, &token.jti) {
            (Some(family), _) => Some(Revocation::Family(family)),
            (None, Some(jti)) => Some(Revocation::Token(jti)),
            (None, None) => None,
        };
        let mut failed = None;
        if let (Some(store), Some(revocation)) = (&self.inner.revocation, revocation) {
            let until = match revocation {
                Revocation::Token(_) => token.exp.unwrap_or_else(|| now() + issuer.expiration),
                _ => now().saturating_add(issuer.longest_lifetime()),
            };
            let until = until.saturating_add(issuer.leeway);
            failed = store.revoke_dyn(revocation, until).await.err();
        }
        Logout { issuer, failed }
    }

    /// Logs `subject` out everywhere: every token of the subject issued up to now (by `iat`)
    /// is refused from now on, on every instance sharing the store. Answers 204, or 503 when
    /// no store is configured or it fails.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(1000))
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").sign().unwrap();
    /// assert_eq!(auth.logout_all("42").await.into_response().status(), 204);
    /// # });
    /// ```
    pub async fn logout_all(&self, subject: &str) -> Logout {
        let issuer = Arc::clone(&self.inner.issuer);
        let failed = match &self.inner.revocation {
            Some(store) => {
                let now = now();
                let until = now
                    .saturating_add(issuer.longest_lifetime())
                    .saturating_add(issuer.leeway);
                let revocation = Revocation::Subject {
                    subject,
                    issued_up_to: now,
                };
                store.revoke_dyn(revocation, until).await.err()
            }
            None => Some(StoreError::unavailable("no revocation store is configured")),
        };
        Logout { issuer, failed }
    }
}

/// The response of [`JwtAuth::logout`] and [`JwtAuth::logout_all`]: 204 with the auth cookies expired, or 503 when the
/// revocation store failed.
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// use axum::response::IntoResponse;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// # let token = auth.verify(&auth.create_token("42").sign().unwrap()).unwrap();
/// let logout = auth.logout(&token).await;
/// assert!(logout.revoked_or_nothing_to_revoke());
/// # });
/// ```
pub struct Logout {
    issuer: Arc<Issuer>,
    failed: Option<StoreError>,
}

impl std::fmt::Debug for Logout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logout")
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Logout {
    /// False when the revocation store failed to record the revocation.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, Token};
    /// # use std::convert::Infallible;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32]).revocation(MemoryRevocationStore::new(1))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let first = auth.verify(&auth.create_token("a").sign().unwrap()).unwrap();
    /// let second = auth.verify(&auth.create_token("b").sign().unwrap()).unwrap();
    /// assert!(auth.logout(&first).await.revoked_or_nothing_to_revoke());
    /// // The store holds one revocation at a time: the second one fails.
    /// assert!(!auth.logout(&second).await.revoked_or_nothing_to_revoke());
    /// # });
    /// ```
    pub fn revoked_or_nothing_to_revoke(&self) -> bool {
        self.failed.is_none()
    }
}

impl IntoResponse for Logout {
    fn into_response(self) -> Response {
        if let Some(error) = self.failed {
            tracing::error!(%error, "logout failed: the token could not be revoked");
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            );
        }
        let mut response = Response::default();
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        #[cfg(feature = "cookie")]
        {
            let refresh = self.issuer.refresh.as_ref().and_then(|r| r.cookie.as_ref());
            for cookie in self.issuer.cookie.iter().chain(refresh) {
                if let Some(expired) = cookie.expire() {
                    headers.append(SET_COOKIE, expired);
                }
            }
        }
        let _ = &self.issuer;
        response
    }
}
