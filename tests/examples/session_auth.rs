//! `session_auth` (DESIGN §5): signup, login, user and logout over HTTP against the running
//! example, the session id new at every login, the old cookie refused after logout.

use super::*;
use serde_json::{json, Value};

const NAME: &str = "session_auth";

fn start() -> Example {
    Example::start_with(NAME, &[("SESSION_COOKIE_SECURE", "false")])
}

fn post_json(example: &Example, path: &str, body: &Value, cookie: Option<&str>) -> Reply {
    let headers = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    example.post(path, "application/json", &body.to_string(), &headers)
}

/// The `session=<id>` pair of a reply's `Set-Cookie`, checking its attributes.
fn session_cookie(reply: &Reply) -> String {
    let set_cookie = header(reply, "set-cookie").expect("a Set-Cookie header");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "SESSION_COOKIE_SECURE=false: {set_cookie}"
    );
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    assert!(
        pair.starts_with("session=") && pair.len() > "session=".len(),
        "{pair}"
    );
    pair
}

fn get_user(example: &Example, cookie: &str) -> Reply {
    example.get("/user", &format!("Cookie: {cookie}\r\n"))
}

#[test]
fn session_auth_example_honours_its_contract() {
    let example = start();
    let ada = json!({"name": "Ada", "email": "ada@example.com", "password": "correct horse"});
    let signup = post_json(&example, "/signup", &ada, None);
    assert_eq!(status(&signup), 201, "{}", signup.body);
    let user: Value = serde_json::from_str(&signup.body).unwrap();
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["email"], "ada@example.com");
    assert!(
        user["id"].as_str().is_some_and(|id| id.len() == 36),
        "{user}"
    );
    assert!(user.get("password").is_none() && !signup.body.contains("argon2"));
    let first = session_cookie(&signup);

    let me = get_user(&example, &first);
    assert_eq!(status(&me), 200, "{}", me.body);
    assert_eq!(serde_json::from_str::<Value>(&me.body).unwrap(), user);
    let anonymous = example.get("/user", "");
    assert_eq!(status(&anonymous), 401);
    assert_eq!(
        header(&anonymous, "www-authenticate"),
        Some(r#"Session realm="api""#)
    );

    let taken = post_json(&example, "/signup", &ada, None);
    assert_eq!(status(&taken), 409, "{}", taken.body);

    // Wrong password and unknown email: one answer.
    let wrong = post_json(
        &example,
        "/login",
        &json!({"email": "ada@example.com", "password": "nope"}),
        None,
    );
    let unknown = post_json(
        &example,
        "/login",
        &json!({"email": "bob@example.com", "password": "nope"}),
        None,
    );
    assert_eq!(status(&wrong), 401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(status(&unknown), 401);

    // Login carrying the signup session: a new id, and the old one is gone.
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});
    let login = post_json(&example, "/login", &credentials, Some(&first));
    assert_eq!(status(&login), 201, "{}", login.body);
    assert_eq!(serde_json::from_str::<Value>(&login.body).unwrap(), user);
    let second = session_cookie(&login);
    assert_ne!(first, second);
    assert_eq!(status(&get_user(&example, &first)), 401);
    assert_eq!(status(&get_user(&example, &second)), 200);

    let logout = example.post(
        "/logout",
        "application/json",
        "",
        &format!("Cookie: {second}\r\n"),
    );
    assert_eq!(status(&logout), 204, "{}", logout.head);
    let expired = header(&logout, "set-cookie").unwrap();
    assert!(
        expired.starts_with("session=;") && expired.contains("Max-Age=0"),
        "{expired}"
    );
    assert_eq!(
        status(&get_user(&example, &second)),
        401,
        "deleted on the server"
    );

    let doc = assert_docs(&example);
    assert_eq!(
        doc["components"]["securitySchemes"]["SessionCookie"],
        json!({"type": "apiKey", "in": "cookie", "name": "session"})
    );
    assert_eq!(
        doc["paths"]["/user"]["get"]["security"],
        json!([{"SessionCookie": []}])
    );
    assert!(doc["paths"]["/login"]["post"].get("security").is_none());
    assert_clean_shutdown(example);
}

#[cfg(not(feature = "redis"))]
#[test]
fn session_auth_example_refuses_redis_url_without_the_redis_feature() {
    let output = Command::new(example_binary(NAME))
        .env("ADDR", "127.0.0.1:0")
        .env("REDIS_URL", "redis://127.0.0.1:6379")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--features redis"));
}

/// A `redis-server` on a free loopback port, killed when dropped.
#[cfg(feature = "redis")]
struct Redis(std::process::Child, u16);

#[cfg(feature = "redis")]
impl Redis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (.ci/run installs it)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self(child, port)
    }
}

#[cfg(feature = "redis")]
impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// DESIGN §5: with `REDIS_URL`, two instances serve each other's users and sessions.
#[cfg(feature = "redis")]
#[test]
fn session_auth_example_instances_share_users_and_sessions_in_redis() {
    let redis = Redis::start();
    let url = format!("redis://127.0.0.1:{}/", redis.1);
    let env = [
        ("SESSION_COOKIE_SECURE", "false"),
        ("REDIS_URL", url.as_str()),
    ];
    let one = Example::start_with(NAME, &env);
    let two = Example::start_with(NAME, &env);

    let ada = json!({"name": "Ada", "email": "ada@example.com", "password": "correct horse"});
    let signup = post_json(&one, "/signup", &ada, None);
    assert_eq!(status(&signup), 201, "{}", signup.body);
    let cookie = session_cookie(&signup);
    let me = get_user(&two, &cookie);
    assert_eq!(status(&me), 200, "{}", me.body);
    assert_eq!(me.body, signup.body);
    // The email is taken for every instance.
    assert_eq!(status(&post_json(&two, "/signup", &ada, None)), 409);

    // A user created on one logs in on the other.
    let credentials = json!({"email": "ada@example.com", "password": "correct horse"});
    let login = post_json(&two, "/login", &credentials, Some(&cookie));
    assert_eq!(status(&login), 201, "{}", login.body);
    let second = session_cookie(&login);
    assert_eq!(
        status(&get_user(&one, &cookie)),
        401,
        "dropped at login, everywhere"
    );
    let logout = one.post(
        "/logout",
        "application/json",
        "",
        &format!("Cookie: {second}\r\n"),
    );
    assert_eq!(status(&logout), 204);
    assert_eq!(status(&get_user(&two, &second)), 401, "deleted in Redis");
}
