//! Authorization per route, after authentication: scopes, roles and predicates.
//!
//! The authentication layer ([`JwtAuthLayer`](crate::JwtAuthLayer)) answers "who is this";
//! these answer "may they do this", route by route, before the handler runs:
//!
//! - [`RequireScopes`]: every listed scope in the token's `scope` or `scp` claim, each a
//!   space-separated string or an array of strings, compared exactly (`read` does not grant
//!   `read:all`, `Read` is not `read`).
//! - [`RequireRoles`]: roles read at the claim paths configured once with
//!   [`JwtAuthBuilder::role_claims`](crate::JwtAuthBuilder::role_claims) (`roles`, `groups`,
//!   `realm_access.roles`, `resource_access.<client>.roles`), every one or
//!   [`any`](RequireRoles::any) of them.
//! - [`RequireGuard`]: a predicate over the token, or over the token and the user (Litestar's
//!   guards; FastAPI Users' active, verified, superuser).
//!
//! Each is a tower layer for axum's `route_layer`, inside the authentication layer. As
//! extractors: [`Scoped<S>`](Scoped) refuses like [`RequireScopes`] with the scopes of a
//! [`RequiredScopes`] type, and [`Grants`] gives a handler the scopes and roles for checks
//! that depend on the request.
//!
//! # Answers
//!
//! | request | status | `WWW-Authenticate` | `detail` |
//! |---|---|---|---|
//! | no token reached the guard (excluded route, no layer) | 401 | `Bearer realm=".."` | `Authentication required` |
//! | valid token, a scope missing | 403 | `Bearer realm="..", error="insufficient_scope", error_description="Insufficient scope", scope="<required>"` | `Insufficient scope` |
//! | valid token, a role missing | 403 | the same without `scope` | `Required role missing` |
//! | valid token, the predicate says no | 403 | the same without `scope` | `Access denied` |
//!
//! The body is the crate's `{"status_code": N, "detail": ".."}`, made by the layer's
//! [`ErrorHandler`](crate::flow::ErrorHandler) with its realm, so a custom handler answers
//! these too. RFC 6750 §3.1 defines `insufficient_scope` as "the request requires higher
//! privileges than provided by the access token": role and predicate refusals use it as well,
//! without a `scope` attribute, since no scope would help.
//!
//! A claim of an unexpected type (`scope: 1`, `scp: ["read", 2]`, `realm_access: "admin"`)
//! grants nothing: the token itself is valid, so its holder gets 403, not 401. A request
//! without a token never gets 403. Neither the token nor a claim value is ever logged.
//!
//! ```
//! use axum::{routing::get, Router};
//! use axum_jwt_layer::authz::{RequireRoles, RequireScopes};
//! use axum_jwt_layer::{JwtAuth, JwtAuthLayer};
//!
//! let auth = JwtAuth::<()>::builder()
//!     .secret([7u8; 32])
//!     .role_claims(["realm_access.roles"])
//!     .build()
//!     .unwrap();
//! let app: Router = Router::new()
//!     .route("/read", get(|| async { "read" }).route_layer(RequireScopes::new(["read"])))
//!     .route("/admin", get(|| async { "admin" }).route_layer(RequireRoles::new(["admin"])))
//!     .layer(JwtAuthLayer::new(auth));
//! # let _ = app;
//! ```

mod claims;
mod extract;
mod refusal;
mod require;
mod service;

#[cfg(feature = "openapi")]
pub(crate) use self::claims::is_scope_token;
pub use self::claims::ClaimLookup;
pub use self::extract::{Grants, RequiredScopes, Scoped};
pub use self::refusal::Refusal;
pub use self::require::{RequireGuard, RequireRoles, RequireScopes};
pub use self::service::{Authorize, AuthorizeFuture};
pub use crate::token::ClaimPath;
