//! A JSON extractor whose rejections answer in the crate's error shape.
//!
//! axum's `Json` rejects a bad body with a plain-text message (400, 413, 415 or 422). The
//! layer's own errors are JSON, `{"status_code": N, "detail": ".."}`, so a client of these apps
//! would otherwise parse two shapes. [`Json`] delegates to axum's extractor and turns its
//! rejection into that shape, with a `detail` from a fixed set (never serde's message, which
//! can quote the request).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

/// axum's `Json`, as an extractor with JSON rejections and as a response.
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(Problem::from(rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// An error in the crate's shape: `{"status_code": N, "detail": ".."}`.
#[derive(Clone, Copy, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: &'static str,
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        let detail = match &rejection {
            JsonRejection::JsonDataError(_) => "Request body does not match the expected schema",
            JsonRejection::JsonSyntaxError(_) => "Request body is not valid JSON",
            JsonRejection::MissingJsonContentType(_) => "Expected Content-Type: application/json",
            _ => "Request body could not be read",
        };
        Self {
            status: rejection.status(),
            detail,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "status_code": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A token subject given in a request body: not empty, no control characters (a token's `sub`
/// can hold neither). Anything else is a 422 like any other body that does not fit. Its
/// OpenAPI form: `#[schema(min_length = 1, pattern = r"^[^\u0000-\u001F\u007F-\u009F]+$")]`.
pub fn subject<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let id = String::deserialize(deserializer)?;
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err(D::Error::custom(
            "an empty id or one with control characters",
        ));
    }
    Ok(id)
}
