//! [`ResponseFuture`]: waits for the flow, then calls the inner service with the
//! authenticated request or answers the refusal (step *reject*).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::response::Response;
use futures_util::future::BoxFuture;
use http::request::Parts;
use http::Request;
use pin_project_lite::pin_project;
use tower_service::Service;
use tracing::Span;

use crate::backend::AuthBackend;
use crate::error::AuthError;
use crate::flow::authenticator::Authenticator;

/// What the request needs once the flow has answered.
struct Pending<S, ReqBody, B, U> {
    inner: S,
    body: ReqBody,
    auth: Authenticator<B, U>,
}

pin_project! {
    /// The response future of [`AuthService`](crate::layer::AuthService).
    pub struct ResponseFuture<S, ReqBody, B, U>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody, B, U>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody, B, U>
    where
        S: Service<Request<ReqBody>>,
    {
        Authorizing {
            flow: BoxFuture<'static, Result<Parts, AuthError>>,
            pending: Option<Pending<S, ReqBody, B, U>>,
            // The request's span: entered while the flow runs, closed with its outcome.
            span: Span,
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

impl<S, ReqBody, B, U> ResponseFuture<S, ReqBody, B, U>
where
    S: Service<Request<ReqBody>>,
{
    /// A skipped request: the inner service's future as it is.
    pub(crate) fn skipped(future: S::Future) -> Self {
        Self {
            state: State::Inner { future },
        }
    }

    /// A request the layer answers itself, before the flow: the protected resource metadata,
    /// or a refusal of cross-origin protection.
    pub(crate) fn answered(response: Response) -> Self {
        Self {
            state: State::Done {
                response: Some(response),
            },
        }
    }

    /// A request whose head is in the flow.
    pub(crate) fn authorizing(
        flow: BoxFuture<'static, Result<Parts, AuthError>>,
        inner: S,
        body: ReqBody,
        auth: Authenticator<B, U>,
        span: Span,
    ) -> Self {
        let pending = Pending { inner, body, auth };
        Self {
            state: State::Authorizing {
                flow,
                pending: Some(pending),
                span,
            },
        }
    }
}

/// The answer to a future polled after it completed: an empty 500, never a panic.
fn spent() -> Response {
    let mut response = Response::default();
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}

impl<S, ReqBody, B, U> fmt::Debug for ResponseFuture<S, ReqBody, B, U>
where
    S: Service<Request<ReqBody>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, ReqBody, B, U> Future for ResponseFuture<S, ReqBody, B, U>
where
    S: Service<Request<ReqBody>, Response = Response>,
    B: AuthBackend,
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
                StateProj::Authorizing {
                    flow,
                    pending,
                    span,
                } => {
                    let _entered = span.enter();
                    let outcome = ready!(flow.as_mut().poll(cx));
                    let Some(Pending {
                        mut inner,
                        body,
                        auth,
                    }) = pending.take()
                    else {
                        return Poll::Ready(Ok(spent()));
                    };
                    match outcome {
                        Ok(parts) => {
                            if !span.is_disabled() {
                                // The subject was recorded by the flow.
                                span.record("outcome", "authenticated");
                                tracing::debug!(target: "axum_jwt_layer", "request authenticated");
                            }
                            State::Inner {
                                future: inner.call(Request::from_parts(parts, body)),
                            }
                        }
                        // Step *reject*: one mapping point for every refusal.
                        Err(error) => {
                            if !span.is_disabled() {
                                span.record("outcome", tracing::field::debug(error.kind()));
                            }
                            State::Done {
                                response: Some(auth.inner.reject.refuse(&error)),
                            }
                        }
                    }
                }
            };
            state.set(next);
        }
    }
}
