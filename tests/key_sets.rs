//! Key sets: a token's `kid` selects its key (rotation across key types), hostile or unknown
//! kids are 401 (SECURITY.md 24), the JWK rules of DESIGN §3 (`alg`, `use`, `key_ops`), and
//! signing with a chosen key.

mod common;

use axum::response::IntoResponse;
use axum_jwt_layer::error::AuthErrorKind::InvalidToken;
use axum_jwt_layer::keys::Algorithm::{EdDSA, ES256, ES384, PS256, RS256};
use axum_jwt_layer::{
    error::{InvalidTokenReason, IssueError},
    keys::{Jwk, JwkSet, Key},
    ConfigError,
};
use common::keys::*;
use common::*;

fn jwk(kid: &str) -> Jwk {
    jwks().find(kid).cloned().unwrap()
}

fn kid_of(jwt: &str) -> Option<String> {
    jsonwebtoken::decode_header(jwt).unwrap().kid
}

/// The fixture set's signing members, with the algorithm each one's tokens use.
const MEMBERS: [(&str, &str, axum_jwt_layer::keys::Algorithm); 5] = [
    ("rsa2048-a", "rsa-a", RS256),
    ("rsa2048-b", "rsa-b", RS256),
    ("p256-a", "p256-a", ES256),
    ("p384-a", "p384-a", ES384),
    ("ed25519-a", "ed25519-a", EdDSA),
];

#[tokio::test]
async fn a_jwk_set_verifies_each_members_tokens_by_kid() {
    let (builder, calls) = keyed_builder([], &[RS256, ES256, ES384, EdDSA]);
    let auth = builder.jwk_set(&jwks()).build().unwrap();
    // Six members; `rsa-b-enc` (use: enc) is skipped.
    assert!(format!("{auth:?}").contains("keys: 5"), "{auth:?}");
    let app = router(auth);
    for (name, kid, algorithm) in MEMBERS {
        let jwt = issued(private(name).with_kid(kid), algorithm);
        assert_token_accepted(&app, &jwt, "alice").await;
    }
    assert_eq!(calls.count(), MEMBERS.len());
}

#[tokio::test]
async fn unknown_hostile_or_missing_kids_are_401_never_500() {
    let (builder, calls) = keyed_builder([], &[RS256, ES256, ES384, EdDSA]);
    let app = router(builder.jwk_set(&jwks()).build().unwrap());
    let long = "k".repeat(10 * 1024);
    let kids = [
        "unknown",
        "../../dev/null",
        "/etc/passwd",
        "rsa-a' OR '1'='1",
        "RSA-A",
        "rsa-a ",
        "",
        long.as_str(),
    ];
    for kid in kids {
        let jwt = issued(private("rsa2048-a").with_kid(kid), RS256);
        assert_token_refused(&app, &calls, &jwt).await;
    }
    // No kid while the set has several keys: no key is guessed.
    assert_token_refused(&app, &calls, &issued(private("rsa2048-a"), RS256)).await;
    // The skipped `use: enc` member never verifies, even for a token its key signed.
    let jwt = issued(private("rsa2048-b").with_kid("rsa-b-enc"), RS256);
    assert_token_refused(&app, &calls, &jwt).await;
    // A correctly signed token under another member's kid: that member's key decides.
    let jwt = issued(private("rsa2048-a").with_kid("rsa-b"), RS256);
    assert_token_refused(&app, &calls, &jwt).await;
}

#[tokio::test]
async fn rotation_signs_with_the_first_key_or_the_chosen_kid() {
    let keys = [
        private("p256-a").with_kid("2026"),
        private("rsa2048-a").with_kid("2025"),
    ];
    let issuer = keyed_auth(keys, &[ES256, RS256]);
    let current = issuer.create_token("alice").sign().unwrap();
    let header = jsonwebtoken::decode_header(&current).unwrap();
    assert_eq!((header.alg, header.kid.as_deref()), (ES256, Some("2026")));
    let pinned = issuer.create_token("alice").kid("2025").sign().unwrap();
    let header = jsonwebtoken::decode_header(&pinned).unwrap();
    assert_eq!((header.alg, header.kid.as_deref()), (RS256, Some("2025")));
    let unknown = issuer.create_token("alice").kid("2024").sign();
    assert!(matches!(unknown, Err(IssueError::NoSigningKey)));

    // A resource server holding only the public halves accepts both.
    let public_keys = [
        public("p256-a").with_kid("2026"),
        public("rsa2048-a").with_kid("2025"),
    ];
    let (app, _) = keyed_app(public_keys, &[ES256, RS256]);
    assert_token_accepted(&app, &current, "alice").await;
    assert_token_accepted(&app, &pinned, "alice").await;

    // login() puts the signing key's kid in the header it delivers.
    for (edit_kid, expected) in [(None, "2026"), (Some("2025"), "2025")] {
        let login = issuer.login("alice").token(|t| match edit_kid {
            Some(kid) => t.kid(kid),
            None => t,
        });
        let response = login.into_response();
        assert_eq!(response.status(), 201);
        let value = response.headers()["authorization"].to_str().unwrap();
        let jwt = value.strip_prefix("Bearer ").unwrap();
        assert_eq!(kid_of(jwt).as_deref(), Some(expected));
        assert_token_accepted(&app, jwt, "alice").await;
    }
}

