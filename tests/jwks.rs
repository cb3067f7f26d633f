//! Remote JWK Sets (feature `jwks`) against a real HTTP server on 127.0.0.1:0: the first
//! fetch, rotation without a restart, a storm of unknown kids, a set that goes bad or away,
//! a first fetch that fails, and the refresh that follows `Cache-Control: max-age`.
#![cfg(feature = "jwks")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{
    keys::{Algorithm, JwksErrorKind, JwksSource, Key},
    ConfigError, JwtAuth,
};
use common::keys::{fixture, keyed_auth, keyed_builder, private};
use common::{bearer, logs, router, Calls, User};
use http::StatusCode;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// What the JWK Set endpoint answers.
#[derive(Clone)]
enum Answer {
    /// The members of `tests/fixtures/jwks.json` with these kids.
    Keys(&'static [&'static str]),
    /// A body that is not a JWK Set.
    Garbage,
    /// An error status.
    Status(u16),
}

#[derive(Clone)]
struct Endpoint {
    answer: Arc<Mutex<Answer>>,
    max_age: Arc<Mutex<Option<u64>>>,
    fetches: Arc<AtomicUsize>,
}

impl Endpoint {
    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn jwk_set(State(endpoint): State<Endpoint>) -> Response {
    endpoint.fetches.fetch_add(1, Ordering::SeqCst);
    // Slow enough that concurrent requests overlap with the fetch.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = endpoint.answer.lock().unwrap().clone();
    let max_age = *endpoint.max_age.lock().unwrap();
    let mut response = match answer {
        Answer::Keys(kids) => {
            let all: Value = serde_json::from_slice(&fixture("jwks.json")).unwrap();
            let keys: Vec<Value> = all["keys"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|k| kids.contains(&k["kid"].as_str().unwrap()))
                .cloned()
                .collect();
            axum::Json(json!({ "keys": keys })).into_response()
        }
        Answer::Garbage => "<html>maintenance</html>".into_response(),
        Answer::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
    };
    if let Some(age) = max_age {
        let value = format!("public, max-age={age}").parse().unwrap();
        response.headers_mut().insert("cache-control", value);
    }
    response
}

/// A running JWK Set endpoint; dropping `stop` shuts it down.
struct Server {
    url: String,
    endpoint: Endpoint,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(answer: Answer) -> Self {
        let endpoint = Endpoint {
            answer: Arc::new(Mutex::new(answer)),
            max_age: Arc::default(),
            fetches: Arc::default(),
        };
        let app = Router::new()
            .route("/.well-known/jwks.json", get(jwk_set))
            .with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            url,
            endpoint,
            stop: Some(stop),
            task,
        }
    }

    async fn shut_down(&mut self) {
        drop(self.stop.take());
        (&mut self.task).await.unwrap();
    }
}

/// A resource server verifying RS256 and ES256 with the set at `url`.
fn resource_server(
    source: JwksSource,
    cache: bool,
) -> Result<(Router, Calls, JwtAuth<User>), ConfigError> {
    let (builder, calls) = keyed_builder([], &[Algorithm::RS256, Algorithm::ES256]);
    let builder = builder.jwks(source);
    let builder = if cache {
        builder.verified_token_cache(1_000)
    } else {
        builder
    };
    let auth = builder.build()?;
    Ok((router(auth.clone()), calls, auth))
}

/// A token for `alice` signed by fixture key `name`, with `kid` in its header, by an issuer
/// that holds the private key.
fn signed(name: &str, kid: &str, algorithm: Algorithm) -> String {
    keyed_auth([private(name).with_kid(kid)], &[algorithm])
        .create_token("alice")
        .kid(kid)
        .sign()
        .unwrap()
}

fn rsa_a() -> String {
    signed("rsa2048-a", "rsa-a", Algorithm::RS256)
}

fn rsa_b() -> String {
    signed("rsa2048-b", "rsa-b", Algorithm::RS256)
}

