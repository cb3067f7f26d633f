//! The OpenAPI document of a router with scoped routes: each protected operation's requirement
//! lists its scopes, excluded operations have none, the oauth2 scheme lists every scope used,
//! and scopes for an operation the document lacks or excludes are refused.

mod common;

use axum::routing::{delete, get, post};
use axum::Router;
use axum_jwt_layer::authz::{RequireScopes, RequiredScopes, Scoped};
use axum_jwt_layer::openapi::OpenApiSecurity;
use axum_jwt_layer::{ConfigError, JwtAuth, JwtAuthBuilder, JwtAuthLayer};
use common::*;
use http::{Method, StatusCode};
use serde_json::{json, Value};
use utoipa::Modify;

/// Read the reports.
#[utoipa::path(get, path = "/reports", responses((status = 200)))]
async fn reports() -> &'static str {
    "reports"
}

/// Delete a report.
#[utoipa::path(delete, path = "/reports/{id}", params(("id" = String, Path)), responses((status = 204)))]
async fn delete_report() -> StatusCode {
    StatusCode::NO_CONTENT
}

struct AuditRead;
impl RequiredScopes for AuditRead {
    const SCOPES: &'static [&'static str] = &["audit:read"];
}

/// The audit log, behind a `Scoped` extractor.
#[utoipa::path(get, path = "/audit", responses((status = 200)))]
async fn audit(token: Scoped<AuditRead>) -> String {
    token.sub.clone()
}

/// Any authenticated user.
#[utoipa::path(get, path = "/me", responses((status = 200)))]
async fn me() -> &'static str {
    "me"
}

/// Excluded from authentication.
#[utoipa::path(post, path = "/login", responses((status = 201)))]
async fn login() -> StatusCode {
    StatusCode::CREATED
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(reports, delete_report, audit, me, login))]
struct ApiDoc;

/// The scoped router and its document's security, each scope list written once.
fn app(builder: JwtAuthBuilder<User>) -> (Router, OpenApiSecurity, JwtAuth<User>) {
    let auth = builder.exclude(["/login"]).build().unwrap();
    let read = RequireScopes::new(["reports:read"]);
    let write = RequireScopes::new(["reports:read", "reports:write"]);
    let router = Router::new()
        .route("/reports", get(reports).route_layer(read.clone()))
        .route(
            "/reports/{id}",
            delete(delete_report).route_layer(write.clone()),
        )
        .route("/audit", get(audit))
        .route("/me", get(me))
        .route("/login", post(login))
        .layer(JwtAuthLayer::new(auth.clone()));
    let security = auth
        .openapi()
        .scoped("/reports", Method::GET, &read)
        .scoped("/reports/{id}", Method::DELETE, &write)
        .scoped_by::<AuditRead>("/audit", Method::GET);
    (router, security, auth)
}

fn document(security: &OpenApiSecurity) -> Value {
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    security.try_modify(&mut doc).unwrap();
    serde_json::to_value(&doc).unwrap()
}

fn assert_operation_scopes(doc: &Value, name: &str) {
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/reports", "get"),
        json!([{ name: ["reports:read"] }])
    );
    assert_eq!(
        security("/reports/{id}", "delete"),
        json!([{ name: ["reports:read", "reports:write"] }])
    );
    assert_eq!(security("/audit", "get"), json!([{ name: ["audit:read"] }]));
    assert_eq!(
        security("/me", "get"),
        json!([{ name: [] }]),
        "no scopes: an empty list"
    );
    assert_eq!(
        security("/login", "post"),
        Value::Null,
        "excluded: no requirement"
    );
}

#[test]
fn bearer_requirements_list_each_operation_scopes() {
    let (_, security, _) = app(builder().0);
    let doc = document(&security);
    assert_operation_scopes(&doc, "BearerToken");
    // An http scheme has no scope map.
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
}

#[test]
fn oauth2_scheme_lists_every_scope_used_and_those_configured() {
    let builder = builder()
        .0
        .oauth2_password("/login")
        .oauth2_scopes([("profile", "Your profile"), ("reports:write", "Configured")]);
    let (_, security, _) = app(builder);
    let doc = document(
        &security
            .scope_description("reports:read", "Read the reports")
            .scope_description("admin", "Described, used nowhere"),
    );
    assert_operation_scopes(&doc, "BearerToken");
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "/login", "scopes": {
            "admin": "Described, used nowhere",
            "audit:read": "audit:read",
            "profile": "Your profile",
            "reports:read": "Read the reports",
            "reports:write": "Configured"
        }}}})
    );
}

