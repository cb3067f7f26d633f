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
//! random secret is generated and tokens do not survive a restart).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct User {
    id: Uuid,
    name: String,
    email: String,
}

type Users = Arc<RwLock<HashMap<Uuid, User>>>;

#[derive(Clone)]
struct AppState {
    auth: JwtAuth<User>,
    users: Users,
}

/// Stores the user and answers 201 with `Authorization: Bearer <jwt>` and the user as body.
async fn login(State(state): State<AppState>, Json(user): Json<User>) -> impl IntoResponse {
    if let Ok(mut users) = state.users.write() {
        users.insert(user.id, user.clone());
    }
    state
        .auth
        .login(user.id.to_string())
        .extra("email", &user.email)
        .body(Json(user))
}

/// The authenticated user.
async fn some_path(AuthUser(user): AuthUser<User>) -> Json<User> {
    Json(user)
}

fn secret() -> Vec<u8> {
    match std::env::var("JWT_SECRET") {
        Ok(secret) => secret.into_bytes(),
        Err(_) => {
            eprintln!("warning: JWT_SECRET is not set; using a random secret for this run");
            let mut secret = vec![0u8; 32];
            getrandom::fill(&mut secret).expect("the OS random generator works");
            secret
        }
    }
}

fn app(secret: &[u8]) -> Result<Router, axum_jwt_layer::ConfigError> {
    let users: Users = Arc::default();
    let lookup = Arc::clone(&users);
    let auth = JwtAuth::<User>::builder()
        .secret(secret)
        .resolver(move |token: Token, _parts| {
            let user = Uuid::parse_str(&token.sub)
                .ok()
                .and_then(|id| lookup.read().ok()?.get(&id).cloned());
            async move { Ok::<_, Infallible>(user) }
        })
        .exclude(["/login", "/schema/*"])
        .build()?;
    Ok(Router::new()
        .route("/login", post(login))
        .route("/some-path", get(some_path))
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(AppState { auth, users }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let app = app(&secret())?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("jwt_auth listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("shutting down");
        })
        .await?;
    Ok(())
}
