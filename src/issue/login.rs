//! [`Login`]: the response `JwtAuth::login` returns; the token is signed when it is turned
//! into a response.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

use super::token::TokenBuilder;
use crate::response::{internal_error, json_response};

/// A login response: signs the token when turned into a response. Made by [`JwtAuth::login`](crate::JwtAuth::login).
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
    /// Nothing, or the token response for the OAuth2 preset.
    Default,
    Empty,
    Token,
    TokenResponse,
    Json(Result<Vec<u8>, serde_json::Error>),
    Custom(B),
}

impl Login {
    /// A login answering 201 with the preset's delivery of `token`.
    pub(crate) fn new(token: TokenBuilder) -> Self {
        Self {
            token,
            status: StatusCode::CREATED,
            body: LoginBody::Default,
        }
    }
}

impl<B> Login<B> {
    /// Changes the token before it is signed (any [`TokenBuilder`] setting).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").token(|t| t.jti("login-1")).into_response();
    /// let header = response.headers()["authorization"].to_str().unwrap();
    /// let token = auth.verify(header.strip_prefix("Bearer ").unwrap()).unwrap();
    /// assert_eq!(token.jti.as_deref(), Some("login-1"));
    /// ```
    pub fn token(mut self, edit: impl FnOnce(TokenBuilder) -> TokenBuilder) -> Self {
        self.token = edit(self.token);
        self
    }

    /// Adds a custom claim (see [`TokenBuilder::extra`]).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").extra("role", "admin").into_response();
    /// let header = response.headers()["authorization"].to_str().unwrap();
    /// let token = auth.verify(header.strip_prefix("Bearer ").unwrap()).unwrap();
    /// assert_eq!(token.claims["role"], "admin");
    /// ```
    pub fn extra(self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.token(|t| t.extra(name, value))
    }

    /// The response status. Default 201 Created.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// use http::StatusCode;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").status(StatusCode::OK).into_response();
    /// assert_eq!(response.status(), StatusCode::OK);
    /// ```
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Answers with `{"token": "<jwt>"}` as the body.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let response = auth.login("42").token_body().into_response();
    /// let body = axum::body::to_bytes(response.into_body(), 8192).await.unwrap();
    /// let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// assert_eq!(auth.verify(json["token"].as_str().unwrap()).unwrap().sub, "42");
    /// # });
    /// ```
    pub fn token_body(self) -> Login<()> {
        self.with_body(LoginBody::Token)
    }

    /// Answers with an RFC 6749 §5.1 token response:
    /// `{"access_token": .., "token_type": "bearer", "expires_in": ..}` (the default of the
    /// OAuth2 preset).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let response = auth.login("42").token_response().into_response();
    /// let body = axum::body::to_bytes(response.into_body(), 8192).await.unwrap();
    /// let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// assert_eq!(json["token_type"], "bearer");
    /// assert_eq!(json["expires_in"], 900);
    /// # });
    /// ```
    pub fn token_response(self) -> Login<()> {
        self.with_body(LoginBody::TokenResponse)
    }

    /// Answers with no body, whatever the preset.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32]).oauth2_password("/token")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").no_body().into_response();
    /// assert_eq!(response.status(), 201);
    /// assert!(response.headers().get("content-type").is_none());
    /// ```
    pub fn no_body(self) -> Login<()> {
        self.with_body(LoginBody::Empty)
    }

    /// Answers with `value` serialized as JSON.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").json(serde_json::json!({ "id": "42" })).into_response();
    /// assert_eq!(response.status(), 201);
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    pub fn json(self, value: impl Serialize) -> Login<()> {
        self.with_body(LoginBody::Json(serde_json::to_vec(&value)))
    }

    /// Answers with any response body (`Json(user)`, a string, ...).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").body("welcome").into_response();
    /// assert_eq!(response.status(), 201);
    /// assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    /// ```
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

impl<B: IntoResponse> IntoResponse for Login<B> {
    fn into_response(self) -> Response {
        let issuer = Arc::clone(&self.token.issuer);
        let issued = match issuer.issue(self.token, None) {
            Ok(issued) => issued,
            Err(error) => return internal_error(&error),
        };
        let token_response = issuer.oauth2.is_some() || issued.refresh.is_some();
        let mut response = match self.body {
            LoginBody::Default if token_response => issuer.token_response(&issued),
            LoginBody::Default | LoginBody::Empty => Response::default(),
            LoginBody::TokenResponse => issuer.token_response(&issued),
            LoginBody::Token => {
                let body = serde_json::json!({ "token": issued.access });
                json_response(body.to_string().into_bytes())
            }
            LoginBody::Json(Ok(bytes)) => json_response(bytes),
            LoginBody::Json(Err(error)) => return internal_error(&error),
            LoginBody::Custom(body) => body.into_response(),
        };
        *response.status_mut() = self.status;
        if let Err(error) = issuer.deliver(&issued, &mut response) {
            return internal_error(&error);
        }
        response
    }
}
