//! Project Wycheproof's JWS vectors, run through the crate's key parsing and its signature
//! step ([`JwtAuth::verify_signature`]: size, segments, header, key, signature; the payloads
//! are bytes such as `foo`, not JWT claims).
//!
//! Each group's key is its `public` JWK (else its `private` one, for HMAC), configured alone
//! with every algorithm of its family allowed, as a resource server trusting that key would
//! be. A case agrees when the crate accepts exactly the `valid` ones; a key that `build()`
//! refuses (a JWK for encryption) accepts nothing. Every disagreement is listed below with its
//! reason; the test fails on any other, and on a listed one that starts agreeing.

use std::convert::Infallible;

use axum_jwt_layer::{
    keys::{Algorithm, Jwk, Key},
    JwtAuth, Token,
};
use serde::Deserialize;

/// A copy of `../shared/testdata/wycheproof/json_web_signature_test.json` (Apache-2.0, see
/// the LICENSE beside it), committed so the test runs from any clone.
const VECTORS: &str = "tests/fixtures/wycheproof/json_web_signature_test.json";

/// Cases where the crate's answer differs from the file's, by tcId, and why.
const DISAGREEMENTS: &[(u64, &str)] = &[
    (346, "RFC 7520 figure 20 signs PS384 with a JWK that says alg PS256; a JWK's alg is the only algorithm its key serves (DESIGN §3, RFC 7517 §4.4), so the crate refuses"),
    (350, "as 346, with key_ops [\"verify\"]"),
    (367, "invalidBase64Padding: the jws is byte-identical to tcId 357 (valid); the padding the comment names is not in the file, so the valid MAC is accepted"),
    (370, "invalidBase64PaddingInPayload: byte-identical to tcId 357 as well"),
    (372, "a `?` inside the header segment: not base64url, refused (strict RFC 7515 compact form, SECURITY.md 29) where the file expects it to be ignored"),
    (373, "a `?` at the end of the payload segment: refused as in 372"),
];

/// Groups whose key type the crate does not implement, and why.
fn unsupported(jwk: &serde_json::Value) -> Option<&'static str> {
    match jwk["crv"].as_str() {
        Some("P-521") => Some("ES512 on P-521: jsonwebtoken 12 has no ES512, nor does the crate"),
        _ => None,
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(rename = "numberOfTests")]
    number_of_tests: usize,
    #[serde(rename = "testGroups")]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(rename = "type")]
    kind: String,
    public: Option<serde_json::Value>,
    private: Option<serde_json::Value>,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    #[serde(rename = "tcId")]
    id: u64,
    comment: String,
    jws: String,
    result: String,
}

/// Every algorithm of the JWK's key type.
fn family(jwk: &serde_json::Value) -> Vec<Algorithm> {
    use Algorithm::*;
    match jwk["kty"].as_str() {
        Some("RSA") => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        Some("EC") => vec![ES256, ES384],
        Some("OKP") => vec![EdDSA],
        _ => vec![HS256, HS384, HS512],
    }
}

/// The crate configured with one JWK, or `None` when `build()` refuses it.
fn configure(jwk: &serde_json::Value) -> Option<JwtAuth<()>> {
    let jwk: Jwk = serde_json::from_value(jwk.clone()).ok()?;
    JwtAuth::<()>::builder()
        .key(Key::from_jwk(&jwk))
        .algorithms(family(&serde_json::to_value(&jwk).ok()?))
        .resolver(|_: Token, _p| async { Ok::<_, Infallible>(Some(())) })
        .build()
        .ok()
}

#[test]
fn wycheproof_json_web_signature_vectors() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the Wycheproof test data)", path.display()));
    let file: File = serde_json::from_str(&text).unwrap();
    let (mut supported, mut agreeing, mut skipped) = (0, 0, Vec::new());
    let (mut disagreeing, mut refused_keys) = (Vec::new(), Vec::new());
    for group in &file.groups {
        let jwk = group.public.as_ref().or(group.private.as_ref()).unwrap();
        let reason = match (group.kind.as_str(), unsupported(jwk)) {
            ("JsonWebSignature", None) => None,
            ("JsonWebSignature", Some(reason)) => Some(reason),
            _ => Some("JWE (encryption) is not supported"),
        };
        if let Some(reason) = reason {
            skipped.extend(group.tests.iter().map(|case| (case.id, reason)));
            continue;
        }
        let auth = configure(jwk);
        if auth.is_none() {
            refused_keys.extend(group.tests.iter().map(|case| case.id));
        }
        for case in &group.tests {
            supported += 1;
            let accepted = auth
                .as_ref()
                .is_some_and(|auth| auth.verify_signature(&case.jws).is_ok());
            if accepted == (case.result == "valid") {
                agreeing += 1;
            } else {
                disagreeing.push((case.id, accepted, case.comment.clone()));
            }
        }
    }
    println!(
        "wycheproof JWS: {} cases, {supported} supported, {agreeing} agreeing, {} skipped; \
         keys refused by build() for tcIds {refused_keys:?}",
        file.number_of_tests,
        skipped.len()
    );
    for (id, reason) in &skipped {
        println!("  skipped tcId {id}: {reason}");
    }
    for (id, accepted, comment) in &disagreeing {
        let reason = DISAGREEMENTS.iter().find(|(listed, _)| listed == id);
        let verdict = if *accepted { "accepted" } else { "refused" };
        println!(
            "  tcId {id} ({comment}) {verdict}: {:?}",
            reason.map(|r| r.1)
        );
    }
    let found: Vec<u64> = disagreeing.iter().map(|d| d.0).collect();
    let listed: Vec<u64> = DISAGREEMENTS.iter().map(|d| d.0).collect();
    assert_eq!(found, listed, "disagreements changed: update DISAGREEMENTS");
    // Only the JWKs for encryption (`use: enc`, `key_ops` without `verify`) are refused.
    assert_eq!(refused_keys, [353, 354, 355, 356]);
    assert_eq!(supported + skipped.len(), file.number_of_tests);
    assert_eq!((supported, agreeing, skipped.len()), (399, 393, 2));
}
