//! Property tests (proptest): what goes into a token comes out of `verify`. Case counts are
//! explicit in each `ProptestConfig`.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use common::*;
use http::StatusCode;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The claim names `Token` types itself; custom claims never use them.
const REGISTERED: [&str; 8] = ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "fid"];

/// The default size cap of a token.
const MAX_TOKEN: usize = 8 * 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn hs256() -> &'static JwtAuth<User> {
    static AUTH: OnceLock<JwtAuth<User>> = OnceLock::new();
    AUTH.get_or_init(|| builder().0.build().unwrap())
}

// ---------- 1. create_token -> verify round-trips ----------

/// Any Unicode text, short: cheaper to generate than a regex strategy.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
}

/// Any JSON value: scalars (every number kind serde_json keeps apart) and nested containers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Custom claims at the top level: any names but the registered ones.
fn extra_claims() -> impl Strategy<Value = BTreeMap<String, Value>> {
    let name = text().prop_filter("not a registered claim", |n| {
        !REGISTERED.contains(&n.as_str())
    });
    prop::collection::btree_map(name, json_value(), 0..8)
}

/// Subjects: mostly printable Unicode, sometimes anything (empty, control characters).
fn subject() -> impl Strategy<Value = String> {
    prop_oneof![3 => "\\PC{1,40}", 1 => text()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// A token carries exactly the subject, lifetime and custom claims it was created with;
    /// a subject that `sign()` refuses is one the verifier would refuse too (empty, control
    /// characters), and a token over the 8 KiB cap is refused whatever it holds.
    #[test]
    fn created_tokens_verify_to_what_was_put_in(
        sub in subject(),
        extras in extra_claims(),
        lifetime in 1u64..=400 * 24 * 3600,
        jti in proptest::option::of("\\PC{1,30}"),
    ) {
        let auth = hs256();
        let mut token = auth
            .create_token(sub.clone())
            .expires_in(Duration::from_secs(lifetime));
        for (name, value) in &extras {
            token = token.extra(name.clone(), value);
        }
        if let Some(jti) = &jti {
            token = token.jti(jti.clone());
        }
        let before = now();
        let signed = token.sign();
        let after = now();
        let valid_sub = !sub.is_empty() && !sub.chars().any(char::is_control);
        prop_assert_eq!(signed.is_ok(), valid_sub, "sign() accepts exactly the valid subjects");
        let Ok(jwt) = signed else { return Ok(()) };
        let verified = auth.verify(&jwt);
        if jwt.len() > MAX_TOKEN {
            prop_assert!(verified.is_err(), "a token over the size cap is refused");
            return Ok(());
        }
        let verified = verified.map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        prop_assert_eq!(&verified.sub, &sub);
        let expected: Map<String, Value> = extras.into_iter().collect();
        prop_assert_eq!(&verified.claims, &expected);
        let iat = verified.iat.unwrap();
        prop_assert!((before..=after).contains(&iat));
        prop_assert_eq!(verified.exp, Some(iat + lifetime as i64));
        match jti {
            Some(jti) => prop_assert_eq!(verified.jti.as_deref(), Some(jti.as_str())),
            None => prop_assert_eq!(verified.jti.map(|j| j.len()), Some(22), "128-bit jti"),
        }
        prop_assert!(verified.nbf.is_none() && verified.iss.is_none() && verified.aud.is_none());
    }

    /// A registered name given as a custom claim is refused at `sign()`, never overwritten.
    #[test]
    fn registered_names_are_refused_as_custom_claims(
        index in 0..REGISTERED.len(),
        value in json_value(),
    ) {
        let signed = hs256().create_token("alice").extra(REGISTERED[index], &value).sign();
        prop_assert!(signed.is_err());
    }
}

/// Found by the round-trip property: without serde_json's `float_roundtrip`, this float came
/// back one unit in the last place off (3.4603847389041007e-152).
#[test]
fn float_claims_read_back_exactly() {
    for float in [
        3.460384738904101e-152,
        0.1,
        1.0 / 3.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
    ] {
        let jwt = hs256()
            .create_token("alice")
            .extra("x", float)
            .sign()
            .unwrap();
        let verified = hs256().verify(&jwt).unwrap();
        assert_eq!(verified.claims["x"].as_f64(), Some(float));
    }
}

/// Finding, not fixed here (src/issue is being reworked on main): `sign()` accepts an empty
/// `jti`, which the verifier of the same configuration refuses (RFC 7519 §4.1.7 wants a
/// unique identifier), so the token it issues never works. Expected: `sign()` refuses it.
#[test]
#[ignore = "finding: sign() issues an empty jti that verify() refuses"]
fn an_empty_jti_is_refused_at_sign() {
    let signed = hs256().create_token("alice").jti("").sign();
    match signed {
        Err(_) => {}
        Ok(jwt) => assert!(hs256().verify(&jwt).is_ok(), "signed, then refused"),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
    level: u32,
    admin: bool,
    balance: i64,
    tags: Vec<String>,
    address: Option<Address>,
    scores: BTreeMap<String, i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Address {
    city: String,
    zip: u16,
    lines: Vec<String>,
}

fn profile() -> impl Strategy<Value = Profile> {
    let address = (text(), any::<u16>(), prop::collection::vec(text(), 0..3))
        .prop_map(|(city, zip, lines)| Address { city, zip, lines });
    (
        text(),
        any::<u32>(),
        any::<bool>(),
        any::<i64>(),
        prop::collection::vec(text(), 0..4),
        proptest::option::of(address),
        prop::collection::btree_map(text(), any::<i32>(), 0..4),
    )
        .prop_map(
            |(name, level, admin, balance, tags, address, scores)| Profile {
                name,
                level,
                admin,
                balance,
                tags,
                address,
                scores,
            },
        )
}

/// A `JwtAuth<String, Profile>` and a router whose `/me` answers the `Token<Profile>` it got.
fn profile_app() -> &'static (JwtAuth<String, Profile>, Router) {
    static APP: OnceLock<(JwtAuth<String, Profile>, Router)> = OnceLock::new();
    APP.get_or_init(|| {
        let auth = JwtAuth::<String, Profile>::builder()
            .secret(SECRET)
            .resolver(|token: Token<Profile>, _parts| async move {
                Ok::<_, Infallible>(Some(token.sub))
            })
            .build()
            .unwrap();
        let app = Router::new()
            .route(
                "/me",
                get(
                    |AuthUser(sub): AuthUser<String>, token: Token<Profile>| async move {
                        axum::Json(serde_json::json!({"user": sub, "token": token}))
                    },
                ),
            )
            .layer(JwtAuthLayer::new(auth.clone()));
        (auth, app)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A custom claims type round-trips through `verify` and through the layer (`Token<C>`).
    #[test]
    fn custom_claims_type_round_trips(sub in "\\PC{1,30}", profile in profile()) {
        let (auth, app) = profile_app();
        let jwt = auth.create_token(sub.clone()).claims(&profile).sign().unwrap();
        let verified = auth.verify(&jwt).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&verified.sub, &sub);
        prop_assert_eq!(&verified.claims, &profile);

        let reply = runtime().block_on(bearer(app, "/me", &jwt));
        prop_assert_eq!(reply.status, StatusCode::OK);
        let body = reply.json();
        prop_assert_eq!(&body["user"], &Value::String(sub.clone()));
        let seen: Token<Profile> = serde_json::from_value(body["token"].clone()).unwrap();
        prop_assert_eq!(&seen.sub, &sub);
        prop_assert_eq!(&seen.claims, &profile);
    }
}
