//! [`AuthService`]: steps *metadata*, *origin* and *skip*, then the flow in the
//! [`ResponseFuture`].

use std::fmt;
use std::mem;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;
use tower_service::Service;

use super::future::ResponseFuture;
use crate::backend::AuthBackend;
use crate::flow::attach::{Excluded, GuardContext};
use crate::flow::authenticator::Authenticator;

/// The service made by [`AuthLayer`](crate::AuthLayer) (and so by
/// [`JwtAuthLayer`](crate::JwtAuthLayer)).
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
pub struct AuthService<S, B, U> {
    inner: S,
    auth: Authenticator<B, U>,
}

impl<S, B, U> AuthService<S, B, U> {
    pub(crate) fn new(inner: S, auth: Authenticator<B, U>) -> Self {
        Self { inner, auth }
    }
}

impl<S: Clone, B, U> Clone for AuthService<S, B, U> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            auth: self.auth.clone(),
        }
    }
}

impl<S, B: fmt::Debug, U> fmt::Debug for AuthService<S, B, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthService")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl<S, ReqBody, B, U> Service<Request<ReqBody>> for AuthService<S, B, U>
where
    S: Service<Request<ReqBody>, Response = Response> + Clone,
    B: AuthBackend,
    U: Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody, B, U>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The ready service is the one we were polled with; leave a fresh clone behind.
        let fresh = self.inner.clone();
        let mut inner = mem::replace(&mut self.inner, fresh);
        let shared = &self.auth.inner;

        // The RFC 9728 document, when configured: served without authentication, from the
        // configuration alone.
        if let Some(metadata) = &shared.metadata {
            if let Some(response) = metadata.answer(&request) {
                return ResponseFuture::answered(response);
            }
        }
        // Cross-origin protection next: it covers excluded routes too (no login CSRF).
        if let Some(origin) = &shared.origin {
            if let Err(error) = origin.check(&request) {
                return ResponseFuture::answered(shared.reject.refuse(&error));
            }
        }
        // For the authorization guards behind the layer: one way to answer, as the layer does.
        request.extensions_mut().insert(GuardContext {
            reject: Arc::clone(&shared.reject),
            role_claims: Arc::clone(&shared.role_claims),
        });
        // Step 1, skip: a skipped request carries no identity.
        if shared.skip.skips(&request) {
            request.extensions_mut().insert(Excluded);
            return ResponseFuture::skipped(inner.call(request));
        }
        // Steps 2 to 5 (authenticate, revoke, resolve, attach) run on the request head, in
        // one span per request (at debug: the subject and the outcome, never a credential).
        let span = tracing::debug_span!(
            target: "axum_jwt_layer",
            "authenticate",
            subject = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let (parts, body) = request.into_parts();
        let authorizing = Arc::clone(&shared.resolve).authorize(Arc::clone(shared), parts);
        ResponseFuture::authorizing(authorizing, inner, body, self.auth.clone(), span)
    }
}
