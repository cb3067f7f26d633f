//! [`ResponseFuture`]: the state machine of one request. Only the resolver step is boxed.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::response::Response;
use http::Request;
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::config::JwtAuth;
use crate::error::{AuthError, AuthErrorKind};
use crate::extract::AuthUser;
use crate::resolver::{ResolveFailure, ResolveFuture};
use crate::token::{Claims, Token};

/// What the request needs after the resolver answered.
struct Pending<S, B, U, C> {
    inner: S,
    body: B,
    token: Token<C>,
    auth: JwtAuth<U, C>,
}

pin_project! {
    /// The response future of [`JwtAuthService`](crate::JwtAuthService).
    pub struct ResponseFuture<S, B, U, C = Claims>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S, B, U, C>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B, U, C>
    where
        S: Service<Request<B>>,
    {
        Resolving {
            resolving: ResolveFuture<U>,
            pending: Option<Pending<S, B, U, C>>,
        },
        Inner {
            #[pin]
            future: S::Future,
        },
        Done {
            response: Option<Response>,
        },
    }
}

impl<S, B, U, C> ResponseFuture<S, B, U, C>
where
    S: Service<Request<B>>,
{
    pub(crate) fn inner(future: S::Future) -> Self {
        Self {
            state: State::Inner { future },
        }
    }

    pub(crate) fn done(response: Response) -> Self {
        Self {
            state: State::Done {
                response: Some(response),
            },
        }
    }

    pub(crate) fn resolving(
        resolving: ResolveFuture<U>,
        inner: S,
        body: B,
        token: Token<C>,
        auth: JwtAuth<U, C>,
    ) -> Self {
        let pending = Pending {
            inner,
            body,
            token,
            auth,
        };
        Self {
            state: State::Resolving {
                resolving,
                pending: Some(pending),
            },
        }
    }
}

impl<S, B, U, C> std::fmt::Debug for ResponseFuture<S, B, U, C>
where
    S: Service<Request<B>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, B, U, C> Future for ResponseFuture<S, B, U, C>
where
    S: Service<Request<B>, Response = Response>,
    U: Clone + Send + Sync + 'static,
    C: Clone + Send + Sync + 'static,
{
    type Output = Result<Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Inner { future } => return future.poll(cx),
                StateProj::Done { response } => {
                    // Polled again after completion: answer with an empty 500, never panic.
                    return Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                        let mut r = Response::default();
                        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                        r
                    })));
                }
                StateProj::Resolving { resolving, pending } => {
                    let (parts, outcome) = ready!(resolving.as_mut().poll(cx));
                    let Some(pending) = pending.take() else {
                        return Poll::Ready(Ok(Response::default()));
                    };
                    let Pending {
                        mut inner,
                        body,
                        token,
                        auth,
                    } = pending;
                    let error = match outcome {
                        Ok(Some(user)) => {
                            let mut request = Request::from_parts(parts, body);
                            request.extensions_mut().insert(token);
                            request.extensions_mut().insert(AuthUser(user));
                            State::Inner {
                                future: inner.call(request),
                            }
                        }
                        Ok(None) => {
                            tracing::debug!("request rejected: resolver found no user");
                            rejected(&auth, AuthErrorKind::UserNotFound, None)
                        }
                        Err(ResolveFailure::Error(error)) => {
                            tracing::error!(error = %error, "user resolver failed");
                            rejected(&auth, AuthErrorKind::ResolverFailed, Some(error))
                        }
                        Err(ResolveFailure::Panic) => {
                            tracing::error!("user resolver panicked");
                            rejected(&auth, AuthErrorKind::ResolverFailed, None)
                        }
                        Err(ResolveFailure::Revoked) => {
                            tracing::debug!("request rejected: token revoked");
                            rejected(&auth, AuthErrorKind::Revoked, None)
                        }
                        Err(ResolveFailure::Store(error)) => {
                            tracing::error!(%error, "revocation store failed; refusing the request");
                            let source = std::sync::Arc::new(error);
                            rejected(&auth, AuthErrorKind::StoreUnavailable, Some(source))
                        }
                    };
                    error
                }
            };
            state.set(next);
        }
    }
}

fn rejected<S, B, U, C>(
    auth: &JwtAuth<U, C>,
    kind: AuthErrorKind,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
) -> State<S, B, U, C>
where
    S: Service<Request<B>>,
{
    let error = AuthError::with_source(kind, source);
    State::Done {
        response: Some(auth.error_response(&error)),
    }
}
