//! Per-request cost by algorithm (HS256, RS256, ES256, EdDSA), in one run: bare axum; a
//! hand-written `from_fn` middleware calling `jsonwebtoken::decode` with a key and a
//! `Validation` built once (a valid token, and one with a bad signature); `JwtAuthLayer` with
//! its default configuration, for a token seen for the first time (a fresh token per request),
//! a token seen before, and a bad signature. Allocations per request are counted by a counting
//! global allocator.
//!
//! `cargo bench --bench keys` prints criterion's numbers, then a table of ratios against the
//! hand-written middleware and the allocations per request. With the arguments
//! `count <alg> <variant> <N>` the binary sends `N` requests of one variant and nothing else,
//! for an instruction count under callgrind (the README gives the loop).

// The counting global allocator below needs `unsafe impl GlobalAlloc`.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{
    keys::{Algorithm, Key},
    AuthUser, JwtAuth, JwtAuthLayer,
};
use criterion::Criterion;
use jsonwebtoken::{decode, DecodingKey, Validation};
use serde_json::{Map, Value};
use tower::ServiceExt as _;

/// Counts every allocation (and reallocation) of the process.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";
const JWKS: &str = include_str!("../tests/fixtures/jwks.json");
const ALGORITHMS: [&str; 4] = ["HS256", "RS256", "ES256", "EdDSA"];
const VARIANTS: [&str; 6] = [
    "hand_written",
    "hand_written_bad_signature",
    "layer_first_sight",
    "layer_seen_before",
    "layer_bad_signature",
    "hand_written_first_sight",
];

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

/// The layer as a user gets it: the key, the algorithm, a resolver (borrowing the token);
/// everything else default.
fn auth(case: &Case) -> JwtAuth<String> {
    JwtAuth::<String>::builder()
        .key(case.signing.clone())
        .algorithms([case.algorithm])
        .user_resolver(common::Subject)
        .build()
        .unwrap()
}

/// A token for `user-42` with an `email` and a fixed-width serial `n`, so that every token
/// of a run has the same size whatever its serial.
fn token(auth: &JwtAuth<String>, serial: u64) -> String {
    auth.create_token("user-42")
        .extra("email", "a@example.com")
        .extra("n", format!("{serial:012}"))
        .sign()
        .unwrap()
}

/// The routers and tokens of one algorithm.
struct Apps {
    hand: Router,
    layer: Router,
    auth: JwtAuth<String>,
    valid: String,
    forged: String,
}

fn apps(case: Case) -> Apps {
    let auth = auth(&case);
    let valid = token(&auth, 0);
    let forged = common::bad_signature(&valid);
    let mut validation = Validation::new(case.algorithm);
    validation.leeway = 60;
    let hand = Router::new()
        .route(
            "/me",
            get(|axum::Extension(sub): axum::Extension<String>| async move { sub }),
        )
        .layer(middleware::from_fn_with_state(
            Arc::new((case.decoding, validation)),
            hand_written,
        ));
    let layer = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(auth.clone()));
    Apps {
        hand,
        layer,
        auth,
        valid,
        forged,
    }
}

