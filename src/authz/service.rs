//! [`Authorize`]: the service every requirement layer makes, and its one named future. The
//! check runs in `call`, on the request's extensions; a refusal is answered at once and the
//! inner service (the handler) is never called.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use http::Request;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::refusal::Refusal;
use super::require::{RequireGuard, RequireRoles, RequireScopes, Requirement};

/// The service of [`RequireScopes`], [`RequireRoles`] and [`RequireGuard`]: checks the
/// requirement, then calls the inner service or answers the refusal.
///
/// ```
/// use axum_jwt_layer::authz::{Authorize, RequireScopes};
/// use tower_layer::Layer;
///
/// let route: axum::routing::MethodRouter = axum::routing::get(|| async { "hi" });
/// let service: Authorize<_, RequireScopes> = RequireScopes::new(["read"]).layer(route);
/// # let _ = service;
/// ```
pub struct Authorize<S, R> {
    inner: S,
    requirement: R,
}

impl<S: Clone, R: Clone> Clone for Authorize<S, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            requirement: self.requirement.clone(),
        }
    }
}

impl<S, R: fmt::Debug> fmt::Debug for Authorize<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorize")
            .field("requirement", &self.requirement)
            .finish_non_exhaustive()
    }
}

macro_rules! requirement_layer {
    ($ty:ident < $param:ident >) => {
        impl<S, $param> Layer<S> for $ty<$param>
        where
            Self: Clone,
        {
            type Service = Authorize<S, Self>;

            fn layer(&self, inner: S) -> Self::Service {
                Authorize {
                    inner,
                    requirement: self.clone(),
                }
            }
        }
    };
}

requirement_layer!(RequireScopes<C>);
requirement_layer!(RequireRoles<C>);
requirement_layer!(RequireGuard<P>);

impl<S, R, ReqBody> Service<Request<ReqBody>> for Authorize<S, R>
where
    S: Service<Request<ReqBody>, Response = Response> + Clone,
    R: Requirement,
{
    type Response = Response;
    type Error = S::Error;
    type Future = AuthorizeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if let Err(error) = self.requirement.check(request.extensions()) {
            let response = Refusal::new(error, request.extensions()).into_response();
            return AuthorizeFuture::refused(response);
        }
        // The ready service is the one we were polled with; leave a fresh clone behind.
        let fresh = self.inner.clone();
        let mut inner = mem::replace(&mut self.inner, fresh);
        AuthorizeFuture::allowed(inner.call(request))
    }
}

pin_project! {
    /// The response future of [`Authorize`]: the inner service's, or the refusal.
    pub struct AuthorizeFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Allowed {
            #[pin]
            future: F,
        },
        Refused {
            response: Option<Response>,
        },
    }
}

impl<F> AuthorizeFuture<F> {
    fn allowed(future: F) -> Self {
        Self {
            state: State::Allowed { future },
        }
    }

    fn refused(response: Response) -> Self {
        Self {
            state: State::Refused {
                response: Some(response),
            },
        }
    }
}

impl<F> fmt::Debug for AuthorizeFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeFuture").finish_non_exhaustive()
    }
}

impl<F, E> Future for AuthorizeFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Allowed { future } => future.poll(cx),
            // Polled again after completion: an empty 500, never a panic.
            StateProj::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| http::StatusCode::INTERNAL_SERVER_ERROR.into_response()))),
        }
    }
}
