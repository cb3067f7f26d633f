//! Every configuration field, accepted and refused, through the real router; and the
//! configurations `build()` refuses, with messages that name the problem.

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum_jwt_layer::{
    error::AuthErrorKind, jwt::TokenSource, keys::Algorithm, AuthError, AuthUser, ConfigError,
    JwtAuth, Token,
};
use common::*;
use http::StatusCode;
use serde_json::json;

fn build_error(builder: axum_jwt_layer::JwtAuthBuilder<User>) -> ConfigError {
    match builder.build() {
        Ok(_) => panic!("build() should fail"),
        Err(error) => error,
    }
}

#[test]
fn sixteen_byte_secret_fails_with_a_message_naming_it() {
    let (builder, _) = builder();
    let error = build_error(builder.secret("0123456789abcdef"));
    assert!(matches!(
        error,
        ConfigError::SecretTooShort {
            actual: 16,
            required: 32,
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "HS256 secret is 16 bytes; at least 32 are required (RFC 7518 section 3.2)"
    );
}

#[test]
fn pattern_excluding_everything_fails_unless_allowed() {
    for pattern in ["/", "/*", "/{*rest}"] {
        let (builder, _) = builder();
        let error = build_error(builder.exclude([pattern]));
        assert!(
            matches!(error, ConfigError::ExcludesEverything(_)),
            "{pattern}"
        );
        assert!(error
            .to_string()
            .contains(&format!("`{pattern}` would exclude every path")));
    }
}

#[tokio::test]
async fn allow_exclude_all_really_excludes_everything() {
    let (builder, calls) = builder();
    let app = router(
        builder
            .exclude(["/*"])
            .allow_exclude_all(true)
            .build()
            .unwrap(),
    );
    let reply = send(&app, get_with("/health", &[])).await;
    assert_eq!(reply.body, "health false");
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(
        reply.status, 500,
        "excluded: AuthUser has nothing to extract"
    );
    assert_eq!(calls.count(), 0);
}

#[test]
fn empty_algorithm_list_fails_with_a_message_naming_it() {
    let (builder, _) = builder();
    let error = build_error(builder.algorithms([]));
    assert!(matches!(error, ConfigError::NoAlgorithms));
    assert!(error.to_string().contains("algorithm allow-list is empty"));
}

#[test]
fn other_refused_configurations() {
    let (builder, _) = builder();
    assert!(matches!(
        build_error(builder.exclude(["login"])),
        ConfigError::InvalidExcludePattern { .. }
    ));
    for pattern in [
        "/a/../b",
        "/a//b",
        "/a%2fb",
        "/a/*/b",
        "/a{id}",
        "/users/{id}/*",
    ] {
        let (builder, _) = common::builder();
        let error = build_error(builder.exclude([pattern]));
        assert!(
            matches!(error, ConfigError::InvalidExcludePattern { .. }),
            "{pattern}: {error}"
        );
    }
    let (builder, _) = common::builder();
    assert!(matches!(
        build_error(builder.realm("a\"b")),
        ConfigError::InvalidRealm
    ));
    let (builder, _) = common::builder();
    let error = build_error(builder.accepted_audiences(["a", "b"]).strict_audience(true));
    assert!(matches!(error, ConfigError::StrictAudience(2)));
    let (builder, _) = common::builder();
    let error = build_error(builder.token_sources([TokenSource::header("bad header")]));
    assert!(matches!(error, ConfigError::InvalidTokenSource(_)));
    let (builder, _) = common::builder();
    assert!(matches!(
        build_error(builder.token_sources([])),
        ConfigError::NoTokenSource
    ));
    let (builder, _) = common::builder();
    let error = build_error(builder.algorithms([Algorithm::RS256]));
    assert!(matches!(
        error,
        ConfigError::AlgorithmKeyMismatch(Algorithm::RS256)
    ));
    let error = JwtAuth::<String>::builder()
        .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::MissingKey));
}

