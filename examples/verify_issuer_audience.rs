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

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::JwtAuth;
use common::Identity;
use utoipa::OpenApi;

const ISSUER: &str = "https://auth.testserver.local";
const AUDIENCE: &str = "https://api.testserver.local";

#[derive(OpenApi)]
#[openapi(paths(common::identity_login, common::identity))]
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
    let routes = Router::new()
        .route("/login", post(common::identity_login))
        .route("/", get(common::identity));
    common::serve_with(
        "verify_issuer_audience",
        &auth,
        ApiDoc::openapi(),
        routes,
        auth.clone(),
    )
    .await
}
