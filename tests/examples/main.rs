//! Runs the compiled reference apps as processes and checks DESIGN §5's contracts over real
//! HTTP: login, the token verified with plain `jsonwebtoken::decode`, the protected route with
//! and without it, logout, the OpenAPI document and Swagger UI, and a clean shutdown on Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "example-secret-with-at-least-32-bytes";

/// The `required-features` of the examples that have some (see Cargo.toml).
const REQUIRED_FEATURES: &[(&str, &str)] = &[
    ("jwks_resource_server", "jwks"),
    // Its REDIS_URL test runs when the tests have the redis feature.
    #[cfg(feature = "redis")]
    ("session_auth", "redis"),
];

fn example_binary(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap();
    let binary = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    // Build it even when present: a stale binary would test old code. A no-op when fresh.
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name]);
    if let Some((_, features)) = REQUIRED_FEATURES
        .iter()
        .find(|(example, _)| *example == name)
    {
        build.args(["--features", features]);
    }
    let status = build.status().unwrap();
    assert!(status.success());
    binary
}

/// A running example; killed when dropped.
struct Example {
    child: std::process::Child,
    addr: String,
}

impl Example {
    fn start(name: &str) -> Self {
        Self::start_with(name, &[])
    }

    /// Starts `name` with these environment variables on top of `ADDR` and `JWT_SECRET`.
    fn start_with(name: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(example_binary(name))
            .env("ADDR", "127.0.0.1:0")
            .env("JWT_SECRET", SECRET)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(
            line.contains(&format!("{name} listening on http://127.0.0.1:")),
            "{line}"
        );
        let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
        Self { child, addr }
    }

    fn get(&self, path: &str, headers: &str) -> Reply {
        http(
            &self.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n"),
        )
    }

