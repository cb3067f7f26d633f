//! Key discovery from an issuer URL (feature `jwks`), against identity providers served by the
//! test on 127.0.0.1:0: OpenID Connect discovery, RFC 8414 as fallback, the document's issuer
//! pinned, a provider down at start (503, then 200 without a restart), and two issuers with
//! their own keys and audiences, a token routed by its `iss`.
#![cfg(feature = "jwks")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use axum_jwt_layer::{
    error::JwksIssuerProblem,
    keys::{Algorithm, JwksErrorKind, JwksSource},
    ConfigError, JwtAuth,
};
use common::keys::{fixture, keyed_auth, keyed_builder, private};
use common::{bearer, router, Calls, User};
use http::StatusCode;
use serde_json::{json, Value};

/// What the provider's metadata endpoints answer.
#[derive(Clone, Copy, PartialEq)]
enum Metadata {
    /// OpenID Connect discovery, naming the provider's own issuer.
    OpenId,
    /// Only RFC 8414 metadata; the OpenID Connect location answers 404.
    OAuthOnly,
    /// OpenID Connect discovery naming another issuer.
    OtherIssuer,
}

#[derive(Clone)]
struct Provider {
    /// The issuer identifier: `http://127.0.0.1:<port><path>`.
    issuer: String,
    path: &'static str,
    kids: &'static [&'static str],
    metadata: Arc<Mutex<Metadata>>,
    /// Requests per path.
    hits: Arc<Mutex<Vec<String>>>,
    set_fetches: Arc<AtomicUsize>,
}

impl Provider {
    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
    fn answer(&self, metadata: Metadata) {
        *self.metadata.lock().unwrap() = metadata;
    }
}

