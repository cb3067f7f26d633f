//! The `verify_issuer_audience` reference app (Litestar's `verify_issuer_audience` example):
//! only tokens issued by `https://auth.testserver.local` for `https://api.testserver.local` are
//! accepted. A token without `iss` or `aud`, or with another value, is refused (401
//! `invalid_token`). With exactly one accepted issuer and audience, `login()` stamps both.
//!
//! - `POST /login` `{"id": str}` -> 201 `{"token": ..}` (carrying `iss` and `aud`)
//! - `GET /` -> 200 `{"id": <sub>}`
//!
//! ```text
//! cargo run --example verify_issuer_audience
//! curl -i -X POST localhost:3000/login -H 'content-type: application/json' -d '{"id":"alice"}'
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
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer};
use common::{AuthErrors, Identity, Json, JsonErrors, TokenBody};
use utoipa::OpenApi;

const ISSUER: &str = "https://auth.testserver.local";
const AUDIENCE: &str = "https://api.testserver.local";

/// Signs a token with `sub` = id, `iss` and `aud`.
#[utoipa::path(post, path = "/login", request_body = Identity,
    responses((status = 201, description = "Logged in", body = TokenBody), JsonErrors))]
async fn login(State(auth): State<JwtAuth<Identity>>, Json(user): Json<Identity>) -> Response {
    auth.login(user.id).token_body().await
}

/// The user of a token from the accepted issuer for the accepted audience.
#[utoipa::path(get, path = "/",
    responses((status = 200, description = "The authenticated user", body = Identity), AuthErrors))]
async fn handler(AuthUser(user): AuthUser<Identity>) -> Json<Identity> {
    Json(user)
}

#[derive(OpenApi)]
#[openapi(paths(login, handler))]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = JwtAuth::<Identity>::builder()
        .secret(common::secret())
        .resolver(Identity::resolver())
        .accepted_audiences([AUDIENCE])
        .accepted_issuers([ISSUER])
        .exclude(["/login", "/schema/*"])
        .build()?;
    let app = Router::new()
        .route("/login", post(login))
        .route("/", get(handler))
        .merge(common::docs(&auth, ApiDoc::openapi()))
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(auth);
    common::serve("verify_issuer_audience", app).await
}