#[tokio::test]
async fn a_verify_only_configuration_cannot_sign() {
    let auth = keyed_auth([public("rsa2048-a")], &[RS256]);
    let signed = auth.create_token("alice").sign();
    assert!(matches!(signed, Err(IssueError::NoSigningKey)));
    assert_eq!(auth.login("alice").into_response().status(), 500);
    // A JWK is verify-only too, HMAC included.
    let set: JwkSet = serde_json::from_str(
        r#"{"keys":[{"kty":"oct","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0"}]}"#,
    )
    .unwrap();
    let (builder, _) = keyed_builder([], &[axum_jwt_layer::keys::Algorithm::HS256]);
    let auth = builder.jwk_set(&set).build().unwrap();
    assert!(auth.create_token("alice").sign().is_err());
}

/// DESIGN §3: a JWK without `alg` serves only the allowed algorithms of its type; with `alg`,
/// only that one, whatever else the allow-list holds.
#[tokio::test]
async fn a_jwks_alg_or_its_absence_bounds_the_algorithms() {
    let ps256 = issued(private("rsa2048-a").with_kid("rsa-a"), PS256);
    let rs256 = issued(private("rsa2048-a").with_kid("rsa-a"), RS256);
    let (only_rs, calls) = keyed_app([Key::from_jwk(&jwk("rsa-a"))], &[RS256]);
    assert_token_refused(&only_rs, &calls, &ps256).await;
    assert_token_accepted(&only_rs, &rs256, "alice").await;
    let (both, _) = keyed_app([Key::from_jwk(&jwk("rsa-a"))], &[RS256, PS256]);
    assert_token_accepted(&both, &rs256, "alice").await;
    assert_token_accepted(&both, &ps256, "alice").await;

    // `rsa-b` says `alg: RS256`: a correctly signed PS256 token is refused though allowed.
    let (builder, calls) = keyed_builder([Key::from_jwk(&jwk("rsa-b"))], &[RS256, PS256]);
    let auth = builder.build().unwrap();
    let ps256 = issued(private("rsa2048-b").with_kid("rsa-b"), PS256);
    let refused = auth.verify(&ps256).unwrap_err().kind();
    assert_eq!(
        refused,
        InvalidToken(InvalidTokenReason::AlgorithmNotAllowed)
    );
    let app = router(auth);
    assert_token_refused(&app, &calls, &ps256).await;
    let rs256 = issued(private("rsa2048-b").with_kid("rsa-b"), RS256);
    assert_token_accepted(&app, &rs256, "alice").await;
}

fn parsed(json: &str) -> Jwk {
    serde_json::from_str(json).unwrap()
}

#[test]
fn jwks_not_for_signatures_are_refused_alone_and_skipped_in_a_set() {
    let rsa_a = serde_json::to_value(jwk("rsa-a")).unwrap();
    let with = |member: &str, value: serde_json::Value| {
        let mut jwk = rsa_a.clone();
        jwk[member] = value;
        parsed(&jwk.to_string())
    };
    let cases = [
        (with("use", "enc".into()), "`use` is not `sig`"),
        (with("key_ops", serde_json::json!(["encrypt"])), "`key_ops`"),
        (with("alg", "RSA-OAEP".into()), "not a signature algorithm"),
        (with("alg", "ES256".into()), "does not fit its key type"),
    ];
    for (jwk, expected) in cases {
        match build_error([Key::from_jwk(&jwk)], &[RS256]) {
            ConfigError::InvalidKey { problem, .. } => {
                assert!(problem.to_string().contains(expected))
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
    // Inside a set, a member declared for something else is skipped; if nothing is left for
    // an allowed algorithm, build() says so. A contradictory member is an error there too.
    let set = JwkSet {
        keys: vec![with("use", "enc".into()), with("alg", "RSA-OAEP".into())],
    };
    let (builder, _) = keyed_builder([], &[RS256]);
    let error = builder.jwk_set(&set).build().unwrap_err();
    assert!(
        matches!(error, ConfigError::AlgorithmKeyMismatch(RS256)),
        "{error:?}"
    );
    let set = JwkSet {
        keys: vec![with("alg", "ES256".into())],
    };
    let (builder, _) = keyed_builder([], &[RS256]);
    let error = builder.jwk_set(&set).build().unwrap_err();
    assert!(matches!(error, ConfigError::InvalidKey { .. }), "{error:?}");
}

#[test]
fn members_without_distinct_kids_are_ambiguous() {
    let mut twin = jwk("p256-a");
    twin.common.key_id = Some("rsa-a".into());
    let set = JwkSet {
        keys: vec![jwk("rsa-a"), twin],
    };
    let (builder, _) = keyed_builder([], &[RS256, ES256]);
    let error = builder.jwk_set(&set).build().unwrap_err();
    assert!(matches!(error, ConfigError::AmbiguousKeys), "{error:?}");
    let error = build_error([public("rsa2048-a"), public("p256-a")], &[RS256, ES256]);
    assert!(matches!(error, ConfigError::AmbiguousKeys), "{error:?}");
}
