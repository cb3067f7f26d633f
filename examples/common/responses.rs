//! The error responses of the reference apps, for their OpenAPI documents. An operation lists
//! the sets that apply to it, so its document names every status it can answer:
//!
//! - [`AuthErrors`] on a protected operation (the layer's 400 and 401);
//! - [`JsonErrors`] on one that takes a JSON body through [`Json`](super::Json);
//! - [`CrossOriginErrors`] on an unsafe method when a cookie carries the token;
//! - [`StoreErrors`] where a revocation store is consulted or written.

use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// Every error body: the crate's shape (Litestar's).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status again.
    pub status_code: u16,
    /// What went wrong, from a fixed set of messages.
    pub detail: String,
}

/// What the layer answers on a protected operation before the handler runs.
#[derive(IntoResponses)]
pub enum AuthErrors {
    /// RFC 6750 `invalid_request`.
    #[response(
        status = 400,
        description = "invalid_request: a malformed credential (an empty bearer token, two Authorization headers, a header and a cookie that differ)"
    )]
    BadRequest(ErrorBody),
    /// No token, or one that is refused.
    #[response(
        status = 401,
        description = "No token (`WWW-Authenticate: Bearer realm=..`), or an invalid, expired or revoked one (`error=\"invalid_token\"`)",
        headers(("WWW-Authenticate" = String, description = "The Bearer challenge (RFC 6750 §3)"))
    )]
    Unauthorized(ErrorBody),
}

/// What [`Json`](super::Json) answers for a body it cannot take.
#[derive(IntoResponses)]
pub enum JsonErrors {
    /// Not JSON.
    #[response(status = 400, description = "The body is not valid JSON")]
    Syntax(ErrorBody),
    /// Over axum's default body limit (2 MB).
    #[response(status = 413, description = "The body is too large")]
    TooLarge(ErrorBody),
    /// Another content type.
    #[response(status = 415, description = "The content type is not application/json")]
    ContentType(ErrorBody),
    /// JSON of another shape.
    #[response(
        status = 422,
        description = "The JSON does not match the request schema"
    )]
    Data(ErrorBody),
}

/// Cross-origin protection (on whenever a cookie can carry the token).
#[derive(IntoResponses)]
pub enum CrossOriginErrors {
    /// A browser request from another site without an Authorization header.
    #[response(
        status = 403,
        description = "A cross-origin browser request (Sec-Fetch-Site or Origin of another site) carrying no Authorization header"
    )]
    Forbidden(ErrorBody),
}

/// The revocation store refused or could not be reached (fail closed).
#[derive(IntoResponses)]
pub enum StoreErrors {
    /// Unavailable.
    #[response(
        status = 503,
        description = "The revocation store is full (a new login) or unreachable"
    )]
    Unavailable(ErrorBody),
}

/// An RFC 6749 §5.2 error body, as the token endpoints answer a form request.
#[derive(Serialize, ToSchema)]
pub struct OAuth2ErrorBody {
    /// `invalid_request`, `invalid_grant`, `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
}

/// The 400 of an endpoint that takes a form (RFC 6749 errors) and JSON (the crate's shape).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum FormOrJsonError {
    /// A form request: RFC 6749 §5.2.
    OAuth2(OAuth2ErrorBody),
    /// A JSON request: the crate's shape.
    Problem(ErrorBody),
}