async fn serve(State(provider): State<Provider>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    provider.hits.lock().unwrap().push(path.clone());
    let metadata = *provider.metadata.lock().unwrap();
    let document = |issuer: &str| {
        let jwks_uri = format!("{}/certs", provider.issuer);
        axum::Json(
            json!({"issuer": issuer, "jwks_uri": jwks_uri, "response_types_supported": ["code"]}),
        )
        .into_response()
    };
    let openid = format!("{}/.well-known/openid-configuration", provider.path);
    let oauth = format!("/.well-known/oauth-authorization-server{}", provider.path);
    let certs = format!("{}/certs", provider.path);
    match () {
        _ if path == openid && metadata == Metadata::OpenId => document(&provider.issuer),
        _ if path == openid && metadata == Metadata::OtherIssuer => {
            document("https://impostor.example")
        }
        _ if path == oauth && metadata == Metadata::OAuthOnly => document(&provider.issuer),
        _ if path == certs => {
            provider.set_fetches.fetch_add(1, Ordering::SeqCst);
            let all: Value = serde_json::from_slice(&fixture("jwks.json")).unwrap();
            let keys: Vec<Value> = all["keys"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|k| provider.kids.contains(&k["kid"].as_str().unwrap()))
                .cloned()
                .collect();
            axum::Json(json!({ "keys": keys })).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves a provider on `listener` (its issuer has path `path`) until the test ends.
fn start_on(
    listener: tokio::net::TcpListener,
    path: &'static str,
    kids: &'static [&'static str],
    metadata: Metadata,
) -> Provider {
    let provider = Provider {
        issuer: format!("http://{}{path}", listener.local_addr().unwrap()),
        path,
        kids,
        metadata: Arc::new(Mutex::new(metadata)),
        hits: Arc::default(),
        set_fetches: Arc::default(),
    };
    let app = Router::new().fallback(serve).with_state(provider.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    provider
}

async fn start(path: &'static str, kids: &'static [&'static str], metadata: Metadata) -> Provider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_on(listener, path, kids, metadata)
}

/// A token for `alice` from `iss`, signed by fixture key `name` under `kid`.
fn token(
    name: &str,
    kid: &str,
    algorithm: Algorithm,
    iss: Option<&str>,
    aud: Option<&str>,
) -> String {
    let auth = keyed_auth([private(name).with_kid(kid)], &[algorithm]);
    let mut token = auth.create_token("alice").kid(kid);
    if let Some(iss) = iss {
        token = token.issuer(iss);
    }
    if let Some(aud) = aud {
        token = token.audience(aud);
    }
    token.sign().unwrap()
}

fn rsa(iss: &str) -> String {
    token("rsa2048-a", "rsa-a", Algorithm::RS256, Some(iss), None)
}

fn resource_server(
    sources: impl IntoIterator<Item = JwksSource>,
) -> Result<(Router, Calls, JwtAuth<User>), ConfigError> {
    let (mut builder, calls) = keyed_builder([], &[Algorithm::RS256, Algorithm::ES256]);
    for source in sources {
        builder = builder.jwks(source);
    }
    let auth = builder.build()?;
    Ok((router(auth.clone()), calls, auth))
}

async fn status(app: &Router, token: &str) -> StatusCode {
    bearer(app, "/some-path", token).await.status
}

#[tokio::test]
async fn discovery_finds_the_keys_and_pins_the_issuer() {
    let provider = start("", &["rsa-a"], Metadata::OpenId).await;
    let (app, calls, auth) = resource_server([JwksSource::discover(&provider.issuer)]).unwrap();
    auth.refresh_jwks().await.unwrap();
    assert_eq!(provider.hits("/.well-known/openid-configuration"), 1);
    assert_eq!(
        provider.set_fetches.load(Ordering::SeqCst),
        1,
        "the jwks_uri"
    );

    let reply = bearer(&app, "/some-path", &rsa(&provider.issuer)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"id": "alice"}));
    assert_eq!(calls.count(), 1);

    // Same key, another or no issuer: the discovered keys vouch for this issuer only.
    let elsewhere = rsa("https://elsewhere.example");
    let unstamped = token("rsa2048-a", "rsa-a", Algorithm::RS256, None, None);
    for refused in [elsewhere, unstamped] {
        let reply = bearer(&app, "/some-path", &refused).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json()["detail"], "Invalid or expired token");
    }
    assert_eq!(calls.count(), 1);
    assert_eq!(
        provider.set_fetches.load(Ordering::SeqCst),
        1,
        "refused before any fetch"
    );
}

#[tokio::test]
async fn rfc8414_metadata_is_the_fallback_for_an_issuer_with_a_path() {
    let provider = start("/tenants/acme", &["rsa-a"], Metadata::OAuthOnly).await;
    let (app, _, auth) = resource_server([JwksSource::discover(&provider.issuer)]).unwrap();
    auth.refresh_jwks().await.unwrap();
    assert_eq!(
        provider.hits("/tenants/acme/.well-known/openid-configuration"),
        1
    );
    assert_eq!(
        provider.hits("/.well-known/oauth-authorization-server/tenants/acme"),
        1
    );
    assert_eq!(status(&app, &rsa(&provider.issuer)).await, StatusCode::OK);
}

#[tokio::test]
async fn an_issuer_mismatch_is_refused_at_the_first_fetch_and_never_trusted() {
    let provider = start("", &["rsa-a"], Metadata::OtherIssuer).await;
    let source = JwksSource::discover(&provider.issuer).min_refetch(Duration::from_secs(1));
    let (app, calls, auth) = resource_server([source]).unwrap();
    let error = auth.refresh_jwks().await.unwrap_err();
    assert_eq!(error.kind(), JwksErrorKind::IssuerMismatch);
    assert_eq!(
        provider.set_fetches.load(Ordering::SeqCst),
        0,
        "its jwks_uri is not followed"
    );

    let reply = bearer(&app, "/some-path", &rsa(&provider.issuer)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"status_code": 503, "detail": "Service temporarily unavailable"})
    );
    // Without a token it is the usual 401.
    let reply = common::send(&app, common::get_with("/some-path", &[])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(calls.count(), 0);

    // The provider fixes its document: trusted without a restart.
    provider.answer(Metadata::OpenId);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(status(&app, &rsa(&provider.issuer)).await, StatusCode::OK);
}

