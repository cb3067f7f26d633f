//! Issuing: [`TokenBuilder`] (`create_token`) and [`Login`] (`login`), a ready response.

use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use jsonwebtoken::Header;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::{now, JwtAuth};
use crate::error::IssueError;
use crate::keys::KeySet;
use crate::response::json_error;
use crate::source::CompiledSource;
use crate::token::{Audience, REGISTERED};

/// The issuing half of the configuration.
pub(crate) struct Issuer {
    pub(crate) keys: Arc<KeySet>,
    pub(crate) expiration: i64,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<Audience>,
    pub(crate) delivery: CompiledSource,
}

impl Issuer {
    fn header_value(&self, jwt: &str) -> String {
        match &self.delivery.scheme {
            Some(scheme) => format!("{scheme} {jwt}"),
            None => jwt.to_owned(),
        }
    }
}

impl<U, C> JwtAuth<U, C> {
    /// Starts a token for `subject` (the `sub` claim) with the configured defaults: 15 minutes
    /// of validity, the configured issuer and audience, and a random 128-bit `jti`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42")
    ///     .expires_in(Duration::from_secs(60))
    ///     .extra("role", "admin")
    ///     .sign()
    ///     .unwrap();
    /// let token = auth.verify(&jwt).unwrap();
    /// assert_eq!(token.claims["role"], "admin");
    /// assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 60);
    /// ```
    pub fn create_token(&self, subject: impl Into<String>) -> TokenBuilder {
        let issuer = Arc::clone(&self.inner.issuer);
        TokenBuilder {
            sub: subject.into(),
            lifetime: issuer.expiration,
            iss: issuer.issuer.clone(),
            aud: issuer.audience.clone(),
            jti: None,
            kid: None,
            claims: Map::new(),
            error: None,
            issuer,
        }
    }

    /// A login response for `subject`: 201, the token in the configured header
    /// (`Authorization: Bearer <jwt>` by default), `Cache-Control: no-store`, and the body you
    /// choose (none by default).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").extra("email", "a@example.com").into_response();
    /// assert_eq!(response.status(), 201);
    /// assert!(response.headers()["authorization"].to_str().unwrap().starts_with("Bearer "));
    /// ```
    pub fn login(&self, subject: impl Into<String>) -> Login {
        Login {
            token: self.create_token(subject),
            status: StatusCode::CREATED,
            body: LoginBody::Empty,
        }
    }

    /// The header value carrying `jwt` in the first token source: `Bearer <jwt>` by default
    /// (Litestar's `format_auth_header`).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// assert_eq!(auth.format_auth_header("abc"), "Bearer abc");
    /// ```
    pub fn format_auth_header(&self, jwt: &str) -> String {
        self.inner.issuer.header_value(jwt)
    }
}

/// A token being issued; finish with [`TokenBuilder::sign`]. Made by [`JwtAuth::create_token`].
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// let jwt = auth.create_token("42").jti("fixed-id").sign().unwrap();
/// assert_eq!(auth.verify(&jwt).unwrap().jti.as_deref(), Some("fixed-id"));
/// ```
pub struct TokenBuilder {
    issuer: Arc<Issuer>,
    sub: String,
    lifetime: i64,
    iss: Option<String>,
    aud: Option<Audience>,
    jti: Option<String>,
    kid: Option<String>,
    claims: Map<String, Value>,
    error: Option<IssueError>,
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("lifetime", &self.lifetime)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    /// How long the token is valid (at least one second).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1);
        self
    }

    /// The `iss` claim.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.iss = Some(issuer.into());
        self
    }

    /// The `aud` claim, one audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.aud = Some(Audience::One(audience.into()));
        self
    }

    /// The `aud` claim, several audiences.
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.aud = Some(Audience::Many(
            audiences.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The `jti` claim, instead of the random default.
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// Signs with the key of this `kid` and puts it in the header.
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// One custom claim. Registered names (`sub`, `exp`, ...) are refused at `sign()`.
    pub fn extra(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => self.insert(name, value),
            Err(error) => self.error = Some(IssueError::Claims(error)),
        }
        self
    }

    /// Custom claims from a struct (or map) that serializes to a JSON object.
    pub fn claims(mut self, claims: impl Serialize) -> Self {
        match serde_json::to_value(claims) {
            Ok(Value::Object(map)) => map.into_iter().for_each(|(k, v)| self.insert(k, v)),
            Ok(_) => {
                let error = <serde_json::Error as serde::ser::Error>::custom("not an object");
                self.error = Some(IssueError::Claims(error));
            }
            Err(error) => self.error = Some(IssueError::Claims(error)),
        }
        self
    }

    fn insert(&mut self, name: String, value: Value) {
        if REGISTERED.contains(&name.as_str()) {
            self.error = Some(IssueError::ReservedClaim(name));
        } else {
            self.claims.insert(name, value);
        }
    }

    /// Signs the token.
    pub fn sign(self) -> Result<String, IssueError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.sub.is_empty() || self.sub.chars().any(char::is_control) {
            return Err(IssueError::InvalidSubject);
        }
        let (kid, key, algorithm) = self
            .issuer
            .keys
            .signing(self.kid.as_deref())
            .and_then(|key| Some((&key.kid, key.encoding.as_ref()?, key.signing_algorithm()?)))
            .ok_or(IssueError::NoSigningKey)?;
        let jti = match self.jti {
            Some(jti) => jti,
            None => random_jti()?,
        };
        let iat = now();
        let mut payload = self.claims;
        payload.insert("sub".into(), self.sub.into());
        payload.insert("iat".into(), iat.into());
        payload.insert("exp".into(), iat.saturating_add(self.lifetime).into());
        payload.insert("jti".into(), jti.into());
        if let Some(iss) = self.iss {
            payload.insert("iss".into(), iss.into());
        }
        if let Some(aud) = self.aud {
            payload.insert(
                "aud".into(),
                serde_json::to_value(aud).map_err(IssueError::Claims)?,
            );
        }
        let mut header = Header::new(algorithm);
        header.kid.clone_from(kid);
        jsonwebtoken::encode(&header, &payload, key).map_err(IssueError::Sign)
    }
}