#[tokio::test]
async fn algorithms_allow_list() {
    let (builder, calls) = builder();
    let app = router(
        builder
            .secret([b'k'; 64])
            .algorithms([Algorithm::HS512])
            .build()
            .unwrap(),
    );
    let payload = claims("alice").to_string();
    let hs512 = raw_token(
        r#"{"alg":"HS512"}"#,
        &payload,
        &[b'k'; 64],
        Algorithm::HS512,
    );
    let hs256 = raw_token(
        r#"{"alg":"HS256"}"#,
        &payload,
        &[b'k'; 64],
        Algorithm::HS256,
    );
    assert_token_refused(&app, &calls, &hs256).await;
    assert_token_accepted(&app, &hs512, "alice").await;
}

#[tokio::test]
async fn custom_header_source_with_and_without_scheme() {
    let jwt = token(&claims("alice"));
    let (builder, calls) = builder();
    let app = router(
        builder
            .token_sources([TokenSource::header("X-API-Key")])
            .build()
            .unwrap(),
    );
    // Only the custom header is configured: a bearer token is not looked at.
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_rejected(&reply, &calls, &jwt, Expect::Missing);
    let reply = send(&app, get_with("/some-path", &[("x-api-key", &jwt)])).await;
    assert_eq!(reply.status, 200);

    let (builder, calls) = common::builder();
    let source = TokenSource::header_with_scheme("X-Token", "Token");
    let app = router(builder.token_sources([source]).build().unwrap());
    let reply = send(
        &app,
        get_with("/some-path", &[("x-token", &format!("Bearer {jwt}"))]),
    )
    .await;
    assert_rejected(&reply, &calls, &jwt, Expect::Missing);
    let reply = send(
        &app,
        get_with("/some-path", &[("x-token", &format!("token {jwt}"))]),
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn two_sources_with_different_tokens_are_ambiguous_the_same_token_is_fine() {
    let (builder, calls) = builder();
    let sources = [
        TokenSource::authorization_bearer(),
        TokenSource::header("X-API-Key"),
    ];
    let app = router(builder.token_sources(sources).build().unwrap());
    let alice = token(&claims("alice"));
    let bob = token(&claims("bob"));
    let auth = format!("Bearer {alice}");
    let reply = send(
        &app,
        get_with(
            "/some-path",
            &[("authorization", &auth), ("x-api-key", &bob)],
        ),
    )
    .await;
    assert_rejected(&reply, &calls, &alice, Expect::InvalidRequest);
    let reply = send(
        &app,
        get_with(
            "/some-path",
            &[("authorization", &auth), ("x-api-key", &alice)],
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn accepted_issuers() {
    let (builder, calls) = builder();
    let app = router(builder.accepted_issuers(["a", "b"]).build().unwrap());
    let with = |iss: &str| token(&json!({"sub": "alice", "exp": now() + 60, "iss": iss}));
    assert_token_refused(&app, &calls, &with("c")).await;
    assert_token_accepted(&app, &with("b"), "alice").await;
}

#[tokio::test]
async fn accepted_audiences_one_or_many() {
    let (builder, calls) = builder();
    let app = router(builder.accepted_audiences(["api"]).build().unwrap());
    let with =
        |aud: serde_json::Value| token(&json!({"sub": "alice", "exp": now() + 60, "aud": aud}));
    assert_token_refused(&app, &calls, &with(json!("web"))).await;
    assert_token_refused(&app, &calls, &with(json!(["web", "app"]))).await;
    assert_token_refused(&app, &calls, &token(&claims("alice"))).await;
    assert_token_accepted(&app, &with(json!("api")), "alice").await;
    assert_token_accepted(&app, &with(json!(["web", "api"])), "alice").await;
}

#[tokio::test]
async fn strict_audience_wants_a_single_matching_string() {
    let (builder, calls) = builder();
    let app = router(
        builder
            .accepted_audiences(["api"])
            .strict_audience(true)
            .build()
            .unwrap(),
    );
    let with =
        |aud: serde_json::Value| token(&json!({"sub": "alice", "exp": now() + 60, "aud": aud}));
    assert_token_refused(&app, &calls, &with(json!(["api"]))).await;
    assert_token_refused(&app, &calls, &with(json!(["api", "web"]))).await;
    assert_token_accepted(&app, &with(json!("api")), "alice").await;
}

#[tokio::test]
async fn require_claims() {
    let (builder, calls) = builder();
    let app = router(builder.require_claims(["tenant"]).build().unwrap());
    let mut payload = claims("alice");
    assert_token_refused(&app, &calls, &token(&payload)).await;
    payload["tenant"] = json!(null);
    assert_token_refused(&app, &calls, &token(&payload)).await;
    payload["tenant"] = json!("acme");
    assert_token_accepted(&app, &token(&payload), "alice").await;
}

#[tokio::test]
async fn verify_expiry_off_accepts_tokens_without_or_past_exp() {
    let (builder, _) = builder();
    let app = router(builder.verify_expiry(false).build().unwrap());
    assert_token_accepted(&app, &token(&json!({"sub": "alice"})), "alice").await;
    let expired = json!({"sub": "alice", "exp": now() - 3600});
    assert_token_accepted(&app, &token(&expired), "alice").await;
    // Types are still checked.
    let (builder, calls) = common::builder();
    let app = router(builder.verify_expiry(false).build().unwrap());
    assert_token_refused(
        &app,
        &calls,
        &token(&json!({"sub": "alice", "exp": "soon"})),
    )
    .await;
}

#[tokio::test]
async fn verify_not_before_off_accepts_a_future_nbf() {
    let future = json!({"sub": "alice", "exp": now() + 600, "nbf": now() + 300});
    let (builder, calls) = builder();
    let app = router(builder.build().unwrap());
    assert_token_refused(&app, &calls, &token(&future)).await;
    let (builder, _) = common::builder();
    let app = router(builder.verify_not_before(false).build().unwrap());
    assert_token_accepted(&app, &token(&future), "alice").await;
}

#[tokio::test]
async fn leeway_applies_to_exp_nbf_and_iat() {
    let (builder, calls) = builder();
    let app = router(builder.leeway(Duration::from_secs(10)).build().unwrap());
    for payload in [
        json!({"sub": "alice", "exp": now() - 20}),
        json!({"sub": "alice", "exp": now() + 60, "nbf": now() + 20}),
        json!({"sub": "alice", "exp": now() + 60, "iat": now() + 20}),
    ] {
        assert_token_refused(&app, &calls, &token(&payload)).await;
    }
    let within = json!({"sub": "alice", "exp": now() - 5, "nbf": now() + 5, "iat": now() + 5});
    assert_token_accepted(&app, &token(&within), "alice").await;
}

#[tokio::test]
async fn max_token_size() {
    let jwt = token(&claims("alice"));
    let (builder, calls) = builder();
    let app = router(builder.max_token_size(jwt.len() - 1).build().unwrap());
    assert_token_refused(&app, &calls, &jwt).await;
    let (builder, _) = common::builder();
    let app = router(builder.max_token_size(jwt.len()).build().unwrap());
    assert_token_accepted(&app, &jwt, "alice").await;
}

#[tokio::test]
async fn max_lifetime_counts_from_iat_or_now() {
    let (builder, calls) = builder();
    let app = router(
        builder
            .max_lifetime(Duration::from_secs(600))
            .build()
            .unwrap(),
    );
    assert_token_refused(
        &app,
        &calls,
        &token(&json!({"sub": "alice", "exp": now() + 3600})),
    )
    .await;
    let old = json!({"sub": "alice", "iat": now() - 500, "exp": now() + 200});
    assert_token_refused(&app, &calls, &token(&old)).await;
    assert_token_accepted(
        &app,
        &token(&json!({"sub": "alice", "exp": now() + 500})),
        "alice",
    )
    .await;
}

#[tokio::test]
async fn decode_hook_transforms_and_vetoes_after_the_signature() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let (builder, calls) = builder();
    let app = router(
        builder
            .decode_hook(move |mut payload| {
                counter.fetch_add(1, Ordering::SeqCst);
                if payload.get("banned") == Some(&json!(true)) {
                    return None;
                }
                // Legacy tokens carry `user_id`; make it the subject.
                if let Some(id) = payload.remove("user_id") {
                    payload.insert("sub".into(), id);
                }
                Some(payload)
            })
            .build()
            .unwrap(),
    );
    let forged = raw_token(
        r#"{"alg":"HS256"}"#,
        &claims("x").to_string(),
        &[1; 32],
        Algorithm::HS256,
    );
    assert_token_refused(&app, &calls, &forged).await;
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "the hook never sees an unverified payload"
    );
    let banned = json!({"sub": "alice", "exp": now() + 60, "banned": true});
    assert_token_refused(&app, &calls, &token(&banned)).await;
    let legacy = json!({"user_id": "carol", "exp": now() + 60});
    assert_token_accepted(&app, &token(&legacy), "carol").await;
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn error_handler_replaces_the_response() {
    let (builder, calls) = builder();
    let handler = |error: &AuthError| -> Response {
        let code = match error.kind() {
            AuthErrorKind::MissingToken => "missing",
            AuthErrorKind::InvalidToken(_) => "invalid",
            _ => "other",
        };
        (StatusCode::IM_A_TEAPOT, format!("custom {code}")).into_response()
    };
    let app = router(builder.error_handler(handler).build().unwrap());
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::IM_A_TEAPOT, "custom missing")
    );
    let reply = bearer(&app, "/some-path", "a.b.c").await;
    assert_eq!(reply.body, "custom invalid");
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn realm_is_configurable() {
    let (builder, _) = builder();
    let app = router(builder.realm("my app").build().unwrap());
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="my app""#));
}

#[tokio::test]
async fn key_rotation_by_kid() {
    let resolver = |t: Token, _p: &http::request::Parts| {
        let user = User { id: t.sub };
        async move { Ok::<_, Infallible>(Some(user)) }
    };
    let old = JwtAuth::<User>::builder()
        .secret_with_kid("2025", [1u8; 32])
        .resolver(resolver)
        .build()
        .unwrap();
    let both = JwtAuth::<User>::builder()
        .secret_with_kid("2026", [2u8; 32])
        .secret_with_kid("2025", [1u8; 32])
        .resolver(resolver)
        .build()
        .unwrap();
    let app = router(both.clone());
    let old_token = old.create_token("alice").sign().unwrap();
    assert_token_accepted(&app, &old_token, "alice").await;
    let new_token = both.create_token("bob").sign().unwrap();
    let header = jsonwebtoken::decode_header(&new_token).unwrap();
    assert_eq!(header.kid.as_deref(), Some("2026"), "the first key signs");
    assert_token_accepted(&app, &new_token, "bob").await;
    let pinned = both.create_token("carol").kid("2025").sign().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&pinned).unwrap().kid.as_deref(),
        Some("2025")
    );
    assert!(old.verify(&pinned).is_ok());
}

/// A resolver is optional: a verify-only configuration attaches the token alone. Handlers
/// that ask for the user get a 500 naming the misconfiguration; a bad token is still a 401.
#[tokio::test]
async fn a_configuration_without_resolver_attaches_the_token_alone() {
    let auth = JwtAuth::<User>::builder().secret(SECRET).build().unwrap();
    let app = axum::Router::new()
        .route(
            "/token",
            axum::routing::get(|token: Token| async move { token.sub }),
        )
        .route(
            "/some-path",
            axum::routing::get(|AuthUser(user): AuthUser<User>| async move { user.id }),
        )
        .layer(axum_jwt_layer::JwtAuthLayer::new(auth));
    let jwt = token(&claims("alice"));
    let reply = bearer(&app, "/token", &jwt).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "alice");
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("no resolver"), "{}", reply.body);
    let reply = bearer(&app, "/token", "not.a.token").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// A resolver written as a type borrows the token: it reads the claims and the request
