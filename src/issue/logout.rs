//! Logging out: [`JwtAuth::logout`](crate::JwtAuth::logout) (one login family) and [`JwtAuth::logout_all`](crate::JwtAuth::logout_all) (every
//! token of a subject), answered with [`Logout`].

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::header::CACHE_CONTROL;
#[cfg(feature = "cookie")]
use http::header::SET_COOKIE;
use http::{HeaderValue, StatusCode};

use super::token::Issuer;
use crate::response::json_error;
use crate::revocation::StoreError;

/// The response of [`JwtAuth::logout`](crate::JwtAuth::logout) and [`JwtAuth::logout_all`](crate::JwtAuth::logout_all): 204 with the auth cookies expired, or 503 when the
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
    pub(crate) issuer: Arc<Issuer>,
    pub(crate) failed: Option<StoreError>,
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
    /// # use axum_jwt_layer::{JwtAuth, Token, revocation::MemoryRevocationStore};
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
