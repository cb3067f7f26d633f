//! JWT authentication for axum 0.8 and any tower stack.
//!
//! [`JwtAuthLayer`] finds a token (by default in `Authorization: Bearer`), verifies it,
//! resolves the user through your [`UserResolver`], and puts [`AuthUser`] and [`Token`] in the
//! request for handlers to extract. Excluded paths skip it; rejections follow RFC 6750.
//! [`JwtAuth::login`] issues a token and answers with a ready response.
//!
//! # Quick start
//!
//! ```
//! use axum::{extract::State, routing::{get, post}, Json, Router};
//! use axum::response::IntoResponse;
//! use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
//! use std::convert::Infallible;
//!
//! #[derive(Clone, serde::Serialize, serde::Deserialize)]
//! struct User { id: String, name: String }
//!
//! async fn login(State(auth): State<JwtAuth<User>>, Json(user): Json<User>) -> impl IntoResponse {
//!     auth.login(user.id.clone()).extra("name", &user.name).body(Json(user))
//! }
//!
//! async fn me(AuthUser(user): AuthUser<User>, token: Token) -> Json<User> {
//!     assert_eq!(token.sub, user.id);
//!     Json(user)
//! }
//!
//! # fn main() -> Result<(), axum_jwt_layer::ConfigError> {
//! let auth = JwtAuth::<User>::builder()
//!     .secret("an HS256 secret of at least 32 bytes!") // shorter: build() fails
//!     .resolver(|token: Token, _parts| async move {
//!         let name = token.claims.get("name").and_then(|n| n.as_str()).unwrap_or_default();
//!         Ok::<_, Infallible>(Some(User { id: token.sub.clone(), name: name.to_owned() }))
//!     })
//!     .exclude(["/login", "/schema/*"])
//!     .build()?;
//!
//! let app: Router = Router::new()
//!     .route("/login", post(login))
//!     .route("/me", get(me))
//!     .layer(JwtAuthLayer::new(auth.clone()))
//!     .with_state(auth);
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! # The request flow
//!
//! Before anything else, with [`JwtAuthBuilder::protected_resource`] (opt-in), the layer
//! answers `GET` and `HEAD` of the RFC 9728 protected resource metadata itself, without
//! authentication, and every 401 challenge names that document (`resource_metadata`).
//!
//! 0. **origin** (with a cookie token source): an unsafe request from another origin that
//!    carries no `Authorization` header is refused with 403, excluded routes included.
//! 1. **skip**: OPTIONS requests and excluded paths pass through without identity.
//! 2. **find**: every [`TokenSource`](jwt::TokenSource) is read; two different tokens or a repeated header is a
//!    400 `invalid_request`; no token is a 401 with a bare `Bearer` challenge.
//! 3. **verify**: size cap (8 KiB), three strict base64url segments, a header whose `alg` is in
//!    the configured allow-list (never taken from the token alone), no `crit`/`b64`, an
//!    access-token `typ`, the key by `kid`, the signature, then a payload without duplicate
//!    keys and the claim checks (`exp` required, `nbf`, `iat`, issuer, audience, lifetime).
//! 4. **revoke**: with a [`RevocationStore`](revocation::RevocationStore), the token's `jti`, login family and subject are
//!    looked up (a store that cannot answer refuses the request: 503).
//! 5. **resolve**: the [`UserResolver`] turns the token into a user.
//! 6. **attach**: [`Token`] and [`AuthUser`] go into the request extensions.
//!
//! Every rejection goes through one [`ErrorHandler`](flow::ErrorHandler); the default answers
//! `{"status_code": N, "detail": ".."}` with a description from a fixed set.
//!
//! # Authorization
//!
//! Per route, behind the layer: [`authz::RequireScopes`], [`authz::RequireRoles`] and
//! [`authz::RequireGuard`] as `route_layer`s, [`authz::Scoped`] and [`authz::Grants`] as
//! extractors. A valid token without what the route requires gets 403 `insufficient_scope`;
//! a request without one, 401.
//!
//! # Other schemes
//!
//! [`JwtAuthLayer`] is the general [`AuthLayer`] with the JWT backend ([`jwt::JwtBackend`]).
//! Skip, revoke, resolve, attach and the error mapping are shared by every backend: implement
//! [`AuthBackend`] for your own scheme (an API key, mTLS, ...), build an [`Authenticator`]
//! with [`AuthenticatorBuilder::new`], and serve it with [`AuthLayer::new`]. A resolver is
//! optional: without one the layer attaches the credential alone (a verify-only resource
//! server).
//!
//! # Keys
//!
//! [`JwtAuthBuilder::secret`] configures an HMAC secret; [`JwtAuthBuilder::key`] takes any
//! [`Key`](keys::Key) (an HMAC secret, an RSA, EC P-256/P-384 or Ed25519 key in PEM or DER, or a JWK) and
//! [`JwtAuthBuilder::jwk_set`] a whole JWK Set. Public keys only verify, so a resource server
//! needs no private key. Each key serves only the allowed algorithms of its type, a JWK's
//! `alg` narrows that to one, and with several keys a token's `kid` selects its key.
//!
//! With the feature `jwks`, `JwtAuthBuilder::jwks` takes the keys from a remote JWK Set
//! instead (`JwksSource`: fetched, refreshed in the background, one shared refetch for an
//! unknown `kid`). [`JwtAuthBuilder::verified_token_cache`] lets a token in use skip the
//! signature check (an HMAC token from its second verification on); it is on by default
//! (4,096 tokens).
//!
//! # Pages
//!
//! - [`jwt`]: the JWT backend, from where the token is found to login, logout and refresh.
//! - [`backend`]: your own scheme (an API key, mTLS, ...) as an [`AuthBackend`], with a worked
//!   API-key example.
//! - [`flow`] and [`layer`]: the steps every backend shares, the resolver, the extractors and
//!   the error mapping; the tower layer.
//! - [`keys`]: secrets, PEM, DER, JWK and JWK Sets, local or remote.
//! - [`revocation`]: logout, login families and the stores (memory, Redis).
//! - [`issue`]: the responses of login, refresh and logout, cookies, the OAuth2 password grant.
//! - `openapi` (feature `openapi`): the security schemes in utoipa's document, one per backend.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cookie` | yes | the cookie token source and cookie delivery (`issue::AuthCookie`) |
//! | `aws-lc-rs` | yes | jsonwebtoken's aws-lc-rs crypto backend |
//! | `rust-crypto` | no | jsonwebtoken's pure-Rust crypto backend (RustCrypto) |
//! | `openapi` | no | `openapi()` of any configuration, a utoipa `Modify` registering its schemes |
//! | `redis` | no | `RedisRevocationStore`: one node or a Redis Cluster, shared by instances |
//! | `jwks` | no | `JwksSource`: remote JWK Sets over HTTPS (reqwest with rustls) |
//!
//! Items behind a feature are marked with it in these docs.
//!
//! # Crypto backend
//!
//! The features `aws-lc-rs` (default) and `rust-crypto` pick jsonwebtoken's backend:
//! [`JwtAuthBuilder::build`] installs that one as the process default (aws-lc-rs when both are
//! on), also when another crate in the graph turned on jsonwebtoken's other backend, unless
//! the application installed a provider first. With neither, `build()` returns
//! [`ConfigError::CryptoBackend`] instead of panicking on the first request.
//!
//! # Logging
//!
//! Rejections of client errors are logged at `debug` with a reason from a fixed set; resolver
//! failures at `error`. No token, signature, cookie value or claim value is ever logged.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// Top to bottom: openapi -> jwt, session -> layer -> authz -> flow -> backend, issue ->
// revocation -> keys -> the model (token, error, time, response, cookie_scan). `tests/module_graph.rs` checks that imports only
// run downwards and that no files import each other in a cycle.
pub mod authz;
pub mod backend;
#[cfg(feature = "cookie")]
mod cookie_scan;
pub mod error;
pub mod flow;
pub mod issue;
pub mod jwt;
pub mod keys;
pub mod layer;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
mod response;
pub mod revocation;
#[cfg(feature = "session")]
pub mod session;
mod time;
mod token;

pub use backend::AuthBackend;
pub use error::{AuthError, ConfigError};
pub use flow::{AuthUser, Authenticator, AuthenticatorBuilder, UserResolver};
pub use jwt::{JwtAuth, JwtAuthBuilder, JwtAuthLayer};
pub use layer::AuthLayer;
pub use token::{Claims, Token};
