//! Issuing: `create_token` and `login()` variants, custom claims types, and the round trip
//! through the layer.

mod common;

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_layer::{
    error::IssueError,
    jwt::{Audience, TokenSource},
    JwtAuth, JwtAuthLayer, Token,
};
use common::*;
use http::StatusCode;
use http_body_util::BodyExt as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

async fn parts(response: axum::response::Response) -> (StatusCode, http::HeaderMap, String) {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn bearer_of(headers: &http::HeaderMap) -> String {
    let value = headers["authorization"].to_str().unwrap();
    value.strip_prefix("Bearer ").unwrap().to_owned()
}

#[tokio::test]
async fn login_defaults_201_bearer_header_no_store_empty_body() {
    let (_, _, auth) = default_app();
    let (status, headers, body) = parts(auth.login("alice").into_response()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body, "");
    let token = auth.verify(&bearer_of(&headers)).unwrap();
    assert_eq!(token.sub, "alice");
    assert_eq!(
        token.exp.unwrap() - token.iat.unwrap(),
        15 * 60,
        "15 minutes by default"
    );
}

#[tokio::test]
async fn login_status_token_body_json_and_custom_body() {
    let (_, _, auth) = default_app();
    let (status, headers, body) = parts(
        auth.login("alice")
            .status(StatusCode::OK)
            .token_body()
            .into_response(),
    )
    .await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["token"], bearer_of(&headers));
    assert_eq!(headers["content-type"], "application/json");

    let (_, _, body) = parts(
        auth.login("alice")
            .json(json!({"ok": true}))
            .into_response(),
    )
    .await;
    assert_eq!(body, r#"{"ok":true}"#);

    let user = User { id: "alice".into() };
    let (status, headers, body) = parts(auth.login("alice").body(Json(user)).into_response()).await;
    assert_eq!(status, 201);
    assert_eq!(body, r#"{"id":"alice"}"#);
    assert_eq!(headers["cache-control"], "no-store");
    let (_, _, body) = parts(auth.login("alice").body("welcome").into_response()).await;
    assert_eq!(body, "welcome");
}

#[tokio::test]
async fn login_uses_the_first_token_source() {
    let (builder, _) = builder();
    let auth = builder
        .token_sources([TokenSource::header("X-API-Key")])
        .build()
        .unwrap();
    let (_, headers, _) = parts(auth.login("alice").into_response()).await;
    assert!(headers.get("authorization").is_none());
    let jwt = headers["x-api-key"].to_str().unwrap();
    assert_eq!(auth.verify(jwt).unwrap().sub, "alice");
    assert_eq!(auth.format_auth_header(jwt), jwt);

    let (builder, _) = common::builder();
    let source = TokenSource::header_with_scheme("X-Token", "Token");
    let auth = builder.token_sources([source]).build().unwrap();
    let (_, headers, _) = parts(auth.login("alice").into_response()).await;
    let value = headers["x-token"].to_str().unwrap();
    assert!(value.starts_with("Token ey"), "{value}");
}

#[tokio::test]
async fn login_that_cannot_sign_answers_500_without_a_token() {
    let (_, _, auth) = default_app();
    let (status, headers, body) = parts(auth.login("alice").extra("exp", 1).into_response()).await;
    assert_eq!(status, 500);
    assert!(headers.get("authorization").is_none());
    assert_eq!(
        body,
        r#"{"status_code":500,"detail":"Internal server error"}"#
    );
    let (status, _, _) = parts(auth.login("").into_response()).await;
    assert_eq!(status, 500, "an empty subject is refused");
    assert!(matches!(
        auth.create_token("a\nb").sign(),
        Err(IssueError::InvalidSubject)
    ));
    assert!(matches!(
        auth.create_token("a").extra("sub", "b").sign(),
        Err(IssueError::ReservedClaim(_))
    ));
}

#[tokio::test]
async fn create_token_settings_round_trip_through_the_layer() {
    let (builder, _) = builder();
    let auth = builder
        .accepted_issuers(["https://issuer.example"])
        .accepted_audiences(["api", "web"])
        .token_expiration(Duration::from_secs(120))
        .token_audience("web")
        .build()
        .unwrap();
    let jwt = auth
        .create_token("alice")
        .extra("role", "admin")
        .sign()
        .unwrap();
    let token = auth.verify(&jwt).unwrap();
    assert_eq!(
        token.iss.as_deref(),
        Some("https://issuer.example"),
        "the single accepted issuer"
    );
    assert_eq!(token.aud, Some(Audience::One("web".into())));
    assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 120);
    assert_eq!(token.claims["role"], "admin");

    let jwt = auth
        .create_token("bob")
        .expires_in(Duration::from_secs(30))
        .issuer("https://other.example")
        .audiences(["api", "x"])
        .jti("fixed")
        .sign()
        .unwrap();
    let raw = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&jwt)
        .unwrap()
        .claims;
    assert_eq!(raw["aud"], json!(["api", "x"]));
    assert_eq!(raw["jti"], "fixed");
    assert!(auth.verify(&jwt).is_err(), "the issuer is not accepted");

    let app = router(auth.clone());
    let jwt = auth.create_token("carol").sign().unwrap();
    assert_token_accepted(&app, &jwt, "carol").await;
}

