//! The cookie preset, login/logout cookies and revocation: SECURITY.md 10-14, 43, 44, 46-48, 53.

mod common;

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    issue::{AuthCookie, SameSite},
    jwt::TokenSource,
    revocation::{
        Family, MemoryRevocationStore, Revocation, RevocationStore, Rotation, StoreError, TokenIds,
    },
    ConfigError, JwtAuth, JwtAuthLayer, Token,
};
use common::*;
use http::StatusCode;
use serde_json::json;

fn cookie_app(cookie: AuthCookie) -> (Router, Calls, JwtAuth<User>) {
    let (builder, calls) = builder();
    let auth = builder.cookie(cookie).exclude(["/login"]).build().unwrap();
    (router(auth.clone()), calls, auth)
}

fn with_cookie(value: &str) -> http::Request<axum::body::Body> {
    get_with("/some-path", &[("cookie", value)])
}

#[tokio::test]
async fn cookie_value_may_be_raw_or_bearer_quoted_or_not() {
    let (app, _, _) = cookie_app(AuthCookie::default());
    let jwt = token(&claims("alice"));
    for value in [
        format!("token={jwt}"),
        format!("token=\"{jwt}\""),
        format!("token=Bearer {jwt}"),
        format!("token=\"Bearer {jwt}\""),
        format!("theme=dark; token={jwt}; lang=en"),
    ] {
        let reply = send(&app, with_cookie(&value)).await;
        assert_eq!(reply.status, 200, "{value}");
        assert_eq!(reply.json(), json!({"id": "alice"}));
    }
}

#[tokio::test]
async fn case_10_cookie_and_header_with_different_tokens_are_ambiguous() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let alice = token(&claims("alice"));
    let bob = token(&claims("bob"));
    let header = format!("Bearer {bob}");
    let cookie = format!("token={alice}");
    let request = get_with(
        "/some-path",
        &[("cookie", &cookie), ("authorization", &header)],
    );
    assert_rejected(
        &send(&app, request).await,
        &calls,
        &alice,
        Expect::InvalidRequest,
    );
    let same = format!("Bearer {alice}");
    let request = get_with(
        "/some-path",
        &[("cookie", &cookie), ("authorization", &same)],
    );
    assert_eq!(send(&app, request).await.status, 200);
}

#[tokio::test]
async fn case_11_custom_header_and_authorization_with_different_tokens_are_ambiguous() {
    let (builder, calls) = builder();
    let sources = [
        TokenSource::header("X-API-Key"),
        TokenSource::authorization_bearer(),
    ];
    let app = router(builder.token_sources(sources).build().unwrap());
    let alice = token(&claims("alice"));
    let bob = token(&claims("bob"));
    let auth = format!("Bearer {bob}");
    let request = get_with(
        "/some-path",
        &[("x-api-key", &alice), ("authorization", &auth)],
    );
    assert_rejected(
        &send(&app, request).await,
        &calls,
        &alice,
        Expect::InvalidRequest,
    );
}

#[tokio::test]
async fn case_12_the_auth_cookie_twice_is_refused() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let alice = token(&claims("alice"));
    let bob = token(&claims("bob"));
    for value in [
        format!("token={alice}; token={bob}"),
        format!("token={alice}; token={alice}"),
    ] {
        assert_rejected(
            &send(&app, with_cookie(&value)).await,
            &calls,
            &alice,
            Expect::InvalidRequest,
        );
    }
    // Also across two Cookie field lines (HTTP/2 style).
    let (a, b) = (format!("token={alice}"), format!("token={bob}"));
    let request = get_with("/some-path", &[("cookie", &a), ("cookie", &b)]);
    assert_rejected(
        &send(&app, request).await,
        &calls,
        &alice,
        Expect::InvalidRequest,
    );
}

#[tokio::test]
async fn case_13_other_case_cookie_names_and_look_alike_headers_are_ignored() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let jwt = token(&claims("alice"));
    for value in [
        format!("Token={jwt}"),
        format!("TOKEN={jwt}"),
        format!("token_={jwt}"),
    ] {
        assert_rejected(
            &send(&app, with_cookie(&value)).await,
            &calls,
            &jwt,
            Expect::Missing,
        );
    }
    let request = get_with("/some-path", &[("token", &jwt)]);
    assert_rejected(&send(&app, request).await, &calls, &jwt, Expect::Missing);
}

