//! The `jwt_auth` reference app (Litestar's `JWTAuth` example, route for route).
//!
//! ```text
//! cargo run --example jwt_auth
//! curl -i -X POST localhost:3000/login -H 'content-type: application/json' \
//!      -d '{"id":"5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11","name":"Ada","email":"ada@example.com"}'
//! curl -i localhost:3000/some-path -H "authorization: Bearer <the token>"
//! ```
//!
//! Environment: `ADDR` (default `127.0.0.1:3000`), `JWT_SECRET` (at least 32 bytes; when unset a
//! random secret is generated and tokens do not survive a restart). OpenAPI at
//! `/schema/openapi.json`, Swagger UI at `/schema/swagger`.

mod common;

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::JwtAuth;
use common::{AppState, User, Users};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(common::login, common::some_path), components(schemas(User)))]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users = Users::default();
    let auth = JwtAuth::<User>::builder()
        .secret(common::secret())
        .resolver(users.resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    let routes = Router::new()
        .route("/login", post(common::login))
        .route("/some-path", get(common::some_path));
    let state = AppState {
        auth: auth.clone(),
        users,
    };
    common::serve_with("jwt_auth", &auth, ApiDoc::openapi(), routes, state).await
}
