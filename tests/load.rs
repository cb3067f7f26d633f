//! Load and soak check, ignored by default: starts the `token_revocation` reference app as a
//! process and drives it over many keep-alive HTTP/1.1 connections with a mix of valid,
//! forged, expired, revoked and missing tokens, plus live login -> use -> logout -> use
//! rounds. Every answer is checked; it prints the latency percentiles and the server's
//! resident memory before and after.
//!
//! ```text
//! LOAD_REQUESTS=100000 LOAD_CONNECTIONS=64 \
//!     cargo test --release --test load -- --ignored --nocapture
//! ```
//!
//! `LOAD_REQUESTS` (default 5000) and `LOAD_CONNECTIONS` (default 16) set the size;
//! `LOAD_MAX_RSS_GROWTH_MIB` (default 64) bounds how much the server's memory may grow.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

const SECRET: &str = "load-check-secret-with-more-than-32-bytes";
const EXAMPLE: &str = "token_revocation";
/// Tokens of each kind prepared before the run.
const POOL: usize = 32;
/// No single answer may take longer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a number")),
        Err(_) => default,
    }
}

/// The example binary of the profile this test was built with, built now if it is stale.
fn example_binary(name: &str) -> PathBuf {
    // target/<profile dir>/deps/<this test> -> target/<profile dir>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name]);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            build.arg("--release");
        }
        Some(other) => {
            build.args(["--profile", other]);
        }
        None => panic!("unexpected target layout: {}", exe.display()),
    }
    assert!(build.status().unwrap().success(), "building {name}");
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The running example; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(example_binary(EXAMPLE))
            .env("ADDR", "127.0.0.1:0")
            .env("JWT_SECRET", SECRET)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .rsplit_once("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .1
            .to_owned();
        Self { child, addr }
    }

    /// VmRSS of the server process, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status (Linux)");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS line")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer: status, the headers (lowercase names) and the body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A minimal HTTP/1.1 client on one keep-alive connection.
struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    async fn open(addr: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        json_body: Option<&str>,
    ) -> std::io::Result<Answer> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: load-check\r\n");
        if let Some(token) = bearer {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = json_body.unwrap_or("");
        if json_body.is_some() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        tokio::time::timeout(REQUEST_TIMEOUT, self.read_answer())
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))?
    }

    async fn read_answer(&mut self) -> std::io::Result<Answer> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(bad("connection closed"));
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed.split_once(':').ok_or_else(|| bad("header"))?;
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut answer = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        if answer.header("transfer-encoding") == Some("chunked") {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(|_| bad("chunk"))?;
                let mut chunk = vec![0; size + 2];
                self.stream.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                answer.body.extend_from_slice(&chunk[..size]);
            }
        } else {
            let length = answer
                .header("content-length")
                .map_or(Ok(0), str::parse)
                .map_err(|_| bad("content-length"))?;
            answer.body = vec![0; length];
            self.stream.read_exact(&mut answer.body).await?;
        }
        Ok(answer)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn user_json(id: &str, n: usize) -> String {
    json!({"id": id, "name": format!("user {n}"), "email": format!("user{n}@example.com")})
        .to_string()
}

/// `POST /login` for a user: the token from `Authorization: Bearer ..`.
async fn login(conn: &mut Connection, id: &str, n: usize) -> Result<String, String> {
    let answer = conn
        .send("POST", "/login", None, Some(&user_json(id, n)))
        .await
        .map_err(|e| format!("login: {e}"))?;
    if answer.status != 201 {
        return Err(format!("login answered {}", answer.status));
    }
    answer
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .ok_or_else(|| "login without a bearer token".to_owned())
}

async fn logout(conn: &mut Connection, token: &str) -> Result<(), String> {
    let answer = conn
        .send("POST", "/logout", Some(token), None)
        .await
        .map_err(|e| format!("logout: {e}"))?;
    match answer.status {
        204 => Ok(()),
        other => Err(format!("logout answered {other}")),
    }
}

