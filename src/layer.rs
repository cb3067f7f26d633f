//! [`JwtAuthLayer`]: wraps a service with JWT authentication.

use tower_layer::Layer;

use crate::config::JwtAuth;
use crate::service::JwtAuthService;
use crate::token::Claims;

/// A tower [`Layer`] that authenticates every request it wraps with a [`JwtAuth`]
/// configuration: skip excluded requests, find the token, verify it, resolve the user, and put
/// [`Token`](crate::Token) and [`AuthUser`](crate::AuthUser) in the request extensions.
///
/// Routes added to a `Router` after `.layer(JwtAuthLayer::new(..))` are not wrapped: that is
/// the way to leave a single route unauthenticated without an exclude pattern.
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
pub struct JwtAuthLayer<U, C = Claims> {
    auth: JwtAuth<U, C>,
}

impl<U, C> JwtAuthLayer<U, C> {
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
    pub fn new(auth: JwtAuth<U, C>) -> Self {
        Self { auth }
    }
}

impl<U, C> Clone for JwtAuthLayer<U, C> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
        }
    }
}

impl<U, C> std::fmt::Debug for JwtAuthLayer<U, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthLayer")
            .field("auth", &self.auth)
            .finish()
    }
}

impl<S, U, C> Layer<S> for JwtAuthLayer<U, C> {
    type Service = JwtAuthService<S, U, C>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtAuthService::new(inner, self.auth.clone())
    }
}
