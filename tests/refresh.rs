//! Refresh tokens, reuse detection and logout everywhere against the memory store.

mod common;

use std::time::Duration;

use axum::response::IntoResponse as _;
use axum_jwt_layer::{
    issue::{AuthCookie, RefreshTokens},
    revocation::{Family, MemoryRevocationStore, Revocation, RevocationStore, Rotation, TokenIds},
    ConfigError, JwtAuth, JwtAuthBuilder, Token,
};
use common::sessions::*;
use common::*;
use http::StatusCode;

fn app() -> (axum::Router, Calls, axum_jwt_layer::JwtAuth<User>) {
    session_app(MemoryRevocationStore::new(10_000))
}

#[tokio::test]
async fn rotation_gives_a_working_new_pair() {
    rotation(&app().0).await;
}

#[tokio::test]
async fn reuse_of_a_rotated_refresh_token_revokes_the_family() {
    let (app, calls, _) = app();
    reuse_detection(&app, &calls).await;
}

#[tokio::test]
async fn refresh_and_access_tokens_never_stand_in_for_each_other() {
    let (app, calls, auth) = app();
    separation(&app, &calls, &auth).await;
}

#[tokio::test]
async fn logout_revokes_the_family_and_logout_all_the_subject() {
    logouts(&app().0).await;
}

#[tokio::test]
async fn refresh_endpoint_inputs() {
    refresh_inputs(&app().0).await;
}

#[tokio::test]
async fn store_entries_expire_by_themselves() {
    let store = MemoryRevocationStore::new(10);
    let past = now() - 1;
    // A login registered until a past time has ended: its tokens are refused, it no longer
    // rotates, and it takes no room.
    store
        .register(Family::new("f", "s"), Some("a"), past)
        .await
        .unwrap();
    let ids = TokenIds::new("j", "s")
        .family(Some("f"))
        .issued_at(Some(now() - 10));
    assert!(store.is_revoked(ids).await.unwrap());
    assert_eq!(
        store
            .rotate(Family::new("f", "s"), "a", "b", now() + 60)
            .await
            .unwrap(),
        Rotation::Unknown
    );
    // An expired "logged out up to" no longer covers tokens without a family.
    let subject = Revocation::Subject {
        subject: "s",
        issued_up_to: now(),
    };
    store.revoke(subject, past).await.unwrap();
    let loose = TokenIds::new("j", "s").issued_at(Some(now() - 10));
    assert!(!store.is_revoked(loose).await.unwrap());
    assert_eq!(store.len(), 0);
    // A live family rotates once per refresh token, and only for its own subject.
    store
        .register(Family::new("g", "s"), Some("a"), now() + 60)
        .await
        .unwrap();
    let ids = TokenIds::new("j", "s").family(Some("g"));
    assert!(!store.is_revoked(ids).await.unwrap());
    assert!(store
        .is_revoked(TokenIds::new("j", "mallory").family(Some("g")))
        .await
        .unwrap());
    let g = Family::new("g", "s");
    assert_eq!(
        store.rotate(g, "a", "b", now() + 60).await.unwrap(),
        Rotation::Rotated
    );
    assert_eq!(
        store.rotate(g, "a", "c", now() + 60).await.unwrap(),
        Rotation::Reused
    );
    // Revoking the family removes it.
    store
        .revoke(Revocation::Family(g), now() + 60)
        .await
        .unwrap();
    assert!(store.is_revoked(ids).await.unwrap());
    assert_eq!(
        store.len(),
        1,
        "only the subject's expired-looking entry is left"
    );
}

#[tokio::test]
async fn refresh_cookie_with_a_narrow_path() {
    let (builder, _) = builder();
    let settings = RefreshTokens::new()
        .lifetime(Duration::from_secs(3600))
        .cookie(AuthCookie::new("refresh").path("/refresh"));
    let auth = builder
        .revocation(MemoryRevocationStore::new(100))
        .refresh_tokens(settings)
        .exclude(["/login", "/refresh"])
        .build()
        .unwrap();
    let response = auth.login("alice").await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with("refresh="))
        .expect("refresh cookie");
    assert!(
        cookie.contains("Path=/refresh")
            && cookie.contains("HttpOnly")
            && cookie.contains("Max-Age=3600"),
        "{cookie}"
    );
    let value = cookie.split(';').next().unwrap().to_owned();
    let app = session_router(auth.clone());
    let request = http::Request::post("/refresh")
        .header("cookie", &value)
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply
        .headers
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("refresh=ey")));
}

#[test]
fn refresh_tokens_need_a_store_and_their_own_audience() {
    let (builder, _) = builder();
    let error = builder
        .refresh_tokens(RefreshTokens::new())
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::RefreshNeedsStore), "{error}");
    let (builder, _) = common::builder();
    let error = builder
        .revocation(MemoryRevocationStore::new(1))
        .accepted_audiences(["api", "refresh"])
        .refresh_tokens(RefreshTokens::new())
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::RefreshAudience(_)), "{error}");
}

/// A configuration whose tokens last 1 second by default, without leeway, on a memory store.
fn short_lived(edit: impl FnOnce(JwtAuthBuilder<User>) -> JwtAuthBuilder<User>) -> JwtAuth<User> {
    let builder = JwtAuth::<User>::builder()
        .secret(SECRET)
        .token_expiration(Duration::from_secs(1))
        .leeway(Duration::ZERO)
        .revocation(MemoryRevocationStore::new(100))
        .resolver(|token: Token, _parts| async move {
            Ok::<_, std::convert::Infallible>(Some(User { id: token.sub }))
        });
    edit(builder).build().unwrap()
}

/// A login whose token was given a longer lifetime than the configured one stays valid for
/// that lifetime: its login family is registered as long as its token lives.
#[tokio::test]
async fn a_login_token_with_a_longer_lifetime_outlives_the_default() {
    let auth = short_lived(|b| b);
    let response = auth
        .login("alice")
        .token(|t| t.expires_in(Duration::from_secs(60)))
        .await
        .into_response();
    assert_eq!(response.status(), StatusCode::CREATED);
    let header = response.headers()["authorization"].to_str().unwrap();
    let jwt = header.strip_prefix("Bearer ").unwrap().to_owned();
    let app = router(auth);
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    // Past the configured lifetime (1 s), within the token's own (60 s).
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// "Log out everywhere" keeps refusing a token without a family for as long as
/// `max_lifetime` lets one live, not only for the configured issuing lifetime.
#[tokio::test]
async fn logout_all_covers_tokens_up_to_max_lifetime() {
    let auth = short_lived(|b| b.max_lifetime(Duration::from_secs(60)));
    let jwt = auth
        .create_token("alice")
        .expires_in(Duration::from_secs(30))
        .sign()
        .unwrap();
    let app = router(auth.clone());
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    assert_eq!(
        auth.logout_all("alice").await.into_response().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Past the configured lifetime (1 s): the token (30 s) is still refused.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}
