//! Helpers shared by the integration tests: a counting resolver, hand-made tokens, a request
//! driver, log capture and the rejection assertions of SECURITY.md.
#![allow(dead_code)]

pub mod sessions;

pub mod served;

#[cfg(feature = "redis")]
pub mod redis_server;

#[cfg(feature = "redis")]
pub mod redis_cluster;

pub mod keys;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::routing::get;
use axum::{Json, Router};
use axum_jwt_layer::{keys::Algorithm, AuthUser, JwtAuth, JwtAuthBuilder, JwtAuthLayer, Token};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde::Serialize;
use serde_json::{json, Value};
use tower::ServiceExt as _;

pub const SECRET: &[u8] = b"test-secret-0123456789-abcdefghij";

#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct User {
    pub id: String,
}

/// How many times the resolver ran, and the last path it saw.
#[derive(Clone, Default)]
pub struct Calls {
    count: Arc<AtomicUsize>,
    last_path: Arc<Mutex<Option<String>>>,
}

impl Calls {
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
    pub fn last_path(&self) -> Option<String> {
        self.last_path.lock().unwrap().clone()
    }
}

#[derive(Debug)]
pub struct LookupFailed;
impl std::fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("database unavailable")
    }
}
impl std::error::Error for LookupFailed {}

/// A builder with the test secret and a counting resolver: sub `ghost` -> None, `error` ->
/// Err, `panic` -> panic, anything else -> a user with that id.
pub fn builder() -> (JwtAuthBuilder<User>, Calls) {
    capture_logs();
    let calls = Calls::default();
    let seen = calls.clone();
    let builder = JwtAuth::<User>::builder().secret(SECRET).resolver(
        move |token: Token, parts: &http::request::Parts| {
            seen.count.fetch_add(1, Ordering::SeqCst);
            *seen.last_path.lock().unwrap() = Some(parts.uri.path().to_owned());
            async move {
                match token.sub.as_str() {
                    "ghost" => Ok(None),
                    "error" => Err(LookupFailed),
                    "panic" => panic!("resolver exploded"),
                    id => Ok(Some(User { id: id.to_owned() })),
                }
            }
        },
    );
    (builder, calls)
}

/// `/some-path` returns the user; `/login` and `/public` are plain.
pub fn router(auth: JwtAuth<User>) -> Router {
    Router::new()
        .route(
            "/some-path",
            get(|AuthUser(user): AuthUser<User>| async move { Json(user) }),
        )
        .route(
            "/admin",
            get(|AuthUser(user): AuthUser<User>| async move { Json(user) }),
        )
        .route(
            "/login",
            get(|user: Option<AuthUser<User>>| async move { format!("login {}", user.is_some()) }),
        )
        .route(
            "/health",
            get(|user: Option<AuthUser<User>>| async move { format!("health {}", user.is_some()) }),
        )
        .layer(JwtAuthLayer::new(auth))
}

pub fn default_app() -> (Router, Calls, JwtAuth<User>) {
    let (builder, calls) = builder();
    let auth = builder.exclude(["/login", "/health"]).build().unwrap();
    (router(auth.clone()), calls, auth)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Builds one configuration so jsonwebtoken has a crypto provider before a test signs by hand
/// (with both backend features on, `build()` is what picks one).
pub fn crypto_ready() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        builder().0.build().unwrap();
    });
}

/// A token from raw header and payload JSON text, HMAC-signed with `key`.
pub fn raw_token(header: &str, payload: &str, key: &[u8], alg: Algorithm) -> String {
    crypto_ready();
    let message = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let key = jsonwebtoken::EncodingKey::from_secret(key).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).unwrap();
    format!("{message}.{signature}")
}

/// An HS256 token over `payload` with the test secret.
pub fn token(payload: &Value) -> String {
    raw_token(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload.to_string(),
        SECRET,
        Algorithm::HS256,
    )
}

/// A valid payload for `sub`, expiring in 10 minutes.
pub fn claims(sub: &str) -> Value {
    json!({"sub": sub, "iat": now(), "exp": now() + 600, "jti": "j-1"})
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn challenge(&self) -> Option<&str> {
        self.headers
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap())
    }
    /// Every `WWW-Authenticate` field, in order.
    #[allow(dead_code)]
    pub fn challenges(&self) -> Vec<&str> {
        let all = self.headers.get_all("www-authenticate").iter();
        all.map(|v| v.to_str().unwrap()).collect()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

pub async fn bearer(app: &Router, path: &str, token: &str) -> Reply {
    send(
        app,
        get_with(path, &[("authorization", &format!("Bearer {token}"))]),
    )
    .await
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct LogWriter(Arc<Mutex<Vec<u8>>>);
impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every `tracing` event of this test binary, down to TRACE, into a buffer.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .try_init();
        buffer
    });
}