async fn status(app: &Router, token: &str) -> StatusCode {
    bearer(app, "/some-path", token).await.status
}

#[tokio::test]
async fn the_first_fetch_runs_at_build_and_the_first_request_waits_for_it() {
    let server = Server::start(Answer::Keys(&["rsa-a", "p256-a"])).await;
    let (app, calls, _) = resource_server(JwksSource::new(&server.url), false).unwrap();
    // No waiting here: the request joins the fetch build() started.
    let reply = bearer(&app, "/some-path", &rsa_a()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json(), json!({"id": "alice"}));
    let es256 = signed("p256-a", "p256-a", Algorithm::ES256);
    assert_eq!(status(&app, &es256).await, StatusCode::OK);
    assert_eq!(calls.count(), 2);
    assert_eq!(server.endpoint.fetches(), 1, "one fetch for both requests");
}

#[tokio::test]
async fn a_lazy_source_fetches_on_the_first_request() {
    let server = Server::start(Answer::Keys(&["rsa-a"])).await;
    let source = JwksSource::new(&server.url).lazy(true);
    let (app, _, _) = resource_server(source, false).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.endpoint.fetches(), 0);
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK);
    assert_eq!(server.endpoint.fetches(), 1);
}

#[tokio::test]
async fn rotation_a_new_key_verifies_without_a_restart_and_a_retired_one_stops() {
    let server = Server::start(Answer::Keys(&["rsa-a"])).await;
    let (app, _, auth) = resource_server(JwksSource::new(&server.url), true).unwrap();
    auth.refresh_jwks().await.unwrap();
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK);
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK, "a cache hit");
    // The issuer publishes a new key and signs with it: the unknown kid fetches the set once.
    server.endpoint.answer(Answer::Keys(&["rsa-a", "rsa-b"]));
    assert_eq!(status(&app, &rsa_b()).await, StatusCode::OK);
    assert_eq!(server.endpoint.fetches(), 2);
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK, "both valid");
    // The old key is retired: once the set is fetched again, its tokens are refused, cached
    // verification included.
    server.endpoint.answer(Answer::Keys(&["rsa-b"]));
    auth.refresh_jwks().await.unwrap();
    let reply = bearer(&app, "/some-path", &rsa_a()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply
        .challenge()
        .unwrap()
        .contains("error=\"invalid_token\""));
    assert_eq!(status(&app, &rsa_b()).await, StatusCode::OK);
    // The refused old kid did not fetch again inside the cooldown.
    assert_eq!(server.endpoint.fetches(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_unknown_kids_causes_at_most_one_fetch() {
    let server = Server::start(Answer::Keys(&["rsa-a"])).await;
    let (app, calls, auth) = resource_server(JwksSource::new(&server.url), false).unwrap();
    auth.refresh_jwks().await.unwrap();
    assert_eq!(server.endpoint.fetches(), 1);
    let unknown = signed("rsa2048-b", "no-such-kid", Algorithm::RS256);
    let requests: Vec<_> = (0..1_000)
        .map(|_| {
            let app = app.clone();
            let token = unknown.clone();
            tokio::spawn(async move { bearer(&app, "/some-path", &token).await })
        })
        .collect();
    for request in requests {
        let reply = request.await.unwrap();
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply
            .challenge()
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    assert!(
        server.endpoint.fetches() <= 2,
        "{} fetches for 1,000 unknown kids",
        server.endpoint.fetches()
    );
    assert_eq!(calls.count(), 0);
    // Known kids were never held up by it.
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK);
}

#[tokio::test]
async fn cached_keys_keep_working_when_the_endpoint_goes_bad_or_away() {
    let mut server = Server::start(Answer::Keys(&["rsa-a"])).await;
    let (app, _, auth) = resource_server(JwksSource::new(&server.url), false).unwrap();
    auth.refresh_jwks().await.unwrap();
    let token = rsa_a();
    assert_eq!(status(&app, &token).await, StatusCode::OK);

    let failures = [
        (Answer::Garbage, JwksErrorKind::Malformed),
        (Answer::Status(500), JwksErrorKind::Status(500)),
        (Answer::Keys(&["rsa-b-enc"]), JwksErrorKind::NoUsableKeys),
    ];
    for (answer, kind) in failures {
        server.endpoint.answer(answer);
        let error = auth.refresh_jwks().await.unwrap_err();
        assert_eq!(error.kind(), kind);
        assert_eq!(status(&app, &token).await, StatusCode::OK, "{kind:?}");
    }
    server.shut_down().await;
    let error = auth.refresh_jwks().await.unwrap_err();
    assert_eq!(error.kind(), JwksErrorKind::Transport);
    assert_eq!(status(&app, &token).await, StatusCode::OK);

    let logs = logs();
    assert!(logs.contains("JWK Set fetch failed"), "failures are logged");
    assert!(!logs.contains(&token));
}

#[tokio::test]
async fn a_failing_first_fetch_answers_503_then_recovers() {
    let server = Server::start(Answer::Status(503)).await;
    let source = JwksSource::new(&server.url).min_refetch(Duration::from_secs(1));
    let (app, calls, auth) = resource_server(source, false).unwrap();
    let error = auth.refresh_jwks().await.unwrap_err();
    assert_eq!(error.kind(), JwksErrorKind::Status(503));

    for _ in 0..3 {
        let reply = bearer(&app, "/some-path", &rsa_a()).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            reply.json(),
            json!({"status_code": 503, "detail": "Service temporarily unavailable"})
        );
    }
    assert_eq!(calls.count(), 0, "never a pass");

    server.endpoint.answer(Answer::Keys(&["rsa-a"]));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(status(&app, &rsa_a()).await, StatusCode::OK);
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn nothing_listening_answers_503() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let (app, calls, _) = resource_server(JwksSource::new(url).lazy(true), false).unwrap();
    let reply = bearer(&app, "/some-path", &rsa_a()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn the_background_refresh_follows_max_age() {
    let server = Server::start(Answer::Keys(&["rsa-a"])).await;
    *server.endpoint.max_age.lock().unwrap() = Some(1);
    let source = JwksSource::new(&server.url)
        .cache_control_bounds(Duration::from_secs(1), Duration::from_secs(3600));
    let (app, _, auth) = resource_server(source, false).unwrap();
    auth.refresh_jwks().await.unwrap();
    server.endpoint.answer(Answer::Keys(&["rsa-a", "p256-a"]));
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let fetched = server.endpoint.fetches();
    assert!(
        fetched >= 2,
        "refreshed in the background: {fetched} fetches"
    );
    // The new key arrived without any request asking for it.
    let es256 = signed("p256-a", "p256-a", Algorithm::ES256);
    assert_eq!(status(&app, &es256).await, StatusCode::OK);
}

#[tokio::test]
async fn a_remote_set_is_the_only_key_source_and_never_hmac() {
    let source = || JwksSource::new("https://auth.example/jwks.json").lazy(true);
    let (builder, _) = keyed_builder(
        [Key::public_pem(fixture("rsa2048-a-public.pem"))],
        &[Algorithm::RS256],
    );
    assert!(matches!(
        builder.jwks(source()).build(),
        Err(ConfigError::JwksWithLocalKeys)
    ));
    let (builder, _) = keyed_builder([], &[Algorithm::RS256, Algorithm::HS256]);
    assert!(matches!(
        builder.jwks(source()).build(),
        Err(ConfigError::JwksAlgorithm(Algorithm::HS256))
    ));
    let plain = JwksSource::new("http://auth.example/jwks.json");
    let (builder, _) = keyed_builder([], &[Algorithm::RS256]);
    assert!(matches!(
        builder.jwks(plain).build(),
        Err(ConfigError::InvalidJwksUrl(_))
    ));
    // A verify-only configuration has nothing to sign with.
    let (_, _, auth) = resource_server(source(), false).unwrap();
    assert!(auth.create_token("alice").sign().is_err());
}
