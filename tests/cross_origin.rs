//! Cross-origin protection for cookie authentication: SECURITY.md 52, over HTTP through the
//! cookie preset's router. A refused request never reaches its handler.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::issue::AuthCookie;
use axum_jwt_layer::{AuthUser, ConfigError, JwtAuth, JwtAuthLayer};
use common::*;
use http::StatusCode;
use serde_json::json;

/// How many times the unsafe handlers ran.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn app(configure: impl FnOnce(JwtAuthBuilderOf) -> JwtAuthBuilderOf) -> (Router, Runs) {
    let (builder, _) = builder();
    let auth: JwtAuth<User> = configure(builder.cookie(AuthCookie::default()).exclude(["/login"]))
        .build()
        .unwrap();
    let runs = Runs::default();
    let (on_logout, on_login, on_hook) = (runs.clone(), runs.clone(), runs.clone());
    let app = Router::new()
        .route(
            "/some-path",
            get(|AuthUser(user): AuthUser<User>| async move { user.id }),
        )
        .route(
            "/logout",
            post(move |AuthUser(_): AuthUser<User>| async move {
                on_logout.0.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/login",
            post(move || async move {
                on_login.0.fetch_add(1, Ordering::SeqCst);
                StatusCode::CREATED
            }),
        )
        .route(
            "/hooks/in",
            post(move |AuthUser(_): AuthUser<User>| async move {
                on_hook.0.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .layer(JwtAuthLayer::new(auth));
    (app, runs)
}

type JwtAuthBuilderOf = axum_jwt_layer::JwtAuthBuilder<User>;

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> http::Request<axum::body::Body> {
    let mut request = get_with(path, headers);
    *request.method_mut() = method.parse().unwrap();
    request
        .headers_mut()
        .insert("host", http::HeaderValue::from_static("api.example"));
    request
}

#[tokio::test]
async fn case_52_cross_site_unsafe_requests_with_the_cookie_are_403_and_run_nothing() {
    let (app, runs) = app(|b| b);
    let cookie = format!("token={}", token(&claims("alice")));
    let cross = [
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "https://evil.example"),
        ],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("origin", "http://api.example.evil")],
    ];
    for headers in &cross {
        for (method, path) in [
            ("POST", "/logout"),
            ("POST", "/login"),
            ("DELETE", "/logout"),
        ] {
            let mut all = headers.clone();
            all.push(("cookie", &cookie));
            let reply = send(&app, request(method, path, &all)).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{method} {path} {headers:?}"
            );
            assert_eq!(
                reply.json(),
                json!({"status_code": 403, "detail": "Cross-origin request refused"})
            );
            assert!(reply.challenge().is_none(), "a 403 asks for no credentials");
        }
    }
    assert_eq!(runs.count(), 0, "no refused request reached a handler");
}

#[tokio::test]
async fn case_52_same_origin_bearer_safe_methods_and_non_browsers_pass() {
    let (app, runs) = app(|b| b);
    let jwt = token(&claims("alice"));
    let cookie = format!("token={jwt}");
    let bearer = format!("Bearer {jwt}");
    let passing = [
        vec![("sec-fetch-site", "same-origin"), ("cookie", &cookie)],
        vec![("sec-fetch-site", "none"), ("cookie", &cookie)],
        vec![("origin", "https://api.example"), ("cookie", &cookie)],
        vec![("origin", "http://API.example"), ("cookie", &cookie)],
        // Not a browser: neither header.
        vec![("cookie", &cookie)],
        // Authorization is not ambient: a cross-origin SPA with a bearer token works.
        vec![("sec-fetch-site", "cross-site"), ("authorization", &bearer)],
    ];
    for headers in &passing {
        let reply = send(&app, request("POST", "/logout", headers)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{headers:?}");
    }
    assert_eq!(runs.count(), passing.len());
    // GET is never checked.
    let headers = [
        ("sec-fetch-site", "cross-site"),
        ("cookie", cookie.as_str()),
    ];
    let reply = send(&app, request("GET", "/some-path", &headers)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "alice");
}

#[tokio::test]
async fn case_52_trusted_origins_and_exempt_routes_pass() {
    let (app, runs) = app(|b| {
        b.trusted_origins(["https://app.example"])
            .cross_origin_exempt(["/hooks/*"])
    });
    let cookie = format!("token={}", token(&claims("alice")));
    for headers in [
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://app.example"),
        ],
        vec![("origin", "https://app.example")],
    ] {
        let mut all = headers.clone();
        all.push(("cookie", &cookie));
        let reply = send(&app, request("POST", "/logout", &all)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{headers:?}");
    }
    let headers = [
        ("sec-fetch-site", "cross-site"),
        ("cookie", cookie.as_str()),
    ];
    let reply = send(&app, request("POST", "/hooks/in", &headers)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = send(&app, request("POST", "/logout", &headers)).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "other routes stay protected"
    );
    assert_eq!(runs.count(), 3);
}

#[tokio::test]
async fn protection_is_off_without_a_cookie_source_or_when_turned_off() {
    let cookie = format!("token={}", token(&claims("alice")));
    let headers = [
        ("sec-fetch-site", "cross-site"),
        ("cookie", cookie.as_str()),
    ];
    let (app, runs) = app(|b| b.cross_origin_protection(false));
    let reply = send(&app, request("POST", "/logout", &headers)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(runs.count(), 1);
    // A header-only configuration reads no cookie: a cross-site request has nothing ambient.
    let (builder, _) = builder();
    let auth = builder.build().unwrap();
    assert!(format!("{auth:?}").contains("cross_origin: None"));
}

#[test]
fn a_malformed_trusted_origin_fails_at_build() {
    for origin in ["app.example", "https://app.example/", "ftp://x", "https://"] {
        let (builder, _) = builder();
        let error = builder
            .cookie(AuthCookie::default())
            .trusted_origins([origin])
            .build()
            .unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidTrustedOrigin(_)),
            "{origin}: {error}"
        );
    }
}