#[test]
fn modify_gives_the_same_document_as_try_modify() {
    let (_, security, _) = app(builder().0.oauth2_password("/login"));
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    security.modify(&mut doc);
    assert_eq!(serde_json::to_value(&doc).unwrap(), document(&security));
}

#[test]
fn calls_for_one_operation_add_up_each_scope_once() {
    let (_, security, _) = app(builder().0);
    let security = security.scopes("/reports", Method::GET, ["reports:read", "reports:list"]);
    let doc = document(&security);
    assert_eq!(
        doc["paths"]["/reports"]["get"]["security"],
        json!([{"BearerToken": ["reports:read", "reports:list"]}])
    );
}

#[test]
fn scopes_for_an_unknown_operation_are_refused_and_the_document_is_untouched() {
    for (path, method) in [
        ("/report", Method::GET),                 // no such path
        ("/reports", Method::POST),               // no such method on the path
        ("/reports/{report_id}", Method::DELETE), // compared exactly
        ("/reports", Method::CONNECT),            // no OpenAPI operation for it
    ] {
        let (_, security, _) = app(builder().0);
        let security = security.scopes(path, method.clone(), ["reports:read"]);
        let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
        let before = serde_json::to_value(&doc).unwrap();
        let error = security.try_modify(&mut doc).unwrap_err();
        assert!(
            matches!(&error, ConfigError::UnknownOperation { method: m, path: p } if *m == method && p == path),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("OpenAPI scopes for {method} {path}: the document has no such operation")
        );
        assert_eq!(serde_json::to_value(&doc).unwrap(), before);
    }
}

#[test]
fn scopes_for_an_excluded_operation_are_refused() {
    let (_, security, _) = app(builder().0);
    let security = security.scopes("/login", Method::POST, ["reports:read"]);
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    let before = serde_json::to_value(&doc).unwrap();
    let error = security.try_modify(&mut doc).unwrap_err();
    assert!(
        matches!(&error, ConfigError::ScopesOnExcludedOperation { path, .. } if path == "/login"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "OpenAPI scopes for POST /login: the operation is excluded from authentication"
    );
    assert_eq!(serde_json::to_value(&doc).unwrap(), before);
}

#[test]
#[should_panic(expected = "OpenApiSecurity: OpenAPI scopes for GET /nowhere")]
fn modify_panics_on_a_refused_scope() {
    let (_, security, _) = app(builder().0);
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    security
        .scopes("/nowhere", Method::GET, ["read"])
        .modify(&mut doc);
}

#[test]
fn a_name_that_is_not_a_scope_token_is_refused() {
    let (_, security, _) = app(builder().0);
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    let error = security
        .clone()
        .scopes("/me", Method::GET, ["read write"])
        .try_modify(&mut doc)
        .unwrap_err();
    assert!(matches!(&error, ConfigError::InvalidScope(s) if s == "read write"));
    let error = security
        .scope_description("bad\"scope", "x")
        .try_modify(&mut doc)
        .unwrap_err();
    assert!(matches!(&error, ConfigError::InvalidScope(s) if s == "bad\"scope"));
}

/// The document says what the router enforces: the same values drive both.
#[tokio::test]
async fn the_router_enforces_the_scopes_the_document_lists() {
    let (router, _, _) = app(builder().0);
    let without = token(&claims("ada"));
    let reply = bearer(&router, "/reports", &without).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply
        .challenge()
        .unwrap()
        .contains(r#"scope="reports:read""#));
    let reply = bearer(&router, "/audit", &without).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.challenge().unwrap().contains(r#"scope="audit:read""#));
    let mut with = claims("ada");
    with["scope"] = json!("reports:read audit:read");
    let with = token(&with);
    assert_eq!(
        bearer(&router, "/reports", &with).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bearer(&router, "/audit", &with).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bearer(&router, "/me", &without).await.status,
        StatusCode::OK
    );
}
