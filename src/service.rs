//! [`JwtAuthService`]: skip -> find -> verify -> revoke -> resolve -> attach.

use std::mem;
use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;
use tower_service::Service;

use crate::config::JwtAuth;
use crate::error::{AuthError, AuthErrorKind};
use crate::extract::Excluded;
use crate::future::ResponseFuture;
use crate::source::find_token;
use crate::token::Claims;

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
        let config = &self.auth.inner;

        if config.excludes.skips(&request) {
            request.extensions_mut().insert(Excluded);
            return ResponseFuture::inner(inner.call(request));
        }
        let found = find_token(&config.sources, request.headers());
        let verified = match found {
            Ok(Some(token)) => self.auth.verify(token),
            Ok(None) => Err(AuthError::new(AuthErrorKind::MissingToken)),
            Err(reason) => Err(AuthError::new(AuthErrorKind::InvalidRequest(reason))),
        };
        let revocation = config.revocation.clone();
        let verified = verified.and_then(|token| match (&revocation, &token.jti) {
            // With revocation on, a token that cannot be revoked is not accepted.
            (Some(_), None) => Err(AuthError::new(AuthErrorKind::Revoked)),
            _ => Ok(token),
        });
        let token = match verified {
            Ok(token) => token,
            Err(error) => {
                tracing::debug!(%error, "request rejected");
                return ResponseFuture::done(self.auth.error_response(&error));
            }
        };
        // Revocation and the resolver run in the one boxed step.
        let (parts, body) = request.into_parts();
        let resolving = config
            .resolver
            .clone()
            .resolve_owned(token.clone(), parts, revocation);
        ResponseFuture::resolving(resolving, inner, body, token, self.auth.clone())
    }
}