#[tokio::test]
async fn case_14_query_tokens_are_ignored_and_never_logged() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let jwt = token(&claims("alice"));
    let reply = send(
        &app,
        get_with(&format!("/some-path?access_token={jwt}"), &[]),
    )
    .await;
    assert_rejected(&reply, &calls, &jwt, Expect::Missing);
}

async fn login_cookie(auth: &JwtAuth<User>) -> (http::HeaderMap, String) {
    let response = auth.login("alice").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let headers = response.headers().clone();
    let cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    (headers, cookie)
}

#[tokio::test]
async fn case_46_login_cookie_attributes_defaults_and_configured() {
    let (_, _, auth) = cookie_app(AuthCookie::default());
    let (headers, cookie) = login_cookie(&auth).await;
    let attributes: Vec<&str> = cookie.split("; ").collect();
    let jwt = attributes[0].strip_prefix("token=").unwrap();
    assert!(auth.verify(jwt).is_ok());
    for expected in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=900",
    ] {
        assert!(attributes.contains(&expected), "{expected} in {cookie}");
    }
    assert!(!cookie.contains("Domain"));
    assert_eq!(
        headers["authorization"].to_str().unwrap(),
        format!("Bearer {jwt}")
    );
    assert_eq!(headers["cache-control"], "no-store");

    let (builder, _) = builder();
    let custom = AuthCookie::new("session")
        .path("/api")
        .domain("example.com")
        .secure(false)
        .http_only(false)
        .same_site(SameSite::Strict)
        .send_header(false);
    let auth = builder
        .cookie(custom)
        .token_expiration(Duration::from_secs(60))
        .build()
        .unwrap();
    let (headers, cookie) = login_cookie(&auth).await;
    assert!(cookie.starts_with("session=ey"), "{cookie}");
    for expected in [
        "SameSite=Strict",
        "Path=/api",
        "Domain=example.com",
        "Max-Age=60",
    ] {
        assert!(cookie.contains(expected), "{expected} in {cookie}");
    }
    assert!(
        !cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(headers.get("authorization").is_none(), "send_header(false)");
}

#[test]
fn case_46_same_site_none_without_secure_is_refused_at_build() {
    let (builder, _) = builder();
    let error = builder
        .cookie(
            AuthCookie::default()
                .same_site(SameSite::None)
                .secure(false),
        )
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidCookie(_)));
    assert!(
        error.to_string().contains("SameSite=None requires Secure"),
        "{error}"
    );
    let (builder, _) = common::builder();
    assert!(builder
        .cookie(AuthCookie::default().same_site(SameSite::None))
        .build()
        .is_ok());
    let (builder, _) = common::builder();
    assert!(builder.cookie(AuthCookie::new("bad name")).build().is_err());
}

#[tokio::test]
async fn case_46_a_cookie_over_4096_bytes_is_an_error_not_a_silent_drop() {
    let (_, _, auth) = cookie_app(AuthCookie::default());
    let response = auth
        .login("alice")
        .extra("blob", "x".repeat(4000))
        .into_response();
    assert_eq!(response.status(), 500);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("authorization").is_none());
    // Just under the limit still works.
    let response = auth
        .login("alice")
        .extra("blob", "x".repeat(2500))
        .into_response();
    assert_eq!(response.status(), 201);
    assert!(response.headers()["set-cookie"].len() <= 4096);
}

fn revocation_app(cookie: AuthCookie) -> (Router, Calls, JwtAuth<User>) {
    let (builder, calls) = builder();
    let auth = builder
        .cookie(cookie)
        .revocation(MemoryRevocationStore::new(1000))
        .exclude(["/login"])
        .build()
        .unwrap();
    let app = router(auth.clone()).merge(
        Router::new()
            .route(
                "/logout",
                post(
                    |axum::extract::State(auth): axum::extract::State<JwtAuth<User>>,
                     token: Token| async move { auth.logout(&token).await },
                ),
            )
            .route("/whoami", get(|token: Token| async move { token.sub }))
            .layer(JwtAuthLayer::new(auth.clone()))
            .with_state(auth.clone()),
    );
    (app, calls, auth)
}

