//! `jwks_resource_server`: the issuer mode signs and publishes its keys, the resource server
//! verifies with them over HTTP and follows a key rotation without a restart.

use super::*;
use base64::Engine as _;
use serde_json::{json, Value};

const NAME: &str = "jwks_resource_server";
const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "orders-api";

fn start_issuer(env: &[(&str, &str)]) -> Example {
    let mut all = vec![("MODE", "issuer")];
    all.extend_from_slice(env);
    Example::start_with(NAME, &all)
}

fn start_resource_server(issuer: &Example, env: &[(&str, &str)]) -> Example {
    let url = format!("http://{}/.well-known/jwks.json", issuer.addr);
    let mut all = vec![("JWKS_URL", url.as_str()), ("JWKS_MIN_REFETCH_SECS", "1")];
    all.extend_from_slice(env);
    Example::start_with(NAME, &all)
}

/// `POST /token` for `sub`: the access token.
fn issue(issuer: &Example, sub: &str) -> String {
    let body = json!({ "sub": sub }).to_string();
    let reply = issuer.post("/token", "application/json", &body, "");
    assert_eq!(status(&reply), 201, "{}", reply.body);
    let token: Value = serde_json::from_str(&reply.body).unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

/// `POST /rotate`: the new kid.
fn rotate(issuer: &Example) -> String {
    let reply = issuer.post("/rotate", "application/json", "", "");
    assert!(matches!(status(&reply), 200 | 201), "{}", reply.head);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["kid"].as_str().unwrap().to_owned()
}

/// The kids of the published JWK Set, sorted; checks every member is a public signing key.
fn published_kids(issuer: &Example) -> Vec<String> {
    let reply = issuer.get("/.well-known/jwks.json", "");
    assert_eq!(status(&reply), 200, "{}", reply.head);
    let set: Value = serde_json::from_str(&reply.body).unwrap();
    let mut kids: Vec<String> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| {
            assert_eq!(key["use"], "sig", "{key}");
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(
                    key.get(private).is_none(),
                    "private member {private} in {key}"
                );
            }
            key["kid"].as_str().unwrap().to_owned()
        })
        .collect();
    kids.sort();
    kids
}

