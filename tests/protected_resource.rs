//! RFC 9728 protected resource metadata over HTTP: the document the layer serves at the
//! well-known URL derived from the configured resource, without authentication and from the
//! configuration alone; `resource_metadata` in the challenges; nothing of it when not
//! configured; the configurations `build()` refuses.

mod common;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::authz::RequireScopes;
use axum_jwt_layer::error::{AuthErrorKind, ProtectedResourceProblem as Problem};
use axum_jwt_layer::flow::ProtectedResource;
use axum_jwt_layer::jwt::TokenSource;
use axum_jwt_layer::{
    AuthBackend, AuthError, AuthLayer, AuthenticatorBuilder, ConfigError, JwtAuth, JwtAuthLayer,
};
use common::*;
use http::request::Parts;
use http::{Request, StatusCode};
use serde_json::{json, Value};

const RESOURCE: &str = "https://api.example.com";
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";
const METADATA_URL: &str = "https://api.example.com/.well-known/oauth-protected-resource";

fn full_resource() -> ProtectedResource {
    ProtectedResource::new(RESOURCE)
        .authorization_servers(["https://issuer.example.com"])
        .scopes_supported(["read", "write"])
}

fn expected_document() -> Value {
    json!({
        "resource": RESOURCE,
        "authorization_servers": ["https://issuer.example.com"],
        "scopes_supported": ["read", "write"],
        "bearer_methods_supported": ["header"],
    })
}

/// The test routes (`/some-path`, ...), a scope-guarded `/read`, behind the layer.
fn app_with(resource: Option<ProtectedResource>) -> (Router, Calls) {
    let (mut builder, calls) = builder();
    if let Some(resource) = resource {
        builder = builder.protected_resource(resource);
    }
    let auth = builder.exclude(["/login", "/health"]).build().unwrap();
    let app = Router::new()
        .route(
            "/read",
            get(|| async { "read" }).route_layer(RequireScopes::new(["read"])),
        )
        .merge(router_without_layer())
        .layer(JwtAuthLayer::new(auth));
    (app, calls)
}

/// `common::router` without its layer, so the scope route shares the one layer.
fn router_without_layer() -> Router {
    Router::new()
        .route("/some-path", get(|| async { "some" }))
        .route("/login", get(|| async { "login" }))
}

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

fn assert_document(reply: &Reply, expected: &Value) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(&reply.json(), expected);
    assert!(reply.challenge().is_none());
}

