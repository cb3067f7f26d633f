//! SECURITY.md, case by case, through the real router. Every rejection also asserts that the
//! resolver did not run and that neither the body, the headers nor the logs echo the token.

mod common;

use axum_jwt_layer::{keys::Algorithm, ConfigError, JwtAuth, Token};
use common::*;
use serde_json::json;
use std::convert::Infallible;

const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs `payload` (raw JSON text) under `header` (raw JSON text) with the test secret.
fn signed(header: &str, payload: &str) -> String {
    raw_token(header, payload, SECRET, Algorithm::HS256)
}

fn valid_payload() -> String {
    claims("alice").to_string()
}

// ---------- Transport ----------

#[tokio::test]
async fn case_01_no_header_no_cookie_is_401_without_error() {
    let (app, calls, _) = default_app();
    let reply = send(&app, get_with("/some-path", &[])).await;
    assert_rejected(&reply, &calls, "", Expect::Missing);
}

#[tokio::test]
async fn case_02_bearer_with_empty_token_or_only_spaces_is_400() {
    let (app, calls, _) = default_app();
    for value in ["Bearer", "Bearer ", "Bearer    ", "bearer  \t"] {
        let reply = send(&app, get_with("/some-path", &[("authorization", value)])).await;
        assert_rejected(&reply, &calls, "", Expect::InvalidRequest);
    }
}

#[tokio::test]
async fn case_03_another_scheme_is_401_without_error() {
    let (app, calls, _) = default_app();
    let reply = send(
        &app,
        get_with("/some-path", &[("authorization", "Basic YWxhZGRpbjpvcGVu")]),
    )
    .await;
    assert_rejected(&reply, &calls, "YWxhZGRpbjpvcGVu", Expect::Missing);
}

#[tokio::test]
async fn case_04_scheme_is_case_insensitive() {
    let (app, _, _) = default_app();
    let jwt = token(&claims("alice"));
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let value = format!("{scheme} {jwt}");
        let reply = send(&app, get_with("/some-path", &[("authorization", &value)])).await;
        assert_eq!(reply.status, 200, "{scheme}");
    }
}

#[tokio::test]
async fn case_05_malformed_separators_and_inner_space_are_400() {
    let (app, calls, _) = default_app();
    let jwt = token(&claims("alice"));
    let (head, tail) = jwt.split_at(10);
    let values = [
        format!("Bearer\t{jwt}"),
        format!("Bearer,{jwt}"),
        format!("Bearer={jwt}"),
        format!("Bearer{jwt}"),
        format!("Bearer {head} {tail}"),
    ];
    for value in &values {
        let reply = send(&app, get_with("/some-path", &[("authorization", value)])).await;
        assert_rejected(&reply, &calls, &jwt, Expect::InvalidRequest);
    }
}

/// The rule: spaces and tabs around the whole field value are not part of it (RFC 9110 §5.5),
/// and several spaces between scheme and token are tolerated.
#[tokio::test]
async fn case_06_spaces_around_the_value_are_accepted() {
    let (app, _, _) = default_app();
    let jwt = token(&claims("alice"));
    for value in [format!("  Bearer {jwt}  "), format!("\tBearer   {jwt}\t")] {
        let reply = send(&app, get_with("/some-path", &[("authorization", &value)])).await;
        assert_eq!(reply.status, 200, "{value:?}");
    }
}

#[tokio::test]
async fn case_07_two_authorization_lines_are_400() {
    let (app, calls, _) = default_app();
    let jwt = token(&claims("alice"));
    let valid = format!("Bearer {jwt}");
    for second in [valid.as_str(), "Bearer garbage", "Basic x"] {
        let request = get_with(
            "/some-path",
            &[("authorization", &valid), ("authorization", second)],
        );
        let reply = send(&app, request).await;
        assert_rejected(&reply, &calls, &jwt, Expect::InvalidRequest);
    }
}

#[tokio::test]
async fn case_08_non_ascii_header_value_is_400() {
    let (app, calls, _) = default_app();
    let value = http::HeaderValue::from_bytes(b"Bearer \xc3\xa9t\xc3\xa9.x.y").unwrap();
    let mut request = get_with("/some-path", &[]);
    request.headers_mut().insert("authorization", value);
    let reply = send(&app, request).await;
    assert_rejected(&reply, &calls, "", Expect::InvalidRequest);
}