/// 128 random bits, base64url.
fn random_jti() -> Result<String, IssueError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(IssueError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A login response: signs the token when turned into a response. Made by [`JwtAuth::login`].
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// use axum::response::IntoResponse;
/// use http::StatusCode;
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// let response = auth.login("42").status(StatusCode::OK).token_body().into_response();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// ```
#[derive(Debug)]
pub struct Login<B = ()> {
    token: TokenBuilder,
    status: StatusCode,
    body: LoginBody<B>,
}

#[derive(Debug)]
enum LoginBody<B> {
    Empty,
    Token,
    Json(Result<Vec<u8>, serde_json::Error>),
    Custom(B),
}

impl<B> Login<B> {
    /// Changes the token before it is signed (any [`TokenBuilder`] setting).
    pub fn token(mut self, edit: impl FnOnce(TokenBuilder) -> TokenBuilder) -> Self {
        self.token = edit(self.token);
        self
    }

    /// Adds a custom claim (see [`TokenBuilder::extra`]).
    pub fn extra(self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.token(|t| t.extra(name, value))
    }

    /// The response status. Default 201 Created.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Answers with `{"token": "<jwt>"}` as the body.
    pub fn token_body(self) -> Login<()> {
        self.with_body(LoginBody::Token)
    }

    /// Answers with `value` serialized as JSON.
    pub fn json(self, value: impl Serialize) -> Login<()> {
        self.with_body(LoginBody::Json(serde_json::to_vec(&value)))
    }

    /// Answers with any response body (`Json(user)`, a string, ...).
    pub fn body<T: IntoResponse>(self, body: T) -> Login<T> {
        self.with_body(LoginBody::Custom(body))
    }

    fn with_body<T>(self, body: LoginBody<T>) -> Login<T> {
        Login {
            token: self.token,
            status: self.status,
            body,
        }
    }
}

fn json_response(bytes: Vec<u8>) -> Response {
    let mut response = Response::new(bytes.into());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn internal_error(what: &dyn std::error::Error) -> Response {
    tracing::error!(error = %what, "login failed: could not issue a token");
    json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

impl<B: IntoResponse> IntoResponse for Login<B> {
    fn into_response(self) -> Response {
        let issuer = Arc::clone(&self.token.issuer);
        let jwt = match self.token.sign() {
            Ok(jwt) => jwt,
            Err(error) => return internal_error(&error),
        };
        let mut response = match self.body {
            LoginBody::Empty => Response::default(),
            LoginBody::Token => {
                json_response(serde_json::json!({ "token": jwt }).to_string().into_bytes())
            }
            LoginBody::Json(Ok(bytes)) => json_response(bytes),
            LoginBody::Json(Err(error)) => return internal_error(&error),
            LoginBody::Custom(body) => body.into_response(),
        };
        let Ok(value) = HeaderValue::from_str(&issuer.header_value(&jwt)) else {
            return json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        };
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(issuer.delivery.name.clone(), value);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