#[tokio::test]
async fn a_provider_down_at_start_answers_503_then_200_once_it_is_up() {
    // A port nothing listens on yet.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let issuer = format!("http://{address}");
    let source = JwksSource::discover(&issuer).min_refetch(Duration::from_secs(1));
    let (app, calls, auth) = resource_server([source]).unwrap();
    assert_eq!(
        auth.refresh_jwks().await.unwrap_err().kind(),
        JwksErrorKind::Transport
    );
    for _ in 0..3 {
        assert_eq!(
            status(&app, &rsa(&issuer)).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    assert_eq!(calls.count(), 0);

    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let provider = start_on(listener, "", &["rsa-a"], Metadata::OpenId);
    assert_eq!(provider.issuer, issuer);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(status(&app, &rsa(&issuer)).await, StatusCode::OK);
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn two_issuers_each_with_their_own_keys_and_audiences() {
    let a = start("", &["rsa-a"], Metadata::OpenId).await;
    let b = start("/realms/b", &["p256-a"], Metadata::OpenId).await;
    let (app, calls, auth) = resource_server([
        JwksSource::discover(&a.issuer).audiences(["api-a"]),
        JwksSource::discover(&b.issuer)
            .audiences(["api-b"])
            .min_refetch(Duration::from_secs(60)),
    ])
    .unwrap();
    auth.refresh_jwks().await.unwrap();

    let from_a = token(
        "rsa2048-a",
        "rsa-a",
        Algorithm::RS256,
        Some(&a.issuer),
        Some("api-a"),
    );
    let from_b = token(
        "p256-a",
        "p256-a",
        Algorithm::ES256,
        Some(&b.issuer),
        Some("api-b"),
    );
    assert_eq!(status(&app, &from_a).await, StatusCode::OK);
    assert_eq!(status(&app, &from_b).await, StatusCode::OK);
    assert_eq!(calls.count(), 2);

    // A's key claiming to be B: B's set does not hold it.
    let a_as_b = token(
        "rsa2048-a",
        "rsa-a",
        Algorithm::RS256,
        Some(&b.issuer),
        Some("api-b"),
    );
    // Each issuer's audience only.
    let a_for_b = token(
        "rsa2048-a",
        "rsa-a",
        Algorithm::RS256,
        Some(&a.issuer),
        Some("api-b"),
    );
    let nobody = token(
        "rsa2048-a",
        "rsa-a",
        Algorithm::RS256,
        Some("https://c.example"),
        Some("api-a"),
    );
    for refused in [&a_as_b, &a_for_b, &nobody] {
        let reply = bearer(&app, "/some-path", refused).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.json());
    }
    assert_eq!(calls.count(), 2);
    // The unknown kid asked B for its set once more, never A; the unknown issuer asked nobody.
    assert_eq!(a.set_fetches.load(Ordering::SeqCst), 1);
    assert_eq!(b.set_fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn several_sources_must_name_distinct_accepted_issuers() {
    let error = |sources: Vec<JwksSource>| match resource_server(sources) {
        Err(ConfigError::JwksIssuers(problem)) => problem,
        other => panic!("expected JwksIssuers, got {:?}", other.map(|_| ())),
    };
    let a = || JwksSource::discover("https://a.example");
    assert_eq!(
        error(vec![a(), JwksSource::new("https://b.example/jwks")]),
        JwksIssuerProblem::Missing
    );
    assert_eq!(
        error(vec![
            a(),
            JwksSource::new("https://b.example/jwks").for_issuer("https://a.example")
        ]),
        JwksIssuerProblem::Duplicate
    );
    assert_eq!(
        error(vec![a().for_issuer("https://b.example")]),
        JwksIssuerProblem::Conflicting
    );
    let (builder, _) = keyed_builder([], &[Algorithm::RS256]);
    let refused = builder
        .jwks(a())
        .accepted_issuers(["https://b.example"])
        .build()
        .map(|_| ());
    assert!(matches!(
        refused,
        Err(ConfigError::JwksIssuers(JwksIssuerProblem::NotAccepted))
    ));
    // Named issuers with a plain JWK Set URL each are fine.
    assert!(resource_server([
        a(),
        JwksSource::new("https://b.example/jwks").for_issuer("https://b.example"),
    ])
    .is_ok());
}
