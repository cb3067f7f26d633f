//! Key fixtures (tests/fixtures) and apps built on them, for the key and key-set tests.

use std::convert::Infallible;
use std::sync::atomic::Ordering;

use axum::Router;
use axum_jwt_layer::{
    keys::{Algorithm, JwkSet, Key},
    ConfigError, JwtAuth, JwtAuthBuilder, Token,
};
use jsonwebtoken::EncodingKey;

use super::{b64, capture_logs, claims, crypto_ready, router, Calls, User};

pub const HS_A: &[u8] = b"hs-secret-a-0123456789-0123456789-0123456789-0123456789-01234567";
pub const HS_B: &[u8] = b"hs-secret-b-0123456789-0123456789-0123456789-0123456789-01234567";

/// Every algorithm with the fixture names of its keys: the "a" pair verifies, the "b" pair is
/// the wrong key. `None` means the HMAC secrets above.
pub const ALGORITHMS: &[(Algorithm, Option<(&str, &str)>)] = &[
    (Algorithm::HS256, None),
    (Algorithm::HS384, None),
    (Algorithm::HS512, None),
    (Algorithm::RS256, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::RS384, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::RS512, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::PS256, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::PS384, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::PS512, Some(("rsa2048-a", "rsa2048-b"))),
    (Algorithm::ES256, Some(("p256-a", "p256-b"))),
    (Algorithm::ES384, Some(("p384-a", "p384-b"))),
    (Algorithm::EdDSA, Some(("ed25519-a", "ed25519-b"))),
];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn jwks() -> JwkSet {
    serde_json::from_slice(&fixture("jwks.json")).unwrap()
}

/// The signing key of fixture `name` (Ed25519 PKCS#8 v1 needs its public half beside it).
pub fn private(name: &str) -> Key {
    let key = Key::private_pem(fixture(&format!("{name}-private.pem")));
    if name.starts_with("ed25519") {
        key.with_public(public(name))
    } else {
        key
    }
}

pub fn public(name: &str) -> Key {
    Key::public_pem(fixture(&format!("{name}-public.pem")))
}

/// The signing key of an algorithm's "a" (`wrong` false) or "b" (`wrong` true) key.
pub fn signing_key(entry: &(Algorithm, Option<(&str, &str)>), wrong: bool) -> Key {
    match entry.1 {
        None => Key::hmac(if wrong { HS_B } else { HS_A }),
        Some((a, b)) => private(if wrong { b } else { a }),
    }
}

/// The verifying key of an algorithm's "a" key: the public key, or the secret.
pub fn verifying_key(entry: &(Algorithm, Option<(&str, &str)>)) -> Key {
    match entry.1 {
        None => Key::hmac(HS_A),
        Some((a, _)) => public(a),
    }
}

/// A builder with `keys`, the allow-list `algorithms` and a counting resolver.
pub fn keyed_builder(
    keys: impl IntoIterator<Item = Key>,
    algorithms: &[Algorithm],
) -> (JwtAuthBuilder<User>, Calls) {
    capture_logs();
    let calls = Calls::default();
    let seen = calls.clone();
    let mut builder = JwtAuth::<User>::builder()
        .algorithms(algorithms.iter().copied())
        .resolver(move |token: Token, _parts: &http::request::Parts| {
            seen.count.fetch_add(1, Ordering::SeqCst);
            let user = User { id: token.sub };
            async move { Ok::<_, Infallible>(Some(user)) }
        });
    for key in keys {
        builder = builder.key(key);
    }
    (builder, calls)
}

pub fn keyed_auth(keys: impl IntoIterator<Item = Key>, algorithms: &[Algorithm]) -> JwtAuth<User> {
    keyed_builder(keys, algorithms).0.build().unwrap()
}

pub fn keyed_app(keys: impl IntoIterator<Item = Key>, algorithms: &[Algorithm]) -> (Router, Calls) {
    let (builder, calls) = keyed_builder(keys, algorithms);
    (router(builder.build().unwrap()), calls)
}

pub fn build_error(keys: impl IntoIterator<Item = Key>, algorithms: &[Algorithm]) -> ConfigError {
    keyed_builder(keys, algorithms).0.build().unwrap_err()
}

/// A token for `alice` signed by an issuer holding `key` with the allow-list `[algorithm]`.
pub fn issued(key: Key, algorithm: Algorithm) -> String {
    keyed_auth([key], &[algorithm])
        .create_token("alice")
        .sign()
        .unwrap()
}

/// A token with a hand-written header over a valid payload, signed with a DER fixture key.
pub fn hand_signed(header: &str, key: &EncodingKey, algorithm: Algorithm) -> String {
    crypto_ready();
    let message = format!(
        "{}.{}",
        b64(header.as_bytes()),
        b64(claims("alice").to_string().as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, algorithm).unwrap();
    format!("{message}.{signature}")
}