pub fn logs() -> String {
    let buffer = LOGS.get().expect("capture_logs() ran");
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

/// The captured log, without the terminal colours of the formatter.
#[allow(dead_code)]
pub fn plain_logs() -> String {
    let mut plain = String::new();
    let mut chars = logs().chars().collect::<Vec<_>>().into_iter();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence: ESC [ ... m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The secret-bearing parts of a token that must never be echoed: the whole token and its
/// signature segment.
fn secrets_of(token: &str) -> Vec<String> {
    let mut secrets = vec![token.to_owned()];
    if let Some(signature) = token.rsplit('.').next().filter(|s| s.len() >= 8) {
        secrets.push(signature.to_owned());
    }
    secrets.retain(|s| s.len() >= 8);
    secrets
}

/// The SECURITY.md checks of a rejection: status, exactly one `Bearer` challenge with the
/// expected error attribute, a fixed-set body, no echo of the token anywhere, resolver not run.
pub fn assert_rejected(reply: &Reply, calls: &Calls, token: &str, expected: Expect) {
    let (status, error) = match expected {
        Expect::Missing => (StatusCode::UNAUTHORIZED, None),
        Expect::InvalidToken => (StatusCode::UNAUTHORIZED, Some("invalid_token")),
        Expect::InvalidRequest => (StatusCode::BAD_REQUEST, Some("invalid_request")),
    };
    assert_eq!(reply.status, status, "body: {}", reply.body);
    let challenges: Vec<_> = reply.headers.get_all("www-authenticate").iter().collect();
    assert_eq!(challenges.len(), 1, "exactly one challenge");
    let challenge = reply.challenge().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer realm="api""#),
        "{challenge}"
    );
    match error {
        None => assert_eq!(challenge, r#"Bearer realm="api""#),
        Some(code) => {
            assert!(
                challenge.contains(&format!(r#"error="{code}""#)),
                "{challenge}"
            );
            let described = [
                r#"error_description="Invalid or expired token""#,
                r#"error_description="Malformed authorization request""#,
            ];
            assert!(
                described.iter().any(|d| challenge.contains(d)),
                "{challenge}"
            );
        }
    }
    let body = reply.json();
    assert_eq!(body["status_code"], status.as_u16());
    let details = [
        "Authentication required",
        "Invalid or expired token",
        "Malformed authorization request",
    ];
    assert!(
        details.contains(&body["detail"].as_str().unwrap()),
        "{}",
        reply.body
    );
    let logs = logs();
    for secret in secrets_of(token) {
        assert!(!reply.body.contains(&secret), "body echoes the token");
        for value in reply.headers.values() {
            assert!(!value
                .as_bytes()
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()));
        }
        assert!(!logs.contains(&secret), "logs contain the token");
    }
    assert_eq!(calls.count(), 0, "the resolver must not run on a rejection");
}

#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// 401 with a bare challenge.
    Missing,
    /// 401 `invalid_token`.
    InvalidToken,
    /// 400 `invalid_request`.
    InvalidRequest,
}

/// Sends `token` as a bearer token to `/some-path` and asserts a 401 `invalid_token`.
pub async fn assert_token_refused(app: &Router, calls: &Calls, token: &str) {
    let reply = bearer(app, "/some-path", token).await;
    assert_rejected(&reply, calls, token, Expect::InvalidToken);
}

/// Sends `token` and asserts a 200 with the user.
pub async fn assert_token_accepted(app: &Router, token: &str, sub: &str) {
    let reply = bearer(app, "/some-path", token).await;
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.body);
    assert_eq!(reply.json(), json!({"id": sub}));
}

/// A session of `subject` (its data: the subject again) started by `backend`: the
/// `session=<id>` pair a browser would send back.
#[cfg(feature = "session")]
pub async fn session_pair(
    backend: &axum_jwt_layer::session::SessionBackend<String>,
    subject: &str,
) -> String {
    let set_cookie = backend
        .login(&HeaderMap::new(), subject, &subject.to_owned())
        .await
        .unwrap();
    let set_cookie = set_cookie.to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// A `POST path` a browser would send from another site with `cookie` attached.
pub fn cross_site_post(path: &str, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header("cookie", cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap()
}
