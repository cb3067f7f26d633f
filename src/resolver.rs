//! [`UserResolver`]: from a verified token to the application's user.

use std::error::Error as StdError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt as _;
use http::request::Parts;

use crate::revocation::{ErasedStore, StoreError};
use crate::token::Token;

/// The error type a resolver may return: anything convertible into a boxed error.
type BoxError = Box<dyn StdError + Send + Sync>;

/// Looks up the user a verified token belongs to (Litestar's `retrieve_user_handler`).
///
/// `Ok(Some(user))` authenticates the request, `Ok(None)` answers 401 `invalid_token`, and
/// `Err(_)` answers 500 with a generic body (the error is logged at `error` level). A panic is
/// caught and answered like an error.
///
/// Any `Fn(Token<C>, &Parts) -> impl Future<Output = Result<Option<U>, E>>` is a resolver, so
/// a plain async closure works; implement the trait for a type holding a database pool.
///
/// ```
/// use axum_jwt_layer::{Token, UserResolver};
/// use http::request::Parts;
/// use std::{collections::HashMap, convert::Infallible, future::Future, sync::Arc};
///
/// #[derive(Clone)]
/// struct Users(Arc<HashMap<String, String>>);
///
/// impl UserResolver<String> for Users {
///     type Error = Infallible;
///     fn resolve(&self, token: Token, _parts: &Parts)
///         -> impl Future<Output = Result<Option<String>, Infallible>> + Send {
///         let user = self.0.get(&token.sub).cloned();
///         async move { Ok(user) }
///     }
/// }
/// ```
pub trait UserResolver<U, C = crate::Claims>: Send + Sync + 'static {
    /// What a failed lookup returns.
    type Error: Into<BoxError>;

    /// Finds the user of `token`; `parts` are the request's head (method, URI, headers).
    fn resolve(
        &self,
        token: Token<C>,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<U>, Self::Error>> + Send;
}

impl<F, Fut, U, C, E> UserResolver<U, C> for F
where
    F: Fn(Token<C>, &Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<U>, E>> + Send,
    E: Into<BoxError>,
{
    type Error = E;

    fn resolve(
        &self,
        token: Token<C>,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<U>, E>> + Send {
        self(token, parts)
    }
}

/// The outcome of the resolver step: the request head back, and the user or why not.
pub(crate) type Resolved<U> = (Parts, Result<Option<U>, ResolveFailure>);

/// The only boxed future of the request path.
pub(crate) type ResolveFuture<U> = Pin<Box<dyn Future<Output = Resolved<U>> + Send>>;

/// Why the resolver step produced no user.
pub(crate) enum ResolveFailure {
    Error(Arc<dyn StdError + Send + Sync>),
    Panic,
    Revoked,
    Store(StoreError),
}

/// A resolver behind an `Arc<dyn _>`: the trait's `impl Future` is not object safe.
pub(crate) trait ErasedResolver<U, C>: Send + Sync {
    /// Checks revocation (when a store is given), then resolves the user.
    fn resolve_owned(
        self: Arc<Self>,
        token: Token<C>,
        parts: Parts,
        revocation: Option<Arc<dyn ErasedStore>>,
    ) -> ResolveFuture<U>;
}

impl<R, U, C> ErasedResolver<U, C> for R
where
    R: UserResolver<U, C>,
    U: Send + 'static,
    C: Send + 'static,
{
    fn resolve_owned(
        self: Arc<Self>,
        token: Token<C>,
        parts: Parts,
        revocation: Option<Arc<dyn ErasedStore>>,
    ) -> ResolveFuture<U> {
        Box::pin(async move {
            if let Some(store) = revocation {
                // The service refuses tokens without jti before this step when a store is set.
                let checked = match token.ids() {
                    Some(ids) => store.is_revoked_dyn(ids).await,
                    None => Ok(true),
                };
                match checked {
                    Ok(false) => {}
                    Ok(true) => return (parts, Err(ResolveFailure::Revoked)),
                    Err(error) => return (parts, Err(ResolveFailure::Store(error))),
                }
            }
            let outcome = AssertUnwindSafe(async { self.resolve(token, &parts).await })
                .catch_unwind()
                .await;
            let result = match outcome {
                Ok(Ok(user)) => Ok(user),
                Ok(Err(error)) => Err(ResolveFailure::Error(Arc::from(error.into()))),
                Err(_panic) => Err(ResolveFailure::Panic),
            };
            (parts, result)
        })
    }
}
