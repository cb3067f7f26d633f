//! [`Refusal`]: how a guard answers. The layer in front leaves its error handler and realm on
//! every request it passes on, so a guard's 401 or 403 looks like the layer's own; without
//! the layer, the default handler answers. Also the lookups every guard starts with: the
//! token of an authenticated request and its user.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::Extensions;

use crate::error::{AuthError, AuthErrorKind};
use crate::flow::attach::{AuthUser, Excluded, GuardContext};
use crate::flow::reject::{DefaultErrorHandler, ErrorHandler};
use crate::token::Token;

/// An authorization guard's refusal: 401 for a request that reached it unauthenticated, 403
/// for a token without the required scope, role or predicate, 500 for a guard that needs a
/// user where the configuration resolves none. It becomes the response the authentication
/// layer's [`ErrorHandler`] gives for [`error`](Self::error), with the layer's realm.
///
/// The rejection of the [`Scoped`](super::Scoped) and [`Grants`](super::Grants) extractors,
/// and what [`Grants::require_scopes`](super::Grants::require_scopes) returns.
///
/// ```
/// use axum::response::IntoResponse;
/// use axum_jwt_layer::authz::Grants;
///
/// async fn report(grants: Grants) -> Result<&'static str, axum::response::Response> {
///     grants.require_scopes(["reports:read"]).map_err(IntoResponse::into_response)?;
///     Ok("the report")
/// }
/// ```
pub struct Refusal {
    error: AuthError,
    context: Option<GuardContext>,
}

impl Refusal {
    /// A refusal answered with the configuration the layer left in `extensions`.
    pub(crate) fn new(error: AuthError, extensions: &Extensions) -> Self {
        Self::with_context(error, extensions.get::<GuardContext>().cloned())
    }

    /// A refusal answered with `context` (the layer's), or the default handler without one.
    pub(crate) fn with_context(error: AuthError, context: Option<GuardContext>) -> Self {
        Self { error, context }
    }

    /// Why the request was refused.
    ///
    /// ```
    /// use axum_jwt_layer::{authz::Grants, error::AuthErrorKind};
    ///
    /// async fn handler(grants: Grants) -> &'static str {
    ///     match grants.require_roles(["admin"]) {
    ///         Ok(()) => "welcome",
    ///         Err(refusal) if refusal.error().kind() == AuthErrorKind::MissingRole => "admins only",
    ///         Err(_) => "refused",
    ///     }
    /// }
    /// ```
    pub fn error(&self) -> &AuthError {
        &self.error
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refusal")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let kind = self.error.kind();
        if kind != AuthErrorKind::ResolverFailed {
            // Logged with its kind only: never a claim, a scope the token has, or the token.
            tracing::debug!(?kind, "request refused by an authorization guard");
        }
        match &self.context {
            Some(context) => context.reject.response(&self.error),
            None => DefaultErrorHandler.handle(&self.error, "api"),
        }
    }
}

/// The token of a request the layer authenticated; otherwise the layer's missing-token
/// answer (401), never a 403: an excluded route, a route outside the layer, or a request
/// authenticated with a credential of another type.
pub(crate) fn token<C: Send + Sync + 'static>(
    extensions: &Extensions,
) -> Result<&Token<C>, AuthError> {
    if let Some(token) = extensions.get::<Token<C>>() {
        return Ok(token);
    }
    if extensions.get::<Excluded>().is_none() {
        if extensions.get::<GuardContext>().is_some() {
            tracing::warn!(
                "authorization guard: the request carries no token of the guard's claims type; refusing it"
            );
        } else {
            tracing::error!(
                "authorization guard without the authentication layer in front of it; refusing the request"
            );
        }
    }
    // Only a token satisfies a guard that reads one: its challenge is Bearer's alone, even
    // behind a chain whose other schemes a bare 401 would name.
    Err(AuthError::new(AuthErrorKind::MissingToken).or_challenge_scheme("Bearer"))
}

/// The user of an authenticated request, for a guard that reads one: 500 when the layer
/// attached none (a configuration without a resolver, or another user type).
pub(crate) fn user<U: Send + Sync + 'static>(extensions: &Extensions) -> Result<&U, AuthError> {
    match extensions.get::<AuthUser<U>>() {
        Some(AuthUser(user)) => Ok(user),
        None => {
            tracing::error!(
                "authorization guard reads a user, but the layer attached none of its type (no resolver?); refusing the request"
            );
            Err(AuthError::new(AuthErrorKind::ResolverFailed))
        }
    }
}
