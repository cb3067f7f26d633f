//! What the benchmarks share: the HS256 secret, the request, the hand-written middleware a
//! careful user writes today (key and `Validation` built once), and the three routers compared (bare axum, that middleware,
//! `JwtAuthLayer`). Only names that stayed at the crate root are used, so the same file
//! measures an older checkout too.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token, UserResolver};
use jsonwebtoken::{decode, DecodingKey, Validation};

pub const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";

pub fn request(token: &str) -> Request {
    Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// What a user writes by hand: parse the header, `jsonwebtoken::decode` with a key and a
/// `Validation` built once, insert the subject.
pub async fn hand_written(
    State(key): State<Arc<(DecodingKey, Validation)>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(token) = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match decode::<serde_json::Map<String, serde_json::Value>>(token, &key.0, &key.1) {
        Ok(data) => {
            let sub = data
                .claims
                .get("sub")
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .to_owned();
            request.extensions_mut().insert(sub);
            next.run(request).await
        }
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The resolver of the benchmarks: the subject, as a [`UserResolver`] implementation, which
/// borrows the token (a closure would get a copy of it: see [`layer_auth_closure`]).
pub struct Subject;

impl UserResolver<String> for Subject {
    type Error = Infallible;

    fn resolve(
        &self,
        token: &Token,
        _: &Parts,
    ) -> impl Future<Output = Result<Option<String>, Infallible>> + Send {
        std::future::ready(Ok(Some(token.sub.clone())))
    }
}

/// The layer's configuration: the secret and [`Subject`]; everything else default.
pub fn layer_auth() -> JwtAuth<String> {
    JwtAuth::<String>::builder()
        .secret(SECRET)
        .user_resolver(Subject)
        .build()
        .unwrap()
}

/// As [`layer_auth`], with the resolver written as a closure (which owns a copy of the token).
pub fn layer_auth_closure() -> JwtAuth<String> {
    JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .build()
        .unwrap()
}

/// The same token with one character of its signature changed (still valid base64url).
pub fn bad_signature(token: &str) -> String {
    let dot = token.rfind('.').unwrap();
    let mut bytes = token.as_bytes().to_vec();
    let at = dot + 1 + (bytes.len() - dot - 1) / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// A token for `user-42` with an `email` and a fixed-width serial `n` (every token the
/// same size whatever its serial).
pub fn token(auth: &JwtAuth<String>, serial: u64) -> String {
    auth.create_token("user-42")
        .extra("email", "a@example.com")
        .extra("n", format!("{serial:012}"))
        .sign()
        .unwrap()
}

/// A token with an `email` claim, and the three routers serving `GET /me`: bare axum, the
/// hand-written middleware, and `JwtAuthLayer` with a resolver returning the subject.
pub fn apps() -> (String, [(&'static str, Router); 3]) {
    let auth = layer_auth();
    let token = token(&auth, 0);
    let bare: Router = Router::new().route("/me", get(|| async { "user-42" }));
    let manual: Router = Router::new()
        .route(
            "/me",
            get(|axum::Extension(sub): axum::Extension<String>| async move { sub }),
        )
        .layer(middleware::from_fn_with_state(
            Arc::new((
                DecodingKey::from_secret(SECRET).unwrap(),
                Validation::new(jsonwebtoken::Algorithm::HS256),
            )),
            hand_written,
        ));
    let layered: Router = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(auth));
    let apps = [
        ("bare_axum", bare),
        ("from_fn_jsonwebtoken_decode", manual),
        ("jwt_auth_layer", layered),
    ];
    (token, apps)
}
