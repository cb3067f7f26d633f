//! [`ResponseFuture`]: the state machine of one request. Only the resolver step is boxed; a
//! request waiting for a remote key set (feature `jwks`) awaits the shared fetch handle.

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

/// A fetch of the remote key set to wait for (feature `jwks`; never built without it).
#[cfg(feature = "jwks")]
type KeyWait = crate::jwks::Fetch;
#[cfg(not(feature = "jwks"))]
type KeyWait = std::future::Pending<()>;

/// What a request waiting for keys needs afterwards.
struct Held<S, B, U, C> {
    inner: S,
    request: Request<B>,
    auth: JwtAuth<U, C>,
}

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
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    enum State<S, B, U, C>
    where
        S: Service<Request<B>>,
    {
        WaitingForKeys {
            fetch: KeyWait,
            held: Option<Held<S, B, U, C>>,
        },
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

    /// After verification: the rejection, or revocation and the resolver.
    pub(crate) fn verified(
        verified: Result<Token<C>, AuthError>,
        inner: S,
        request: Request<B>,
        auth: JwtAuth<U, C>,
    ) -> Self
    where
        C: Clone,
    {
        Self {
            state: verified_state(verified, inner, request, auth),
        }
    }

    /// Verification found no key: wait for the fetch, then verify once more.
    #[cfg(feature = "jwks")]
    pub(crate) fn waiting_for_keys(
        fetch: KeyWait,
        inner: S,
        request: Request<B>,
        auth: JwtAuth<U, C>,
    ) -> Self {
        Self {
            state: State::WaitingForKeys {
                fetch,
                held: Some(Held {
                    inner,
                    request,
                    auth,
                }),
            },
        }
    }
}

fn verified_state<S, B, U, C: Clone>(
    verified: Result<Token<C>, AuthError>,
    inner: S,
    request: Request<B>,
    auth: JwtAuth<U, C>,
) -> State<S, B, U, C>
where
    S: Service<Request<B>>,
{
    let token = match verified {
        Ok(token) => token,
        Err(error) => {
            tracing::debug!(%error, "request rejected");
            return State::Done {
                response: Some(auth.error_response(&error)),
            };
        }
    };
    // Revocation and the resolver run in the one boxed step.
    let (parts, body) = request.into_parts();
    let config = &auth.inner;
    let resolving =
        config
            .resolver
            .clone()
            .resolve_owned(token.clone(), parts, config.revocation.clone());
    let pending = Pending {
        inner,
        body,
        token,
        auth,
    };
    State::Resolving {
        resolving,
        pending: Some(pending),
    }
}

/// The answer to a future polled after it completed: an empty 500, never a panic.
fn spent() -> Response {
    let mut response = Response::default();
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
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
    C: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Output = Result<Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Inner { future } => return future.poll(cx),
                StateProj::Done { response } => {
                    return Poll::Ready(Ok(response.take().unwrap_or_else(spent)));
                }
                StateProj::WaitingForKeys { fetch, held } => {
                    // The outcome is logged by the fetch; what counts is the set it left.
                    if Pin::new(fetch).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let Some(Held {
                        inner,
                        request,
                        auth,
                    }) = held.take()
                    else {
                        return Poll::Ready(Ok(spent()));
                    };
                    let verified = auth.authenticate(request.headers());
                    verified_state(verified, inner, request, auth)
                }
                StateProj::Resolving { resolving, pending } => {
                    let (parts, outcome) = ready!(resolving.as_mut().poll(cx));
                    let Some(pending) = pending.take() else {
                        return Poll::Ready(Ok(spent()));
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
