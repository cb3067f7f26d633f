//! The JWT backend: [`JwtAuth`] (the configuration, built by [`JwtAuthBuilder`]),
//! [`JwtAuthLayer`] (the layer) and [`JwtBackend`] (find the token, verify it).
//!
//! # Where the token is found
//!
//! A preset picks the [`TokenSource`]s and how `login()` delivers the token:
//!
//! | preset | reads | `login()` answers | Litestar |
//! |---|---|---|---|
//! | default | `Authorization: Bearer <token>` | the token in `Authorization` | `JWTAuth` |
//! | `cookie` (feature `cookie`) | the cookie or the header | `Set-Cookie` (and the header) | `JWTCookieAuth` |
//! | [`oauth2_password`](JwtAuthBuilder::oauth2_password) | the header or the `token` cookie | an RFC 6749 token response and the cookie | `OAuth2PasswordBearerAuth` |
//!
//! [`JwtAuthBuilder::token_sources`] replaces the sources (another header, a prefix, a
//! cookie name). Two different tokens in one request are refused (400), never guessed between.
//!
//! # What is verified
//!
//! The header's `alg` must be one the builder allows for the key (never taken from the token
//! alone), the key is chosen by `kid`, then the signature, then a payload without duplicate
//! keys and the claim rules: `exp` required by default, `nbf`, `iat`, issuers, audiences,
//! required claims and a maximum lifetime (see the builder's claim setters). A decode hook
//! may rewrite the verified payload; custom claims deserialize into your type `C`
//! (`JwtAuth<U, C>`, read through [`Token<C>`](crate::Token)).
//!
//! # Issuing
//!
//! [`JwtAuth::login`] signs a token and answers with a ready response (awaited: with a
//! revocation store it registers the login); [`JwtAuth::create_token`] signs without a
//! response; [`JwtAuth::logout`] and [`JwtAuth::logout_all`] revoke; with
//! [`JwtAuthBuilder::refresh_tokens`], `login()` also issues a refresh token that
//! [`JwtAuth::refresh`] rotates (reuse of an old one revokes its whole login family).

// Files: `auth.rs` (the `JwtAuth` names), `backend.rs`, `builder/` (settings by role and
// `build()`), `source.rs` (where the token is found), `verify.rs` (the JWS steps), `rules.rs`
// (the claim checks), `route.rs` (several issuers, routed by `iss`), `json.rs` (strict JSON), `payload.rs` (header and payload in one pass), `cache.rs` (verified tokens), `issuing.rs` and
// `refresh.rs` (the `JwtAuth` methods that sign).

pub(crate) mod auth;
pub(crate) mod backend;
pub(crate) mod browser;
pub(crate) mod builder;
pub(crate) mod cache;
pub(crate) mod chars;
pub(crate) mod issuing;
pub(crate) mod json;
pub(crate) mod payload;
pub(crate) mod refresh;
pub(crate) mod route;
pub(crate) mod rules;
pub(crate) mod shared;
pub(crate) mod source;
pub(crate) mod verify;

pub use self::auth::{JwtAuth, JwtAuthLayer, JwtAuthService};
pub use self::backend::JwtBackend;
pub use self::builder::JwtAuthBuilder;
pub use self::shared::JwtAuthBackend;
pub use self::source::TokenSource;
pub use crate::token::Audience;