#[tokio::test]
async fn case_48_logout_expires_the_cookie_with_the_same_name_path_and_domain() {
    let cookie = AuthCookie::new("session")
        .path("/app")
        .domain("example.com");
    let (app, _, auth) = revocation_app(cookie);
    let (_, set) = login_cookie(&auth).await;
    let jwt = set
        .split("; ")
        .next()
        .unwrap()
        .strip_prefix("session=")
        .unwrap()
        .to_owned();
    let request = http::Request::post("/logout")
        .header("cookie", format!("session={jwt}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let expired = reply.headers["set-cookie"].to_str().unwrap();
    assert!(expired.starts_with("session=;"), "{expired}");
    for expected in ["Path=/app", "Domain=example.com", "Max-Age=0"] {
        assert!(expired.contains(expected), "{expected} in {expired}");
    }
    assert!(!expired.contains(&jwt));
}

#[tokio::test]
async fn case_43_revoked_jti_and_missing_jti_are_refused() {
    let (app, calls, auth) = revocation_app(AuthCookie::default());
    let no_jti = token(&json!({"sub": "alice", "exp": now() + 600}));
    assert_token_refused(&app, &calls, &no_jti).await;
    let jwt = auth.create_token("alice").sign().unwrap();
    let logout = http::Request::post("/logout")
        .header("authorization", format!("Bearer {jwt}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app, logout).await.status, 204);
    let calls_before = calls.count();
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, 401);
    assert!(reply
        .challenge()
        .unwrap()
        .contains(r#"error="invalid_token""#));
    assert!(!reply.body.contains(&jwt));
    assert_eq!(
        calls.count(),
        calls_before,
        "the resolver does not run for a revoked token"
    );
    // Another token of the same user is unaffected.
    let other = auth.create_token("alice").sign().unwrap();
    assert_eq!(bearer(&app, "/some-path", &other).await.status, 200);
}

/// A store that is down, counting how often it was asked.
#[derive(Clone, Default)]
struct DownStore(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl RevocationStore for DownStore {
    fn register(
        &self,
        _: Family<'_>,
        _: Option<&str>,
        _: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        ))))
    }
    fn revoke(
        &self,
        _: Revocation<'_>,
        _: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        ))))
    }
    fn rotate(
        &self,
        _: Family<'_>,
        _: &str,
        _: &str,
        _: i64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        std::future::ready(Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        ))))
    }
    fn is_revoked(&self, _: TokenIds<'_>) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::future::ready(Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        ))))
    }
}

#[tokio::test]
async fn case_44_an_unreachable_store_is_503_never_a_pass() {
    let store = DownStore::default();
    let (builder, calls) = builder();
    let auth = builder.revocation(store.clone()).build().unwrap();
    let app = router(auth.clone());
    let jwt = auth.create_token("alice").sign().unwrap();
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"status_code": 503, "detail": "Service temporarily unavailable"})
    );
    assert!(!reply.body.contains(&jwt) && !logs().contains(&jwt));
    assert_eq!(calls.count(), 0);
    // The store is not consulted before the signature and claims pass.
    let asked = store.0.load(std::sync::atomic::Ordering::SeqCst);
    let forged = raw_token(
        r#"{"alg":"HS256"}"#,
        &claims("alice").to_string(),
        &[3; 32],
        axum_jwt_layer::keys::Algorithm::HS256,
    );
    assert_token_refused(&app, &calls, &forged).await;
    assert_eq!(store.0.load(std::sync::atomic::Ordering::SeqCst), asked);
    // Logout with the store down answers 503 too, and so does a login: it cannot be registered.
    let token = auth.verify(&jwt).unwrap();
    assert_eq!(auth.logout(&token).await.into_response().status(), 503);
    let login = auth.login("alice").await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        login.headers().get("authorization").is_none(),
        "no token handed out"
    );
}

#[tokio::test]
async fn case_47_jti_is_128_random_bits_and_never_repeats_across_logins() {
    let (_, _, auth) = cookie_app(AuthCookie::default());
    let mut seen = std::collections::HashSet::new();
    for _ in 0..500 {
        let response = auth.login("alice").into_response();
        let jwt = response.headers()["authorization"].to_str().unwrap()[7..].to_owned();
        let jti = auth.verify(&jwt).unwrap().jti.unwrap();
        assert_eq!(jti.len(), 22, "16 bytes, base64url without padding");
        assert!(seen.insert(jti));
    }
}

