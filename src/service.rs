//! [`JwtAuthService`]: skip -> find -> verify -> revoke -> resolve -> attach.

use std::mem;
use std::task::{Context, Poll};

use axum::response::Response;
use http::{HeaderMap, Request};
use tower_service::Service;

use crate::config::JwtAuth;
use crate::error::{AuthError, AuthErrorKind};
use crate::extract::Excluded;
use crate::future::ResponseFuture;
use crate::source::find_token;
use crate::token::{Claims, Token};

/// The service made by [`JwtAuthLayer`](crate::JwtAuthLayer).
///
/// ```
/// use axum_jwt_layer::{JwtAuth, JwtAuthLayer, Token};
/// use std::convert::Infallible;
/// use tower_layer::Layer;
///
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// let route: axum::routing::MethodRouter = axum::routing::get(|| async { "hi" });
/// let service = JwtAuthLayer::new(auth).layer(route);
/// # let _ = service;
/// ```
pub struct JwtAuthService<S, U, C = Claims> {
    inner: S,
    auth: JwtAuth<U, C>,
}

impl<S, U, C> JwtAuthService<S, U, C> {
    pub(crate) fn new(inner: S, auth: JwtAuth<U, C>) -> Self {
        Self { inner, auth }
    }
}

impl<S: Clone, U, C> Clone for JwtAuthService<S, U, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            auth: self.auth.clone(),
        }
    }
}

impl<S, U, C> std::fmt::Debug for JwtAuthService<S, U, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthService")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl<S, B, U, C> Service<Request<B>> for JwtAuthService<S, U, C>
where
    S: Service<Request<B>, Response = Response> + Clone,
    U: Clone + Send + Sync + 'static,
    C: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, B, U, C>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The ready service is the one we were polled with; leave a fresh clone behind.
        let fresh = self.inner.clone();
        let mut inner = mem::replace(&mut self.inner, fresh);

        if self.auth.inner.excludes.skips(&request) {
            request.extensions_mut().insert(Excluded);
            return ResponseFuture::inner(inner.call(request));
        }
        let verified = self.auth.authenticate(request.headers());
        #[cfg(feature = "jwks")]
        if let Err(error) = &verified {
            // No key for the token: the remote set may have it after one (shared) refetch.
            if let Some(fetch) = self.auth.key_wait(error) {
                return ResponseFuture::waiting_for_keys(fetch, inner, request, self.auth.clone());
            }
        }
        ResponseFuture::verified(verified, inner, request, self.auth.clone())
    }
}

impl<U, C: serde::de::DeserializeOwned> JwtAuth<U, C> {
    /// Steps 2 and 3: find the token and verify it. With revocation on, a token without `jti`
    /// is refused here, before any store is consulted.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<Token<C>, AuthError> {
        let token = match find_token(&self.inner.sources, headers) {
            Ok(Some(token)) => self.verify(token)?,
            Ok(None) => return Err(AuthError::new(AuthErrorKind::MissingToken)),
            Err(reason) => return Err(AuthError::new(AuthErrorKind::InvalidRequest(reason))),
        };
        if self.inner.revocation.is_some() && token.jti.is_none() {
            return Err(AuthError::new(AuthErrorKind::Revoked));
        }
        Ok(token)
    }
}