fn challenge_with_metadata(attributes: &str) -> String {
    format!(r#"Bearer realm="api"{attributes}, resource_metadata="{METADATA_URL}""#)
}

#[tokio::test]
async fn the_document_is_served_at_the_well_known_path_of_a_resource_without_a_path() {
    let (app, calls) = app_with(Some(full_resource()));
    let reply = send(&app, get_with(WELL_KNOWN, &[])).await;
    assert_document(&reply, &expected_document());
    // A query string changes nothing.
    let reply = send(&app, get_with(&format!("{WELL_KNOWN}?x=1"), &[])).await;
    assert_document(&reply, &expected_document());
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn the_document_of_a_resource_with_a_path_is_below_the_well_known_path() {
    let resource = ProtectedResource::new("https://api.example.com/v1");
    let (app, _) = app_with(Some(resource));
    let reply = send(&app, get_with(&format!("{WELL_KNOWN}/v1"), &[])).await;
    let expected = json!({
        "resource": "https://api.example.com/v1",
        "bearer_methods_supported": ["header"],
    });
    assert_document(&reply, &expected);
    // Only the derived path is the layer's: the bare well-known path is a protected path
    // like any other, and so is the path with a trailing slash.
    for other in [WELL_KNOWN.to_owned(), format!("{WELL_KNOWN}/v1/")] {
        let reply = send(&app, get_with(&other, &[])).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{other}");
        let url = "https://api.example.com/.well-known/oauth-protected-resource/v1";
        let expected = format!(r#"Bearer realm="api", resource_metadata="{url}""#);
        assert_eq!(reply.challenge(), Some(expected.as_str()));
    }
}

#[tokio::test]
async fn the_document_is_served_without_authentication_whatever_token_comes_along() {
    let (app, calls) = app_with(Some(full_resource()));
    let valid = token(&claims("alice"));
    let expired = token(&json!({"sub": "alice", "iat": now() - 900, "exp": now() - 600}));
    for authorization in [
        "Bearer not-a-jwt".to_owned(),
        format!("Bearer {expired}"),
        format!("Bearer {valid}"),
        "Basic YWxpY2U6c2VjcmV0".to_owned(),
        "Bearer".to_owned(),
    ] {
        let reply = send(
            &app,
            get_with(WELL_KNOWN, &[("authorization", &authorization)]),
        )
        .await;
        assert_document(&reply, &expected_document());
    }
    assert_eq!(calls.count(), 0, "the resolver never runs for the document");
}

#[tokio::test]
async fn a_spoofed_host_changes_nothing_in_the_document() {
    let (app, _) = app_with(Some(full_resource()));
    let spoofed = [
        ("host", "evil.example"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "http"),
        ("forwarded", "host=evil.example;proto=http"),
    ];
    let reply = send(&app, get_with(WELL_KNOWN, &spoofed)).await;
    assert_document(&reply, &expected_document());
    assert!(!reply.body.contains("evil"));
    // An absolute-form request target naming another host.
    let absolute = format!("http://evil.example{WELL_KNOWN}");
    let reply = send(&app, get_with(&absolute, &[("host", "evil.example")])).await;
    assert_document(&reply, &expected_document());
    // And the challenges do not follow the Host either.
    let reply = send(&app, get_with("/some-path", &spoofed)).await;
    assert_eq!(
        reply.challenge(),
        Some(challenge_with_metadata("").as_str())
    );
}

#[tokio::test]
async fn every_401_challenge_carries_resource_metadata() {
    let (app, _) = app_with(Some(full_resource()));
    let missing = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.challenge(),
        Some(challenge_with_metadata("").as_str())
    );
    assert_eq!(missing.json()["detail"], "Authentication required");

    let invalid = r#", error="invalid_token", error_description="Invalid or expired token""#;
    let expired = token(&json!({"sub": "alice", "iat": now() - 900, "exp": now() - 600}));
    for bad in ["not-a-jwt".to_owned(), expired, token(&claims("ghost"))] {
        let reply = bearer(&app, "/some-path", &bad).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert_eq!(
            reply.challenge(),
            Some(challenge_with_metadata(invalid).as_str())
        );
    }

    // A malformed request is a 400, not a request for credentials: no attribute there.
    let reply = send(
        &app,
        get_with("/some-path", &[("authorization", "Bearer ")]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.challenge().unwrap().contains("resource_metadata"));

    let ok = bearer(&app, "/some-path", &token(&claims("alice"))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.challenge().is_none());
}

#[tokio::test]
async fn the_insufficient_scope_challenge_carries_resource_metadata() {
    let (app, _) = app_with(Some(full_resource()));
    let mut payload = claims("alice");
    payload["scope"] = json!("write");
    let reply = bearer(&app, "/read", &token(&payload)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let attributes =
        r#", error="insufficient_scope", error_description="Insufficient scope", scope="read""#;
    assert_eq!(
        reply.challenge(),
        Some(challenge_with_metadata(attributes).as_str())
    );
    payload["scope"] = json!("read");
    let reply = bearer(&app, "/read", &token(&payload)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn without_the_setting_the_path_is_not_special_and_no_challenge_names_it() {
    let (app, _) = app_with(None);
    // Not served by the layer: a protected path like any other.
    let reply = send(&app, get_with(WELL_KNOWN, &[])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="api""#));
    let reply = bearer(&app, WELL_KNOWN, &token(&claims("alice"))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = bearer(&app, "/some-path", "not-a-jwt").await;
    assert!(!reply.challenge().unwrap().contains("resource_metadata"));
    let mut payload = claims("alice");
    payload["scope"] = json!("write");
    let reply = bearer(&app, "/read", &token(&payload)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(!reply.challenge().unwrap().contains("resource_metadata"));

    // A route of the application at that path is the application's.
    let auth = builder().0.exclude([WELL_KNOWN]).build().unwrap();
    assert_eq!(auth.resource_metadata_url(), None);
    let app: Router = Router::new()
        .route(WELL_KNOWN, get(|| async { "the application's own" }))
        .layer(JwtAuthLayer::new(auth));
    let reply = send(&app, get_with(WELL_KNOWN, &[])).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "the application's own")
    );
}

#[tokio::test]
async fn head_is_answered_with_the_headers_and_no_body() {
    let (app, _) = app_with(Some(full_resource()));
    let get = send(&app, get_with(WELL_KNOWN, &[])).await;
    let head = send(&app, request("HEAD", WELL_KNOWN, &[])).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.headers["content-type"], "application/json");
    assert_eq!(
        head.headers["content-length"],
        get.body.len().to_string().as_str()
    );
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn other_methods_get_405_and_options_goes_on() {
    let (app, calls) = app_with(Some(full_resource()));
    let valid = format!("Bearer {}", token(&claims("alice")));
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        for headers in [vec![], vec![("authorization", valid.as_str())]] {
            let reply = send(&app, request(method, WELL_KNOWN, &headers)).await;
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(reply.headers["allow"], "GET, HEAD");
            assert!(reply.challenge().is_none());
        }
    }
    // OPTIONS is excluded by default and the router has no such route: its 404, not ours.
    let reply = send(&app, request("OPTIONS", WELL_KNOWN, &[])).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn bearer_methods_follow_the_token_sources() {
    let document = |auth: JwtAuth<User>| async move {
        let app: Router = Router::new().layer(JwtAuthLayer::new(auth));
        send(&app, get_with(WELL_KNOWN, &[])).await.json()
    };
    let resource = ProtectedResource::new(RESOURCE);
    // The cookie preset reads the cookie and the header: only the header is an RFC 6750 method.
    let cookie = builder()
        .0
        .cookie(axum_jwt_layer::issue::AuthCookie::default())
        .protected_resource(resource.clone())
        .build()
        .unwrap();
    assert_eq!(
        document(cookie).await["bearer_methods_supported"],
        json!(["header"])
    );
    // A custom header is no RFC 6750 method: `[]`, "none of them".
    let custom = builder()
        .0
        .token_sources([TokenSource::header("X-API-Key")])
        .protected_resource(resource.clone())
        .build()
        .unwrap();
    assert_eq!(
        document(custom).await["bearer_methods_supported"],
        json!([])
    );
    // `Authorization` with another scheme is not the Bearer method either.
    let other_scheme = builder()
        .0
        .token_sources([TokenSource::header_with_scheme("Authorization", "Token")])
        .protected_resource(resource)
        .build()
        .unwrap();
    assert_eq!(
        document(other_scheme).await["bearer_methods_supported"],
        json!([])
    );
}

/// A backend of its own: the `X-Key: good` header.
struct KeyHeader;

impl AuthBackend for KeyHeader {
    type Credential = ();

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl std::future::Future<Output = Result<Option<()>, AuthError>> + Send {
        let found = match parts.headers.get("x-key") {
            None => Ok(None),
            Some(value) if value == "good" => Ok(Some(())),
            Some(_) => Err(AuthError::new(AuthErrorKind::CredentialRefused)),
        };
        async move { found }
    }
}

#[tokio::test]
async fn a_custom_backend_publishes_the_document_without_bearer_methods() {
    let auth = AuthenticatorBuilder::<KeyHeader, ()>::new(KeyHeader)
        .protected_resource(full_resource())
        .build()
        .unwrap();
    assert_eq!(auth.resource_metadata_url(), Some(METADATA_URL));
    let app: Router = Router::new()
        .route("/data", get(|| async { "data" }))
        .layer(AuthLayer::new(auth));
    let reply = send(&app, get_with(WELL_KNOWN, &[])).await;
    let mut expected = expected_document();
    expected
        .as_object_mut()
        .unwrap()
        .remove("bearer_methods_supported");
    assert_document(&reply, &expected);
    let refused = send(&app, get_with("/data", &[("x-key", "bad")])).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused
        .challenge()
        .unwrap()
        .ends_with(&format!(r#", resource_metadata="{METADATA_URL}""#)));
}

#[tokio::test]
async fn a_custom_error_handler_is_given_the_metadata_url() {
    let handler = |error: &AuthError| -> Response {
        let url = error.resource_metadata().unwrap_or("none").to_owned();
        (error.status(), [("x-metadata", url)]).into_response()
    };
    let auth = builder()
        .0
        .protected_resource(full_resource())
        .error_handler(handler)
        .build()
        .unwrap();
    let app = common::router(auth);
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.headers["x-metadata"], METADATA_URL);
    assert!(reply.challenge().is_none());

    let app = common::router(builder().0.error_handler(handler).build().unwrap());
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(reply.headers["x-metadata"], "none");
}

#[test]
fn unusable_settings_fail_build_with_their_problem() {
    let problem = |resource: ProtectedResource| {
        let built = builder().0.protected_resource(resource).build();
        match built {
            Err(error @ ConfigError::InvalidProtectedResource(problem)) => {
                assert!(error
                    .to_string()
                    .starts_with("protected resource metadata: "));
                Some(problem)
            }
            Err(other) => panic!("another error: {other}"),
            Ok(_) => None,
        }
    };
    let resource = ProtectedResource::new;
    let cases = [
        (resource("api.example.com"), Problem::ResourceNotUrl),
        (resource(""), Problem::ResourceNotUrl),
        (resource("ftp://api.example.com"), Problem::ResourceNotUrl),
        (
            resource("https://user:pw@api.example.com"),
            Problem::ResourceNotUrl,
        ),
        (
            resource("https://api.example.com/a\"b"),
            Problem::ResourceNotUrl,
        ),
        (
            resource("https://api.example.com/?tenant=1"),
            Problem::ResourceQuery,
        ),
        (
            resource("https://api.example.com/#frag"),
            Problem::ResourceFragment,
        ),
        (resource("http://api.example.com"), Problem::PlainHttp),
        (
            resource(RESOURCE).authorization_servers(["issuer.example.com"]),
            Problem::AuthorizationServer,
        ),
        (
            resource(RESOURCE).authorization_servers(["https://issuer.example.com/?a=b"]),
            Problem::AuthorizationServer,
        ),
        (
            resource(RESOURCE).authorization_servers(["https://issuer.example.com#x"]),
            Problem::AuthorizationServer,
        ),
        (
            resource(RESOURCE).authorization_servers(["http://issuer.example.com"]),
            Problem::PlainHttp,
        ),
        (
            resource(RESOURCE).scopes_supported(["read write"]),
            Problem::Scope,
        ),
        (resource(RESOURCE).scopes_supported([""]), Problem::Scope),
        (
            resource(RESOURCE).scopes_supported(["say\"hi"]),
            Problem::Scope,
        ),
        (
            resource(RESOURCE).scopes_supported(["a\\b"]),
            Problem::Scope,
        ),
        (
            resource(RESOURCE).scopes_supported(["café"]),
            Problem::Scope,
        ),
    ];
    for (settings, expected) in cases {
        let shown = format!("{settings:?}");
        assert_eq!(problem(settings), Some(expected), "{shown}");
    }
    // Loopback over plain http is fine for development; elsewhere with allow_http only.
    for fine in [
        resource("http://127.0.0.1:3000").authorization_servers(["http://localhost:4000"]),
        resource("http://[::1]:3000/mcp"),
        resource("http://api.internal")
            .authorization_servers(["http://issuer.internal"])
            .allow_http(true),
        resource("https://api.example.com:8443/v1/").scopes_supported(["files:read", "a!#$"]),
    ] {
        let shown = format!("{fine:?}");
        assert_eq!(problem(fine), None, "{shown}");
    }
}