/// Segment `index` of a JWT (0: header, 1: payload) as JSON, not verified.
fn segment(jwt: &str, index: usize) -> Value {
    let encoded = jwt.split('.').nth(index).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn bearer(jwt: &str) -> String {
    format!("Authorization: Bearer {jwt}\r\n")
}

/// `GET /some-path` with `jwt`: 200, and the body is the subject and the token's payload.
fn assert_accepted(server: &Example, jwt: &str, sub: &str) {
    let reply = server.get("/some-path", &bearer(jwt));
    assert_eq!(status(&reply), 200, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body, json!({ "sub": sub, "claims": segment(jwt, 1) }));
}

fn assert_refused(server: &Example, jwt: &str) {
    let reply = server.get("/some-path", &bearer(jwt));
    assert_eq!(status(&reply), 401, "{}", reply.body);
    let challenge = header(&reply, "www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(!reply.body.contains(jwt));
}

#[test]
fn jwks_resource_server_example_verifies_issued_tokens_across_rotations() {
    let stamps = [("ISSUER", ISSUER), ("AUDIENCE", AUDIENCE)];
    let issuer = start_issuer(&stamps);
    let mut server = start_resource_server(&issuer, &stamps);

    let first = issue(&issuer, "ada");
    let header_1 = segment(&first, 0);
    assert_eq!(header_1["alg"], "RS256");
    let kid_1 = header_1["kid"].as_str().unwrap().to_owned();
    assert_eq!(published_kids(&issuer), [kid_1.as_str()]);
    let payload = segment(&first, 1);
    assert_eq!(
        (&payload["iss"], &payload["aud"]),
        (&json!(ISSUER), &json!(AUDIENCE))
    );
    assert_accepted(&server, &first, "ada");

    let anonymous = server.get("/some-path", "");
    assert_eq!(status(&anonymous), 401, "{}", anonymous.head);
    let challenge = header(&anonymous, "www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    // Without RESOURCE: no protected resource metadata, and no challenge names one.
    assert!(!challenge.contains("resource_metadata"), "{challenge}");
    let metadata = server.get("/.well-known/oauth-protected-resource", "");
    assert_eq!(status(&metadata), 401, "{}", metadata.head);

    // A rotation: the new key signs, the old one stays published, the resource server
    // fetches the set again for the unknown kid and accepts both without a restart.
    let kid_2 = rotate(&issuer);
    assert_ne!(kid_2, kid_1);
    let mut both = vec![kid_1.clone(), kid_2.clone()];
    both.sort();
    assert_eq!(published_kids(&issuer), both);
    let second = issue(&issuer, "bob");
    let header_2 = segment(&second, 0);
    assert_eq!(header_2["kid"], kid_2.as_str());
    assert_eq!(header_2["alg"], "ES256");
    assert_accepted(&server, &second, "bob");
    assert_accepted(&server, &first, "ada");

    // Past the refetch cooldown, another rotation: the first key is no longer published,
    // so its tokens are refused once the resource server has the new set.
    std::thread::sleep(Duration::from_millis(1500));
    let kid_3 = rotate(&issuer);
    let mut last_two = vec![kid_2.clone(), kid_3.clone()];
    last_two.sort();
    assert_eq!(published_kids(&issuer), last_two);
    let third = issue(&issuer, "cy");
    assert_eq!(segment(&third, 0)["kid"], kid_3.as_str());
    assert_accepted(&server, &third, "cy");
    assert_accepted(&server, &second, "bob");
    assert_refused(&server, &first);

    let doc = assert_docs(&server);
    assert_eq!(
        doc["paths"]["/some-path"]["get"]["security"],
        json!([{"BearerToken": []}])
    );
    let issuer_doc = assert_docs(&issuer);
    assert!(issuer_doc["paths"]["/token"]["post"].is_object());

    // Ctrl-C: a clean exit.
    let signal = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(signal.success());
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "did not shut down"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn jwks_resource_server_example_requires_the_configured_issuer_and_audience() {
    // An issuer that stamps neither `iss` nor `aud`.
    let issuer = start_issuer(&[]);
    let strict = start_resource_server(&issuer, &[("ISSUER", ISSUER), ("AUDIENCE", AUDIENCE)]);
    let lenient = start_resource_server(&issuer, &[]);
    let jwt = issue(&issuer, "ada");
    assert!(segment(&jwt, 1).get("iss").is_none());
    assert_accepted(&lenient, &jwt, "ada");
    assert_refused(&strict, &jwt);

    // A resource server for another audience refuses the stamped tokens.
    let stamping = start_issuer(&[("ISSUER", ISSUER), ("AUDIENCE", AUDIENCE)]);
    let elsewhere = start_resource_server(
        &stamping,
        &[("ISSUER", ISSUER), ("AUDIENCE", "billing-api")],
    );
    assert_refused(&elsewhere, &issue(&stamping, "ada"));
}

#[test]
fn jwks_resource_server_example_publishes_protected_resource_metadata_with_resource() {
    const RESOURCE: &str = "http://127.0.0.1:3000";
    const METADATA: &str = "http://127.0.0.1:3000/.well-known/oauth-protected-resource";
    let stamps = [("ISSUER", ISSUER), ("AUDIENCE", AUDIENCE)];
    let issuer = start_issuer(&stamps);
    let server = start_resource_server(&issuer, &[("RESOURCE", RESOURCE), stamps[0], stamps[1]]);

    // Served without a token, and a token sent along changes nothing.
    for headers in [String::new(), bearer("not-a-jwt")] {
        let reply = server.get("/.well-known/oauth-protected-resource", &headers);
        assert_eq!(status(&reply), 200, "{}", reply.head);
        assert_eq!(header(&reply, "content-type"), Some("application/json"));
        let document: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            document,
            json!({
                "resource": RESOURCE,
                "authorization_servers": [ISSUER],
                "scopes_supported": ["read", "write"],
                "bearer_methods_supported": ["header"],
            })
        );
    }

    // Every 401 names the document.
    let anonymous = server.get("/some-path", "");
    assert_eq!(status(&anonymous), 401, "{}", anonymous.head);
    assert_eq!(
        header(&anonymous, "www-authenticate"),
        Some(format!(r#"Bearer realm="api", resource_metadata="{METADATA}""#).as_str())
    );
    let refused = server.get("/some-path", &bearer("not-a-jwt"));
    assert_eq!(status(&refused), 401, "{}", refused.head);
    let challenge = header(&refused, "www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(
        challenge.ends_with(&format!(r#", resource_metadata="{METADATA}""#)),
        "{challenge}"
    );

    // The other routes behave as without RESOURCE.
    assert_accepted(&server, &issue(&issuer, "ada"), "ada");
}

#[test]
fn jwks_resource_server_example_guards_read_write_admin_and_documents_the_scopes() {
    let issuer = start_issuer(&[]);
    let server = start_resource_server(&issuer, &[]);
    // The issuer's tokens carry no scope and no role: valid, so 403, never 401.
    let jwt = issue(&issuer, "ada");
    for (method, path) in [("GET", "/read"), ("POST", "/write"), ("GET", "/admin")] {
        let reply = match method {
            "GET" => server.get(path, &bearer(&jwt)),
            _ => server.post(path, "application/json", "", &bearer(&jwt)),
        };
        assert_eq!(status(&reply), 403, "{method} {path}: {}", reply.body);
        let challenge = header(&reply, "www-authenticate").unwrap();
        assert!(
            challenge.contains(r#"error="insufficient_scope""#),
            "{challenge}"
        );
        let anonymous = match method {
            "GET" => server.get(path, ""),
            _ => server.post(path, "application/json", "", ""),
        };
        assert_eq!(status(&anonymous), 401, "{method} {path}");
    }
    let read = server.get("/read", &bearer(&jwt));
    assert!(header(&read, "www-authenticate")
        .unwrap()
        .contains(r#"scope="read""#));

    // The document lists each operation's scope; the role-guarded one has none to list.
    let doc = assert_docs(&server);
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    assert_eq!(security("/read", "get"), json!([{"BearerToken": ["read"]}]));
    assert_eq!(
        security("/write", "post"),
        json!([{"BearerToken": ["write"]}])
    );
    assert_eq!(security("/admin", "get"), json!([{"BearerToken": []}]));
    assert_eq!(security("/some-path", "get"), json!([{"BearerToken": []}]));

    // A token the issuer stamped with the scopes and the role: 200 {"sub"} on each route;
    // with `read` alone, /write is still 403.
    let granted = |body: Value| {
        let reply = issuer.post("/token", "application/json", &body.to_string(), "");
        assert_eq!(status(&reply), 201, "{}", reply.body);
        let token: Value = serde_json::from_str(&reply.body).unwrap();
        token["access_token"].as_str().unwrap().to_owned()
    };
    let all = granted(json!({"sub": "ada", "scope": "read write", "roles": ["admin"]}));
    for (method, path) in [("GET", "/read"), ("POST", "/write"), ("GET", "/admin")] {
        let reply = match method {
            "GET" => server.get(path, &bearer(&all)),
            _ => server.post(path, "application/json", "", &bearer(&all)),
        };
        assert_eq!(status(&reply), 200, "{method} {path}: {}", reply.body);
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body, json!({"sub": "ada"}));
    }
    let reader = granted(json!({"sub": "ada", "scope": "read"}));
    assert_eq!(status(&server.get("/read", &bearer(&reader))), 200);
    let write = server.post("/write", "application/json", "", &bearer(&reader));
    assert_eq!(status(&write), 403);
}

#[test]
fn jwks_resource_server_example_exits_2_without_jwks_url() {
    let output = Command::new(example_binary(NAME))
        .env("ADDR", "127.0.0.1:0")
        .env_remove("JWKS_URL")
        .env_remove("MODE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWKS_URL"));
}

/// A JWK Set served on a loopback port by a thread of this test (every connection gets
/// `body`); its URL.
fn serve_jwks(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    url
}

/// DESIGN §5: every asymmetric algorithm a JWK allows is accepted, PS256 and EdDSA included
/// (issue 14 measured both refused): PS256 and RS384 with an RSA key whose JWK has no `alg`,
/// EdDSA and ES384 with keys whose JWKs name them; a key that names its `alg` serves that one
/// only.
#[test]
fn jwks_resource_server_example_accepts_every_asymmetric_algorithm_its_keys_allow() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let set = std::fs::read_to_string(fixtures.join("jwks.json")).unwrap();
    let server = Example::start_with(NAME, &[("JWKS_URL", serve_jwks(set).as_str())]);
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    // Signed by jsonwebtoken, not by the crate under test (DER: its PEM feature is off). Both
    // of its backends are on in the dev-dependencies, so it is told which one to use.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let der = |name: &str| std::fs::read(fixtures.join(name)).unwrap();
    let rsa = EncodingKey::from_rsa_der(&der("rsa2048-a-pkcs1-private.der"));
    let ed = EncodingKey::from_ed_der(&der("ed25519-a-private.der"));
    let p384 = EncodingKey::from_ec_der(&der("p384-a-private.der"));
    let sign = |algorithm: Algorithm, kid: &str, key: &EncodingKey, sub: &str| {
        let mut header = Header::new(algorithm);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &json!({ "sub": sub, "exp": exp }), key).unwrap()
    };
    for (algorithm, kid, key) in [
        (Algorithm::PS256, "rsa-a", &rsa),
        (Algorithm::RS384, "rsa-a", &rsa),
        (Algorithm::EdDSA, "ed25519-a", &ed),
        (Algorithm::ES384, "p384-a", &p384),
    ] {
        let sub = format!("{algorithm:?}");
        assert_accepted(&server, &sign(algorithm, kid, key, &sub), &sub);
    }
    // rsa-b's JWK says RS256: a PS256 token under its kid is refused, whatever the signature.
    assert_refused(&server, &sign(Algorithm::PS256, "rsa-b", &rsa, "wrong-alg"));
}

/// A loopback port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn jwks_resource_server_example_discovers_keys_from_oidc_issuer_and_waits_for_it() {
    let port = free_port();
    let issuer_url = format!("http://127.0.0.1:{port}");
    // The resource server starts first: the issuer is down, a token gets 503.
    let server = Example::start_with(
        NAME,
        &[("OIDC_ISSUER", &issuer_url), ("JWKS_MIN_REFETCH_SECS", "1")],
    );
    // Its signature is never reached: no keys are loaded for its issuer.
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let early = format!(
        "{}.{}.c2ln",
        b64(json!({"alg": "RS256", "kid": "k"})),
        b64(json!({"sub": "ada", "iss": issuer_url}))
    );
    let reply = server.get("/some-path", &bearer(&early));
    assert_eq!(status(&reply), 503, "{}", reply.body);
    assert_eq!(status(&server.get("/some-path", "")), 401);

    let addr = format!("127.0.0.1:{port}");
    let issuer = start_issuer(&[("ADDR", &addr), ("ISSUER", &issuer_url)]);
    let document = issuer.get("/.well-known/openid-configuration", "");
    assert_eq!(status(&document), 200, "{}", document.head);
    let document: Value = serde_json::from_str(&document.body).unwrap();
    assert_eq!(document["issuer"], json!(issuer_url));
    assert_eq!(
        document["jwks_uri"],
        json!(format!("{issuer_url}/.well-known/jwks.json"))
    );

    let jwt = issue(&issuer, "ada");
    assert_eq!(segment(&jwt, 1)["iss"], json!(issuer_url));
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert_accepted(&server, &jwt, "ada");

    // A token of another issuer (none stamped) is refused with the discovered keys too.
    let other = start_issuer(&[]);
    assert_eq!(
        status(&other.get("/.well-known/openid-configuration", "")),
        404
    );
    assert_refused(&server, &issue(&other, "ada"));
}
