//! Errors: [`AuthError`] for a rejected request (its kind and reasons), [`ConfigError`] for a
//! configuration that `build()` refuses, [`IssueError`] for a token that could not be issued.
//! Each has a `Display` from a fixed set of texts, implements `std::error::Error` with its
//! `source`, and the ones that become responses say their status.

mod auth;
mod config;
mod issue;
mod problem;

pub use self::auth::{AuthError, AuthErrorKind, InvalidRequestReason, InvalidTokenReason};
pub use self::config::ConfigError;
pub use self::issue::IssueError;
pub use self::problem::{
    CookieProblem, DurationSetting, JwksIssuerProblem, JwksUrlProblem, KeyProblem, PatternProblem,
    ProtectedResourceProblem,
};
