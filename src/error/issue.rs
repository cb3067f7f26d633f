//! [`IssueError`]: a token that could not be issued.

/// A token that could not be issued by [`TokenBuilder::sign`](crate::issue::TokenBuilder::sign).
///
/// ```
/// # use axum_jwt_layer::error::IssueError;
/// assert_eq!(IssueError::InvalidSubject.to_string(), "subject is empty or has control characters");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The subject is empty or contains control characters.
    #[error("subject is empty or has control characters")]
    InvalidSubject,
    /// A custom claim uses a registered claim name.
    #[error("claim `{0}` is registered and set by the builder's own methods")]
    ReservedClaim(String),
    /// Custom claims did not serialize to a JSON object.
    #[error("custom claims must serialize to a JSON object")]
    Claims(#[source] serde_json::Error),
    /// The operating system random generator failed.
    #[error("random generator failed")]
    Random(#[source] getrandom::Error),
    /// The `jti` given to the builder is empty (the verifier would refuse the token).
    #[error("jti is empty")]
    EmptyJti,
    /// The configured key has no signing half.
    #[error("the selected key cannot sign")]
    NoSigningKey,
    /// The `Set-Cookie` value would exceed the 4096 bytes browsers keep.
    #[error("the auth cookie would be {0} bytes; browsers drop cookies over 4096")]
    CookieTooLarge(usize),
    /// Signing failed.
    #[error("signing failed")]
    Sign(#[source] jsonwebtoken::errors::Error),
    /// A login of a configuration with a revocation store was turned into a response without
    /// being awaited, so it was not registered (`auth.login(..).await`).
    #[error("a login with a revocation store must be awaited to be registered")]
    NotRegistered,
}
