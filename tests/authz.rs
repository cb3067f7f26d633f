//! Authorization over HTTP: scopes, roles and predicates as route layers and as extractors,
//! behind `JwtAuthLayer`, with tokens signed by `create_token`. SECURITY.md 41 and 58.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::authz::{
    Grants, Refusal, RequireGuard, RequireRoles, RequireScopes, RequiredScopes, Scoped,
};
use axum_jwt_layer::{AuthError, ConfigError, JwtAuth, JwtAuthBuilder, JwtAuthLayer, Token};
use common::*;
use http::StatusCode;
use serde_json::{json, Value};

const INSUFFICIENT: &str =
    r#"Bearer realm="api", error="insufficient_scope", error_description="Insufficient scope""#;

/// How many times the handlers behind the guards ran.
#[derive(Clone, Default)]
struct Ran(Arc<AtomicUsize>);

impl Ran {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    /// A handler that counts its runs.
    fn handler(&self) -> axum::routing::MethodRouter {
        let ran = self.0.clone();
        get(move || async move {
            ran.fetch_add(1, Ordering::SeqCst);
            "ran"
        })
    }
}

struct ReadWrite;
impl RequiredScopes for ReadWrite {
    const SCOPES: &'static [&'static str] = &["read", "write"];
}

fn role_builder() -> (JwtAuthBuilder<User>, Calls) {
    let (builder, calls) = builder();
    let builder = builder
        .role_claims([
            "roles",
            "realm_access.roles",
            "resource_access.my-api.roles",
        ])
        .exclude(["/public-read"]);
    (builder, calls)
}

fn guarded(auth: JwtAuth<User>, ran: &Ran) -> Router {
    let h = || ran.handler();
    Router::new()
        .route("/read", h().route_layer(RequireScopes::new(["read"])))
        .route(
            "/read-all",
            h().route_layer(RequireScopes::new(["read:all"])),
        )
        .route(
            "/read-write",
            h().route_layer(RequireScopes::new(["read", "write"])),
        )
        .route(
            "/public-read",
            h().route_layer(RequireScopes::new(["read"])),
        )
        .route("/admin", h().route_layer(RequireRoles::new(["admin"])))
        .route(
            "/staff",
            h().route_layer(RequireRoles::any(["admin", "support"])),
        )
        .route(
            "/active",
            h().route_layer(RequireGuard::new(|_: &Token, user: &User| {
                user.id != "suspended"
            })),
        )
        .route(
            "/verified",
            h().route_layer(RequireGuard::token(|token: &Token| {
                token.claims.get("email_verified") == Some(&Value::Bool(true))
            })),
        )
        .route(
            "/scoped",
            get(|token: Scoped<ReadWrite>| async move { token.sub.clone() }),
        )
        .route(
            "/grants",
            get(|grants: Grants| async move {
                grants.require_roles(["admin"])?;
                Ok::<_, Refusal>(format!("{:?} {:?}", grants.scopes(), grants.roles()))
            }),
        )
        .layer(JwtAuthLayer::new(auth))
}

/// The guarded app, the resolver's calls, the handlers' runs and the configuration.
fn app() -> (Router, Calls, Ran, JwtAuth<User>) {
    let (builder, calls) = role_builder();
    let auth = builder.build().unwrap();
    let ran = Ran::default();
    (guarded(auth.clone(), &ran), calls, ran, auth)
}

/// A token for `sub` with the custom claims of `extra` (an object).
fn signed(auth: &JwtAuth<User>, sub: &str, extra: Value) -> String {
    let mut token = auth.create_token(sub);
    for (name, value) in extra.as_object().unwrap() {
        token = token.extra(name.clone(), value);
    }
    token.sign().unwrap()
}

async fn status(app: &Router, path: &str, token: &str) -> StatusCode {
    bearer(app, path, token).await.status
}

