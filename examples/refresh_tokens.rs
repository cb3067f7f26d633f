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
    issue::RefreshTokens, revocation::MemoryRevocationStore, JwtAuth, JwtAuthBuilder, JwtAuthLayer,
    Token,
};
use common::{AppState, User, Users};
use utoipa::OpenApi;

/// Exchanges a refresh token for a new pair.
#[utoipa::path(post, path = "/refresh",
    responses((status = 200, description = "A new token pair"),
              (status = 401, description = "Invalid, spent or revoked refresh token")))]
async fn refresh(State(state): State<AppState>, request: Request) -> Response {
    state.auth.refresh_request(request).await
}

/// Revokes every token of the caller.
#[utoipa::path(post, path = "/logout-all",
    responses((status = 204, description = "Every token of the subject is revoked")))]
async fn logout_all(State(state): State<AppState>, token: Token) -> impl IntoResponse {
    state.auth.logout_all(&token.sub).await
}

/// `POST /login`: the token response carries both tokens.
#[utoipa::path(post, path = "/login", request_body = User,
    responses((status = 201, description = "An access token and a refresh token")))]
async fn login(
    State(state): State<AppState>,
    axum::Json(user): axum::Json<User>,
) -> impl IntoResponse {
    state.users.insert(user.clone());
    state
        .auth
        .login(user.id.to_string())
        .extra("email", &user.email)
        .await
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
    let app = Router::new()
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/logout", post(common::logout))
        .route("/logout-all", post(logout_all))
        .route("/some-path", get(common::some_path))
        .merge(common::docs(&auth, ApiDoc::openapi()))
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(AppState { auth, users });
    common::serve("refresh_tokens", app).await
}
