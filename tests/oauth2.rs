//! The OAuth2 password-bearer preset: token responses, the password-grant extractor and
//! RFC 6749 errors.

mod common;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use axum_jwt_layer::{
    issue::{OAuth2Error, PasswordGrant},
    JwtAuth, JwtAuthLayer,
};
use common::*;
use http::Request;
use serde_json::json;

fn app() -> (Router, JwtAuth<User>) {
    let (builder, _) = builder();
    let auth = builder
        .oauth2_password("/token")
        .exclude(["/token", "/custom"])
        .build()
        .unwrap();
    async fn token(State(auth): State<JwtAuth<User>>, grant: PasswordGrant) -> Response {
        if grant.password != "secret" {
            return OAuth2Error::invalid_grant().into_response();
        }
        let scope = grant.scope.join(" ");
        auth.login(grant.username)
            .extra("scope", scope)
            .into_response()
    }
    async fn custom(
        State(auth): State<JwtAuth<User>>,
        Json(user): Json<User>,
    ) -> impl IntoResponse {
        auth.login(user.id.clone()).body(Json(user))
    }
    let app = router(auth.clone()).merge(
        Router::new()
            .route("/token", post(token))
            .route("/custom", post(custom))
            .layer(JwtAuthLayer::new(auth.clone()))
            .with_state(auth.clone()),
    );
    (app, auth)
}

fn form(body: &str) -> Request<Body> {
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn password_grant_gets_an_rfc6749_token_response() {
    let (app, auth) = app();
    let reply = send(
        &app,
        form("grant_type=password&username=alice&password=secret&scope=read%20write"),
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    let token = auth.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(token.sub, "alice");
    assert_eq!(token.claims["scope"], "read write");
    // The preset also sets the cookie, and the token works as a bearer token.
    assert!(reply.headers["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("token=ey"));
    let call = bearer(&app, "/some-path", body["access_token"].as_str().unwrap()).await;
    assert_eq!(call.json(), json!({"id": "alice"}));
}

#[tokio::test]
async fn bad_credentials_and_bad_grants_get_rfc6749_errors() {
    let (app, _) = app();
    let cases = [
        (
            "grant_type=password&username=alice&password=wrong",
            "invalid_grant",
        ),
        (
            "grant_type=client_credentials&username=alice&password=secret",
            "unsupported_grant_type",
        ),
        ("grant_type=password&username=alice", "invalid_request"),
        ("username=alice&password=secret", "invalid_request"),
    ];
    for (body, code) in cases {
        let reply = send(&app, form(body)).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.json(), json!({"error": code}), "{body}");
        assert_eq!(reply.headers["cache-control"], "no-store");
    }
    let json_body = Request::post("/token")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"username":"alice","password":"secret"}"#))
        .unwrap();
    assert_eq!(
        send(&app, json_body).await.json(),
        json!({"error": "invalid_request"})
    );
}

#[tokio::test]
async fn the_caller_can_still_choose_the_body() {
    let (app, _) = app();
    let request = Request::post("/custom")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"id":"bob"}"#))
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json(), json!({"id": "bob"}));
    assert!(reply.headers["authorization"]
        .to_str()
        .unwrap()
        .starts_with("Bearer "));
}
