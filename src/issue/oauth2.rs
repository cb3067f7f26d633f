//! The OAuth2 password-bearer preset: the RFC 6749 §4.3 password grant as an extractor, and
//! RFC 6749 §5.2 error responses.

use axum::extract::{Form, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::header::CACHE_CONTROL;
use http::{HeaderValue, StatusCode};
use serde::Deserialize;

/// The token endpoint of the preset, and the scopes it documents.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "openapi"), allow(dead_code))]
pub(crate) struct OAuth2Password {
    pub(crate) token_url: String,
    pub(crate) scopes: Vec<(String, String)>,
}

/// An RFC 6749 §4.3 resource-owner password grant, as Swagger UI and OAuth2 clients send it:
/// `application/x-www-form-urlencoded` with `grant_type=password`, `username`, `password` and
/// an optional space-separated `scope`. Anything else is answered with an RFC 6749 §5.2 error.
///
/// ```
/// use axum::response::IntoResponse;
/// use axum_jwt_layer::{JwtAuth, OAuth2Error, PasswordGrant};
/// use axum::extract::State;
///
/// async fn token(State(auth): State<JwtAuth<String>>, grant: PasswordGrant) -> axum::response::Response {
///     if grant.password != "open sesame" {
///         return OAuth2Error::invalid_grant().into_response();
///     }
///     auth.login(grant.username).token_response().into_response()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordGrant {
    /// The resource owner's user name.
    pub username: String,
    /// The resource owner's password.
    pub password: String,
    /// The requested scopes.
    pub scope: Vec<String>,
}

#[derive(Deserialize)]
struct RawGrant {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for PasswordGrant {
    type Rejection = OAuth2Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Form(raw) = Form::<RawGrant>::from_request(request, state)
            .await
            .map_err(|_| OAuth2Error::invalid_request())?;
        match raw.grant_type.as_deref() {
            Some("password") => {}
            Some(_) => return Err(OAuth2Error::unsupported_grant_type()),
            None => return Err(OAuth2Error::invalid_request()),
        }
        let (Some(username), Some(password)) = (raw.username, raw.password) else {
            return Err(OAuth2Error::invalid_request());
        };
        let scope = raw
            .scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Self {
            username,
            password,
            scope,
        })
    }
}

/// An RFC 6749 §5.2 error response: 400 (401 for `invalid_client`),
/// `{"error": "<code>"}`, `Cache-Control: no-store`.
///
/// ```
/// use axum::response::IntoResponse;
/// use axum_jwt_layer::OAuth2Error;
///
/// let response = OAuth2Error::invalid_grant().into_response();
/// assert_eq!(response.status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Error {
    code: &'static str,
}

impl OAuth2Error {
    fn new(code: &'static str) -> Self {
        Self { code }
    }

    /// `invalid_grant`: bad credentials, or an invalid, expired or revoked grant.
    ///
    /// ```
    /// # use axum_jwt_layer::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_grant().code(), "invalid_grant");
    /// ```
    pub fn invalid_grant() -> Self {
        Self::new("invalid_grant")
    }

    /// `invalid_request`: a missing or malformed parameter.
    ///
    /// ```
    /// # use axum_jwt_layer::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_request().code(), "invalid_request");
    /// ```
    pub fn invalid_request() -> Self {
        Self::new("invalid_request")
    }

    /// `unsupported_grant_type`: a grant type the endpoint does not take.
    ///
    /// ```
    /// # use axum_jwt_layer::OAuth2Error;
    /// assert_eq!(OAuth2Error::unsupported_grant_type().code(), "unsupported_grant_type");
    /// ```
    pub fn unsupported_grant_type() -> Self {
        Self::new("unsupported_grant_type")
    }

    /// `invalid_scope`: a scope the client may not have.
    ///
    /// ```
    /// # use axum_jwt_layer::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_scope().code(), "invalid_scope");
    /// ```
    pub fn invalid_scope() -> Self {
        Self::new("invalid_scope")
    }

    /// The RFC 6749 error code.
    ///
    /// ```
    /// # use axum_jwt_layer::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_request().code(), "invalid_request");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for OAuth2Error {
    fn into_response(self) -> Response {
        let body = format!(r#"{{"error":"{}"}}"#, self.code);
        let mut response = (StatusCode::BAD_REQUEST, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
