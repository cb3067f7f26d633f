//! Step *attach*: the credential and [`AuthUser`] go into the request extensions, where the
//! extractors find them ([`AuthUser`] and [`Token`], required or optional). Every request
//! the layer lets through also carries a [`GuardContext`] for the authorization guards behind
//! it.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use super::reject::Reject;
use crate::token::{ClaimPath, Token};

/// The authenticated user, as the resolver returned it.
///
/// As an extractor it answers 500 when the layer did not run (a route outside the layer, or
/// an excluded one); `Option<AuthUser<U>>` is `None` on excluded routes.
///
/// ```
/// use axum_jwt_layer::AuthUser;
///
/// async fn me(AuthUser(user): AuthUser<String>) -> String { user }
/// async fn maybe(user: Option<AuthUser<String>>) -> String {
///     user.map_or_else(|| "anonymous".to_owned(), |AuthUser(u)| u)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser<U>(pub U);

/// Marks a request the layer skipped: extractors can tell "excluded" from "no layer".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Excluded;

/// What the authorization guards behind the layer need from its configuration: how to answer
/// a refusal (the error handler and the realm) and where the roles are. Put on every request
/// the layer passes on, excluded ones included, so a guard answers as the layer would.
#[derive(Clone)]
pub(crate) struct GuardContext {
    pub(crate) reject: Arc<Reject>,
    pub(crate) role_claims: Arc<[ClaimPath]>,
}

/// Marks a request authenticated by a configuration without a resolver: no [`AuthUser`].
#[derive(Debug, Clone, Copy)]
struct NoResolver;

/// Puts the user into the request head; `None` when the configuration has no resolver.
pub(crate) fn user<U: Clone + Send + Sync + 'static>(parts: &mut Parts, user: Option<U>) {
    match user {
        Some(user) => {
            parts.extensions.insert(AuthUser(user));
        }
        None => {
            parts.extensions.insert(NoResolver);
        }
    }
}

/// Why [`AuthUser`] or [`Token`] could not be extracted: a server misconfiguration, answered
/// with 500.
///
/// ```
/// use axum::response::IntoResponse;
/// use axum_jwt_layer::flow::MissingAuthentication;
///
/// let response = MissingAuthentication::LayerMissing.into_response();
/// assert_eq!(response.status(), 500);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MissingAuthentication {
    /// The layer did not run for this request.
    #[error("no authenticated user: is JwtAuthLayer installed on this route?")]
    LayerMissing,
    /// The route is excluded, so it carries no identity.
    #[error("this route is excluded from JwtAuthLayer: extract an Option instead")]
    RouteExcluded,
    /// The configuration has no user resolver, so requests carry the credential only.
    #[error("no user: the authentication configuration has no resolver")]
    NoResolver,
    /// Another backend of a [`Chain`](crate::backend::Chain) authenticated this request, so
    /// it carries that backend's credential, not this one.
    #[error("another backend of the chain authenticated this request: extract an Option instead")]
    OtherCredential,
}

impl IntoResponse for MissingAuthentication {
    fn into_response(self) -> Response {
        tracing::error!(problem = %self, "authentication extractor failed");
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// `Some` when the layer authenticated the request with this credential type, `None` when it
/// skipped it or another backend of a chain authenticated it, an error when it never ran.
pub(crate) fn lookup<T: Clone + Send + Sync + 'static>(
    parts: &Parts,
) -> Result<Option<T>, MissingAuthentication> {
    match parts.extensions.get::<T>() {
        Some(value) => Ok(Some(value.clone())),
        None if parts.extensions.get::<Excluded>().is_some() => Ok(None),
        None if parts.extensions.get::<NoResolver>().is_some() => {
            Err(MissingAuthentication::NoResolver)
        }
        None if parts.extensions.get::<GuardContext>().is_some() => Ok(None),
        None => Err(MissingAuthentication::LayerMissing),
    }
}

/// As [`lookup`], for a required extractor: an absent value is an error naming why.
pub(crate) fn require<T: Clone + Send + Sync + 'static>(
    parts: &Parts,
) -> Result<T, MissingAuthentication> {
    lookup(parts)?.ok_or_else(|| match parts.extensions.get::<Excluded>() {
        Some(_) => MissingAuthentication::RouteExcluded,
        None => MissingAuthentication::OtherCredential,
    })
}

macro_rules! extractor {
    ($ty:ident < $param:ident >) => {
        impl<S, $param> FromRequestParts<S> for $ty<$param>
        where
            S: Send + Sync,
            $param: Clone + Send + Sync + 'static,
        {
            type Rejection = MissingAuthentication;

            async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
                require(parts)
            }
        }

        impl<S, $param> OptionalFromRequestParts<S> for $ty<$param>
        where
            S: Send + Sync,
            $param: Clone + Send + Sync + 'static,
        {
            type Rejection = MissingAuthentication;

            async fn from_request_parts(
                parts: &mut Parts,
                _: &S,
            ) -> Result<Option<Self>, Self::Rejection> {
                lookup(parts)
            }
        }
    };
}

extractor!(AuthUser<U>);
extractor!(Token<C>);
