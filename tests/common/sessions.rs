//! The refresh/logout suite, run against any revocation store (memory and Redis).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    issue::RefreshTokens, revocation::RevocationStore, AuthUser, JwtAuth, JwtAuthLayer, Token,
};
use http::StatusCode;
use serde_json::{json, Value};

use super::*;

/// `/login?sub=..` (excluded), `/refresh` (excluded), `/logout`, `/logout-all`, `/some-path`.
pub fn session_app(store: impl RevocationStore) -> (Router, Calls, JwtAuth<User>) {
    let (builder, calls) = builder();
    let auth = builder
        .revocation(store)
        .refresh_tokens(RefreshTokens::new())
        .exclude(["/login", "/refresh"])
        .build()
        .unwrap();
    (session_router(auth.clone()), calls, auth)
}

pub fn session_router(auth: JwtAuth<User>) -> Router {
    async fn login(State(auth): State<JwtAuth<User>>, request: Request) -> impl IntoResponse {
        let sub = request.uri().query().unwrap_or("sub=alice")[4..].to_owned();
        auth.login(sub).extra("email", "a@example.com").await
    }
    async fn refresh(State(auth): State<JwtAuth<User>>, request: Request) -> impl IntoResponse {
        auth.refresh_request(request).await
    }
    async fn logout(State(auth): State<JwtAuth<User>>, token: Token) -> impl IntoResponse {
        auth.logout(&token).await
    }
    async fn logout_all(State(auth): State<JwtAuth<User>>, token: Token) -> impl IntoResponse {
        auth.logout_all(&token.sub).await
    }
    Router::new()
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .route("/logout-all", post(logout_all))
        .route(
            "/some-path",
            get(|AuthUser(u): AuthUser<User>, t: Token| async move {
                axum::Json(json!({"id": u.id, "email": t.claims.get("email")}))
            }),
        )
        .layer(JwtAuthLayer::new(auth.clone()))
        .with_state(auth)
}

pub struct Pair {
    pub access: String,
    pub refresh: String,
}

pub async fn login(app: &Router, sub: &str) -> Pair {
    let request = http::Request::post(format!("/login?sub={sub}"))
        .body(Body::empty())
        .unwrap();
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    pair(&reply.json())
}

