//! Excludes (exact, prefix, template, methods, nested routers, routes outside the layer) and
//! optional authentication.

mod common;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use common::*;
use http::{Method, Request};

fn who(user: Option<AuthUser<User>>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |AuthUser(u)| u.id)
}

fn routes(auth: JwtAuth<User>) -> Router {
    Router::new()
        .route(
            "/login",
            get(|u: Option<AuthUser<User>>| async move { who(u) }),
        )
        .route(
            "/login/extra",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .route("/schema", get(|| async { "schema" }))
        .route("/schema/openapi.json", get(|| async { "openapi" }))
        .route("/schema/swagger/{*rest}", get(|| async { "swagger" }))
        .route(
            "/schemas",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .route(
            "/users/{id}",
            get(|u: Option<AuthUser<User>>| async move { who(u) }),
        )
        .route(
            "/users/{id}/secret",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .route(
            "/some-path",
            get(|AuthUser(u): AuthUser<User>| async move { u.id })
                .post(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .layer(JwtAuthLayer::new(auth))
}

fn excluded_app() -> (Router, Calls) {
    let (builder, calls) = builder();
    let auth = builder
        .exclude(["/login", "/schema/*", "/users/{user_id}"])
        .build()
        .unwrap();
    (routes(auth), calls)
}

#[tokio::test]
async fn exact_pattern_excludes_only_that_path() {
    let (app, calls) = excluded_app();
    assert_eq!(send(&app, get_with("/login", &[])).await.body, "anonymous");
    for path in ["/login/extra", "/login/", "/Login"] {
        let reply = send(&app, get_with(path, &[])).await;
        assert!(
            reply.status == 401 || reply.status == 404,
            "{path}: {}",
            reply.status
        );
    }
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn prefix_pattern_is_segment_aware() {
    let (app, calls) = excluded_app();
    assert_eq!(send(&app, get_with("/schema", &[])).await.body, "schema");
    assert_eq!(
        send(&app, get_with("/schema/openapi.json", &[])).await.body,
        "openapi"
    );
    assert_eq!(
        send(&app, get_with("/schema/swagger/index.html", &[]))
            .await
            .body,
        "swagger"
    );
    let reply = send(&app, get_with("/schemas", &[])).await;
    assert_rejected(&reply, &calls, "", Expect::Missing);
}

#[tokio::test]
async fn template_pattern_matches_the_route_not_its_children() {
    let (app, calls) = excluded_app();
    assert_eq!(
        send(&app, get_with("/users/42", &[])).await.body,
        "anonymous"
    );
    let reply = send(&app, get_with("/users/42/secret", &[])).await;
    assert_rejected(&reply, &calls, "", Expect::Missing);
}

#[tokio::test]
async fn excluded_route_with_a_valid_token_still_carries_no_identity() {
    let (app, calls) = excluded_app();
    let reply = bearer(&app, "/login", &token(&claims("alice"))).await;
    assert_eq!(reply.body, "anonymous");
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn options_is_excluded_by_default_and_methods_are_configurable() {
    let (app, calls) = excluded_app();
    let options = Request::builder()
        .method(Method::OPTIONS)
        .uri("/some-path")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, options).await;
    assert_ne!(reply.status, 401, "a CORS preflight is not challenged");
    assert_eq!(calls.count(), 0);

    let (builder, calls) = builder();
    let app = routes(builder.exclude_methods([Method::GET]).build().unwrap());
    // GET skips auth, so the required extractor finds no user (a server error, not a 401).
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("excluded"), "{}", reply.body);
    let post = Request::post("/some-path").body(Body::empty()).unwrap();
    assert_rejected(&send(&app, post).await, &calls, "", Expect::Missing);
    // OPTIONS is no longer in the replaced set.
    let options = Request::builder()
        .method(Method::OPTIONS)
        .uri("/some-path")
        .body(Body::empty())
        .unwrap();
    assert_rejected(&send(&app, options).await, &calls, "", Expect::Missing);
}

#[tokio::test]
async fn nested_router_matches_the_full_template() {
    let (builder, calls) = builder();
    let auth = builder
        .exclude(["/api/login", "/api/users/{id}"])
        .build()
        .unwrap();
    let app = Router::new().nest("/api", routes(auth));
    assert_eq!(
        send(&app, get_with("/api/login", &[])).await.body,
        "anonymous"
    );
    assert_eq!(
        send(&app, get_with("/api/users/7", &[])).await.body,
        "anonymous"
    );
    for path in ["/api/some-path", "/api/users/7/secret", "/api/login/extra"] {
        assert_rejected(
            &send(&app, get_with(path, &[])).await,
            &calls,
            "",
            Expect::Missing,
        );
    }
    assert_token_accepted_text(&app, "/api/some-path").await;
}

async fn assert_token_accepted_text(app: &Router, path: &str) {
    let reply = bearer(app, path, &token(&claims("alice"))).await;
    assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, "alice"));
}

#[tokio::test]
async fn dot_segment_tricks_on_an_excluded_prefix_stay_protected() {
    // Paths the router does not normalise reach the fallback, which is inside the layer.
    let (builder, calls2) = builder();
    let auth = builder.exclude(["/login", "/schema/*"]).build().unwrap();
    let protected = Router::new()
        .route(
            "/some-path",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .fallback(|AuthUser(u): AuthUser<User>| async move { u.id })
        .layer(JwtAuthLayer::new(auth));
    for path in [
        "/login/../some-path",
        "/schema/../some-path",
        "/schema/./x",
        "/login%2F..%2Fsome-path",
    ] {
        assert_rejected(
            &send(&protected, get_with(path, &[])).await,
            &calls2,
            "",
            Expect::Missing,
        );
    }
}

#[tokio::test]
async fn a_route_added_after_the_layer_is_public_and_extractors_explain_why() {
    let (builder, _) = builder();
    let auth = builder.build().unwrap();
    let app = Router::new()
        .route(
            "/some-path",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .layer(JwtAuthLayer::new(auth))
        .route("/health", get(|| async { "ok" }))
        .route(
            "/misconfigured",
            get(|AuthUser(u): AuthUser<User>| async move { u.id }),
        )
        .route("/optional", get(|_t: Option<Token>| async { "ok" }));
    assert_eq!(send(&app, get_with("/health", &[])).await.body, "ok");
    let reply = send(&app, get_with("/misconfigured", &[])).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.body.contains("is JwtAuthLayer installed"),
        "{}",
        reply.body
    );
    let reply = send(&app, get_with("/optional", &[])).await;
    assert_eq!(
        reply.status, 500,
        "Option<_> outside the layer is a misconfiguration too"
    );
    assert_eq!(send(&app, get_with("/some-path", &[])).await.status, 401);
}

#[tokio::test]
async fn optional_auth_on_an_excluded_route_and_token_extractor() {
    let (builder, _) = builder();
    let auth = builder.exclude(["/maybe"]).build().unwrap();
    let app = Router::new()
        .route(
            "/maybe",
            get(|t: Option<Token>| async move { format!("{:?}", t.map(|t| t.sub)) }),
        )
        .route("/token", get(|t: Token| async move { t.sub }))
        .layer(JwtAuthLayer::new(auth));
    assert_eq!(send(&app, get_with("/maybe", &[])).await.body, "None");
    let reply = bearer(&app, "/token", &token(&claims("alice"))).await;
    assert_eq!(reply.body, "alice");
}
