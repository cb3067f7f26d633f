//! Asymmetric keys through the real router: every algorithm verifies with its key and is
//! refused with the wrong key, with another family's algorithm and with the HMAC-keyed-by-the-
//! public-key confusion (SECURITY.md 18-21, 30). Every refusal also asserts the resolver did
//! not run and nothing echoes the token. Plus every key format, and what `build()` refuses.

mod common;

use axum_jwt_layer::error::AuthErrorKind::InvalidToken;
use axum_jwt_layer::{
    error::InvalidTokenReason,
    keys::{Algorithm, Key},
    ConfigError,
};
use common::keys::*;
use common::*;
use jsonwebtoken::EncodingKey;

#[tokio::test]
async fn every_algorithm_verifies_through_the_router() {
    for entry @ (algorithm, _) in ALGORITHMS {
        let jwt = issued(signing_key(entry, false), *algorithm);
        assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, *algorithm);
        let (app, calls) = keyed_app([verifying_key(entry)], &[*algorithm]);
        assert_token_accepted(&app, &jwt, "alice").await;
        assert_eq!(calls.count(), 1, "{algorithm:?}");
    }
}

#[tokio::test]
async fn every_algorithm_refuses_a_token_signed_with_another_key() {
    for entry @ (algorithm, _) in ALGORITHMS {
        let jwt = issued(signing_key(entry, true), *algorithm);
        let (app, calls) = keyed_app([verifying_key(entry)], &[*algorithm]);
        assert_token_refused(&app, &calls, &jwt).await;
    }
}

#[tokio::test]
async fn every_algorithm_refuses_another_familys_algorithm() {
    for mine @ (algorithm, _) in ALGORITHMS {
        let (alone, calls) = keyed_app([verifying_key(mine)], &[*algorithm]);
        for theirs @ (other, _) in ALGORITHMS {
            if other.family() == algorithm.family() {
                continue;
            }
            // A correctly signed token of another family: outside the allow-list.
            let jwt = issued(signing_key(theirs, false), *other);
            assert_token_refused(&alone, &calls, &jwt).await;
            // Both families allowed, each with its key: the token names my key by kid but
            // carries their algorithm. My key serves only my family.
            let keys = [
                verifying_key(mine).with_kid("mine"),
                verifying_key(theirs).with_kid("theirs"),
            ];
            let (builder, calls) = keyed_builder(keys, &[*algorithm, *other]);
            let auth = builder.build().unwrap();
            let jwt = keyed_auth([signing_key(theirs, false).with_kid("mine")], &[*other])
                .create_token("alice")
                .sign()
                .unwrap();
            assert_token_refused(&router(auth.clone()), &calls, &jwt).await;
            let refused = auth.verify(&jwt).unwrap_err().kind();
            let expected = InvalidToken(InvalidTokenReason::AlgorithmNotAllowed);
            assert_eq!(refused, expected, "{algorithm:?} key, {other:?} token");
        }
    }
}