fn pair(body: &Value) -> Pair {
    assert_eq!(body["token_type"], "bearer");
    Pair {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

pub async fn refresh(app: &Router, refresh_token: &str) -> Reply {
    let body = json!({ "refresh_token": refresh_token }).to_string();
    let request = http::Request::post("/refresh")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    send(app, request).await
}

pub async fn post_with(app: &Router, path: &str, access: &str) -> Reply {
    let request = http::Request::post(path)
        .header("authorization", format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

pub async fn status_of(app: &Router, access: &str) -> StatusCode {
    bearer(app, "/some-path", access).await.status
}

/// Rotation: a refresh gives a new pair that works, and keeps the custom claims.
pub async fn rotation(app: &Router) {
    let first = login(app, "alice").await;
    let reply = refresh(app, &first.refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let second = pair(&reply.json());
    assert_ne!(second.refresh, first.refresh);
    let me = bearer(app, "/some-path", &second.access).await;
    assert_eq!(me.json(), json!({"id": "alice", "email": "a@example.com"}));
    // The pair rotates again, and the first access token is still valid until it expires.
    let third = refresh(app, &second.refresh).await;
    assert_eq!(third.status, 200);
    assert_eq!(status_of(app, &first.access).await, 200);
}

/// Reuse detection: replaying a spent refresh token revokes the whole family.
pub async fn reuse_detection(app: &Router, calls: &Calls) {
    let first = login(app, "alice").await;
    let other = login(app, "alice").await;
    let second = pair(&refresh(app, &first.refresh).await.json());
    let replay = refresh(app, &first.refresh).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
    assert!(replay
        .challenge()
        .unwrap()
        .contains(r#"error="invalid_token""#));
    assert!(!replay.body.contains(&first.refresh));
    let before = calls.count();
    for access in [&first.access, &second.access] {
        assert_eq!(
            status_of(app, access).await,
            401,
            "the family's access tokens are revoked"
        );
    }
    assert_eq!(calls.count(), before);
    assert_eq!(
        refresh(app, &second.refresh).await.status,
        401,
        "and its refresh tokens"
    );
    // Another login of the same user is another family: untouched.
    assert_eq!(status_of(app, &other.access).await, 200);
    assert_eq!(refresh(app, &other.refresh).await.status, 200);
}

/// Refresh tokens are not access tokens and access tokens are not refresh tokens.
pub async fn separation(app: &Router, calls: &Calls, auth: &JwtAuth<User>) {
    let pair = login(app, "alice").await;
    let header = jsonwebtoken::decode_header(&pair.refresh).unwrap();
    assert_eq!(header.typ.as_deref(), Some("refresh+jwt"));
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&pair.refresh)
        .unwrap()
        .claims;
    let access = jsonwebtoken::dangerous::insecure_decode::<Value>(&pair.access)
        .unwrap()
        .claims;
    assert_eq!(claims["aud"], "refresh");
    assert_eq!(claims["fid"], access["fid"], "one login, one family");
    let before = calls.count();
    let reply = bearer(app, "/some-path", &pair.refresh).await;
    assert_rejected_after(&reply, &pair.refresh);
    assert_eq!(calls.count(), before);
    assert!(auth.verify(&pair.refresh).is_err());
    let reply = refresh(app, &pair.access).await;
    assert_eq!(reply.status, 401, "an access token cannot refresh");
    // A token with the refresh typ but no refresh audience is refused as well, both ways.
    let forged = raw_token(
        r#"{"alg":"HS256","typ":"refresh+jwt"}"#,
        &json!({"sub": "alice", "exp": now() + 60, "jti": "x", "fid": "f"}).to_string(),
        SECRET,
        axum_jwt_layer::keys::Algorithm::HS256,
    );
    assert_eq!(refresh(app, &forged).await.status, 401);
    assert_eq!(bearer(app, "/some-path", &forged).await.status, 401);
}

fn assert_rejected_after(reply: &Reply, token: &str) {
    assert_eq!(reply.status, 401);
    assert!(reply
        .challenge()
        .unwrap()
        .contains(r#"error="invalid_token""#));
    assert!(!reply.body.contains(token));
}

/// `logout()` revokes the login family; `logout_all()` every token of the subject.
pub async fn logouts(app: &Router) {
    let one = login(app, "alice").await;
    let reply = post_with(app, "/logout", &one.access).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(app, &one.access).await, 401);
    assert_eq!(
        refresh(app, &one.refresh).await.status,
        401,
        "logout ends the refresh too"
    );

    let (a, b) = (login(app, "carol").await, login(app, "carol").await);
    let dave = login(app, "dave").await;
    let reply = post_with(app, "/logout-all", &a.access).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    for token in [&a.access, &b.access] {
        assert_eq!(status_of(app, token).await, 401);
    }
    assert_eq!(refresh(app, &b.refresh).await.status, 401);
    assert_eq!(
        status_of(app, &dave.access).await,
        200,
        "other subjects are untouched"
    );
    // Tokens issued after the logout (next second: iat has whole seconds) work.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = login(app, "carol").await;
    assert_eq!(status_of(app, &fresh.access).await, 200);
}

/// The refresh endpoint's inputs: form grants per RFC 6749 §6, a missing token.
pub async fn refresh_inputs(app: &Router) {
    let pair = login(app, "alice").await;
    let form = |body: String| {
        http::Request::post("/refresh")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let reply = send(
        app,
        form(format!(
            "grant_type=refresh_token&refresh_token={}",
            pair.refresh
        )),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = send(
        app,
        form(format!(
            "grant_type=refresh_token&refresh_token={}",
            pair.refresh
        )),
    )
    .await;
    assert_eq!(
        (reply.status.as_u16(), reply.json()),
        (400, json!({"error": "invalid_grant"}))
    );
    let reply = send(app, form("grant_type=password&refresh_token=x".to_owned())).await;
    assert_eq!(reply.json(), json!({"error": "unsupported_grant_type"}));
    let reply = send(app, form("grant_type=refresh_token".to_owned())).await;
    assert_eq!(reply.json(), json!({"error": "invalid_request"}));
    let empty = http::Request::post("/refresh").body(Body::empty()).unwrap();
    let reply = send(app, empty).await;
    assert_eq!(reply.status, 400);
    assert!(reply.challenge().unwrap().contains("invalid_request"));
}

/// Two instances sharing one store: a logout on one is seen by the other, and a refresh
/// token replayed on the other is reuse.
pub async fn two_instances(one: &Router, two: &Router, calls_two: &Calls) {
    let pair = login(one, "alice").await;
    assert_eq!(
        status_of(two, &pair.access).await,
        200,
        "tokens verify on any instance"
    );
    assert_eq!(
        post_with(one, "/logout", &pair.access).await.status,
        StatusCode::NO_CONTENT
    );
    let before = calls_two.count();
    assert_eq!(
        status_of(two, &pair.access).await,
        401,
        "a logout on one is seen by the other"
    );
    assert_eq!(calls_two.count(), before);

    let pair = login(one, "bob").await;
    let rotated = refresh(one, &pair.refresh).await;
    assert_eq!(rotated.status, 200);
    let replay = refresh(two, &pair.refresh).await;
    assert_eq!(
        replay.status, 401,
        "a replay on the other instance is reuse"
    );
    let new_access = rotated.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        status_of(one, &new_access).await,
        401,
        "the family is revoked everywhere"
    );
}
