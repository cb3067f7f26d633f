//! [`Login`]: the response `JwtAuth::login` returns; the token is signed when it is turned
//! into a response, or awaited (which registers the login in the revocation store first).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

use super::token::{random_id, Issued, Issuer, TokenBuilder};
use crate::error::IssueError;
use crate::response::{internal_error, json_error, json_response};
use crate::revocation::{ErasedStore, Family};
use crate::time::now;

/// A login response: signs the token when turned into a response. Made by [`JwtAuth::login`](crate::JwtAuth::login).
///
/// With a revocation store, **await it**: `auth.login(id).await` registers the login (its
/// family) in the store and then answers; the tokens of a login are valid while it is
/// registered, which is what lets logout free room instead of taking it. A full store or a
/// failed one answers 503. Turned into a response without being awaited, a login of a
/// configuration with a store answers 500 (and logs why).
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
pub struct Login<B = ()> {
    token: TokenBuilder,
    status: StatusCode,
    body: LoginBody<B>,
    store: Option<Arc<dyn ErasedStore>>,
}

impl<B> std::fmt::Debug for Login<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("token", &self.token)
            .field("status", &self.status)
            .field("store", &self.store.is_some())
            .finish_non_exhaustive()
    }
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
    pub(crate) fn new(token: TokenBuilder, store: Option<Arc<dyn ErasedStore>>) -> Self {
        Self {
            token,
            status: StatusCode::CREATED,
            body: LoginBody::Default,
            store,
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
            store: self.store,
        }
    }
}

impl<B: IntoResponse> Login<B> {
    /// The response for `issued`: the body of choice, the status, the delivery headers.
    fn respond(
        body: LoginBody<B>,
        status: StatusCode,
        issuer: &Issuer,
        issued: &Issued,
    ) -> Response {
        let token_response = issuer.oauth2.is_some() || issued.refresh.is_some();
        let mut response = match body {
            LoginBody::Default if token_response => issuer.token_response(issued),
            LoginBody::Default | LoginBody::Empty => Response::default(),
            LoginBody::TokenResponse => issuer.token_response(issued),
            LoginBody::Token => {
                let body = serde_json::json!({ "token": issued.access });
                json_response(body.to_string().into_bytes())
            }
            LoginBody::Json(Ok(bytes)) => json_response(bytes),
            LoginBody::Json(Err(error)) => return internal_error(&error),
            LoginBody::Custom(body) => body.into_response(),
        };
        *response.status_mut() = status;
        if let Err(error) = issuer.deliver(issued, &mut response) {
            return internal_error(&error);
        }
        response
    }

    /// Signs the tokens of a new login family and registers it in `store`.
    async fn register(self, store: Arc<dyn ErasedStore>) -> Response {
        let issuer = Arc::clone(&self.token.issuer);
        let ids = random_id().and_then(|family| {
            let refresh = issuer.refresh.as_ref().map(|_| random_id()).transpose()?;
            Ok::<_, IssueError>((family, refresh))
        });
        let (family, refresh) = match ids {
            Ok(ids) => ids,
            Err(error) => return internal_error(&error),
        };
        let subject = self.token.subject().to_owned();
        let issued = match issuer.issue(self.token.family(family.clone()), refresh.clone()) {
            Ok(issued) => issued,
            Err(error) => return internal_error(&error),
        };
        // The family lives as long as its longest token: the configured lifetimes, or the
        // access token's own when `.token(|t| t.expires_in(..))` made it longer.
        let until = now()
            .saturating_add(issuer.longest_lifetime().max(issued.lifetime))
            .saturating_add(issuer.leeway);
        let registered = store
            .register_dyn(Family::new(&family, &subject), refresh.as_deref(), until)
            .await;
        if let Err(error) = registered {
            tracing::error!(%error, "login refused: the revocation store could not register it");
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            );
        }
        Self::respond(self.body, self.status, &issuer, &issued)
    }
}

impl<B: IntoResponse> IntoResponse for Login<B> {
    fn into_response(self) -> Response {
        if self.store.is_some() {
            tracing::error!(
                "login not registered: with a revocation store, await the login (`auth.login(..).await`)"
            );
            return internal_error(&IssueError::NotRegistered);
        }
        let issuer = Arc::clone(&self.token.issuer);
        match issuer.issue(self.token, None) {
            Ok(issued) => Self::respond(self.body, self.status, &issuer, &issued),
            Err(error) => internal_error(&error),
        }
    }
}

/// Awaiting a login registers it in the revocation store (when one is configured) and gives
/// the response.
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token, revocation::MemoryRevocationStore};
/// # use std::convert::Infallible;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
///     .revocation(MemoryRevocationStore::new(1000))
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// let response = auth.login("42").await;
/// assert_eq!(response.status(), 201);
/// let header = response.headers()["authorization"].to_str().unwrap();
/// let token = auth.verify(header.strip_prefix("Bearer ").unwrap()).unwrap();
/// assert!(token.fid.is_some(), "a login family, registered in the store");
/// # });
/// ```
impl<B: IntoResponse + Send + 'static> IntoFuture for Login<B> {
    type Output = Response;
    type IntoFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn into_future(mut self) -> Self::IntoFuture {
        match self.store.take() {
            Some(store) => Box::pin(self.register(store)),
            None => Box::pin(std::future::ready(self.into_response())),
        }
    }
}
