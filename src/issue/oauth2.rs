//! The OAuth2 password-bearer preset: the RFC 6749 §4.3 password grant as an extractor, and
//! RFC 6749 §5.2 error responses.

use std::fmt;

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
/// use axum_jwt_layer::{JwtAuth, issue::{OAuth2Error, PasswordGrant}};
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

/// An RFC 6749 §5.2 error response: 400,
/// `{"error": "<code>"}`, `Cache-Control: no-store`.
///
/// ```
/// use axum::response::IntoResponse;
/// use axum_jwt_layer::issue::OAuth2Error;
///
/// let response = OAuth2Error::invalid_grant().into_response();
/// assert_eq!(response.status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Error {
    kind: OAuth2ErrorKind,
}

/// The RFC 6749 §5.2 error codes an [`OAuth2Error`] carries.
///
/// ```
/// use axum_jwt_layer::issue::{OAuth2Error, OAuth2ErrorKind};
/// assert_eq!(OAuth2Error::invalid_grant().kind(), OAuth2ErrorKind::InvalidGrant);
/// assert_eq!(OAuth2ErrorKind::InvalidGrant.to_string(), "invalid_grant");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuth2ErrorKind {
    /// `invalid_request`: a missing or malformed parameter.
    InvalidRequest,
    /// `invalid_grant`: bad credentials, or an invalid, expired or revoked grant.
    InvalidGrant,
    /// `unsupported_grant_type`: a grant type the endpoint does not take.
    UnsupportedGrantType,
    /// `invalid_scope`: a scope the client may not have.
    InvalidScope,
}

impl OAuth2ErrorKind {
    /// The RFC 6749 error code.
    fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
        }
    }
}

impl fmt::Display for OAuth2ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<OAuth2ErrorKind> for OAuth2Error {
    fn from(kind: OAuth2ErrorKind) -> Self {
        Self { kind }
    }
}

impl OAuth2Error {
    /// `invalid_grant`: bad credentials, or an invalid, expired or revoked grant.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_grant().code(), "invalid_grant");
    /// ```
    pub fn invalid_grant() -> Self {
        OAuth2ErrorKind::InvalidGrant.into()
    }

    /// `invalid_request`: a missing or malformed parameter.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_request().code(), "invalid_request");
    /// ```
    pub fn invalid_request() -> Self {
        OAuth2ErrorKind::InvalidRequest.into()
    }

    /// `unsupported_grant_type`: a grant type the endpoint does not take.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::unsupported_grant_type().code(), "unsupported_grant_type");
    /// ```
    pub fn unsupported_grant_type() -> Self {
        OAuth2ErrorKind::UnsupportedGrantType.into()
    }

    /// `invalid_scope`: a scope the client may not have.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_scope().code(), "invalid_scope");
    /// ```
    pub fn invalid_scope() -> Self {
        OAuth2ErrorKind::InvalidScope.into()
    }

    /// What went wrong.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::{OAuth2Error, OAuth2ErrorKind};
    /// assert_eq!(OAuth2Error::invalid_scope().kind(), OAuth2ErrorKind::InvalidScope);
    /// ```
    pub fn kind(&self) -> OAuth2ErrorKind {
        self.kind
    }

    /// The RFC 6749 error code.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_request().code(), "invalid_request");
    /// ```
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The HTTP status of the response: 400 for every code this crate sends.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::OAuth2Error;
    /// assert_eq!(OAuth2Error::invalid_grant().status(), 400);
    /// ```
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

impl fmt::Display for OAuth2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OAuth2 error {}", self.kind)
    }
}

impl std::error::Error for OAuth2Error {}

impl IntoResponse for OAuth2Error {
    fn into_response(self) -> Response {
        let body = format!(r#"{{"error":"{}"}}"#, self.code());
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
