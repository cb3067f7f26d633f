//! Per-request cost by algorithm (HS256, RS256, ES256, EdDSA): `JwtAuthLayer` without and
//! with the verified-token cache, against a hand-written `from_fn` middleware calling
//! `jsonwebtoken::decode` with a key built once, and bare axum, in one run.
//!
//! `cargo bench --bench keys` prints criterion's numbers, then a table of ratios.

use std::convert::Infallible;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{
    keys::{Algorithm, Key},
    AuthUser, JwtAuth, JwtAuthLayer, Token,
};
use criterion::Criterion;
use jsonwebtoken::{decode, DecodingKey, Validation};
use serde_json::{Map, Value};
use tower::ServiceExt as _;

const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";
const JWKS: &str = include_str!("../tests/fixtures/jwks.json");
const VARIANTS: [&str; 3] = ["hand_written", "layer", "layer_cached"];

/// An algorithm, its signing key for the crate, and its verifying key for jsonwebtoken.
struct Case {
    algorithm: Algorithm,
    signing: Key,
    decoding: DecodingKey,
}

/// A public JWK of the fixture set by kid, as jsonwebtoken's component constructors want it.
fn jwk(kid: &str) -> Value {
    let set: Value = serde_json::from_str(JWKS).unwrap();
    let keys = set["keys"].as_array().unwrap();
    keys.iter().find(|k| k["kid"] == kid).unwrap().clone()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap()
}

fn cases() -> Vec<Case> {
    let (rsa, ec, ed) = (jwk("rsa-a"), jwk("p256-a"), jwk("ed25519-a"));
    let fixture = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    };
    vec![
        Case {
            algorithm: Algorithm::HS256,
            signing: Key::hmac(SECRET),
            decoding: DecodingKey::from_secret(SECRET).unwrap(),
        },
        Case {
            algorithm: Algorithm::RS256,
            signing: Key::private_pem(fixture("rsa2048-a-private.pem")),
            decoding: DecodingKey::from_rsa_components(text(&rsa["n"]), text(&rsa["e"])).unwrap(),
        },
        Case {
            algorithm: Algorithm::ES256,
            signing: Key::private_pem(fixture("p256-a-private.pem")),
            decoding: DecodingKey::from_ec_components(text(&ec["x"]), text(&ec["y"])).unwrap(),
        },
        Case {
            algorithm: Algorithm::EdDSA,
            signing: Key::private_pem(fixture("ed25519-a-private.pem"))
                .with_public(Key::public_pem(fixture("ed25519-a-public.pem"))),
            decoding: DecodingKey::from_ed_components(text(&ed["x"])).unwrap(),
        },
    ]
}

fn request(token: &str) -> Request {
    Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// What a user writes by hand: parse the header, `jsonwebtoken::decode` with a key and a
/// `Validation` built once, insert the subject.
async fn hand_written(
    State(key): State<Arc<(DecodingKey, Validation)>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(token) = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match decode::<Map<String, Value>>(token, &key.0, &key.1) {
        Ok(data) => {
            let sub = data.claims.get("sub").and_then(Value::as_str);
            let sub = sub.unwrap_or_default().to_owned();
            request.extensions_mut().insert(sub);
            next.run(request).await
        }
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn auth(case: &Case, cache: bool) -> JwtAuth<String> {
    let builder = JwtAuth::<String>::builder()
        .key(case.signing.clone())
        .algorithms([case.algorithm])
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) });
    // Explicit both ways: the cache is on by default for asymmetric algorithms.
    let capacity = if cache { 1_024 } else { 0 };
    builder.verified_token_cache(capacity).build().unwrap()
}

fn layered(auth: JwtAuth<String>) -> Router {
    Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(auth))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut measure = |group: &str, name: &str, app: Router, token: &str| {
        let status = runtime
            .block_on(app.clone().oneshot(request(token)))
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "{group}/{name}");
        let mut group = c.benchmark_group(group);
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(app.clone().oneshot(black_box(request(token)))))
        });
        group.finish();
    };

    let bare = Router::new().route("/me", get(|| async { "user-42" }));
    measure("keys_bare", "bare_axum", bare, "none");

    for case in cases() {
        let (plain, cached) = (auth(&case, false), auth(&case, true));
        let token = plain
            .create_token("user-42")
            .extra("email", "a@example.com")
            .sign()
            .unwrap();
        let group = format!("keys_{:?}", case.algorithm);
        let mut validation = Validation::new(case.algorithm);
        validation.leeway = 60;
        let manual = Router::new()
            .route(
                "/me",
                get(|axum::Extension(sub): axum::Extension<String>| async move { sub }),
            )
            .layer(middleware::from_fn_with_state(
                Arc::new((case.decoding, validation)),
                hand_written,
            ));
        measure(&group, VARIANTS[0], manual, &token);
        measure(&group, VARIANTS[1], layered(plain), &token);
        measure(&group, VARIANTS[2], layered(cached), &token);
    }
}

/// Mean ns per request from criterion's estimates of this run.
fn mean_ns(group: &str, name: &str) -> Option<f64> {
    let path = Path::new("target/criterion")
        .join(group)
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
    let Some(bare) = mean_ns("keys_bare", "bare_axum") else {
        return;
    };
    println!("\nns per request (bare axum {bare:.0} ns); ratios against hand-written jsonwebtoken::decode");
    println!(
        "{:<6} {:>13} {:>9} {:>14} {:>12} {:>19}",
        "alg", "hand-written", "layer", "layer+cache", "layer/hand", "layer+cache/hand"
    );
    for algorithm in ["HS256", "RS256", "ES256", "EdDSA"] {
        let group = format!("keys_{algorithm}");
        let means: Option<Vec<f64>> = VARIANTS.iter().map(|v| mean_ns(&group, v)).collect();
        let Some([hand, layer, cached]) =
            means.as_deref().and_then(|m| <[f64; 3]>::try_from(m).ok())
        else {
            continue;
        };
        println!(
            "{algorithm:<6} {hand:>13.0} {layer:>9.0} {cached:>14.0} {:>12.2} {:>19.2}",
            layer / hand,
            cached / hand
        );
    }
}
