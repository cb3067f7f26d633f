//! The session backend (feature `session`) behind `AuthLayer`, over HTTP requests to a router:
//! login / user / logout, a new session id at every login (SECURITY.md 57: no fixation), the
//! old cookie refused after logout, forged / unknown / expired ids refused with nothing
//! created on the server, the cookie twice (400), a store that fails or hangs (503), and
//! cross-origin protection on by default.
#![cfg(feature = "session")]

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_layer::error::DurationSetting;
use axum_jwt_layer::issue::AuthCookie;
use axum_jwt_layer::session::{
    session_store, Id, MemoryStore, Record, SessionBackend, SessionStore, UserSession,
};
use axum_jwt_layer::{AuthLayer, AuthUser, Authenticator, AuthenticatorBuilder, ConfigError};
use common::{capture_logs, logs, send, Reply};
use http::Request;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What a session holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Login {
    user_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct User {
    id: String,
    name: String,
}

type Auth = Authenticator<SessionBackend<Login>, User>;

/// The app, and what the resolver saw.
struct App {
    router: Router,
    seen: Arc<Mutex<Vec<Login>>>,
}

async fn login(State(auth): State<Auth>, headers: HeaderMap, Json(body): Json<Login>) -> Response {
    // A stand-in for a password check: `mallory` has no account.
    if body.user_id == "mallory" {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match auth.backend().login(&headers, &body.user_id, &body).await {
        Ok(cookie) => (StatusCode::CREATED, [(header::SET_COOKIE, cookie)]).into_response(),
        Err(error) => auth.error_response(&error),
    }
}

async fn logout(State(auth): State<Auth>, session: UserSession<Login>) -> Response {
    match auth.backend().logout(&session).await {
        Ok(cookie) => (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response(),
        Err(error) => auth.error_response(&error),
    }
}

fn app_with(backend: SessionBackend<Login>) -> App {
    capture_logs();
    let seen: Arc<Mutex<Vec<Login>>> = Arc::default();
    let record = Arc::clone(&seen);
    let auth = AuthenticatorBuilder::new(backend)
        .resolver(move |session: UserSession<Login>, _parts| {
            record.lock().unwrap().push(session.data().clone());
            let id = session.into_data().user_id;
            async move {
                let name = format!("{id} (name)");
                Ok::<_, Infallible>((id != "deleted").then_some(User { id, name }))
            }
        })
        .exclude(["/login"])
        .build()
        .unwrap();
    let router = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route(
            "/user",
            get(|AuthUser(user): AuthUser<User>| async move { Json(user) }),
        )
        .layer(AuthLayer::new(auth.clone()))
        .with_state(auth);
    App { router, seen }
}

fn backend(store: impl SessionStore) -> SessionBackend<Login> {
    SessionBackend::builder().store(store).build().unwrap()
}

fn post_json(
    path: &str,
    body: &serde_json::Value,
    cookie: Option<&str>,
) -> Request<axum::body::Body> {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.body(body.to_string().into()).unwrap()
}

fn with_cookie(method: &str, path: &str, cookie: &str) -> Request<axum::body::Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap()
}

/// The `name=value` part of the reply's `Set-Cookie`, and the whole header.
fn set_cookie(reply: &Reply) -> (String, String) {
    let header = reply.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let pair = header.split(';').next().unwrap().to_owned();
    (pair, header)
}

async fn log_in(app: &App, user: &str, cookie: Option<&str>) -> String {
    let reply = send(
        &app.router,
        post_json("/login", &json!({"user_id": user}), cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    set_cookie(&reply).0
}

async fn user_status(app: &App, cookie: &str) -> StatusCode {
    send(&app.router, with_cookie("GET", "/user", cookie))
        .await
        .status
}

#[tokio::test]
async fn login_user_logout_and_the_old_cookie_is_refused() {
    let store = MemoryStore::default();
    let app = app_with(backend(store.clone()));
    let reply = send(
        &app.router,
        post_json("/login", &json!({"user_id": "ada"}), None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let (cookie, header) = set_cookie(&reply);
    assert!(cookie.starts_with("session="), "{header}");
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=86400",
    ] {
        assert!(header.contains(attribute), "{attribute} in {header}");
    }
    assert_eq!(store.len(), 1);

    let reply = send(&app.router, with_cookie("GET", "/user", &cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"id": "ada", "name": "ada (name)"}));
    assert_eq!(
        *app.seen.lock().unwrap(),
        vec![Login {
            user_id: "ada".into()
        }],
        "the resolver receives the session data"
    );

    let reply = send(&app.router, with_cookie("POST", "/logout", &cookie)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let (expired, header) = set_cookie(&reply);
    assert_eq!(expired, "session=");
    assert!(header.contains("Max-Age=0"), "{header}");
    assert_eq!(store.len(), 0, "deleted on the server");

    // The old cookie, replayed: refused.
    let reply = send(&app.router, with_cookie("GET", "/user", &cookie)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["status_code"], 401);
    // Its own scheme, never a Bearer challenge: no token would help.
    assert_eq!(reply.challenge(), Some(r#"Session realm="api""#));
    assert!(
        !logs().contains(&cookie["session=".len()..]),
        "never a session id in the logs"
    );
}

#[tokio::test]
async fn every_login_gets_a_new_session_id_and_drops_the_one_it_carried() {
    let store = MemoryStore::default();
    let app = app_with(backend(store.clone()));
    let first = log_in(&app, "ada", None).await;
    let second = log_in(&app, "ada", Some(&first)).await;
    assert_ne!(first, second);
    assert_eq!(user_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&app, &second).await, StatusCode::OK);

    // An id planted in the browser before login (session fixation) never becomes the session.
    let planted = format!("session={}", Id::default());
    let after = log_in(&app, "ada", Some(&planted)).await;
    assert_ne!(after, planted);
    assert_eq!(user_status(&app, &planted).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&app, &after).await, StatusCode::OK);
    // One session per login that was not replaced: `second` was carried by none.
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn forged_unknown_and_expired_ids_get_401_and_create_nothing() {
    let store = MemoryStore::default();
    let short = SessionBackend::builder()
        .store(store.clone())
        .lifetime(Duration::from_secs(1))
        .build()
        .unwrap();
    let app = app_with(short);
    let live = log_in(&app, "ada", None).await;
    assert_eq!(store.len(), 1);
    let unknown = format!("session={}", Id::default());
    for cookie in [
        "session=forged",
        "session=%00%01",
        "session=AAAAAAAAAAAAAAAAAAAAAA",
        &unknown,
    ] {
        let reply = send(&app.router, with_cookie("GET", "/user", cookie)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert!(reply.headers.get(header::SET_COOKIE).is_none(), "{cookie}");
    }
    assert_eq!(store.len(), 1, "nothing created");

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        user_status(&app, &live).await,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    assert!(
        app.seen.lock().unwrap().is_empty(),
        "the resolver never ran"
    );
}

#[tokio::test]
async fn the_session_cookie_twice_is_400_and_foreign_cookies_never_hide_it() {
    let app = app_with(backend(MemoryStore::default()));
    let a = log_in(&app, "ada", None).await;
    let b = log_in(&app, "bob", None).await;
    let reply = send(
        &app.router,
        with_cookie("GET", "/user", &format!("{a}; {b}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // Bytes that are not UTF-8 in another application's cookie, on the same line.
    let request = Request::get("/user")
        .header(
            "cookie",
            http::HeaderValue::from_bytes(&[b"theme=\xc3\x28; ", a.as_bytes(), b"; x=y"].concat())
                .unwrap(),
        )
        .header(
            "cookie",
            http::HeaderValue::from_bytes(b"prefs=\xff\xfe").unwrap(),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = send(&app.router, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["id"], "ada");
}

/// A store that fails, or never answers.
#[derive(Debug, Clone, Copy)]
enum Broken {
    Failing,
    Hanging,
}

#[async_trait]
impl SessionStore for Broken {
    async fn save(&self, _: &Record) -> session_store::Result<()> {
        self.fail().await
    }
    async fn load(&self, _: &Id) -> session_store::Result<Option<Record>> {
        self.fail().await
    }
    async fn delete(&self, _: &Id) -> session_store::Result<()> {
        self.fail().await
    }
}

impl Broken {
    async fn fail<T>(&self) -> session_store::Result<T> {
        if let Broken::Hanging = self {
            std::future::pending::<()>().await;
        }
        Err(session_store::Error::Backend("connection refused".into()))
    }
}

#[tokio::test]
async fn a_store_that_fails_or_hangs_answers_503_within_the_timeout() {
    for store in [Broken::Failing, Broken::Hanging] {
        let sessions = SessionBackend::builder()
            .store(store)
            .store_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let app = app_with(sessions);
        let started = std::time::Instant::now();
        let cookie = format!("session={}", Id::default());
        let reply = send(&app.router, with_cookie("GET", "/user", &cookie)).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{store:?}");
        let reply = send(
            &app.router,
            post_json("/login", &json!({"user_id": "ada"}), None),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{store:?}");
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
        assert!(started.elapsed() < Duration::from_secs(2), "{store:?}");
    }
}

#[tokio::test]
async fn a_full_memory_store_refuses_logins_never_live_sessions() {
    let store = MemoryStore::with_capacity(2);
    let app = app_with(backend(store.clone()));
    let ada = log_in(&app, "ada", None).await;
    let bob = log_in(&app, "bob", None).await;
    let reply = send(
        &app.router,
        post_json("/login", &json!({"user_id": "eve"}), None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(store.len(), 2);
    assert_eq!(user_status(&app, &ada).await, StatusCode::OK);
    assert_eq!(user_status(&app, &bob).await, StatusCode::OK);
    // A logout makes room again.
    let reply = send(&app.router, with_cookie("POST", "/logout", &bob)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    log_in(&app, "eve", None).await;
}

/// SECURITY.md 49: one account logging in without end keeps its newest sessions only and
/// never fills the store for anyone else.
#[tokio::test]
async fn one_account_logging_in_without_end_never_fills_the_store_for_others() {
    let store = MemoryStore::with_capacity(5);
    let sessions = SessionBackend::builder()
        .store(store.clone())
        .sessions_per_subject(3)
        .build()
        .unwrap();
    let app = app_with(sessions);
    let mut cookies = Vec::new();
    for _ in 0..50 {
        cookies.push(log_in(&app, "eve", None).await);
    }
    assert_eq!(store.len(), 3, "its newest three");
    for (n, cookie) in cookies.iter().enumerate() {
        let expected = if n >= 47 {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(user_status(&app, cookie).await, expected, "login {n}");
    }
    let bob = log_in(&app, "bob", None).await;
    assert_eq!(user_status(&app, &bob).await, StatusCode::OK);
}

#[tokio::test]
async fn a_login_carrying_the_cookie_twice_ends_both_sessions() {
    let store = MemoryStore::default();
    let app = app_with(backend(store.clone()));
    let a = log_in(&app, "ada", None).await;
    let b = log_in(&app, "ada", None).await;
    let fresh = log_in(&app, "ada", Some(&format!("{a}; {b}"))).await;
    assert_eq!(user_status(&app, &a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&app, &b).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&app, &fresh).await, StatusCode::OK);
    assert_eq!(store.len(), 1);
}

/// Logging in again from one browser (which sends its old cookie) ends that old session in
/// the subject's count too: the user's session on another device is never pushed out by
/// sessions that already ended.
#[tokio::test]
async fn logging_in_again_in_one_browser_keeps_the_other_devices_logged_in() {
    let sessions = SessionBackend::builder()
        .store(MemoryStore::default())
        .sessions_per_subject(2)
        .build()
        .unwrap();
    let app = app_with(sessions);
    let phone = log_in(&app, "ada", None).await;
    let mut browser = log_in(&app, "ada", None).await;
    let mut ended = Vec::new();
    for _ in 0..3 {
        let next = log_in(&app, "ada", Some(&browser)).await;
        ended.push(std::mem::replace(&mut browser, next));
    }
    assert_eq!(user_status(&app, &phone).await, StatusCode::OK, "the phone");
    assert_eq!(user_status(&app, &browser).await, StatusCode::OK);
    for old in &ended {
        assert_eq!(user_status(&app, old).await, StatusCode::UNAUTHORIZED);
    }
}

/// A store that counts the calls made to it.
#[derive(Debug, Clone, Default)]
struct Counting {
    inner: MemoryStore,
    calls: Arc<std::sync::atomic::AtomicUsize>,
}

impl Counting {
    fn count(&self) -> usize {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

#[async_trait]
impl SessionStore for Counting {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.count();
        self.inner.create(record).await
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.count();
        self.inner.save(record).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.count();
        self.inner.load(id).await
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.count();
        self.inner.delete(id).await
    }
}

/// A login request carrying the session cookie a hundred times ends a few of them, not a
/// hundred: one request makes a bounded number of store calls.
#[tokio::test]
async fn a_login_with_the_cookie_a_hundred_times_makes_few_store_calls() {
    let store = Counting::default();
    let app = app_with(backend(store.clone()));
    let first = log_in(&app, "ada", None).await;
    let mut cookie = first.clone();
    for _ in 0..99 {
        cookie.push_str(&format!("; session={}", Id::default()));
    }
    let before = store.calls.load(std::sync::atomic::Ordering::Relaxed);
    let fresh = log_in(&app, "ada", Some(&cookie)).await;
    let calls = store.calls.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(calls <= 9, "{calls} store calls for one login");
    assert_eq!(user_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(user_status(&app, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn a_session_cookie_turns_cross_origin_protection_on() {
    let app = app_with(backend(MemoryStore::default()));
    let cookie = log_in(&app, "ada", None).await;
    let forged = common::cross_site_post("/logout", &cookie);
    assert_eq!(
        send(&app.router, forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        user_status(&app, &cookie).await,
        StatusCode::OK,
        "still logged in"
    );
    // Login CSRF too: the excluded login route is checked.
    let login = Request::post("/login")
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .header("host", "app.example")
        .body(json!({"user_id": "ada"}).to_string().into())
        .unwrap();
    assert_eq!(send(&app.router, login).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_session_whose_user_is_gone_is_401() {
    let app = app_with(backend(MemoryStore::default()));
    let cookie = log_in(&app, "deleted", None).await;
    assert_eq!(user_status(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

/// Without `store_timeout`, nothing needs tokio's timer: a runtime built without it serves.
#[test]
fn serves_on_a_runtime_without_timers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = app_with(SessionBackend::builder().build().unwrap());
        let cookie = log_in(&app, "ada", None).await;
        assert_eq!(user_status(&app, &cookie).await, StatusCode::OK);
        let reply = send(&app.router, with_cookie("POST", "/logout", &cookie)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    });
}

#[test]
fn lifetimes_and_timeouts_out_of_range_fail_build() {
    let lifetime = |d| {
        SessionBackend::<Login>::builder()
            .lifetime(d)
            .build()
            .map(|_| ())
    };
    for bad in [Duration::ZERO, Duration::from_secs(401 * 24 * 3600)] {
        assert!(matches!(
            lifetime(bad),
            Err(ConfigError::DurationOutOfRange(
                DurationSetting::SessionLifetime
            ))
        ));
    }
    let timeout = SessionBackend::<Login>::builder()
        .store_timeout(Duration::ZERO)
        .build()
        .map(|_| ());
    assert!(matches!(
        timeout,
        Err(ConfigError::DurationOutOfRange(
            DurationSetting::SessionStoreTimeout
        ))
    ));
    let insecure_none = SessionBackend::<Login>::builder()
        .cookie(
            AuthCookie::new("sid")
                .secure(false)
                .same_site(axum_jwt_layer::issue::SameSite::None),
        )
        .build()
        .map(|_| ());
    assert!(matches!(insecure_none, Err(ConfigError::InvalidCookie(_))));
}

/// The session backend on `RedisSessionStore` against a real `redis-server` (started on a
/// free loopback port): two instances serve each other's sessions and logouts, Redis expires
/// a session at its end, refused ids write nothing, and Redis going away is a 503.
#[cfg(feature = "redis")]
mod redis_store {
    use super::*;
    use axum_jwt_layer::session::RedisSessionStore;
    use common::redis_server::RedisServer;

    async fn instance(redis: &RedisServer, lifetime: Duration) -> App {
        let store = RedisSessionStore::connect(&redis.url()).await.unwrap();
        let sessions = SessionBackend::builder()
            .store(store)
            .lifetime(lifetime)
            .store_timeout(Duration::from_secs(1))
            .build()
            .unwrap();
        app_with(sessions)
    }

    async fn keys(redis: &RedisServer) -> Vec<String> {
        let mut client = redis.client().await;
        redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut client)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn two_instances_share_sessions_and_logouts() {
        let redis = RedisServer::start();
        let one = instance(&redis, Duration::from_secs(3600)).await;
        let two = instance(&redis, Duration::from_secs(3600)).await;
        let cookie = log_in(&one, "ada", None).await;
        let id = &cookie["session=".len()..];
        assert_eq!(keys(&redis).await, vec![format!("session:{id}")]);
        let reply = send(&two.router, with_cookie("GET", "/user", &cookie)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["id"], "ada");

        // A new login on the second instance drops the session it carried, on both.
        let again = log_in(&two, "ada", Some(&cookie)).await;
        assert_eq!(user_status(&one, &cookie).await, StatusCode::UNAUTHORIZED);
        assert_eq!(user_status(&one, &again).await, StatusCode::OK);
        let reply = send(&one.router, with_cookie("POST", "/logout", &again)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(user_status(&two, &again).await, StatusCode::UNAUTHORIZED);
        assert!(keys(&redis).await.is_empty());

        // Unknown and forged ids: 401, and nothing written.
        for refused in [
            format!("session={}", Id::default()),
            "session=forged".to_owned(),
        ] {
            assert_eq!(user_status(&two, &refused).await, StatusCode::UNAUTHORIZED);
        }
        assert!(keys(&redis).await.is_empty());
    }

    #[tokio::test]
    async fn redis_expires_a_session_at_its_end() {
        let redis = RedisServer::start();
        let app = instance(&redis, Duration::from_secs(1)).await;
        let cookie = log_in(&app, "ada", None).await;
        let mut client = redis.client().await;
        let ttl: i64 = redis::cmd("TTL")
            .arg(format!("session:{}", &cookie["session=".len()..]))
            .query_async(&mut client)
            .await
            .unwrap();
        assert!((0..=2).contains(&ttl), "TTL {ttl}");
        tokio::time::sleep(Duration::from_millis(2_100)).await;
        assert!(keys(&redis).await.is_empty(), "expired by Redis");
        assert_eq!(user_status(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn redis_going_away_is_503_and_coming_back_serves_again() {
        let mut redis = RedisServer::start_persistent();
        let app = instance(&redis, Duration::from_secs(3600)).await;
        let cookie = log_in(&app, "ada", None).await;
        redis.stop();
        let started = std::time::Instant::now();
        assert_eq!(
            user_status(&app, &cookie).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let reply = send(
            &app.router,
            post_json("/login", &json!({"user_id": "bob"}), None),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() < Duration::from_secs(5));
        redis.restart();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match user_status(&app, &cookie).await {
                StatusCode::OK => break,
                status => {
                    assert!(std::time::Instant::now() < deadline, "still {status}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}
