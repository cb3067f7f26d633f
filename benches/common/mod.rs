//! What the benchmarks share: the HS256 secret, the request, the hand-written middleware a
//! careful user writes today, and the three routers compared (bare axum, that middleware,
//! `JwtAuthLayer`). Only names that stayed at the crate root are used, so the same file
//! measures an older checkout too.
#![allow(dead_code)]

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use jsonwebtoken::{decode, DecodingKey, Validation};

pub const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";

pub fn request(token: &str) -> Request {
    Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// What a user writes by hand: parse the header, `jsonwebtoken::decode`, insert the claims.
pub async fn hand_written(mut request: Request, next: Next) -> Response {
    let Some(token) = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let key = DecodingKey::from_secret(SECRET).unwrap();
    let validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    match decode::<serde_json::Map<String, serde_json::Value>>(token, &key, &validation) {
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

/// A token with an `email` claim, and the three routers serving `GET /me`: bare axum, the
/// hand-written middleware, and `JwtAuthLayer` with a resolver returning the subject.
pub fn apps() -> (String, [(&'static str, Router); 3]) {
    let auth = JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .build()
        .unwrap();
    let token = auth
        .create_token("user-42")
        .extra("email", "a@example.com")
        .sign()
        .unwrap();
    let bare: Router = Router::new().route("/me", get(|| async { "user-42" }));
    let manual: Router = Router::new()
        .route(
            "/me",
            get(|axum::Extension(sub): axum::Extension<String>| async move { sub }),
        )
        .layer(middleware::from_fn(hand_written));
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
