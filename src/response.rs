//! JSON response helpers shared by the rejection mapping and the issuing responses.

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

/// `{"status_code": N, "detail": ".."}`; `detail` must come from a fixed ASCII set.
pub(crate) fn json_error(status: StatusCode, detail: &'static str) -> Response {
    json_response_with(status, json_error_body(status, detail))
}

/// The body of [`json_error`].
pub(crate) fn json_error_body(status: StatusCode, detail: &'static str) -> Bytes {
    let body = format!(
        r#"{{"status_code":{},"detail":"{detail}"}}"#,
        status.as_u16()
    );
    Bytes::from(body)
}

/// A JSON error response with `body`, never stored by a cache.
pub(crate) fn json_response_with(status: StatusCode, body: Bytes) -> Response {
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
