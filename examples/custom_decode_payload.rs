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

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{Claims, JwtAuth};
use common::Identity;
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

#[derive(OpenApi)]
#[openapi(paths(common::identity_login, common::identity))]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = JwtAuth::<Identity>::builder()
        .secret(common::secret())
        .decode_hook(domain_of_subject)
        .resolver(Identity::resolver())
        .exclude(["/login", "/schema/*"])
        .build()?;
    let routes = Router::new()
        .route("/login", post(common::identity_login))
        .route("/", get(common::identity));
    common::serve_with(
        "custom_decode_payload",
        &auth,
        ApiDoc::openapi(),
        routes,
        auth.clone(),
    )
    .await
}