/// A token signed with `key` for `sub`, valid from `iat` to `exp` (jsonwebtoken, not the crate).
fn hand_made(key: &[u8], sub: &str, iat: i64, exp: i64) -> String {
    let claims = json!({
        "sub": sub, "iat": iat, "exp": exp, "jti": uuid::Uuid::new_v4().to_string(),
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

/// What a request presents, and what it must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Valid,
    Forged,
    Expired,
    Revoked,
    Missing,
    /// A live round: login, use, logout, use again (4 requests).
    Round,
}

const KINDS: [Kind; 6] = [
    Kind::Valid,
    Kind::Forged,
    Kind::Expired,
    Kind::Revoked,
    Kind::Missing,
    Kind::Round,
];

/// The mix, in twentieths: 8 valid, 3 forged, 3 expired, 3 revoked, 2 missing, 1 round.
fn kind_of(op: usize) -> Kind {
    match op % 20 {
        0..=7 => Kind::Valid,
        8..=10 => Kind::Forged,
        11..=13 => Kind::Expired,
        14..=16 => Kind::Revoked,
        17..=18 => Kind::Missing,
        _ => Kind::Round,
    }
}

/// The tokens prepared before the run. Valid tokens come with the user id they belong to.
struct Tokens {
    valid: Vec<(String, String)>,
    forged: Vec<String>,
    expired: Vec<String>,
    revoked: Vec<String>,
}

async fn prepare(addr: &str) -> Tokens {
    let mut conn = Connection::open(addr).await.unwrap();
    let mut tokens = Tokens {
        valid: Vec::new(),
        forged: Vec::new(),
        expired: Vec::new(),
        revoked: Vec::new(),
    };
    // jsonwebtoken needs a crypto provider: building a configuration installs one.
    axum_jwt_layer::JwtAuth::<String>::builder()
        .secret(SECRET)
        .build()
        .unwrap();
    let wrong_key = b"not-the-server-secret-but-as-long-as-it-0123";
    for n in 0..POOL {
        let id = uuid::Uuid::new_v4().to_string();
        let token = login(&mut conn, &id, n).await.unwrap();
        tokens
            .forged
            .push(hand_made(wrong_key, &id, now(), now() + 600));
        tokens.expired.push(hand_made(
            SECRET.as_bytes(),
            &id,
            now() - 7200,
            now() - 3600,
        ));
        tokens.valid.push((token, id));

        let revoked_id = uuid::Uuid::new_v4().to_string();
        let revoked = login(&mut conn, &revoked_id, POOL + n).await.unwrap();
        logout(&mut conn, &revoked).await.unwrap();
        tokens.revoked.push(revoked);
    }
    tokens
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    wrong: Vec<String>,
    per_kind: [usize; KINDS.len()],
}

impl Tally {
    fn timed<T>(&mut self, started: Instant, result: T) -> T {
        let micros = started.elapsed().as_micros();
        self.latencies_us
            .push(u32::try_from(micros).unwrap_or(u32::MAX));
        result
    }

    fn wrong(&mut self, what: String) {
        if self.wrong.len() < 20 {
            self.wrong.push(what);
        } else {
            self.wrong.push(String::new());
        }
    }
}

/// `GET /some-path` with `token`: 200 with the user's own id, or 401.
async fn check_get(
    conn: &mut Connection,
    tally: &mut Tally,
    token: Option<&str>,
    expect_user: Option<&str>,
    kind: Kind,
) -> bool {
    let started = Instant::now();
    let answer = conn.send("GET", "/some-path", token, None).await;
    let answer = tally.timed(started, answer);
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            tally.wrong(format!("{kind:?}: transport error {error}"));
            return false;
        }
    };
    let right = match expect_user {
        Some(id) => answer.status == 200 && answer.json().is_some_and(|user| user["id"] == id),
        None => {
            answer.status == 401
                && answer.json().is_some_and(|body| body["status_code"] == 401)
                && answer
                    .header("www-authenticate")
                    .is_some_and(|c| c.starts_with("Bearer"))
        }
    };
    if !right {
        tally.wrong(format!("{kind:?}: answered {}", answer.status));
    }
    true
}

