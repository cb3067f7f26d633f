//! The `custom_decode_payload` reference app (Litestar's `custom_decode_payload` example): a
//! decode hook rewrites the verified payload before the claims are checked. Here it keeps what
//! follows the first `@` of `sub` (`alice@example.com` -> `example.com`); a `sub` without `@`
//! (or with nothing after it) is refused (401 `invalid_token`).
//!
//! - `POST /login` `{"id": str}` -> 201 `{"token": ..}` with `sub` = id
//! - `GET /` -> 200 `{"id": <the transformed sub>}`
//!
//! ```text
//! cargo run --example custom_decode_payload
//! curl -i -X POST localhost:3000/login -H 'content-type: application/json' \
//!      -d '{"id":"alice@example.com"}'
//! curl -i localhost:3000/ -H "authorization: Bearer <the token>"   # {"id":"example.com"}
//! ```
//!
//! Environment: `ADDR` (default `127.0.0.1:3000`), `JWT_SECRET` (at least 32 bytes; random
//! when unset). OpenAPI at `/schema/openapi.json`, Swagger UI at `/schema/swagger`.

mod common;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{AuthUser, Claims, JwtAuth, JwtAuthLayer};
use common::{AuthErrors, Identity, Json, JsonErrors, TokenBody};
use serde_json::Value;
use utoipa::OpenApi;

/// The decode hook (Litestar: `payload["sub"] = payload["sub"].split("@", maxsplit=1)[1]`).
/// Runs after the signature is verified; `None` refuses the token.
fn domain_of_subject(mut payload: Claims) -> Option<Claims> {
    let sub = payload.get("sub")?.as_str()?;
    let (_, domain) = sub.split_once('@')?;
    let domain = Value::String(domain.to_owned());
    payload.insert("sub".to_owned(), domain);
    Some(payload)
}

/// Signs a token with `sub` = id, untransformed.
#[utoipa::path(post, path = "/login", request_body = Identity,
    responses((status = 201, description = "Logged in", body = TokenBody), JsonErrors))]
async fn login(State(auth): State<JwtAuth<Identity>>, Json(user): Json<Identity>) -> Response {
    auth.login(user.id).token_body().await
}

/// The user, whose id is the subject as the hook left it.
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
        .decode_hook(domain_of_subject)
        .resolver(Identity::resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    let app = Router::new()
        .route("/login", post(login))
        .route("/", get(handler))
        .merge(common::docs(&auth, ApiDoc::openapi()))
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(auth);
    common::serve("custom_decode_payload", app).await
}