#[test]
fn jti_has_128_random_bits_and_never_repeats() {
    let (_, _, auth) = default_app();
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let jti = auth
            .verify(&auth.create_token("a").sign().unwrap())
            .unwrap()
            .jti
            .unwrap();
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &jti)
            .unwrap();
        assert_eq!(bytes.len(), 16);
        assert!(seen.insert(jti));
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    email: String,
    roles: Vec<String>,
}

#[tokio::test]
async fn custom_claims_type_round_trips() {
    let auth = JwtAuth::<String, Profile>::builder()
        .secret(SECRET)
        .resolver(|token: Token<Profile>, _parts| async move {
            Ok::<_, Infallible>(Some(token.claims.email.clone()))
        })
        .build()
        .unwrap();
    let app: Router = Router::new()
        .route(
            "/me",
            get(|token: Token<Profile>, axum_jwt_layer::AuthUser(email): axum_jwt_layer::AuthUser<String>| async move {
                format!("{} {} {}", token.sub, email, token.claims.roles.join(","))
            }),
        )
        .layer(JwtAuthLayer::new(auth.clone()));
    let profile = Profile {
        email: "a@example.com".into(),
        roles: vec!["admin".into(), "ops".into()],
    };
    let jwt = auth.create_token("alice").claims(&profile).sign().unwrap();
    let reply = bearer(&app, "/me", &jwt).await;
    assert_eq!(reply.body, "alice a@example.com admin,ops");
    // Serialized back, the custom claims sit at the top level next to the registered ones.
    let token = auth.verify(&jwt).unwrap();
    let value = serde_json::to_value(&token).unwrap();
    assert_eq!(value["email"], "a@example.com");
    assert_eq!(value["sub"], "alice");
    // A token whose custom claims do not fit the type is refused.
    let plain = token_for(&json!({"sub": "bob", "exp": now() + 60, "email": 5}));
    let reply = bearer(&app, "/me", &plain).await;
    assert_eq!(reply.status, 401);
}

fn token_for(payload: &serde_json::Value) -> String {
    token(payload)
}

#[tokio::test]
async fn login_handler_as_in_the_design_sketch() {
    let (builder, _) = builder();
    let auth = builder.exclude(["/login"]).build().unwrap();
    async fn login(
        axum::extract::State(auth): axum::extract::State<JwtAuth<User>>,
        Json(user): Json<User>,
    ) -> impl IntoResponse {
        auth.login(user.id.clone())
            .extra("email", format!("{}@example.com", user.id))
            .body(Json(user))
    }
    let app = Router::new()
        .route("/login", post(login))
        .route(
            "/some-path",
            get(|t: Token| async move { t.claims["email"].to_string() }),
        )
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(auth);
    let request = http::Request::post("/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"id":"dave"}"#))
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body, r#"{"id":"dave"}"#);
    let jwt = bearer_of(&reply.headers);
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.body,
        r#""dave@example.com""#
    );
}
