//! The three claim-handling reference apps (`custom_token`, `verify_issuer_audience`,
//! `custom_decode_payload`): DESIGN §5's routes and bodies over real HTTP, with tokens this
//! test signs itself (same secret) for the cases a login never produces.

use serde_json::{json, Value};

use super::{assert_clean_shutdown, assert_docs, header, status, Example, SECRET};

/// Signs `claims` (plus `iat` and `exp`) with the examples' secret, as any other issuer would.
fn mint(mut claims: Value) -> String {
    // Building a configuration first gives jsonwebtoken a crypto provider when both backend
    // features are on.
    axum_jwt_layer::JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|t: axum_jwt_layer::Token, _p| async move {
            Ok::<_, std::convert::Infallible>(Some(t.sub))
        })
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 600);
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn bearer(jwt: &str) -> String {
    format!("Authorization: Bearer {jwt}\r\n")
}

/// `POST /login` with `body` -> 201 `{"token": ..}`, with no-store; the token.
fn login(example: &Example, body: &str) -> String {
    let reply = example.post("/login", "application/json", body, "");
    assert_eq!(status(&reply), 201, "{}", reply.body);
    assert_eq!(header(&reply, "cache-control"), Some("no-store"));
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// `GET /` with `jwt`: the status and the JSON body (Null when not JSON).
fn root(example: &Example, jwt: &str) -> (u16, Value) {
    let reply = example.get("/", &bearer(jwt));
    assert!(!reply.body.contains(jwt), "the token is never echoed");
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (status(&reply), body)
}

/// A refused token: 401 with `error="invalid_token"` and the crate's JSON body.
fn assert_invalid_token(example: &Example, jwt: &str) {
    let reply = example.get("/", &bearer(jwt));
    assert_eq!(status(&reply), 401, "{}", reply.body);
    let challenge = header(&reply, "www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["status_code"], 401);
}

/// Without a token: 401 with a Bearer challenge and no error attribute.
fn assert_no_token_refused(example: &Example) {
    let reply = example.get("/", "");
    assert_eq!(status(&reply), 401);
    let challenge = header(&reply, "www-authenticate").unwrap();
    assert!(
        challenge.starts_with("Bearer") && !challenge.contains("error="),
        "{challenge}"
    );
}

#[test]
fn custom_token_example_reads_its_typed_claim() {
    let example = Example::start("custom_token");
    let flagged = login(&example, r#"{"id":"alice","token_flag":true}"#);
    assert_eq!(
        root(&example, &flagged),
        (200, json!({"id": "alice", "token_flag": true}))
    );
    let unflagged = login(&example, r#"{"id":"bob","token_flag":false}"#);
    assert_eq!(
        root(&example, &unflagged),
        (200, json!({"id": "bob", "token_flag": false}))
    );
    // Signed elsewhere without the claim: Litestar's default, false.
    let plain = mint(json!({"sub": "carol"}));
    assert_eq!(
        root(&example, &plain),
        (200, json!({"id": "carol", "token_flag": false}))
    );
    // The claim of another JSON type: the claims do not parse, the token is refused.
    for other in [json!("true"), json!(1), json!(null), json!({"on": true})] {
        assert_invalid_token(&example, &mint(json!({"sub": "dave", "token_flag": other})));
    }
    assert_no_token_refused(&example);
    // The login body is checked: a missing or empty id is the crate's JSON 422, not a 500.
    for bad in [r#"{"token_flag":true}"#, r#"{"id":""}"#] {
        let reply = example.post("/login", "application/json", bad, "");
        assert_eq!(status(&reply), 422, "{bad}: {}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["status_code"], 422);
    }
    let doc = assert_docs(&example);
    assert_eq!(
        doc["paths"]["/"]["get"]["security"],
        json!([{"BearerToken": []}])
    );
    assert_clean_shutdown(example);
}

#[test]
fn verify_issuer_audience_example_accepts_only_its_issuer_and_audience() {
    let example = Example::start("verify_issuer_audience");
    let jwt = login(&example, r#"{"id":"alice"}"#);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["https://api.testserver.local"]);
    validation.set_issuer(&["https://auth.testserver.local"]);
    let claims = jsonwebtoken::decode::<Value>(
        &jwt,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(root(&example, &jwt), (200, json!({"id": "alice"})));

    let iss = "https://auth.testserver.local";
    let aud = "https://api.testserver.local";
    // Signed with the right key, with both claims right: accepted.
    let good = mint(json!({"sub": "bob", "iss": iss, "aud": aud}));
    assert_eq!(root(&example, &good), (200, json!({"id": "bob"})));
    // One audience among several that includes ours: accepted (strict_audience is off).
    let listed = mint(json!({"sub": "bob", "iss": iss, "aud": ["https://other", aud]}));
    assert_eq!(root(&example, &listed).0, 200);
    for refused in [
        json!({"sub": "eve", "aud": aud}),
        json!({"sub": "eve", "iss": iss}),
        json!({"sub": "eve", "iss": "https://auth.other.local", "aud": aud}),
        json!({"sub": "eve", "iss": iss, "aud": "https://api.other.local"}),
        json!({"sub": "eve", "iss": format!("{iss}/"), "aud": aud}),
        json!({"sub": "eve", "iss": iss, "aud": ["https://api.other.local"]}),
    ] {
        assert_invalid_token(&example, &mint(refused));
    }
    assert_no_token_refused(&example);
    assert_docs(&example);
    assert_clean_shutdown(example);
}

#[test]
fn custom_decode_payload_example_transforms_the_subject() {
    let example = Example::start("custom_decode_payload");
    let jwt = login(&example, r#"{"id":"alice@example.com"}"#);
    assert_eq!(root(&example, &jwt), (200, json!({"id": "example.com"})));
    // What follows the first `@`, as Python's split("@", maxsplit=1)[1].
    let twice = login(&example, r#"{"id":"bob@team@example.org"}"#);
    assert_eq!(
        root(&example, &twice),
        (200, json!({"id": "team@example.org"}))
    );
    // The login signs any id; the hook refuses one without `@`, or with nothing after it.
    for id in ["alice", "alice@"] {
        let jwt = login(&example, &json!({ "id": id }).to_string());
        assert_invalid_token(&example, &jwt);
    }
    // The hook runs after the signature: a forged token never reaches it.
    let forged = {
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[2] = "AAAA".repeat(11);
        parts.join(".")
    };
    assert_invalid_token(&example, &forged);
    assert_no_token_refused(&example);
    assert_docs(&example);
    assert_clean_shutdown(example);
}
