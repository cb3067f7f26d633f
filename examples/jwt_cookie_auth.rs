//! The `jwt_cookie_auth` reference app (Litestar's `JWTCookieAuth` example).
//!
//! `POST /login` sets the `token` cookie (HttpOnly, Secure, SameSite=Lax, Path=/) and the
//! `Authorization` header; `GET /some-path` accepts either; `POST /logout` answers 204,
//! expires the cookie and revokes the token.
//!
//! ```text
//! cargo run --example jwt_cookie_auth
//! curl -i -c jar -X POST localhost:3000/login -H 'content-type: application/json' \
//!      -d '{"id":"5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11","name":"Ada","email":"ada@example.com"}'
//! curl -i localhost:3000/some-path -H "cookie: token=<the token>"
//! ```

mod common;

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{issue::AuthCookie, revocation::MemoryRevocationStore, JwtAuth};
use common::{AppState, CrossOriginErrors, StoreErrors, User, Users};
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
        .cookie(AuthCookie::new("token"))
        .revocation(MemoryRevocationStore::new(100_000))
        .resolver(users.resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    // What this configuration adds to the shared handlers' documents: cross-origin
    // protection (the cookie) on the unsafe methods, the revocation store everywhere.
    let mut doc = ApiDoc::openapi();
    common::also_answers::<CrossOriginErrors>(&mut doc, &["/login", "/logout"]);
    common::also_answers::<StoreErrors>(&mut doc, &["/login", "/some-path", "/logout"]);
    let routes = Router::new()
        .route("/login", post(common::login))
        .route("/some-path", get(common::some_path))
        .route("/logout", post(common::logout));
    let state = AppState {
        auth: auth.clone(),
        users,
    };
    common::serve_with("jwt_cookie_auth", &auth, doc, routes, state).await
}
