//! What the reference apps share: the user model and store, the secret, the OpenAPI and
//! Swagger UI routes, serving with a clean Ctrl-C shutdown, a JSON extractor whose rejections
//! answer in the crate's error shape, and the error responses of their OpenAPI documents.
// Each example uses a part of this module.
#![allow(dead_code, unused_imports)]

mod json;
mod responses;

pub use json::{subject, Json, Problem};
pub use responses::{
    AuthErrors, CrossOriginErrors, ErrorBody, FormOrJsonError, JsonErrors, OAuth2ErrorBody,
    StoreErrors,
};

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum_jwt_layer::issue::Login;
use axum_jwt_layer::{JwtAuth, JwtAuthLayer, Token};
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::OpenApi;
use utoipa::{IntoResponses, Modify, PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;
use uuid::Uuid;

/// The user of every example: `{"id": uuid, "name": str, "email": str}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// The user of the Litestar examples that keep no user table: `{"id": str}`, made from the
/// token's subject (`User(id=token.sub)`). Also the body of their `POST /login`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    #[serde(deserialize_with = "subject")]
    #[schema(min_length = 1, pattern = r"^[^\u0000-\u001F\u007F-\u009F]+$")]
    pub id: String,
}

impl Identity {
    /// The resolver of those examples: every valid token is a user.
    pub fn resolver<C>(
    ) -> impl Fn(Token<C>, &Parts) -> Ready<Result<Option<Identity>, Infallible>> + Send + Sync
    {
        |token: Token<C>, _parts: &Parts| ready(Ok(Some(Identity { id: token.sub })))
    }
}

/// `{"token": ..}`: the body of `login(..).token_body()`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    pub token: String,
}

/// An RFC 6749 §5.1 token response, as `login()` answers it for the OAuth2 preset or with
/// refresh tokens.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Present when refresh tokens are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Users held in memory.
#[derive(Clone, Default)]
pub struct Users(Arc<RwLock<HashMap<Uuid, User>>>);

impl Users {
    pub fn insert(&self, user: User) {
        if let Ok(mut users) = self.0.write() {
            users.insert(user.id, user);
        }
    }

    pub fn get(&self, sub: &str) -> Option<User> {
        let id = Uuid::parse_str(sub).ok()?;
        self.0.read().ok()?.get(&id).cloned()
    }

    pub fn by_email(&self, email: &str) -> Option<User> {
        let users = self.0.read().ok()?;
        users.values().find(|u| u.email == email).cloned()
    }

    /// The resolver of the examples: the token's `sub` is a user id.
    pub fn resolver(
        &self,
    ) -> impl Fn(Token, &Parts) -> Ready<Result<Option<User>, Infallible>> + Send + Sync + 'static
    {
        let users = self.clone();
        move |token: Token, _parts: &Parts| ready(Ok(users.get(&token.sub)))
    }
}

/// `JWT_SECRET`, or a random secret (with a warning) when it is unset.
pub fn secret() -> Vec<u8> {
    match std::env::var("JWT_SECRET") {
        Ok(secret) => secret.into_bytes(),
        Err(_) => {
            eprintln!("warning: JWT_SECRET is not set; using a random secret for this run");
            let mut secret = vec![0u8; 32];
            getrandom::fill(&mut secret).expect("the OS random generator works");
            secret
        }
    }
}

/// `/schema/openapi.json` (the document with the auth scheme applied) and `/schema/swagger`.
pub fn docs<U, C, S>(auth: &JwtAuth<U, C>, mut doc: OpenApi) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    auth.openapi().modify(&mut doc);
    swagger(doc)
}

/// `/schema/openapi.json` and `/schema/swagger` for `doc`, with the error body schema that
/// the error responses refer to.
pub fn swagger<S>(mut doc: OpenApi) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    Router::new().merge(SwaggerUi::new("/schema/swagger").url("/schema/openapi.json", doc))
}