    fn post(&self, path: &str, content_type: &str, body: &str, headers: &str) -> Reply {
        http(
            &self.addr,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const USER: &str =
    r#"{"id":"5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11","name":"Ada","email":"ada@example.com"}"#;

fn status(reply: &Reply) -> u16 {
    reply.head[9..12].parse().unwrap()
}

/// Every example serves its OpenAPI document and Swagger UI without a token.
fn assert_docs(example: &Example) -> serde_json::Value {
    let doc = example.get("/schema/openapi.json", "");
    assert_eq!(status(&doc), 200, "{}", doc.head);
    let swagger = example.get("/schema/swagger/", "");
    assert_eq!(status(&swagger), 200, "{}", swagger.head);
    assert!(swagger.body.contains("swagger"), "Swagger UI page");
    serde_json::from_str(&doc.body).unwrap()
}

/// Ctrl-C (SIGINT): the example exits by itself, with status 0, within 10 s.
fn assert_clean_shutdown(mut example: Example) {
    let status = Command::new("kill")
        .args(["-INT", &example.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = example.child.try_wait().unwrap() {
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

struct Reply {
    head: String,
    body: String,
}

fn http(addr: &str, request: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    Reply {
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn jwt_auth_example_honours_its_contract() {
    let example = Example::start("jwt_auth");
    let login = example.post("/login", "application/json", USER, "");
    assert!(login.head.starts_with("HTTP/1.1 201"), "{}", login.head);
    let body: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    assert_eq!(
        body,
        serde_json::from_str::<serde_json::Value>(USER).unwrap()
    );
    let jwt = header(&login, "authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();

    // Any standard JWT library verifies it with the same secret. (Building a configuration
    // first gives jsonwebtoken a crypto provider when both backend features are on.)
    axum_jwt_layer::JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|t: axum_jwt_layer::Token, _p| async move {
            Ok::<_, std::convert::Infallible>(Some(t.sub))
        })
        .build()
        .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub", "iat"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        &jwt,
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["sub"], "5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11");
    assert_eq!(claims["email"], "ada@example.com");
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64() && claims["jti"].is_string());

    let ok = example.get("/some-path", &format!("Authorization: Bearer {jwt}\r\n"));
    assert!(ok.head.starts_with("HTTP/1.1 200"), "{}", ok.head);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ok.body).unwrap(),
        body
    );

    let refused = example.get("/some-path", "");
    assert!(refused.head.starts_with("HTTP/1.1 401"), "{}", refused.head);
    assert!(header(&refused, "www-authenticate")
        .unwrap()
        .starts_with("Bearer"));

    let doc = assert_docs(&example);
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc["paths"]["/some-path"]["get"]["security"],
        serde_json::json!([{"BearerToken": []}])
    );
    assert!(doc["paths"]["/login"]["post"]["security"].is_null());

    assert_clean_shutdown(example);
}

/// Login, call, logout, and the same token refused afterwards.
fn assert_logout_revokes(example: &Example, jwt: &str, auth_header: &str) {
    let ok = example.get("/some-path", auth_header);
    assert_eq!(status(&ok), 200, "{}", ok.head);
    let logout = example.post("/logout", "application/json", "", auth_header);
    assert_eq!(status(&logout), 204, "{}", logout.head);
    let after = example.get("/some-path", auth_header);
    assert_eq!(status(&after), 401, "{}", after.head);
    let challenge = header(&after, "www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(!after.body.contains(jwt));
}

#[test]
fn jwt_cookie_auth_example_sets_accepts_and_expires_the_cookie() {
    let example = Example::start("jwt_cookie_auth");
    let login = example.post("/login", "application/json", USER, "");
    assert_eq!(status(&login), 201, "{}", login.head);
    let cookie = header(&login, "set-cookie").unwrap().to_owned();
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=900",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let jwt = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("token=")
        .unwrap()
        .to_owned();
    assert_eq!(
        header(&login, "authorization"),
        Some(format!("Bearer {jwt}").as_str())
    );
    let by_header = example.get("/some-path", &format!("Authorization: Bearer {jwt}\r\n"));
    assert_eq!(status(&by_header), 200);
    let by_cookie = format!("Cookie: token={jwt}\r\n");
    let logout_reply_cookie = {
        assert_logout_revokes(&example, &jwt, &by_cookie);
        // A fresh login, to look at the expiring cookie of a logout.
        let again = example.post("/login", "application/json", USER, "");
        let fresh = header(&again, "set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        example.post(
            "/logout",
            "application/json",
            "",
            &format!("Cookie: {fresh}\r\n"),
        )
    };
    let expired = header(&logout_reply_cookie, "set-cookie").unwrap();
    assert!(
        expired.starts_with("token=;")
            && expired.contains("Max-Age=0")
            && expired.contains("Path=/"),
        "{expired}"
    );
    let doc = assert_docs(&example);
    assert_eq!(
        doc["components"]["securitySchemes"]["BearerToken"]["in"],
        "cookie"
    );
}

#[test]
fn token_revocation_example_refuses_a_logged_out_token() {
    let example = Example::start("token_revocation");
    let login = example.post("/login", "application/json", USER, "");
    assert_eq!(status(&login), 201, "{}", login.head);
    let jwt = header(&login, "authorization")
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_owned();
    assert_logout_revokes(&example, &jwt, &format!("Authorization: Bearer {jwt}\r\n"));
    assert_docs(&example);
}

#[test]
fn oauth2_password_bearer_example_answers_token_responses() {
    let example = Example::start("oauth2_password_bearer");
    let login = example.post("/login", "application/json", USER, "");
    assert_eq!(status(&login), 201, "{}", login.head);
    let body: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    let grant = "grant_type=password&username=ada%40example.com&password=pw";
    let form = example.post("/login", "application/x-www-form-urlencoded", grant, "");
    assert_eq!(status(&form), 201, "{}", form.head);
    let token: serde_json::Value = serde_json::from_str(&form.body).unwrap();
    let jwt = token["access_token"].as_str().unwrap();
    let me = example.get("/some-path", &format!("Authorization: Bearer {jwt}\r\n"));
    assert_eq!(status(&me), 200);
    assert!(me.body.contains("ada@example.com"));
    let bad = example.post(
        "/login",
        "application/x-www-form-urlencoded",
        "grant_type=password&username=nobody&password=pw",
        "",
    );
    assert_eq!(
        (status(&bad), bad.body.as_str()),
        (400, r#"{"error":"invalid_grant"}"#)
    );
    let custom = example.post("/login_custom", "application/json", USER, "");
    assert_eq!(status(&custom), 201);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&custom.body).unwrap(),
        serde_json::from_str::<serde_json::Value>(USER).unwrap()
    );
    let doc = assert_docs(&example);
    let scheme = &doc["components"]["securitySchemes"]["BearerToken"];
    assert_eq!(scheme["flows"]["password"]["tokenUrl"], "/login");
}

#[test]
fn refresh_tokens_example_rotates_detects_reuse_and_logs_out_everywhere() {
    let example = Example::start("refresh_tokens");
    let login = example.post("/login", "application/json", USER, "");
    assert_eq!(status(&login), 201, "{}", login.head);
    let pair: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    let refresh_token = pair["refresh_token"].as_str().unwrap();
    let body = serde_json::json!({ "refresh_token": refresh_token }).to_string();
    let rotated = example.post("/refresh", "application/json", &body, "");
    assert_eq!(status(&rotated), 200, "{}", rotated.body);
    let next: serde_json::Value = serde_json::from_str(&rotated.body).unwrap();
    let access = next["access_token"].as_str().unwrap();
    let bearer = format!("Authorization: Bearer {access}\r\n");
    assert_eq!(status(&example.get("/some-path", &bearer)), 200);
    let replay = example.post("/refresh", "application/json", &body, "");
    assert_eq!(status(&replay), 401, "a spent refresh token");
    assert_eq!(
        status(&example.get("/some-path", &bearer)),
        401,
        "its family is revoked"
    );

    let again: serde_json::Value =
        serde_json::from_str(&example.post("/login", "application/json", USER, "").body).unwrap();
    let bearer = format!(
        "Authorization: Bearer {}\r\n",
        again["access_token"].as_str().unwrap()
    );
    assert_eq!(status(&example.get("/some-path", &bearer)), 200);
    assert_eq!(
        status(&example.post("/logout-all", "application/json", "", &bearer)),
        204
    );
    assert_eq!(status(&example.get("/some-path", &bearer)), 401);
    assert_docs(&example);
}

/// A body the app cannot take gets the crate's JSON error shape, not axum's plain text, and
/// the OpenAPI document lists that status and every content type the body may have.
#[test]
fn examples_answer_bad_bodies_in_the_crate_error_shape() {
    for (name, path) in [("jwt_auth", "/login"), ("oauth2_password_bearer", "/login")] {
        let example = Example::start(name);
        let doc = assert_docs(&example);
        let operation = &doc["paths"][path]["post"];
        for (content_type, body, expected) in [
            ("application/json", "{not json", 400),
            ("text/plain", USER, 415),
            ("application/json", r#"{"id":"not-a-uuid"}"#, 422),
        ] {
            let reply = example.post(path, content_type, body, "");
            assert_eq!(status(&reply), expected, "{name} {body}: {}", reply.body);
            assert_eq!(header(&reply, "content-type"), Some("application/json"));
            let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(error["status_code"], expected);
            assert!(error["detail"].is_string());
            let documented = &operation["responses"][expected.to_string()];
            assert!(documented.is_object(), "{name}: {expected} not documented");
        }
        let content = &operation["requestBody"]["content"];
        assert!(content["application/json"].is_object());
        // The token endpoint also takes the password grant Swagger UI's Authorize sends.
        let form = &content["application/x-www-form-urlencoded"];
        assert_eq!(form.is_object(), name == "oauth2_password_bearer", "{name}");
    }
}

/// `custom_token`, `verify_issuer_audience`, `custom_decode_payload`.
mod claims;

/// `jwks_resource_server`: the issuer mode signs and publishes its keys, the resource server
/// verifies with them over HTTP and follows a key rotation without a restart.
#[cfg(feature = "jwks")]
mod jwks_resource_server;

/// `session_auth`: the session backend as a process, DESIGN §5's routes.
mod session_auth;

/// Opens a WebSocket on `path` by hand (RFC 6455 handshake) with `headers`: the status line,
/// and the first message's text when the server upgraded.
fn websocket(addr: &str, path: &str, headers: &str) -> (String, Option<String>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{headers}\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    // The head, byte by byte up to the blank line (the frames follow it on the same stream).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let status = head.lines().next().unwrap().to_owned();
    if !status.starts_with("HTTP/1.1 101") {
        return (status, None);
    }
    // One unmasked text frame from the server: FIN + opcode 1, then a 7-bit length.
    let mut frame = [0u8; 2];
    stream.read_exact(&mut frame).unwrap();
    assert_eq!(frame[0], 0x81, "a final text frame");
    let mut payload = vec![0u8; usize::from(frame[1] & 0x7f)];
    stream.read_exact(&mut payload).unwrap();
    (status, Some(String::from_utf8(payload).unwrap()))
}

/// DESIGN §5 `api_key`: Litestar's custom authentication middleware example, as a backend of
/// the application's own; HTTP and WebSocket routes behind the same layer.
#[test]
fn api_key_example_honours_its_contract() {
    let example = Example::start("api_key");
    let index = example.get("/", "");
    assert!(index.head.starts_with("HTTP/1.1 200"), "{}", index.head);
    assert!(header(&index, "content-type")
        .unwrap()
        .starts_with("text/html"));
    let user = example.get("/user", "X-API-KEY: 1\r\n");
    assert!(user.head.starts_with("HTTP/1.1 200"), "{}", user.head);
    let body: serde_json::Value = serde_json::from_str(&user.body).unwrap();
    assert_eq!(body, serde_json::json!({"name": "user_authorized"}));
    for headers in ["", "X-API-KEY: 2\r\n", "X-API-KEY: \r\n"] {
        let refused = example.get("/user", headers);
        assert!(
            refused.head.starts_with("HTTP/1.1 401"),
            "{headers:?}: {}",
            refused.head
        );
        assert_eq!(
            header(&refused, "www-authenticate"),
            Some(r#"ApiKey realm="api""#)
        );
    }
    let (status, message) = websocket(&example.addr, "/ws", "X-API-KEY: 1\r\n");
    assert!(status.starts_with("HTTP/1.1 101"), "{status}");
    let message: serde_json::Value = serde_json::from_str(&message.unwrap()).unwrap();
    assert_eq!(message, serde_json::json!({"name": "user_authorized"}));
    for headers in ["", "X-API-KEY: 2\r\n"] {
        let (status, message) = websocket(&example.addr, "/ws", headers);
        assert!(status.starts_with("HTTP/1.1 401"), "{headers:?}: {status}");
        assert!(message.is_none(), "no upgrade");
    }
}
