//! The tower layer: [`AuthLayer`], its [`AuthService`] and the [`ResponseFuture`] of one
//! request, generic over the backend. `JwtAuthLayer` is this layer with the JWT backend.

mod future;
mod service;

use std::fmt;

use tower_layer::Layer;

pub use self::future::ResponseFuture;
pub use self::service::AuthService;

use crate::flow::authenticator::Authenticator;

/// A tower [`Layer`] that authenticates every request it wraps: skip excluded requests, ask
/// the backend for the credential, check revocation, resolve the user, and put the credential
/// and [`AuthUser`](crate::AuthUser) in the request extensions; a refusal becomes the
/// configured error response. [`JwtAuthLayer`](crate::JwtAuthLayer) is this layer for
/// [`JwtAuth`](crate::JwtAuth).
///
/// Routes added to a `Router` after `.layer(..)` are not wrapped: that is the way to leave a
/// single route unauthenticated without an exclude pattern.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
/// use std::convert::Infallible;
///
/// let auth = JwtAuth::<String>::builder()
///     .secret("an HS256 secret of at least 32 bytes!")
///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/me", get(|AuthUser(user): AuthUser<String>| async move { user }))
///     .layer(JwtAuthLayer::new(auth))
///     .route("/health", get(|| async { "ok" })); // added after the layer: public
/// ```
pub struct AuthLayer<B, U> {
    auth: Authenticator<B, U>,
}

impl<B, U> AuthLayer<B, U> {
    /// A layer authenticating with `auth`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, JwtAuthLayer, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let layer = JwtAuthLayer::new(auth.clone());
    /// # let _ = layer;
    /// ```
    pub fn new(auth: Authenticator<B, U>) -> Self {
        Self { auth }
    }
}

impl<B, U> Clone for AuthLayer<B, U> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
        }
    }
}

impl<B: fmt::Debug, U> fmt::Debug for AuthLayer<B, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthLayer")
            .field("auth", &self.auth)
            .finish()
    }
}

impl<S, B, U> Layer<S> for AuthLayer<B, U> {
    type Service = AuthService<S, B, U>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService::new(inner, self.auth.clone())
    }
}