#[tokio::test]
async fn case_09_token_over_the_size_cap_is_refused_even_when_signed() {
    let (app, calls, _) = default_app();
    let mut payload = claims("alice");
    payload["padding"] = json!("x".repeat(9000));
    let jwt = token(&payload);
    assert!(jwt.len() > 8 * 1024);
    assert_token_refused(&app, &calls, &jwt).await;
    // A cap below the token refuses before any decoding: even garbage gets the same answer.
    let garbage = "!".repeat(9000);
    let reply = send(
        &app,
        get_with(
            "/some-path",
            &[("authorization", &format!("Bearer {}", "a".repeat(9000)))],
        ),
    )
    .await;
    assert_rejected(&reply, &calls, &garbage, Expect::InvalidToken);
}

// ---------- Excludes ----------

#[tokio::test]
async fn case_15_exclude_tricks_still_require_auth() {
    let (builder, calls) = builder();
    let auth = builder.exclude(["/health"]).build().unwrap();
    // Every trick reaches a protected handler (a route or the fallback) unless it is excluded.
    let app = router_without_layer().layer(axum_jwt_layer::JwtAuthLayer::new(auth));
    let tricks = [
        "/health/../admin",
        "/health%2F..%2Fadmin",
        "/HEALTH",
        "/health;x",
        "//health",
        "/healthadmin",
        "/admin",
    ];
    for path in tricks {
        let reply = send(&app, get_with(path, &[])).await;
        assert_rejected(&reply, &calls, "", Expect::Missing);
    }
    // The same under Router::nest, with the pattern written for the full path.
    let (builder, calls) = common::builder();
    let auth = builder.exclude(["/api/health"]).build().unwrap();
    let app = axum::Router::new().nest(
        "/api",
        router_without_layer().layer(axum_jwt_layer::JwtAuthLayer::new(auth)),
    );
    for path in [
        "/api/health/../admin",
        "/api/HEALTH",
        "/api//health",
        "/api/healthadmin",
    ] {
        let reply = send(&app, get_with(path, &[])).await;
        assert_rejected(&reply, &calls, "", Expect::Missing);
    }
    assert_eq!(
        send(&app, get_with("/api/health", &[])).await.body,
        "health false"
    );
    // And with the layer outside the router (no MatchedPath): the raw path is matched.
    let (builder, calls) = common::builder();
    let auth = builder.exclude(["/health"]).build().unwrap();
    let inner = router_without_layer();
    let app = axum::Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(axum_jwt_layer::JwtAuthLayer::new(auth))
            .service(inner),
    );
    for path in tricks {
        let reply = send(&app, get_with(path, &[])).await;
        assert_rejected(&reply, &calls, "", Expect::Missing);
    }
    assert_eq!(
        send(&app, get_with("/health", &[])).await.body,
        "health false"
    );
}

fn router_without_layer() -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/health",
            get(|u: Option<axum_jwt_layer::AuthUser<User>>| async move {
                format!("health {}", u.is_some())
            }),
        )
        .route(
            "/admin",
            get(|axum_jwt_layer::AuthUser(u): axum_jwt_layer::AuthUser<User>| async move { u.id }),
        )
        .fallback(|axum_jwt_layer::AuthUser(u): axum_jwt_layer::AuthUser<User>| async move { u.id })
}

#[tokio::test]
async fn case_16_excluded_path_with_garbage_token_passes_without_identity() {
    let (app, calls, _) = default_app();
    let reply = bearer(&app, "/health", "garbage.token.here").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "health false");
    assert_eq!(calls.count(), 0);
}

// ---------- Header and algorithm ----------

#[tokio::test]
async fn case_17_alg_none_empty_null_array_unknown_or_missing_is_refused() {
    let (app, calls, _) = default_app();
    let payload = valid_payload();
    let headers = [
        r#"{"alg":"none"}"#,
        r#"{"alg":"None"}"#,
        r#"{"alg":"NONE"}"#,
        r#"{"alg":"nOnE"}"#,
        r#"{"alg":""}"#,
        r#"{"alg":null}"#,
        r#"{"alg":["HS256"]}"#,
        r#"{"alg":"HS257"}"#,
        r#"{"alg":"hs256"}"#,
        r#"{"typ":"JWT"}"#,
    ];
    for header in headers {
        assert_token_refused(&app, &calls, &signed(header, &payload)).await;
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(payload.as_bytes()));
        assert_token_refused(&app, &calls, &unsigned).await;
    }
}