/// head, its answer decides (a user, or 401 for none), and the handler still gets the whole
/// token beside the user.
#[tokio::test]
async fn a_user_resolver_type_reads_the_token_it_borrows() {
    struct Directory;
    impl axum_jwt_layer::UserResolver<User> for Directory {
        type Error = Infallible;
        // An `async fn`: its future borrows the token and the head until it is done.
        async fn resolve(
            &self,
            token: &Token,
            parts: &http::request::Parts,
        ) -> Result<Option<User>, Infallible> {
            tokio::task::yield_now().await;
            let known = token.claims.get("team").and_then(|t| t.as_str()) == Some("red");
            let id = format!("{}@{}", token.sub, parts.uri.path());
            Ok(known.then_some(User { id }))
        }
    }
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .user_resolver(Directory)
        .build()
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/both",
            axum::routing::get(|AuthUser(user): AuthUser<User>, token: Token| async move {
                format!("{} {}", user.id, token.claims["team"])
            }),
        )
        .layer(axum_jwt_layer::JwtAuthLayer::new(auth));
    let mut payload = claims("alice");
    payload["team"] = json!("red");
    let reply = bearer(&app, "/both", &token(&payload)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, r#"alice@/both "red""#);
    payload["team"] = json!("blue");
    let reply = bearer(&app, "/both", &token(&payload)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.challenge().unwrap().contains("invalid_token"));
}