/// SECURITY.md 19: an HMAC keyed with the public key (PEM text, DER bytes or the JWK text),
/// claiming HS256/384/512 or the key's own algorithm; also with HMAC allowed beside the key.
#[tokio::test]
async fn hmac_keyed_with_the_public_key_is_refused() {
    let jwk_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jwks.json"
    ))
    .unwrap();
    for entry @ (algorithm, names) in ALGORITHMS {
        let Some((name, _)) = names else { continue };
        let (alone, calls) = keyed_app([verifying_key(entry)], &[*algorithm]);
        let keys = [
            Key::hmac(HS_A).with_kid("hmac"),
            verifying_key(entry).with_kid("pub"),
        ];
        let allowed = [
            Algorithm::HS256,
            Algorithm::HS384,
            Algorithm::HS512,
            *algorithm,
        ];
        let (mixed, mixed_calls) = keyed_app(keys, &allowed);
        let materials = [
            fixture(&format!("{name}-public.pem")),
            fixture(&format!("{name}-public.der")),
            jwk_text.clone().into_bytes(),
        ];
        for material in &materials {
            for hs in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
                for claimed in [format!("{hs:?}"), format!("{algorithm:?}")] {
                    for kid in ["", r#","kid":"pub""#] {
                        let header = format!(r#"{{"alg":"{claimed}"{kid}}}"#);
                        let jwt = raw_token(&header, &claims("alice").to_string(), material, hs);
                        assert_token_refused(&alone, &calls, &jwt).await;
                        assert_token_refused(&mixed, &mixed_calls, &jwt).await;
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn every_key_format_verifies() {
    // PKCS#8 and PKCS#1, PEM and DER.
    let rsa = [
        private("rsa2048-a"),
        Key::private_pem(fixture("rsa2048-a-pkcs1-private.pem")),
        Key::private_der(fixture("rsa2048-a-private.der")),
        Key::private_der(fixture("rsa2048-a-pkcs1-private.der")),
    ];
    let rsa_public = [
        public("rsa2048-a"),
        Key::public_pem(fixture("rsa2048-a-pkcs1-public.pem")),
        Key::public_der(fixture("rsa2048-a-public.der")),
    ];
    for signer in rsa {
        let jwt = issued(signer.clone(), Algorithm::PS256);
        for verifier in rsa_public.iter().cloned().chain([signer]) {
            let (app, _) = keyed_app([verifier], &[Algorithm::PS256]);
            assert_token_accepted(&app, &jwt, "alice").await;
        }
    }
    for (name, algorithm) in [
        ("p256-a", Algorithm::ES256),
        ("p384-a", Algorithm::ES384),
        ("ed25519-a", Algorithm::EdDSA),
    ] {
        let der_public = Key::public_der(fixture(&format!("{name}-public.der")));
        let mut der_private = Key::private_der(fixture(&format!("{name}-private.der")));
        if name.starts_with("ed") {
            der_private = der_private.with_public(der_public.clone());
        }
        for signer in [private(name), der_private] {
            let jwt = issued(signer.clone(), algorithm);
            for verifier in [public(name), der_public.clone(), signer] {
                let (app, _) = keyed_app([verifier], &[algorithm]);
                assert_token_accepted(&app, &jwt, "alice").await;
            }
        }
    }
}

/// Hand-signed tokens (jsonwebtoken with the DER fixtures) verify too: the crate does not only
/// accept what it issued itself.
#[tokio::test]
async fn tokens_signed_elsewhere_verify() {
    let cases = [
        (
            EncodingKey::from_rsa_der(&fixture("rsa2048-a-pkcs1-private.der")),
            "rsa2048-a",
            Algorithm::RS512,
        ),
        (
            EncodingKey::from_ec_der(&fixture("p256-a-private.der")),
            "p256-a",
            Algorithm::ES256,
        ),
        (
            EncodingKey::from_ed_der(&fixture("ed25519-a-private.der")),
            "ed25519-a",
            Algorithm::EdDSA,
        ),
    ];
    for (key, name, algorithm) in cases {
        let header = format!(r#"{{"alg":"{algorithm:?}","typ":"JWT"}}"#);
        let jwt = hand_signed(&header, &key, algorithm);
        let (app, _) = keyed_app([public(name)], &[algorithm]);
        assert_token_accepted(&app, &jwt, "alice").await;
    }
}

fn invalid_key(error: ConfigError, expected: &str) {
    match &error {
        ConfigError::InvalidKey { problem, .. } => {
            assert!(problem.to_string().contains(expected), "{error}")
        }
        other => panic!("expected InvalidKey ({expected}), got {other:?}: {other}"),
    }
}

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    let keys = [
        Key::public_pem(fixture("rsa1024-public.pem")),
        Key::private_pem(fixture("rsa1024-private.pem")),
        Key::from_jwk(&serde_json::from_slice(&fixture("rsa1024.jwk.json")).unwrap()),
    ];
    for key in keys {
        let error = build_error([key], &[Algorithm::RS256]);
        assert!(
            matches!(error, ConfigError::RsaKeySize { bits: 1024, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("1024-bit RSA key"), "{error}");
    }
}

#[test]
fn malformed_or_mismatched_keys_fail_at_build() {
    let rs = &[Algorithm::RS256];
    let cases: Vec<(Key, &[Algorithm], &str)> = vec![
        (Key::public_pem("not a key"), rs, "not PEM"),
        (
            Key::public_pem(fixture("rsa2048-a-private.pem")),
            rs,
            "private key",
        ),
        (
            Key::private_pem(fixture("rsa2048-a-public.pem")),
            rs,
            "public key",
        ),
        (
            Key::public_der(fixture("rsa2048-a-public.pem")),
            rs,
            "PEM, not DER",
        ),
        (
            Key::public_der([0x30, 0x03, 0x02, 0x01]),
            rs,
            "malformed DER",
        ),
        (
            Key::private_pem(fixture("p256-a-sec1-private.pem")),
            &[Algorithm::ES256],
            "SEC1",
        ),
        (
            Key::private_pem(fixture("ed25519-a-private.pem")),
            &[Algorithm::EdDSA],
            "does not carry its public key",
        ),
        (
            Key::private_pem(fixture("rsa2048-a-private.pem")).with_public(public("p256-a")),
            &[Algorithm::RS256, Algorithm::ES256],
            "one key, one family",
        ),
        (
            Key::private_pem(fixture("rsa2048-a-private.pem")).with_public(public("rsa2048-b")),
            rs,
            "not a pair",
        ),
        (
            public("p256-a"),
            &[Algorithm::ES384],
            "none of the allowed algorithms",
        ),
        (
            public("p384-a"),
            &[Algorithm::ES256],
            "none of the allowed algorithms",
        ),
    ];
    for (key, algorithms, expected) in cases {
        invalid_key(build_error([key], algorithms), expected);
    }
}

/// SECURITY.md 20 with typed keys: an allowed family without a key of its own is refused.
#[test]
fn every_allowed_algorithm_needs_a_key_of_its_family() {
    let error = build_error([public("rsa2048-a")], &[Algorithm::RS256, Algorithm::HS256]);
    assert!(
        matches!(error, ConfigError::MixedAlgorithmFamilies(_)),
        "{error:?}"
    );
    let error = build_error([public("p256-a")], &[Algorithm::RS256]);
    assert!(matches!(
        error,
        ConfigError::AlgorithmKeyMismatch(Algorithm::RS256)
    ));
    // Both families, each with its key (distinct kids): fine.
    let keys = [
        public("rsa2048-a").with_kid("r"),
        public("p256-a").with_kid("e"),
    ];
    let (builder, _) = keyed_builder(keys, &[Algorithm::RS256, Algorithm::ES256]);
    assert!(builder.build().is_ok());
}

#[test]
fn key_debug_output_never_shows_material() {
    let key = private("rsa2048-a").with_kid("k1");
    let debug = format!("{key:?}");
    assert!(
        debug.contains("private key (PEM)") && debug.contains("k1"),
        "{debug}"
    );
    assert!(!debug.contains("MII"), "{debug}");
}