#[tokio::test]
async fn case_18_algorithm_outside_the_allow_list_is_refused() {
    let (app, calls, _) = default_app();
    // HS512 is a perfectly good HMAC, but only HS256 is configured.
    let jwt = raw_token(
        r#"{"alg":"HS512"}"#,
        &valid_payload(),
        &[b'k'; 64],
        Algorithm::HS512,
    );
    assert_token_refused(&app, &calls, &jwt).await;
    let jwt = raw_token(
        r#"{"alg":"HS384"}"#,
        &valid_payload(),
        SECRET,
        Algorithm::HS384,
    );
    assert_token_refused(&app, &calls, &jwt).await;
}

const PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9
q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==
-----END PUBLIC KEY-----
";

#[tokio::test]
async fn case_19_rs256_to_hs256_confusion_is_refused() {
    let (app, calls, _) = default_app();
    // An attacker HMACs with a public key they know, claiming RS256 or HS256.
    let key = PUBLIC_KEY_PEM.as_bytes();
    for header in [
        r#"{"alg":"RS256"}"#,
        r#"{"alg":"ES256"}"#,
        r#"{"alg":"HS256"}"#,
    ] {
        let jwt = raw_token(header, &valid_payload(), key, Algorithm::HS256);
        assert_token_refused(&app, &calls, &jwt).await;
    }
}

#[test]
fn case_20_mixing_algorithm_families_fails_at_build() {
    let error = JwtAuth::<String>::builder()
        .secret([1u8; 64])
        .algorithms([Algorithm::HS256, Algorithm::RS256])
        .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
        .build()
        .unwrap_err();
    assert!(
        matches!(error, ConfigError::MixedAlgorithmFamilies(_)),
        "{error}"
    );
    assert!(error.to_string().contains("mixes families"), "{error}");
}

#[tokio::test]
async fn case_24_hostile_or_unknown_kid_is_refused() {
    // `.secret()` then `.secret_with_kid()` gives two keys, one without kid: ambiguous.
    let (builder, calls) = builder();
    let auth = builder.secret_with_kid("k1", SECRET).build();
    assert!(matches!(auth, Err(ConfigError::AmbiguousKeys)));
    // A key set with kids: only exact kids select a key.
    let (builder, calls2) = kid_builder();
    let app = router(builder.build().unwrap());
    let payload = valid_payload();
    let long = "k".repeat(10 * 1024);
    for kid in [
        "../../dev/null",
        "k1' OR '1'='1",
        "/etc/passwd",
        "unknown",
        "K1",
        long.as_str(),
    ] {
        let header = json!({"alg": "HS256", "kid": kid}).to_string();
        assert_token_refused(&app, &calls2, &signed(&header, &payload)).await;
    }
    // No kid with several keys is refused too; kid k1 with its own key passes.
    assert_token_refused(&app, &calls2, &signed(HS256, &payload)).await;
    let good = signed(r#"{"alg":"HS256","kid":"k1"}"#, &payload);
    assert_token_accepted(&app, &good, "alice").await;
    assert_eq!(calls.count(), 0);
}

fn kid_builder() -> (axum_jwt_layer::JwtAuthBuilder<User>, Calls) {
    let (_, calls) = builder();
    let seen = calls.clone();
    let builder = JwtAuth::<User>::builder()
        .secret_with_kid("k1", SECRET)
        .secret_with_kid("k2", [9u8; 32])
        .resolver(move |token: Token, _parts| {
            let _ = &seen;
            async move { Ok::<_, Infallible>(Some(User { id: token.sub })) }
        });
    (builder, calls)
}

#[tokio::test]
async fn case_25_any_crit_or_b64_is_refused() {
    let (app, calls, _) = default_app();
    let payload = valid_payload();
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","b64":true}"#,
    ] {
        assert_token_refused(&app, &calls, &signed(header, &payload)).await;
    }
}