/// A resolver deadline: a lookup that hangs is dropped with a 503, quickly, and the next
/// request is served; a zero deadline is refused at build().
#[tokio::test]
async fn a_resolver_past_its_deadline_gets_503_and_the_server_keeps_serving() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .resolver(|token: Token, _parts: &http::request::Parts| async move {
            if token.sub == "slow" {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            Ok::<_, Infallible>(Some(User { id: token.sub }))
        })
        .resolver_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let app = router(auth);
    let started = std::time::Instant::now();
    let reply = bearer(&app, "/some-path", &token(&claims("slow"))).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"status_code": 503, "detail": "Service temporarily unavailable"})
    );
    assert!(reply.challenge().is_none());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let reply = bearer(&app, "/some-path", &token(&claims("alice"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"id": "alice"}));

    let zero = JwtAuth::<User>::builder()
        .secret(SECRET)
        .resolver_timeout(Duration::ZERO)
        .build();
    assert!(matches!(zero, Err(ConfigError::DurationOutOfRange(_))));
}

/// The dev-dependencies turn on both of jsonwebtoken's backends, as another crate in an
/// application's graph can: `build()` still works, with the backend this crate's features
/// name, and every algorithm family signs and verifies (jsonwebtoken alone would refuse to
/// pick a backend and panic on first use).
#[test]
fn build_works_with_both_jsonwebtoken_backends_in_the_graph() {
    let auth = JwtAuth::<String>::builder()
        .secret([9u8; 64])
        .algorithms([
            axum_jwt_layer::keys::Algorithm::HS256,
            axum_jwt_layer::keys::Algorithm::HS384,
            axum_jwt_layer::keys::Algorithm::HS512,
        ])
        .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
        .build()
        .expect("a backend is installed");
    let jwt = auth.create_token("alice").sign().unwrap();
    assert_eq!(auth.verify(&jwt).unwrap().sub, "alice");
    // And jsonwebtoken used directly (as an application does) works after build().
    let decoded = jsonwebtoken::decode::<serde_json::Value>(
        &jwt,
        &jsonwebtoken::DecodingKey::from_secret(&[9u8; 64]).unwrap(),
        &{
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
            validation.validate_aud = false;
            validation
        },
    )
    .unwrap();
    assert_eq!(decoded.claims["sub"], "alice");
}