/// A 403 with the crate's body and an `insufficient_scope` challenge, as given.
fn assert_forbidden(reply: &Reply, challenge: &str, detail: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let challenges: Vec<_> = reply.headers.get_all("www-authenticate").iter().collect();
    assert_eq!(challenges.len(), 1, "exactly one challenge");
    assert_eq!(reply.challenge(), Some(challenge));
    assert_eq!(reply.json(), json!({"status_code": 403, "detail": detail}));
    assert_eq!(reply.headers["content-type"], "application/json");
}

// ---------- Scopes ----------

#[tokio::test]
async fn scope_as_a_space_separated_string() {
    let (app, _, ran, auth) = app();
    let token = signed(&auth, "alice", json!({"scope": "write  read"}));
    for path in ["/read", "/read-write"] {
        assert_eq!(status(&app, path, &token).await, 200, "{path}");
    }
    assert_eq!(ran.count(), 2);
}

#[tokio::test]
async fn scope_as_an_array_of_strings() {
    let (app, _, ran, auth) = app();
    // `scp` as an array (Okta), `scp` as a string (Entra ID), `scope` as an array.
    for extra in [
        json!({"scp": ["read", "write"]}),
        json!({"scp": "read write"}),
        json!({"scope": ["read"], "scp": ["write"]}),
    ] {
        let token = signed(&auth, "alice", extra.clone());
        assert_eq!(status(&app, "/read-write", &token).await, 200, "{extra}");
    }
    assert_eq!(ran.count(), 3);
}