#[tokio::test]
async fn case_27_duplicate_json_keys_are_refused() {
    let (app, calls, _) = default_app();
    let exp = now() + 600;
    let good = format!(r#"{{"sub":"alice","exp":{exp}}}"#);
    let payloads = [
        format!(r#"{{"sub":"alice","exp":{exp},"exp":{exp}}}"#),
        format!(r#"{{"sub":"alice","exp":{exp},"\u0065xp":{exp}}}"#),
        format!(r#"{{"sub":"alice","sub":"admin","exp":{exp}}}"#),
        format!(r#"{{"sub":"alice","exp":{exp},"role":"a","role":"b"}}"#),
        format!(r#"{{"sub":"alice","exp":{exp},"nested":{{"a":1,"a":2}}}}"#),
    ];
    for payload in &payloads {
        assert_token_refused(&app, &calls, &signed(HS256, payload)).await;
    }
    for header in [
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256","\u0061lg":"none"}"#,
    ] {
        assert_token_refused(&app, &calls, &signed(header, &good)).await;
    }
    assert_token_accepted(&app, &signed(HS256, &good), "alice").await;
}

#[tokio::test]
async fn case_28_non_object_trailing_garbage_bom_and_bad_utf8_are_refused() {
    let (app, calls, _) = default_app();
    let good = valid_payload();
    let bad_payloads: Vec<Vec<u8>> = vec![
        b"[]".to_vec(),
        b"\"alice\"".to_vec(),
        b"null".to_vec(),
        format!("{good}x").into_bytes(),
        format!("{good}{{}}").into_bytes(),
        [b"\xef\xbb\xbf".as_slice(), good.as_bytes()].concat(),
        br#"{"sub":"al\xffice","exp":99999999999}"#.to_vec(),
    ];
    for payload in &bad_payloads {
        let message = format!("{}.{}", b64(HS256.as_bytes()), b64(payload));
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap();
        let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        assert_token_refused(&app, &calls, &format!("{message}.{sig}")).await;
    }
    for header in ["[]", r#"{"alg":"HS256"}x"#, "\u{feff}{\"alg\":\"HS256\"}"] {
        assert_token_refused(&app, &calls, &signed(header, &good)).await;
    }
}

#[tokio::test]
async fn case_29_segment_count_padding_alphabet_whitespace_and_signature_damage() {
    let (app, calls, _) = default_app();
    // A signature with `-` or `_`, so that re-encoding it in the standard alphabet changes it
    // (about one HS256 signature in four has neither).
    let jwt = (0..)
        .map(|n| token(&json!({"sub": "alice", "exp": now() + 600, "jti": format!("j-{n}")})))
        .find(|jwt| {
            jwt.rsplit('.')
                .next()
                .is_some_and(|s| s.contains(['-', '_']))
        })
        .unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let mut flipped = s.as_bytes().to_vec();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let variants = [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}.{s}.{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}.{}", s.replace('-', "+").replace('_', "/")),
        format!("{h}.{p}."),
        format!("{h}.{p}.{}", &s[..s.len() - 4]),
        format!("{h}.{p}.{flipped}"),
        format!("{h}.{p}.{s}AA"),
    ];
    for variant in &variants {
        assert_token_refused(&app, &calls, variant).await;
    }
    // `+` and `/` in header/payload segments: re-encode with the standard alphabet.
    let std_payload = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        r#"{"sub":"alice???","exp":99999999999}"#,
    );
    assert!(std_payload.contains('/') || std_payload.contains('+'));
    assert_token_refused(&app, &calls, &format!("{h}.{std_payload}.{s}")).await;
    // Whitespace or a newline inside never reaches verification as one token.
    for inner in [format!("{h}.\n{p}.{s}"), format!("{h}. {p}.{s}")] {
        let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {inner}")) else {
            continue;
        };
        let mut request = get_with("/some-path", &[]);
        request.headers_mut().insert("authorization", value);
        let reply = send(&app, request).await;
        assert_rejected(&reply, &calls, &jwt, Expect::InvalidRequest);
    }
}

#[tokio::test]
async fn case_30_wrong_key_is_refused() {
    let (app, calls, _) = default_app();
    let jwt = raw_token(
        HS256,
        &valid_payload(),
        b"another-secret-of-32-bytes-length!",
        Algorithm::HS256,
    );
    assert_token_refused(&app, &calls, &jwt).await;
}

#[test]
fn case_31_short_or_empty_secrets_fail_at_build_so_login_can_never_sign() {
    let cases = [
        (Algorithm::HS256, 0usize, 32usize),
        (Algorithm::HS256, 31, 32),
        (Algorithm::HS384, 47, 48),
        (Algorithm::HS512, 63, 64),
    ];
    for (alg, len, required) in cases {
        let error = JwtAuth::<String>::builder()
            .secret(vec![b'x'; len])
            .algorithms([alg])
            .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
            .build()
            .unwrap_err();
        let expected = format!("{alg:?} secret is {len} bytes; at least {required} are required");
        assert!(error.to_string().contains(&expected), "{error}");
    }
    // Exactly the minimum is fine.
    for (alg, len) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        JwtAuth::<String>::builder()
            .secret(vec![b'x'; len])
            .algorithms([alg])
            .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
            .build()
            .unwrap();
    }
}

// ---------- Claims ----------

async fn refused_payloads(payloads: &[serde_json::Value]) {
    let (app, calls, _) = default_app();
    for payload in payloads {
        assert_token_refused(&app, &calls, &token(payload)).await;
    }
}

#[tokio::test]
async fn case_32_exp_missing_or_of_the_wrong_type_is_refused() {
    refused_payloads(&[
        json!({"sub": "alice"}),
        json!({"sub": "alice", "exp": null}),
        json!({"sub": "alice", "exp": "9999999999"}),
        json!({"sub": "alice", "exp": true}),
        json!({"sub": "alice", "exp": -1}),
        json!({"sub": "alice", "exp": 1e300}),
        json!({"sub": "alice", "exp": [9999999999u64]}),
    ])
    .await;
}

#[tokio::test]
async fn case_33_expiry_with_leeway() {
    let (app, calls, _) = default_app();
    assert_token_refused(
        &app,
        &calls,
        &token(&json!({"sub": "alice", "exp": now() - 90})),
    )
    .await;
    assert_token_accepted(
        &app,
        &token(&json!({"sub": "alice", "exp": now() - 30})),
        "alice",
    )
    .await;
    let (builder, calls) = builder();
    let app = router(builder.leeway(std::time::Duration::ZERO).build().unwrap());
    assert_token_refused(&app, &calls, &token(&json!({"sub": "alice", "exp": now()}))).await;
    assert_token_accepted(
        &app,
        &token(&json!({"sub": "alice", "exp": now() + 5})),
        "alice",
    )
    .await;
}

#[tokio::test]
async fn case_34_huge_exp_or_lifetime_above_the_maximum_is_refused() {
    refused_payloads(&[
        json!({"sub": "alice", "exp": u64::MAX}),
        json!({"sub": "alice", "exp": 253402300800u64}),
    ])
    .await;
    let (builder, calls) = builder();
    let app = router(
        builder
            .max_lifetime(std::time::Duration::from_secs(3600))
            .build()
            .unwrap(),
    );
    let long = json!({"sub": "alice", "iat": now(), "exp": now() + 7200});
    assert_token_refused(&app, &calls, &token(&long)).await;
    let short = json!({"sub": "alice", "iat": now(), "exp": now() + 1800});
    assert_token_accepted(&app, &token(&short), "alice").await;
}

#[tokio::test]
async fn case_35_future_nbf_or_non_numeric_nbf_is_refused() {
    refused_payloads(&[
        json!({"sub": "alice", "exp": now() + 600, "nbf": now() + 300}),
        json!({"sub": "alice", "exp": now() + 600, "nbf": "x"}),
    ])
    .await;
    let (app, _, _) = default_app();
    let within_leeway = json!({"sub": "alice", "exp": now() + 600, "nbf": now() + 30});
    assert_token_accepted(&app, &token(&within_leeway), "alice").await;
}

#[tokio::test]
async fn case_36_iat_in_the_future_or_not_a_number_is_refused() {
    refused_payloads(&[
        json!({"sub": "alice", "exp": now() + 600, "iat": now() + 300}),
        json!({"sub": "alice", "exp": now() + 600, "iat": "now"}),
        json!({"sub": "alice", "exp": now() + 600, "iat": null}),
    ])
    .await;
}

#[tokio::test]
async fn case_37_missing_configured_iss_aud_and_wrong_types_are_refused() {
    let (builder, calls) = builder();
    let auth = builder
        .accepted_issuers(["https://issuer.example"])
        .accepted_audiences(["api"])
        .build()
        .unwrap();
    let app = router(auth);
    let exp = now() + 600;
    let iss = "https://issuer.example";
    for payload in [
        json!({"sub": "alice", "exp": exp, "aud": "api"}),
        json!({"sub": "alice", "exp": exp, "iss": iss}),
        json!({"sub": "alice", "exp": exp, "iss": iss, "aud": 123}),
        json!({"sub": "alice", "exp": exp, "iss": 123, "aud": "api"}),
        json!({"sub": 1, "exp": exp, "iss": iss, "aud": "api"}),
        json!({"sub": "", "exp": exp, "iss": iss, "aud": "api"}),
    ] {
        assert_token_refused(&app, &calls, &token(&payload)).await;
    }
    let good = json!({"sub": "alice", "exp": exp, "iss": iss, "aud": ["other", "api"]});
    assert_token_accepted(&app, &token(&good), "alice").await;
}

#[tokio::test]
async fn case_38_unexpected_aud_and_near_miss_values_are_refused() {
    let (app, calls, _) = default_app();
    let aud = json!({"sub": "alice", "exp": now() + 600, "aud": "api"});
    assert_token_refused(&app, &calls, &token(&aud)).await;
    let (builder, calls) = builder();
    let app = router(
        builder
            .accepted_issuers(["https://issuer.example"])
            .accepted_audiences(["api"])
            .build()
            .unwrap(),
    );
    let exp = now() + 600;
    for (iss, aud) in [
        ("https://issuer.example", "API"),
        ("https://issuer.example/", "api"),
        ("HTTPS://issuer.example", "api"),
    ] {
        let payload = json!({"sub": "alice", "exp": exp, "iss": iss, "aud": aud});
        assert_token_refused(&app, &calls, &token(&payload)).await;
    }
}

#[tokio::test]
async fn case_39_deeply_nested_json_is_refused_without_overflow() {
    let (app, calls, _) = default_app();
    let deep = format!(
        r#"{{"sub":"alice","exp":{},"x":{}{}}}"#,
        now() + 600,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_token_refused(&app, &calls, &signed(HS256, &deep)).await;
    let deep_header = format!(
        r#"{{"alg":"HS256","x":{}{}}}"#,
        "{\"a\":".repeat(200),
        "}".repeat(200)
    );
    assert_token_refused(&app, &calls, &signed(&deep_header, &valid_payload())).await;
}

#[tokio::test]
async fn case_40_control_characters_in_sub_never_reach_headers_or_logs() {
    let (app, calls, _) = default_app();
    for sub in ["a\0b", "a\rb", "a\nb", "a\r\nSet-Cookie: session=evil"] {
        let jwt = token(&json!({"sub": sub, "exp": now() + 600}));
        let reply = bearer(&app, "/some-path", &jwt).await;
        assert_rejected(&reply, &calls, &jwt, Expect::InvalidToken);
        assert!(reply.headers.get("set-cookie").is_none());
        assert!(!logs().contains("Set-Cookie: session=evil"));
    }
}

// ---------- Resolver ----------

#[tokio::test]
async fn case_42_resolver_none_err_and_panic() {
    let (app, calls, _) = default_app();
    let ghost = token(&claims("ghost"));
    let reply = bearer(&app, "/some-path", &ghost).await;
    assert_eq!(reply.status, 401);
    assert!(reply
        .challenge()
        .unwrap()
        .contains(r#"error="invalid_token""#));
    assert_eq!(calls.count(), 1);

    let failing = token(&claims("error"));
    let reply = bearer(&app, "/some-path", &failing).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.json(),
        json!({"status_code": 500, "detail": "Internal server error"})
    );
    assert!(!reply.body.contains("database"));
    assert!(
        logs().contains("database unavailable"),
        "the error is logged"
    );
    assert!(!logs().contains(&failing));

    let panicking = token(&claims("panic"));
    let reply = bearer(&app, "/some-path", &panicking).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["detail"], "Internal server error");
    // The server keeps serving.
    assert_token_accepted(&app, &token(&claims("alice")), "alice").await;
    assert_eq!(calls.count(), 4);
}

#[tokio::test]
async fn case_45_valid_token_calls_the_resolver_exactly_once() {
    let (app, calls, _) = default_app();
    assert_token_accepted(&app, &token(&claims("alice")), "alice").await;
    assert_eq!(calls.count(), 1);
    assert_eq!(calls.last_path().as_deref(), Some("/some-path"));
}

#[tokio::test]
async fn client_errors_are_logged_below_info() {
    let (app, calls, _) = default_app();
    let garbage = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYXJrZXIifQ.c2lnbmF0dXJlLW1hcmtlcg";
    assert_token_refused(&app, &calls, garbage).await;
    let reply = send(&app, get_with("/some-path", &[("authorization", "Bearer")])).await;
    assert_rejected(&reply, &calls, "", Expect::InvalidRequest);
    let logs = logs();
    let rejections: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("request rejected"))
        .collect();
    assert!(!rejections.is_empty(), "rejections are visible at debug");
    for line in rejections {
        assert!(line.contains("DEBUG"), "{line}");
        assert!(
            !line.contains("INFO") && !line.contains("WARN") && !line.contains("ERROR"),
            "{line}"
        );
    }
}
