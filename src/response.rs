//! The rejection response: [`ErrorHandler`] and the default RFC 6750 one.

use axum::body::Body;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};

use crate::error::AuthError;

/// Turns a rejection into a response. Replace the default with
/// `JwtAuthBuilder::error_handler`; any `Fn(&AuthError) -> Response` is a handler.
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use axum_jwt_layer::{AuthError, ErrorHandler};
///
/// fn plain(error: &AuthError) -> Response {
///     (error.status(), error.detail()).into_response()
/// }
/// let response = plain.handle(&AuthError::new(axum_jwt_layer::AuthErrorKind::MissingToken), "api");
/// assert_eq!(response.status(), 401);
/// ```
pub trait ErrorHandler: Send + Sync + 'static {
    /// The response for `error`; `realm` is the configured realm.
    fn handle(&self, error: &AuthError, realm: &str) -> Response;
}

impl<F> ErrorHandler for F
where
    F: Fn(&AuthError) -> Response + Send + Sync + 'static,
{
    fn handle(&self, error: &AuthError, _realm: &str) -> Response {
        self(error)
    }
}

/// The default response: `{"status_code": N, "detail": ".."}` and, on 400 and 401, a
/// `WWW-Authenticate: Bearer realm=".."` challenge with the RFC 6750 `error` attribute when
/// a token was presented.
///
/// ```
/// use axum_jwt_layer::{AuthError, AuthErrorKind, DefaultErrorHandler, ErrorHandler};
///
/// let response = DefaultErrorHandler.handle(&AuthError::new(AuthErrorKind::MissingToken), "api");
/// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultErrorHandler;

impl ErrorHandler for DefaultErrorHandler {
    fn handle(&self, error: &AuthError, realm: &str) -> Response {
        let status = error.status();
        let detail = error.detail();
        let mut response = json_error(status, detail);
        let headers = response.headers_mut();
        if status.is_client_error() {
            let challenge = match error.rfc6750_error() {
                Some(code) => {
                    format!(
                        r#"Bearer realm="{realm}", error="{code}", error_description="{detail}""#
                    )
                }
                None => format!(r#"Bearer realm="{realm}""#),
            };
            // The realm was checked at build(); the rest is from a fixed ASCII set.
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// `{"status_code": N, "detail": ".."}`; `detail` must come from a fixed ASCII set.
pub(crate) fn json_error(status: StatusCode, detail: &'static str) -> Response {
    let body = format!(
        r#"{{"status_code":{},"detail":"{detail}"}}"#,
        status.as_u16()
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether `realm` can sit inside a quoted-string without escaping.
pub(crate) fn valid_realm(realm: &str) -> bool {
    realm
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// A JSON response with `bytes` as its body.
pub(crate) fn json_response(bytes: Vec<u8>) -> Response {
    let mut response = Response::new(bytes.into());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// 500 for a token that could not be issued; the error is logged (it never holds a token).
pub(crate) fn internal_error(what: &dyn std::error::Error) -> Response {
    tracing::error!(error = %what, "could not issue a token");
    json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}