#[tokio::test]
async fn missing_scope_is_403_with_the_challenge_and_body() {
    let (app, _, ran, auth) = app();
    let token = signed(&auth, "alice", json!({}));
    let reply = bearer(&app, "/read", &token).await;
    assert_forbidden(
        &reply,
        &format!(r#"{INSUFFICIENT}, scope="read""#),
        "Insufficient scope",
    );
    assert_eq!(ran.count(), 0, "the handler must not run");
}

#[tokio::test]
async fn partial_scopes_two_required_one_present_is_403_naming_both() {
    let (app, _, ran, auth) = app();
    for extra in [json!({"scope": "read"}), json!({"scp": ["write"]})] {
        let token = signed(&auth, "alice", extra);
        let reply = bearer(&app, "/read-write", &token).await;
        let challenge = format!(r#"{INSUFFICIENT}, scope="read write""#);
        assert_forbidden(&reply, &challenge, "Insufficient scope");
    }
    assert_eq!(ran.count(), 0);
}

#[tokio::test]
async fn scope_claims_of_another_type_grant_nothing() {
    let (app, _, ran, auth) = app();
    for bad in [
        json!(1),
        json!(true),
        json!(null),
        json!({"read": true}),
        json!(["read", 2]),
        json!([["read"]]),
    ] {
        let token = signed(
            &auth,
            "alice",
            json!({"scope": bad.clone(), "scp": bad.clone()}),
        );
        assert_eq!(status(&app, "/read", &token).await, 403, "{bad}");
    }
    assert_eq!(ran.count(), 0);
}

#[test]
fn a_scope_that_cannot_be_sent_in_a_challenge_is_refused_when_the_route_is_built() {
    for bad in ["", "read write", "a\"b", "a\\b", "caf\u{e9}"] {
        let error = RequireScopes::try_new([bad]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidScope(_)), "{bad:?}");
    }
    let panicked = std::panic::catch_unwind(|| RequireScopes::new(["read write"]));
    assert!(panicked.is_err());
}

// ---------- Roles ----------

#[tokio::test]
async fn roles_by_claim_path() {
    let (app, _, ran, auth) = app();
    for extra in [
        json!({"roles": ["admin"]}),
        json!({"realm_access": {"roles": ["user", "admin"]}}),
        json!({"resource_access": {"my-api": {"roles": ["admin"]}}}),
    ] {
        let token = signed(&auth, "alice", extra.clone());
        assert_eq!(status(&app, "/admin", &token).await, 200, "{extra}");
    }
    assert_eq!(ran.count(), 3);
}

#[tokio::test]
async fn missing_role_is_403_without_a_scope_attribute() {
    let (app, _, ran, auth) = app();
    for extra in [
        json!({}),
        json!({"roles": ["user"]}),
        // Another client's roles are not this API's.
        json!({"resource_access": {"other-api": {"roles": ["admin"]}}}),
        // Case-sensitive, exact.
        json!({"roles": ["Admin", "admin:all"]}),
    ] {
        let token = signed(&auth, "alice", extra.clone());
        let reply = bearer(&app, "/admin", &token).await;
        let challenge = r#"Bearer realm="api", error="insufficient_scope", error_description="Required role missing""#;
        assert_forbidden(&reply, challenge, "Required role missing");
    }
    assert_eq!(ran.count(), 0);
}

#[tokio::test]
async fn roles_of_another_type_grant_nothing_and_answer_403_not_401() {
    let (app, calls, ran, auth) = app();
    for extra in [
        json!({"roles": "admin"}),
        json!({"roles": ["admin", 1]}),
        json!({"roles": {"admin": true}}),
        json!({"realm_access": ["roles", "admin"]}),
        json!({"realm_access": {"roles": "admin"}}),
        json!({"realm_access": "admin"}),
        json!({"resource_access": {"my-api": null}}),
        json!({"resource_access": {"my-api": {"roles": [null]}}}),
    ] {
        let token = signed(&auth, "alice", extra.clone());
        assert_eq!(status(&app, "/admin", &token).await, 403, "{extra}");
    }
    assert_eq!(ran.count(), 0);
    assert_eq!(
        calls.count(),
        8,
        "each token was valid: authenticated, then refused"
    );
}

#[tokio::test]
async fn any_of_the_listed_roles() {
    let (app, _, ran, auth) = app();
    let support = signed(
        &auth,
        "bob",
        json!({"realm_access": {"roles": ["support"]}}),
    );
    assert_eq!(status(&app, "/staff", &support).await, 200);
    let user = signed(&auth, "carol", json!({"realm_access": {"roles": ["user"]}}));
    assert_eq!(status(&app, "/staff", &user).await, 403);
    assert_eq!(ran.count(), 1);
}

#[test]
fn unusable_role_claim_paths_fail_at_build() {
    for path in [
        "",
        "realm_access..roles",
        ".roles",
        "roles.",
        "sub",
        "aud.x",
    ] {
        let built = JwtAuth::<()>::builder()
            .secret(SECRET)
            .role_claims([path])
            .build();
        assert!(
            matches!(built, Err(ConfigError::InvalidClaimPath(_))),
            "{path:?}"
        );
    }
}

// ---------- Predicates ----------

#[tokio::test]
async fn predicate_over_the_user() {
    let (app, _, ran, auth) = app();
    assert_eq!(
        status(&app, "/active", &signed(&auth, "alice", json!({}))).await,
        200
    );
    let reply = bearer(&app, "/active", &signed(&auth, "suspended", json!({}))).await;
    let challenge =
        r#"Bearer realm="api", error="insufficient_scope", error_description="Access denied""#;
    assert_forbidden(&reply, challenge, "Access denied");
    assert_eq!(ran.count(), 1);
}

#[tokio::test]
async fn predicate_over_the_token() {
    let (app, _, ran, auth) = app();
    let verified = signed(&auth, "alice", json!({"email_verified": true}));
    assert_eq!(status(&app, "/verified", &verified).await, 200);
    for extra in [json!({}), json!({"email_verified": "true"})] {
        let token = signed(&auth, "alice", extra);
        assert_eq!(status(&app, "/verified", &token).await, 403);
    }
    assert_eq!(ran.count(), 1);
}

#[tokio::test]
async fn a_user_predicate_without_a_resolver_is_500_not_a_pass() {
    capture_logs();
    let auth = JwtAuth::<User>::builder().secret(SECRET).build().unwrap();
    let ran = Ran::default();
    let app = Router::new()
        .route(
            "/active",
            ran.handler()
                .route_layer(RequireGuard::new(|_: &Token, _: &User| true)),
        )
        .layer(JwtAuthLayer::new(auth.clone()));
    let reply = bearer(&app, "/active", &auth.create_token("alice").sign().unwrap()).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.json(),
        json!({"status_code": 500, "detail": "Internal server error"})
    );
    assert_eq!(ran.count(), 0);
}

