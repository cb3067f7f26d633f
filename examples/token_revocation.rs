//! The `token_revocation` reference app: `POST /logout` revokes the presented token (its
//! `jti` goes on an in-memory deny-list until it would have expired); the same token then
//! gets 401 `invalid_token`.
//!
//! ```text
//! cargo run --example token_revocation
//! ```

mod common;

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{revocation::MemoryRevocationStore, JwtAuth};
use common::{AppState, StoreErrors, User, Users};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(common::login, common::some_path, common::logout),
    components(schemas(User))
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users = Users::default();
    let auth = JwtAuth::<User>::builder()
        .secret(common::secret())
        .revocation(MemoryRevocationStore::new(100_000))
        .resolver(users.resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    // The revocation store is consulted by every route (a full one refuses a login).
    let mut doc = ApiDoc::openapi();
    common::also_answers::<StoreErrors>(&mut doc, &["/login", "/some-path", "/logout"]);
    let routes = Router::new()
        .route("/login", post(common::login))
        .route("/some-path", get(common::some_path))
        .route("/logout", post(common::logout));
    let state = AppState {
        auth: auth.clone(),
        users,
    };
    common::serve_with("token_revocation", &auth, doc, routes, state).await
}
