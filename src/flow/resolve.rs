//! Step *resolve*: [`UserResolver`] turns the checked credential into the application's user.
//! `Ok(None)` is a 401, an error or a panic a 500 (the error logged, never sent).

use std::error::Error as StdError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt as _;
use http::request::Parts;
use pin_project_lite::pin_project;
use tokio::time::Sleep;

use crate::error::{AuthError, AuthErrorKind};
use crate::token::Token;

/// The error type a resolver may return: anything convertible into a boxed error.
type BoxError = Box<dyn StdError + Send + Sync>;

/// Looks up the user a verified credential belongs to (Litestar's `retrieve_user_handler`).
/// For JWT the credential is the [`Token`]; a custom [`AuthBackend`](crate::AuthBackend)
/// passes its own `Credential`.
///
/// `Ok(Some(user))` authenticates the request, `Ok(None)` answers 401 `invalid_token`, and
/// `Err(_)` answers 500 with a generic body (the error is logged at `error` level). A panic is
/// caught and answered like an error.
///
/// Any `Fn(Cred, &Parts) -> impl Future<Output = Result<Option<U>, E>>` is a resolver, so
/// a plain async closure works; it is given its own copy of the credential (every
/// credential is `Clone`). Implement the trait for a type holding a database pool:
/// `resolve` borrows the credential, so a request pays for no copy of it, and may be written
/// as an `async fn` (its future must be `Send`).
///
/// ```
/// use axum_jwt_layer::{Token, UserResolver};
/// use http::request::Parts;
/// use std::{collections::HashMap, convert::Infallible, sync::Arc};
///
/// #[derive(Clone)]
/// struct Users(Arc<HashMap<String, String>>);
///
/// impl UserResolver<String> for Users {
///     type Error = Infallible;
///     async fn resolve(&self, token: &Token, _parts: &Parts) -> Result<Option<String>, Infallible> {
///         Ok(self.0.get(&token.sub).cloned())
///     }
/// }
/// ```
pub trait UserResolver<U, Cred = Token>: Send + Sync + 'static {
    /// What a failed lookup returns.
    type Error: Into<BoxError>;

    /// Finds the user of `credential`; `parts` are the request's head (method, URI, headers).
    /// The returned future may borrow both.
    fn resolve(
        &self,
        credential: &Cred,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<U>, Self::Error>> + Send;
}

/// A closure owns its credential: it gets a copy (the request keeps the original).
impl<F, Fut, U, Cred, E> UserResolver<U, Cred> for F
where
    F: Fn(Cred, &Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + Send,
    Cred: Clone,
    E: Into<BoxError>,
{
    type Error = E;

    fn resolve(
        &self,
        credential: &Cred,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<U>, E>> + Send {
        self(credential.clone(), parts)
    }
}

/// Runs `resolver`: the user, or the refusal (401 for no user, 500 for an error or a panic).
pub(crate) fn user<'a, U, Cred, R>(
    resolver: &'a R,
    credential: &'a Cred,
    parts: &'a Parts,
) -> impl Future<Output = Result<U, AuthError>> + Send + 'a
where
    R: UserResolver<U, Cred>,
    U: 'a,
    Cred: 'a,
{
    // A panic in the call itself (before the resolver's first await) is caught here, one
    // while it is polled by `catch_unwind` below.
    let called = std::panic::catch_unwind(AssertUnwindSafe(|| resolver.resolve(credential, parts)));
    async move {
        let outcome = match called {
            Ok(resolving) => AssertUnwindSafe(resolving).catch_unwind().await,
            Err(panic) => Err(panic),
        };
        match outcome {
            Ok(Ok(Some(user))) => Ok(user),
            Ok(Ok(None)) => Err(AuthError::new(AuthErrorKind::UserNotFound)),
            Ok(Err(error)) => {
                let source: Arc<dyn StdError + Send + Sync> = Arc::from(error.into());
                Err(AuthError::with_source(
                    AuthErrorKind::ResolverFailed,
                    Some(source),
                ))
            }
            Err(_panic) => Err(AuthError::new(AuthErrorKind::ResolverFailed)),
        }
    }
}

pin_project! {
    /// The flow of one request, or 503 when it has not answered within the configured
    /// resolver deadline (the flow's future, the resolver's with it, is then dropped).
    pub(crate) struct Deadline<F> {
        #[pin]
        flow: F,
        timer: Pin<Box<Sleep>>,
    }
}

impl<F> Deadline<F> {
    pub(crate) fn new(limit: Duration, flow: F) -> Self {
        Self {
            flow,
            timer: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

impl<F, T> Future for Deadline<F>
where
    F: Future<Output = Result<T, AuthError>>,
{
    type Output = Result<T, AuthError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(outcome) = this.flow.poll(cx) {
            return Poll::Ready(outcome);
        }
        match this.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(AuthError::new(AuthErrorKind::ResolverTimedOut))),
            Poll::Pending => Poll::Pending,
        }
    }
}