// ---------- Unauthenticated at the guard ----------

#[tokio::test]
async fn no_token_at_a_guarded_route_is_the_layers_401() {
    let (app, calls, ran, _) = app();
    for path in ["/read", "/admin", "/active", "/scoped", "/grants"] {
        let reply = send(&app, get_with(path, &[])).await;
        assert_rejected(&reply, &calls, "", Expect::Missing);
    }
    assert_eq!(ran.count(), 0);
}

#[tokio::test]
async fn a_guard_on_an_excluded_route_answers_401_never_403() {
    let (app, calls, ran, auth) = app();
    // The route skips authentication, so even a token with the scope proves nothing there.
    let token = signed(&auth, "alice", json!({"scope": "read"}));
    for request in [
        get_with("/public-read", &[]),
        get_with(
            "/public-read",
            &[("authorization", &format!("Bearer {token}"))],
        ),
    ] {
        let reply = send(&app, request).await;
        assert_rejected(&reply, &calls, &token, Expect::Missing);
        assert_eq!(reply.json()["detail"], "Authentication required");
    }
    assert_eq!(ran.count(), 0);
}

#[tokio::test]
async fn a_guard_without_the_auth_layer_answers_401_not_a_panic() {
    capture_logs();
    let ran = Ran::default();
    let app = Router::new()
        .route(
            "/read",
            ran.handler().route_layer(RequireScopes::new(["read"])),
        )
        .route("/scoped", get(|_: Scoped<ReadWrite>| async { "ran" }));
    for path in ["/read", "/scoped"] {
        let reply = send(&app, get_with(path, &[])).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.challenge(), Some(r#"Bearer realm="api""#));
        assert_eq!(
            reply.json(),
            json!({"status_code": 401, "detail": "Authentication required"})
        );
    }
    assert_eq!(ran.count(), 0);
    assert!(logs().contains("without the authentication layer"));
}

// ---------- The layer's error handler and realm ----------

#[tokio::test]
async fn refusals_go_through_the_configured_realm_and_error_handler() {
    let (builder, _) = role_builder();
    let ran = Ran::default();
    let realm = guarded(builder.realm("reports").build().unwrap(), &ran);
    let auth = role_builder().0.build().unwrap();
    let token = signed(&auth, "alice", json!({"scope": "write"}));
    let reply = bearer(&realm, "/read", &token).await;
    assert!(reply
        .challenge()
        .unwrap()
        .starts_with(r#"Bearer realm="reports", error="insufficient_scope""#));

    let (builder, _) = role_builder();
    let plain = builder
        .error_handler(|e: &AuthError| -> Response {
            (
                e.status(),
                format!("custom {}", e.required_scope().unwrap_or("-")),
            )
                .into_response()
        })
        .build()
        .unwrap();
    let custom = guarded(plain, &ran);
    let reply = bearer(&custom, "/read-write", &token).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, "custom read write");
    assert!(reply.challenge().is_none());
    let reply = send(&custom, get_with("/public-read", &[])).await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (401, "custom -")
    );
    assert_eq!(ran.count(), 0);
}

// ---------- Extractors ----------

#[tokio::test]
async fn scoped_extractor_refuses_before_the_handler() {
    let (app, _, _, auth) = app();
    let both = signed(&auth, "alice", json!({"scp": ["write", "read"]}));
    let reply = bearer(&app, "/scoped", &both).await;
    assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, "alice"));
    let read = signed(&auth, "alice", json!({"scope": "read"}));
    let reply = bearer(&app, "/scoped", &read).await;
    let challenge = format!(r#"{INSUFFICIENT}, scope="read write""#);
    assert_forbidden(&reply, &challenge, "Insufficient scope");
}