fn timing(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// Fresh tokens are signed outside the timed part, this many at a time.
const CHUNK: u64 = 256;

fn bench(c: &mut Criterion, runtime: &tokio::runtime::Runtime, all: &[(String, Apps)]) {
    let status = |app: &Router, token: &str| {
        runtime
            .block_on(app.clone().oneshot(request(token)))
            .unwrap()
            .status()
    };

    let bare = Router::new().route("/me", get(|| async { "user-42" }));
    let mut group = c.benchmark_group("keys_bare");
    timing(&mut group);
    group.bench_function("bare_axum", |b| {
        b.iter(|| runtime.block_on(bare.clone().oneshot(black_box(request("none")))))
    });
    group.finish();

    for (name, apps) in all {
        let mut group = c.benchmark_group(format!("keys_{name}"));
        timing(&mut group);
        let fixed = [
            (VARIANTS[0], &apps.hand, &apps.valid, StatusCode::OK),
            (
                VARIANTS[1],
                &apps.hand,
                &apps.forged,
                StatusCode::UNAUTHORIZED,
            ),
            (VARIANTS[3], &apps.layer, &apps.valid, StatusCode::OK),
            (
                VARIANTS[4],
                &apps.layer,
                &apps.forged,
                StatusCode::UNAUTHORIZED,
            ),
        ];
        for (variant, app, token, expected) in fixed {
            assert_eq!(status(app, token), expected, "{name}/{variant}");
            group.bench_function(variant, |b| {
                b.iter(|| runtime.block_on(app.clone().oneshot(black_box(request(token)))))
            });
        }
        // A token never seen before on every request, through both: signed in chunks outside
        // the timing (the hand-written middleware is measured the same way, so the ratio
        // compares like with like).
        let mut serial = 1_000_000;
        for (variant, app) in [(VARIANTS[5], &apps.hand), (VARIANTS[2], &apps.layer)] {
            group.bench_function(variant, |b| {
                b.iter_custom(|iterations| fresh(runtime, app, &apps.auth, &mut serial, iterations))
            });
        }
        group.finish();
    }
}

/// `iterations` requests through `app`, each with a token never sent before: the time spent
/// in the requests alone.
fn fresh(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    auth: &JwtAuth<String>,
    serial: &mut u64,
    iterations: u64,
) -> Duration {
    let mut spent = Duration::ZERO;
    let mut left = iterations;
    while left > 0 {
        let chunk = left.min(CHUNK);
        let tokens: Vec<String> = (0..chunk).map(|i| token(auth, *serial + i)).collect();
        *serial += chunk;
        left -= chunk;
        let started = Instant::now();
        for token in &tokens {
            let response = runtime.block_on(app.clone().oneshot(black_box(request(token))));
            black_box(response.unwrap());
        }
        spent += started.elapsed();
    }
    spent
}

/// The tokens an instruction-count run prepares: `N` may go up to one less.
const COUNTED_FRESH: u64 = 201;

/// For an instruction count that noise does not move (`count <alg> <variant> <N>`, `N` below
/// 201): `N` requests of one variant, after the variant's first request was sent twice (an
/// HMAC token enters the cache at its second sight). Run it under `valgrind
/// --tool=callgrind --toggle-collect=keys::measured` and divide by `N` (see the README).
fn count_requests(
    runtime: &tokio::runtime::Runtime,
    all: &[(String, Apps)],
    algorithm: &str,
    variant: &str,
    count: usize,
) {
    let (_, apps) = all
        .iter()
        .find(|(name, _)| name == algorithm)
        .expect("an algorithm: HS256, RS256, ES256 or EdDSA");
    // Signed only for a first sight: RSA signing is slow under valgrind.
    let fresh = || -> Vec<String> {
        (0..COUNTED_FRESH)
            .map(|i| token(&apps.auth, 20_000_000 + i))
            .collect()
    };
    let repeat = |token: &str| vec![token.to_owned(); COUNTED_FRESH as usize];
    let (app, tokens, expected) = match variant {
        "hand_written" => (&apps.hand, repeat(&apps.valid), StatusCode::OK),
        "hand_written_bad_signature" => {
            (&apps.hand, repeat(&apps.forged), StatusCode::UNAUTHORIZED)
        }
        "hand_written_first_sight" => (&apps.hand, fresh(), StatusCode::OK),
        "layer_first_sight" => (&apps.layer, fresh(), StatusCode::OK),
        "layer_seen_before" => (&apps.layer, repeat(&apps.valid), StatusCode::OK),
        "layer_bad_signature" => (&apps.layer, repeat(&apps.forged), StatusCode::UNAUTHORIZED),
        other => panic!("no variant {other}: one of {VARIANTS:?}"),
    };
    assert!(count < tokens.len(), "N below {COUNTED_FRESH}");
    send(runtime, app, &tokens[..1], expected);
    send(runtime, app, &tokens[..1], expected);
    // The first token was sent above: a first sight stays a first sight.
    measured(runtime, app, &tokens[1..=count], expected);
}

/// The requests an instruction count measures: callgrind's `--toggle-collect=keys::measured`
/// counts inside this function alone, leaving out the setup (whose random-number seeding
/// varies from run to run).
#[inline(never)]
fn measured(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    tokens: &[String],
    expected: StatusCode,
) {
    send(runtime, app, tokens, expected);
}

/// One request per token through `app`, each answered with `expected`.
fn send(runtime: &tokio::runtime::Runtime, app: &Router, tokens: &[String], expected: StatusCode) {
    for token in tokens {
        let response = runtime.block_on(app.clone().oneshot(black_box(request(token))));
        assert_eq!(response.unwrap().status(), expected);
    }
}

/// Allocations per request of `app` over `tokens` (requests built beforehand, not counted).
fn allocations(runtime: &tokio::runtime::Runtime, app: &Router, tokens: &[String]) -> f64 {
    let requests: Vec<Request> = tokens.iter().map(|t| request(t)).collect();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for request in requests {
        black_box(runtime.block_on(app.clone().oneshot(request)).unwrap());
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / tokens.len() as f64
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let all: Vec<(String, Apps)> = cases()
        .into_iter()
        .map(|case| (format!("{:?}", case.algorithm), apps(case)))
        .collect();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [mode, algorithm, variant, count] = args.as_slice() {
        if mode == "count" {
            let count = count.parse().expect("a request count");
            return count_requests(&runtime, &all, algorithm, variant, count);
        }
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &runtime, &all);
    criterion.final_summary();

    // Allocations: 200 requests each, after a first one that warms every lazy path.
    let bare = Router::new().route("/me", get(|| async { "user-42" }));
    let once = |app: &Router, token: &str| allocations(&runtime, app, &[token.to_owned()]);
    once(&bare, "none");
    let bare_allocations = allocations(&runtime, &bare, &vec!["none".to_owned(); 200]);
    let mut counted = Vec::new();
    for (_, apps) in &all {
        once(&apps.hand, &apps.valid);
        // Twice: an HMAC token enters the cache at its second sight.
        once(&apps.layer, &apps.valid);
        once(&apps.layer, &apps.valid);
        let fresh: Vec<String> = (0..200)
            .map(|i| token(&apps.auth, 10_000_000 + i))
            .collect();
        let repeat = |token: &str| vec![token.to_owned(); 200];
        counted.push([
            allocations(&runtime, &apps.hand, &repeat(&apps.valid)),
            allocations(&runtime, &apps.hand, &repeat(&apps.forged)),
            allocations(&runtime, &apps.layer, &fresh),
            allocations(&runtime, &apps.layer, &repeat(&apps.valid)),
            allocations(&runtime, &apps.layer, &repeat(&apps.forged)),
        ]);
    }

    let Some(bare) = mean_ns("keys_bare", "bare_axum") else {
        return;
    };
    println!("\nns per request, bare axum {bare:.0} ns ({bare_allocations:.0} allocations)");
    println!("ratios: the layer against the hand-written jsonwebtoken::decode middleware with the same kind of token");
    println!(
        "(first sight: a fresh token per request through both; seen before: the same valid token)"
    );
    println!(
        "{:<6} {:>9} {:>9} {:>9} | {:>11} {:>11} {:>9} | {:>10} {:>10} {:>9}",
        "alg",
        "hand ns",
        "hand 1st",
        "hand bad",
        "first sight",
        "seen before",
        "bad sig",
        "allocs 1st",
        "allocs seen",
        "hand"
    );
    for (name, allocs) in ALGORITHMS.iter().zip(&counted) {
        let group = format!("keys_{name}");
        let means: Option<Vec<f64>> = VARIANTS.iter().map(|v| mean_ns(&group, v)).collect();
        let Some([hand, hand_bad, first, seen, bad, hand_first]) =
            means.as_deref().and_then(|m| <[f64; 6]>::try_from(m).ok())
        else {
            continue;
        };
        println!(
            "{name:<6} {hand:>9.0} {hand_first:>9.0} {hand_bad:>9.0} | {:>11.3} {:>11.3} {:>9.3} | {:>10.1} {:>10.1} {:>9.1}",
            first / hand_first,
            seen / hand,
            bad / hand_bad,
            allocs[2],
            allocs[3],
            allocs[0],
        );
    }
}
