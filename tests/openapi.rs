//! The OpenAPI scheme of each preset, requirements on protected operations only, and the
//! user's components left alone.

mod common;

use axum_jwt_layer::{issue::AuthCookie, jwt::TokenSource, JwtAuthBuilder};
use common::*;
use serde_json::{json, Value};
use utoipa::Modify;

fn document() -> utoipa::openapi::OpenApi {
    let op = |id: &str| json!({"operationId": id, "responses": {}});
    serde_json::from_value(json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/login": {"post": op("login"), "options": op("preflight")},
            "/some-path": {"get": op("some_path"), "delete": op("delete_some_path")},
            "/users/{user_id}": {"get": op("get_user")},
            "/users/{user_id}/secret": {"get": op("secret")},
            "/schema/openapi.json": {"get": op("openapi")}
        },
        "components": {
            "schemas": {"Existing": {"type": "string"}},
            "securitySchemes": {"ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-Other"}}
        }
    }))
    .unwrap()
}

fn apply(builder: JwtAuthBuilder<User>) -> Value {
    let auth = builder
        .exclude(["/login", "/schema/*", "/users/{id}"])
        .build()
        .unwrap();
    let mut doc = document();
    auth.openapi().modify(&mut doc);
    serde_json::to_value(&doc).unwrap()
}

fn assert_requirements(doc: &Value, name: &str) {
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    let required = json!([{ name: [] }]);
    assert_eq!(security("/some-path", "get"), required);
    assert_eq!(security("/some-path", "delete"), required);
    assert_eq!(security("/users/{user_id}/secret", "get"), required);
    for (path, method) in [
        ("/login", "post"),
        ("/login", "options"),
        ("/users/{user_id}", "get"),
        ("/schema/openapi.json", "get"),
    ] {
        assert_eq!(
            security(path, method),
            Value::Null,
            "{method} {path} is excluded"
        );
    }
    // The user's components survive.
    assert_eq!(
        doc["components"]["schemas"]["Existing"],
        json!({"type": "string"})
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["ApiKeyAuth"],
        json!({"type": "apiKey", "in": "header", "name": "X-Other"})
    );
}

#[test]
fn header_preset_is_http_bearer_jwt() {
    let doc = apply(builder().0);
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
    assert_requirements(&doc, "BearerToken");
}

#[test]
fn custom_header_is_api_key_in_header_with_name_and_description() {
    let builder = builder()
        .0
        .token_sources([TokenSource::header("X-API-Key")])
        .openapi_scheme_name("ApiToken")
        .openapi_description("A JWT in X-API-Key");
    let doc = apply(builder);
    assert_eq!(
        doc["components"]["securitySchemes"]["ApiToken"],
        json!({"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "A JWT in X-API-Key"})
    );
    assert_requirements(&doc, "ApiToken");
}

#[test]
fn cookie_preset_is_api_key_in_cookie() {
    let doc = apply(builder().0.cookie(AuthCookie::new("session")));
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"],
        json!({"type": "apiKey", "in": "cookie", "name": "session"})
    );
    assert_requirements(&doc, "BearerToken");
}

#[test]
fn oauth2_preset_is_a_password_flow_with_token_url_and_scopes() {
    let doc = apply(builder().0.oauth2_password("/login"));
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "/login", "scopes": {}}}})
    );
    assert_requirements(&doc, "BearerToken");
    let doc = apply(
        builder()
            .0
            .oauth2_password("/token")
            .oauth2_scopes([("read", "Read things")]),
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"]["flows"]["password"],
        json!({"tokenUrl": "/token", "scopes": {"read": "Read things"}})
    );
}