/// One connection's share: requests `first`, `first + connections`, ... below `requests`.
async fn drive(
    addr: String,
    tokens: Arc<Tokens>,
    first: usize,
    connections: usize,
    requests: usize,
) -> Tally {
    let mut tally = Tally::default();
    let mut conn = match Connection::open(&addr).await {
        Ok(conn) => conn,
        Err(error) => {
            tally.wrong(format!("connect: {error}"));
            return tally;
        }
    };
    let mut sent = 0;
    let share = requests / connections + usize::from(first < requests % connections);
    let mut op = first;
    while sent < share {
        let kind = match kind_of(op) {
            Kind::Round if share - sent < 4 => Kind::Valid,
            kind => kind,
        };
        let pick = (op / 20) % POOL;
        tally.per_kind[KINDS.iter().position(|k| *k == kind).unwrap()] += 1;
        let alive = match kind {
            Kind::Valid => {
                let (token, id) = &tokens.valid[pick];
                check_get(&mut conn, &mut tally, Some(token), Some(id), kind).await
            }
            Kind::Forged => {
                check_get(
                    &mut conn,
                    &mut tally,
                    Some(&tokens.forged[pick]),
                    None,
                    kind,
                )
                .await
            }
            Kind::Expired => {
                check_get(
                    &mut conn,
                    &mut tally,
                    Some(&tokens.expired[pick]),
                    None,
                    kind,
                )
                .await
            }
            Kind::Revoked => {
                check_get(
                    &mut conn,
                    &mut tally,
                    Some(&tokens.revoked[pick]),
                    None,
                    kind,
                )
                .await
            }
            Kind::Missing => check_get(&mut conn, &mut tally, None, None, kind).await,
            Kind::Round => round(&mut conn, &mut tally, op).await,
        };
        sent += if kind == Kind::Round { 4 } else { 1 };
        op += connections;
        if !alive {
            // A broken connection: count what is left of this share as wrong, stop.
            tally.wrong(format!("{} requests not sent", share.saturating_sub(sent)));
            break;
        }
    }
    tally
}

/// Login -> 200 with the token -> logout -> 401 with the same token.
async fn round(conn: &mut Connection, tally: &mut Tally, op: usize) -> bool {
    // A small set of users, so the example's in-memory user table stays the same size.
    let n = op % POOL;
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let started = Instant::now();
    let token = login(conn, &id, n).await;
    let token = match tally.timed(started, token) {
        Ok(token) => token,
        Err(error) => {
            tally.wrong(format!("Round: {error}"));
            return false;
        }
    };
    if !check_get(conn, tally, Some(&token), Some(&id), Kind::Round).await {
        return false;
    }
    let started = Instant::now();
    let logged_out = logout(conn, &token).await;
    if let Err(error) = tally.timed(started, logged_out) {
        tally.wrong(format!("Round: {error}"));
        return false;
    }
    check_get(conn, tally, Some(&token), None, Kind::Round).await
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load check: run with --ignored (see the module docs)"]
async fn load_and_soak_token_revocation_example() {
    let requests = env_number("LOAD_REQUESTS", 5000);
    let connections = env_number("LOAD_CONNECTIONS", 16).clamp(1, requests.max(1));
    let max_growth_kib = env_number("LOAD_MAX_RSS_GROWTH_MIB", 64) as u64 * 1024;

    let server = Server::start();
    let tokens = Arc::new(prepare(&server.addr).await);
    let rss_before = server.rss_kib();

    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|first| {
            let addr = server.addr.clone();
            tokio::spawn(drive(
                addr,
                Arc::clone(&tokens),
                first,
                connections,
                requests,
            ))
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut wrong = Vec::new();
    let mut per_kind = [0; KINDS.len()];
    for task in tasks {
        let tally = task.await.unwrap();
        latencies.extend(tally.latencies_us);
        wrong.extend(tally.wrong);
        for (total, n) in per_kind.iter_mut().zip(tally.per_kind) {
            *total += n;
        }
    }
    let elapsed = started.elapsed();
    let rss_after = server.rss_kib();

    latencies.sort_unstable();
    let mix: Vec<String> = KINDS
        .iter()
        .zip(per_kind)
        .map(|(kind, n)| format!("{kind:?} {n}"))
        .collect();
    println!("load: {EXAMPLE}, {requests} requests over {connections} keep-alive connections");
    println!("load: mix {}", mix.join(", "));
    println!(
        "load: {} answers in {:.2} s ({:.0} requests/s), wrong answers: {}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        wrong.len()
    );
    if !latencies.is_empty() {
        println!(
            "load: latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0)
        );
    }
    println!(
        "load: server VmRSS before {} KiB, after {} KiB ({:+} KiB)",
        rss_before,
        rss_after,
        rss_after as i64 - rss_before as i64
    );
    let shown: Vec<&String> = wrong.iter().filter(|w| !w.is_empty()).take(20).collect();
    assert!(wrong.is_empty(), "wrong answers: {shown:?}");
    assert_eq!(latencies.len(), requests, "every request answered");
    assert!(
        rss_after <= rss_before + max_growth_kib,
        "the server grew by more than {max_growth_kib} KiB"
    );
}