/// Adds the responses of `R` to every operation at `paths`: what an app's configuration adds
/// to the shared handlers below (a revocation store, cross-origin protection).
pub fn also_answers<R: IntoResponses>(doc: &mut OpenApi, paths: &[&str]) {
    for path in paths {
        let Some(item) = doc.paths.paths.get_mut(*path) else {
            panic!("no operation at {path} in the document");
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation.responses.responses.extend(R::responses());
        }
    }
}

/// The app of an example: its `routes` and the docs at `/schema/*` behind the auth layer,
/// served with `state` by [`serve`] (Litestar: `Litestar(route_handlers=[..],
/// on_app_init=[auth.on_app_init])`).
pub async fn serve_with<U, C, S>(
    name: &str,
    auth: &JwtAuth<U, C>,
    doc: OpenApi,
    routes: Router<S>,
    state: S,
) -> Result<(), Box<dyn std::error::Error>>
where
    U: Clone + Send + Sync + 'static,
    C: DeserializeOwned + Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
{
    let app = routes
        .merge(docs(auth, doc))
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(state);
    serve(name, app).await
}

/// Binds `ADDR` (default `127.0.0.1:3000`), prints where it listens, serves until Ctrl-C.
pub async fn serve(name: &str, app: Router) -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("{name} listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("shutting down");
        })
        .await?;
    Ok(())
}

/// The state of the examples.
#[derive(Clone)]
pub struct AppState {
    pub auth: JwtAuth<User>,
    pub users: Users,
}

impl AppState {
    /// Stores `user` and starts its login: `sub` = id, the claim `email`.
    pub fn login(&self, user: &User) -> Login {
        self.users.insert(user.clone());
        self.auth
            .login(user.id.to_string())
            .extra("email", &user.email)
    }
}

/// `POST /login` (JSON user): stores the user, answers 201 with the token delivered the
/// preset's way and the user as body; the token has `sub` = id and the claim `email`.
#[utoipa::path(post, path = "/login", request_body = User,
    responses((status = 201, description = "Logged in; the token is in the Authorization header (and the cookie, with the cookie preset)", body = User), JsonErrors))]
pub async fn login(
    axum::extract::State(state): axum::extract::State<AppState>,
    Json(user): Json<User>,
) -> axum::response::Response {
    state.login(&user).body(Json(user)).await
}

/// `GET /some-path`: the authenticated user.
#[utoipa::path(get, path = "/some-path",
    responses((status = 200, description = "The authenticated user", body = User), AuthErrors))]
pub async fn some_path(
    axum_jwt_layer::AuthUser(user): axum_jwt_layer::AuthUser<User>,
) -> Json<User> {
    Json(user)
}

/// `POST /logout`: revokes the token and expires the cookie; 204.
#[utoipa::path(post, path = "/logout",
    responses((status = 204, description = "Logged out: the token is revoked, the cookie expired"), AuthErrors))]
pub async fn logout(
    axum::extract::State(state): axum::extract::State<AppState>,
    token: Token,
) -> axum_jwt_layer::issue::Logout {
    state.auth.logout(&token).await
}

/// `POST /login` `{"id": str}` of the examples without a user table: 201 `{"token": ..}` with
/// `sub` = id and whatever the app's configuration stamps (issuer, audience).
#[utoipa::path(post, path = "/login", operation_id = "login", request_body = Identity,
    responses((status = 201, description = "Logged in", body = TokenBody), JsonErrors))]
pub async fn identity_login(
    axum::extract::State(auth): axum::extract::State<JwtAuth<Identity>>,
    Json(user): Json<Identity>,
) -> axum::response::Response {
    auth.login(user.id).token_body().await
}

/// `GET /` of those examples: the user the token stands for.
#[utoipa::path(get, path = "/", operation_id = "handler",
    responses((status = 200, description = "The authenticated user", body = Identity), AuthErrors))]
pub async fn identity(
    axum_jwt_layer::AuthUser(user): axum_jwt_layer::AuthUser<Identity>,
) -> Json<Identity> {
    Json(user)
}
