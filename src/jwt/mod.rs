//! The JWT backend: [`JwtBackend`] (find the token, verify it) and everything
//! [`JwtAuth`] adds to the shared flow: its builder, issuing, refresh tokens.
//!
//! Files: `auth.rs` (the `JwtAuth` names), `backend.rs`, `builder/` (settings by role and
//! `build()`), `source.rs` (where the token is found), `verify.rs` (the JWS steps),
//! `rules.rs` (the claim checks), `json.rs` (strict JSON), `cache.rs` (verified tokens),
//! `issuing.rs` and `refresh.rs` (the `JwtAuth` methods that sign).

pub(crate) mod auth;
pub(crate) mod backend;
pub(crate) mod builder;
pub(crate) mod cache;
pub(crate) mod issuing;
pub(crate) mod json;
pub(crate) mod refresh;
pub(crate) mod rules;
pub(crate) mod source;
pub(crate) mod verify;

pub use self::auth::{JwtAuth, JwtAuthLayer, JwtAuthService};
pub use self::backend::JwtBackend;
pub use self::builder::JwtAuthBuilder;
pub use self::source::TokenSource;
pub use crate::token::Audience;
