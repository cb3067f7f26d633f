//! The `refresh_tokens` reference app: access tokens for 15 minutes, refresh tokens for 14
//! days, rotated on every use; a replayed refresh token revokes its whole login family.
//!
//! - `POST /login` (JSON user) -> 201 `{"access_token", "token_type", "expires_in", "refresh_token"}`
//! - `POST /refresh` `{"refresh_token": ..}` -> 200 a new pair (the old refresh token is spent)
//! - `POST /logout` -> 204, revokes the presented token's login family
//! - `POST /logout-all` -> 204, revokes every token of the subject
//! - `GET /some-path` -> 200 the user
//!
//! With `REDIS_URL` set the revocation state lives in Redis (shared by every instance), with
//! `REDIS_CLUSTER_NODES` (comma-separated `redis://host:port`) in a Redis Cluster, otherwise
//! in memory. Both need `--features redis`.

mod common;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    issue::RefreshTokens, revocation::MemoryRevocationStore, JwtAuth, JwtAuthBuilder, Token,
};
use common::{
    AppState, AuthErrors, ErrorBody, FormOrJsonError, Json, JsonErrors, StoreErrors, TokenResponse,
    User, Users,
};
use serde::Serialize;
use utoipa::OpenApi;

/// `POST /refresh` as JSON.
#[derive(Serialize, utoipa::ToSchema)]
struct RefreshBody {
    refresh_token: String,
}

/// `POST /refresh` as an RFC 6749 §6 form.
#[derive(Serialize, utoipa::ToSchema)]
struct RefreshForm {
    /// `refresh_token` when given.
    grant_type: Option<RefreshGrant>,
    refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // only documents the form
enum RefreshGrant {
    RefreshToken,
}

/// Exchanges a refresh token for a new pair.
#[utoipa::path(post, path = "/refresh",
    request_body(content((RefreshBody = "application/json"), (RefreshForm = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "A new token pair; the refresh token presented is spent", body = TokenResponse),
              (status = 400, description = "JSON: no refresh token in the body (invalid_request). Form: invalid_request, unsupported_grant_type, or invalid_grant for an invalid, spent or revoked refresh token (RFC 6749 §5.2)", body = FormOrJsonError),
              (status = 401, description = "JSON: an invalid, spent or revoked refresh token (a spent one revokes its whole login family)", body = ErrorBody),
              StoreErrors))]
async fn refresh(State(state): State<AppState>, request: Request) -> Response {
    state.auth.refresh_request(request).await
}

/// Revokes every token of the caller.
#[utoipa::path(post, path = "/logout-all",
    responses((status = 204, description = "Every token of the subject is revoked"), AuthErrors, StoreErrors))]
async fn logout_all(State(state): State<AppState>, token: Token) -> impl IntoResponse {
    state.auth.logout_all(&token.sub).await
}

/// `POST /login`: the token response carries both tokens.
#[utoipa::path(post, path = "/login", request_body = User,
    responses((status = 201, description = "An access token and a refresh token", body = TokenResponse), JsonErrors, StoreErrors))]
async fn login(State(state): State<AppState>, Json(user): Json<User>) -> Response {
    state.login(&user).await
}

#[derive(OpenApi)]
#[openapi(
    paths(login, refresh, common::logout, logout_all, common::some_path),
    components(schemas(User))
)]
struct ApiDoc;

async fn with_store(
    builder: JwtAuthBuilder<User>,
) -> Result<JwtAuthBuilder<User>, Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").ok();
    let cluster = std::env::var("REDIS_CLUSTER_NODES").ok();
    if url.is_none() && cluster.is_none() {
        return Ok(builder.revocation(MemoryRevocationStore::new(100_000)));
    }
    #[cfg(feature = "redis")]
    {
        use axum_jwt_layer::revocation::RedisRevocationStore;
        let store = match (url, cluster) {
            (_, Some(nodes)) => {
                let nodes = nodes.split(',').map(str::trim).filter(|n| !n.is_empty());
                let store = RedisRevocationStore::connect_cluster(nodes).await?;
                println!("revocation store: Redis Cluster");
                store
            }
            (Some(url), None) => {
                let store = RedisRevocationStore::connect(&url).await?;
                println!("revocation store: Redis");
                store
            }
            (None, None) => unreachable!("checked above"),
        };
        Ok(builder.revocation(store))
    }
    #[cfg(not(feature = "redis"))]
    {
        Err("REDIS_URL and REDIS_CLUSTER_NODES need `--features redis`".into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users = Users::default();
    let builder = JwtAuth::<User>::builder()
        .secret(common::secret())
        .refresh_tokens(RefreshTokens::new())
        .resolver(users.resolver())
        .exclude(["/login", "/refresh", "/schema/*"]);
    let auth = with_store(builder).await?.build()?;
    // The shared handlers consult the store too.
    let mut doc = ApiDoc::openapi();
    common::also_answers::<StoreErrors>(&mut doc, &["/logout", "/some-path"]);
    let routes = Router::new()
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/logout", post(common::logout))
        .route("/logout-all", post(logout_all))
        .route("/some-path", get(common::some_path));
    let state = AppState {
        auth: auth.clone(),
        users,
    };
    common::serve_with("refresh_tokens", &auth, doc, routes, state).await
}