#[tokio::test]
async fn memory_store_forgets_expired_entries_and_refuses_when_full() {
    let store = MemoryRevocationStore::new(2);
    store
        .revoke(
            Revocation::Token {
                jti: "gone",
                subject: "alice",
            },
            now() - 1,
        )
        .await
        .unwrap();
    assert!(
        !store
            .is_revoked(TokenIds::new("gone", "alice"))
            .await
            .unwrap(),
        "an expired entry is forgotten"
    );
    store
        .revoke(
            Revocation::Token {
                jti: "a",
                subject: "alice",
            },
            now() + 60,
        )
        .await
        .unwrap();
    store
        .revoke(
            Revocation::Token {
                jti: "b",
                subject: "alice",
            },
            now() + 60,
        )
        .await
        .unwrap();
    assert_eq!(store.len(), 2);
    let full = store
        .revoke(
            Revocation::Token {
                jti: "c",
                subject: "alice",
            },
            now() + 60,
        )
        .await
        .unwrap_err();
    assert_eq!(
        full.kind(),
        axum_jwt_layer::revocation::StoreErrorKind::Full
    );
    assert!(
        store.is_revoked(TokenIds::new("a", "alice")).await.unwrap(),
        "nothing was evicted to make room"
    );
}

#[tokio::test]
async fn resolver_closure_type_still_infers_with_revocation() {
    let auth = JwtAuth::<String>::builder()
        .secret(SECRET)
        .revocation(MemoryRevocationStore::new(10))
        .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
        .build()
        .unwrap();
    let token = auth
        .verify(&auth.create_token("x").sign().unwrap())
        .unwrap();
    assert_eq!(auth.logout(&token).await.into_response().status(), 204);
    assert!(auth.verify(&auth.create_token("y").sign().unwrap()).is_ok());
}

/// A GET of `/some-path` with these raw `Cookie` lines (any bytes) and other headers.
fn with_raw_cookies(lines: &[&[u8]], headers: &[(&str, &str)]) -> http::Request<axum::body::Body> {
    let mut request = get_with("/some-path", headers);
    for line in lines {
        let value = http::HeaderValue::from_bytes(line).unwrap();
        request.headers_mut().append(http::header::COOKIE, value);
    }
    request
}

#[tokio::test]
async fn case_53_other_cookies_and_an_empty_auth_cookie_never_hide_a_valid_token() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let jwt = token(&claims("alice"));
    let header = format!("Bearer {jwt}");
    let cookie = format!("token={jwt}");
    // Bytes that are not UTF-8, values this crate would refuse, lines without `=`.
    let others: [&[u8]; 5] = [
        b"session=\xff\xfe; theme=dark",
        b"tracker=a b c; prefs={\"x\":1}",
        b"flag; =orphan; lang=en",
        b"token_old=garbage; Token=also-ignored",
        b"\xc3\x28=broken-name",
    ];
    // A valid header beside an empty auth cookie or other applications' cookies.
    for empty in [
        &b"token="[..],
        b"token=\"\"",
        b"token= ",
        b"a=1; token=; b=2",
    ] {
        let request = with_raw_cookies(&[empty], &[("authorization", &header)]);
        let reply = send(&app, request).await;
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(empty));
        assert_eq!(reply.json(), json!({"id": "alice"}));
    }
    for other in others {
        let request = with_raw_cookies(&[other], &[("authorization", &header)]);
        let reply = send(&app, request).await;
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(other));
        // The same cookies beside a valid auth cookie, on one line and on two (HTTP/2).
        let mut line = other.to_vec();
        line.extend_from_slice(b"; ");
        line.extend_from_slice(cookie.as_bytes());
        let reply = send(&app, with_raw_cookies(&[&line], &[])).await;
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&line));
        let request = with_raw_cookies(&[other, cookie.as_bytes()], &[]);
        assert_eq!(send(&app, request).await.status, 200);
    }
    assert!(calls.count() > 0);
}

#[tokio::test]
async fn case_53_an_empty_auth_cookie_is_absent_and_a_malformed_one_still_refused() {
    let (app, calls, _) = cookie_app(AuthCookie::default());
    let jwt = token(&claims("alice"));
    let cookie = format!("token={jwt}");
    // An empty auth cookie alone is no token at all: 401 with the bare challenge.
    let reply = send(&app, with_raw_cookies(&[b"token=; theme=\xff"], &[])).await;
    assert_rejected(&reply, &calls, "", Expect::Missing);
    // Still refused: the auth cookie's own value not UTF-8, or sent twice with values.
    let reply = send(&app, with_raw_cookies(&[b"token=\xffabc"], &[])).await;
    assert_rejected(&reply, &calls, "", Expect::InvalidRequest);
    let twice = format!("{cookie}; token=; {cookie}");
    let reply = send(&app, with_raw_cookies(&[twice.as_bytes()], &[])).await;
    assert_rejected(&reply, &calls, &jwt, Expect::InvalidRequest);
}
