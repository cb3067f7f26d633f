//! Runs the compiled `jwt_auth` example as a process and checks DESIGN §5's contract over
//! real HTTP: login, the token verified with plain `jsonwebtoken::decode`, the protected
//! route with and without it, and a clean shutdown on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "example-secret-with-at-least-32-bytes";

fn example_binary() -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/jwt_auth
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap();
    profile
        .join("examples")
        .join(format!("jwt_auth{}", std::env::consts::EXE_SUFFIX))
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
    let binary = example_binary();
    if !binary.exists() {
        // `cargo test` builds examples; a filtered run (`--test`) may not have.
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "jwt_auth"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let mut child = Command::new(&binary)
        .env("ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_owned();
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");

    let user =
        r#"{"id":"5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11","name":"Ada","email":"ada@example.com"}"#;
    let login = http(
        &addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{user}",
            user.len()
        ),
    );
    assert!(login.head.starts_with("HTTP/1.1 201"), "{}", login.head);
    let body: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    assert_eq!(
        body,
        serde_json::from_str::<serde_json::Value>(user).unwrap()
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
        &jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["sub"], "5a7c5b0e-8a3f-4c52-9a55-6f1f2b0c9d11");
    assert_eq!(claims["email"], "ada@example.com");
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64() && claims["jti"].is_string());

    let ok = http(&addr, &format!("GET /some-path HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {jwt}\r\nConnection: close\r\n\r\n"));
    assert!(ok.head.starts_with("HTTP/1.1 200"), "{}", ok.head);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ok.body).unwrap(),
        body
    );

    let refused = http(
        &addr,
        "GET /some-path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(refused.head.starts_with("HTTP/1.1 401"), "{}", refused.head);
    assert!(header(&refused, "www-authenticate")
        .unwrap()
        .starts_with("Bearer"));

    // Ctrl-C: a clean exit.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
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