#[tokio::test]
async fn grants_extractor_reads_scopes_and_roles() {
    let (app, _, _, auth) = app();
    let admin = signed(
        &auth,
        "alice",
        json!({"scope": "read", "scp": ["write"], "roles": ["admin"], "realm_access": {"roles": ["user"]}}),
    );
    let reply = bearer(&app, "/grants", &admin).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"["read", "write"] ["admin", "user"]"#);
    let user = signed(&auth, "bob", json!({"roles": ["user"]}));
    let reply = bearer(&app, "/grants", &user).await;
    let challenge = r#"Bearer realm="api", error="insufficient_scope", error_description="Required role missing""#;
    assert_forbidden(&reply, challenge, "Required role missing");
}

// ---------- SECURITY.md ----------

#[tokio::test]
async fn case_41_valid_token_without_the_required_scope_is_403_insufficient_scope() {
    let (app, calls, ran, auth) = app();
    let token = signed(&auth, "alice", json!({"scope": "profile write"}));
    let reply = bearer(&app, "/read", &token).await;
    assert_forbidden(
        &reply,
        &format!(r#"{INSUFFICIENT}, scope="read""#),
        "Insufficient scope",
    );
    assert_eq!(ran.count(), 0, "the handler must not run");
    assert_eq!(calls.count(), 1, "authenticated once, then refused");
    // Neither the token nor its signature is echoed or logged.
    let signature = token.rsplit('.').next().unwrap();
    let logs = logs();
    for secret in [token.as_str(), signature] {
        assert!(!reply.body.contains(secret));
        assert!(!reply.challenge().unwrap().contains(secret));
        assert!(!logs.contains(secret));
    }
}

#[tokio::test]
async fn case_58_scope_forms_exact_matches_and_claim_paths_that_grant_nothing() {
    let (app, _, ran, auth) = app();
    // `scope` as a space-separated string, `scp` as an array.
    let string = signed(&auth, "alice", json!({"scope": "read"}));
    let array = signed(&auth, "alice", json!({"scp": ["read"]}));
    for token in [&string, &array] {
        assert_eq!(status(&app, "/read", token).await, 200);
        // `read` satisfies neither `read:all` nor `write`.
        assert_eq!(status(&app, "/read-all", token).await, 403);
        assert_eq!(status(&app, "/read-write", token).await, 403);
    }
    // Nor do near misses satisfy `read`.
    for near in [
        json!({"scope": "Read"}),
        json!({"scope": "read:all"}),
        json!({"scp": ["rea"]}),
    ] {
        assert_eq!(
            status(&app, "/read", &signed(&auth, "alice", near)).await,
            403
        );
    }
    // A claim path into a missing value, or into a value that is not an array, grants nothing.
    for extra in [
        json!({}),
        json!({"realm_access": {}}),
        json!({"realm_access": {"roles": "admin"}}),
        json!({"realm_access": {"roles": {"admin": true}}}),
        json!({"resource_access": {"my-api": "admin"}}),
    ] {
        let token = signed(&auth, "alice", extra.clone());
        assert_eq!(status(&app, "/admin", &token).await, 403, "{extra}");
    }
    assert_eq!(ran.count(), 2);
}

#[tokio::test]
async fn claim_values_never_reach_the_logs() {
    let (app, _, _, auth) = app();
    let token = signed(
        &auth,
        "alice",
        json!({"scope": "marker-scope-5b1e", "roles": ["marker-role-5b1e"], "realm_access": "marker-path-5b1e"}),
    );
    for path in ["/read", "/admin", "/grants", "/scoped", "/verified"] {
        assert_eq!(status(&app, path, &token).await, 403, "{path}");
    }
    assert!(!logs().contains("5b1e"));
}
