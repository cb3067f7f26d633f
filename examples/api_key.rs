//! The `api_key` reference app (Litestar's custom authentication middleware example, route for
//! route): an authentication scheme of the application's own, a key in the `X-API-KEY`
//! header, written as an [`AuthBackend`] and run by [`AuthLayer`] like the JWT backend; the
//! same layer protects HTTP and WebSocket routes.
//!
//! ```text
//! cargo run --example api_key
//! curl -i localhost:3000/user -H 'x-api-key: 1'     # 200 {"name":"user_authorized"}
//! curl -i localhost:3000/user                        # 401
//! curl -i localhost:3000/                            # 200, the index (excluded)
//! ```
//!
//! `GET /ws` is a WebSocket: with the key the server answers 101 and sends `{"name": ..}` as a
//! text message; without it the upgrade is refused with 401 before any handshake.
//! Environment: `ADDR` (default `127.0.0.1:3000`).

mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_jwt_layer::error::AuthErrorKind;
use axum_jwt_layer::{AuthBackend, AuthError, AuthLayer, AuthUser, AuthenticatorBuilder};
use http::request::Parts;
use serde::Serialize;

/// The header the key travels in.
const API_KEY_HEADER: &str = "x-api-key";

/// The user a key belongs to.
#[derive(Clone, Debug, Serialize)]
struct User {
    name: String,
}

/// What a checked request carries: the id of the key's owner (never the key itself, so
/// nothing downstream can log it).
#[derive(Clone, Debug)]
struct Owner(String);

/// The scheme: a key in `X-API-KEY`, looked up in a table of keys.
struct ApiKeys {
    owners: Arc<HashMap<String, String>>,
}

impl AuthBackend for ApiKeys {
    type Credential = Owner;

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Owner>, AuthError>> + Send {
        let found = match parts.headers.get(API_KEY_HEADER) {
            // No key: 401 unless the route is excluded.
            None => Ok(None),
            Some(key) => key
                .to_str()
                .ok()
                .and_then(|key| self.owners.get(key))
                .map(|owner| Some(Owner(owner.clone())))
                // An unknown key: 401, the same answer whatever the key was.
                .ok_or_else(|| AuthError::new(AuthErrorKind::CredentialRefused)),
        };
        std::future::ready(found)
    }

    fn subject(owner: &Owner) -> Option<&str> {
        Some(&owner.0)
    }

    // A 401 challenges with `ApiKey realm="api"`, never `Bearer`: this scheme reads no token.
    fn challenge_scheme(&self) -> &'static str {
        "ApiKey"
    }
}

/// `GET /`: the index, open to everyone.
async fn index() -> Html<&'static str> {
    Html("<!doctype html><title>api_key</title><p>Send <code>X-API-KEY</code> to <code>/user</code> or <code>/ws</code>.</p>")
}

/// `GET /user`: who the key belongs to.
async fn user(AuthUser(user): AuthUser<User>) -> Json<User> {
    Json(user)
}

/// `GET /ws`: the same user, sent once over the WebSocket the key opened.
async fn ws(AuthUser(user): AuthUser<User>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .on_upgrade(move |mut socket| async move {
            if let Ok(text) = serde_json::to_string(&user) {
                let _ = socket.send(Message::Text(text.into())).await;
            }
            let _ = socket.send(Message::Close(None)).await;
        })
        .into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Litestar's example database: key "1" belongs to `user_authorized`.
    let owners = HashMap::from([("1".to_owned(), "user_authorized".to_owned())]);
    let auth = AuthenticatorBuilder::new(ApiKeys {
        owners: Arc::new(owners),
    })
    .resolver(|owner: Owner, _parts: &Parts| async move {
        Ok::<_, Infallible>(Some(User { name: owner.0 }))
    })
    .build()?;
    // The index opts out per route (Litestar's `exclude_from_auth=True`): it is added after
    // the layer, which wraps only the routes before it.
    let app = Router::new()
        .route("/user", get(user))
        .route("/ws", get(ws))
        .layer(AuthLayer::new(auth))
        .route("/", get(index));
    common::serve("api_key", app).await
}
