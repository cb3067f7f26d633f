//! The `custom_token` reference app (Litestar's `custom_token_cls` example): the token's
//! custom claims are a typed struct instead of the default JSON map. Its one claim,
//! `token_flag`, reads as `false` when the token does not carry it; a token where it is not a
//! boolean is refused (401 `invalid_token`).
//!
//! - `POST /login` `{"id": str, "token_flag": bool}` -> 201 `{"token": ..}`
//! - `GET /` -> 200 `{"id": <sub>, "token_flag": ..}`
//!
//! ```text
//! cargo run --example custom_token
//! curl -i -X POST localhost:3000/login -H 'content-type: application/json' \
//!      -d '{"id":"alice","token_flag":true}'
//! curl -i localhost:3000/ -H "authorization: Bearer <the token>"
//! ```
//!
//! Environment: `ADDR` (default `127.0.0.1:3000`), `JWT_SECRET` (at least 32 bytes; random
//! when unset). OpenAPI at `/schema/openapi.json`, Swagger UI at `/schema/swagger`.

mod common;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, Token};
use common::{AuthErrors, Identity, Json, JsonErrors, TokenBody};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

/// The custom claims (Litestar: `class CustomToken(Token): token_flag: bool = False`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct CustomClaims {
    #[serde(default)]
    token_flag: bool,
}

/// The body of `POST /login`, and of `GET /`'s answer.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
struct Flagged {
    #[serde(deserialize_with = "common::subject")]
    #[schema(min_length = 1, pattern = r"^[^\u0000-\u001F\u007F-\u009F]+$")]
    id: String,
    #[serde(default)]
    token_flag: bool,
}

type Auth = JwtAuth<Identity, CustomClaims>;

/// Signs a token with `sub` = id and the claim `token_flag`.
#[utoipa::path(post, path = "/login", request_body = Flagged,
    responses((status = 201, description = "Logged in", body = TokenBody), JsonErrors))]
async fn login(State(auth): State<Auth>, Json(request): Json<Flagged>) -> Response {
    auth.login(request.id)
        .extra("token_flag", request.token_flag)
        .token_body()
        .await
}

/// The user and the flag, read from the typed claims.
#[utoipa::path(get, path = "/",
    responses((status = 200, description = "The user and the flag", body = Flagged), AuthErrors))]
async fn handler(AuthUser(user): AuthUser<Identity>, token: Token<CustomClaims>) -> Json<Flagged> {
    Json(Flagged {
        id: user.id,
        token_flag: token.claims.token_flag,
    })
}

#[derive(OpenApi)]
#[openapi(paths(login, handler))]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth: Auth = JwtAuth::builder()
        .secret(common::secret())
        .resolver(Identity::resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    let routes = Router::new()
        .route("/login", post(login))
        .route("/", get(handler));
    let state = auth.clone();
    common::serve_with("custom_token", &auth, ApiDoc::openapi(), routes, state).await
}
