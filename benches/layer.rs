//! Per-request cost of `JwtAuthLayer` for an HS256 bearer token, against a hand-written
//! `from_fn` middleware calling `jsonwebtoken::decode` and against bare axum, in one run.
//!
//! `cargo bench --bench layer` prints criterion's numbers, then the ratios.

use std::convert::Infallible;
use std::hint::black_box;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use criterion::Criterion;
use jsonwebtoken::{decode, DecodingKey, Validation};
use tower::ServiceExt as _;

const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";

fn request(token: &str) -> Request {
    Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// What a user writes by hand: parse the header, `jsonwebtoken::decode`, insert the claims.
async fn hand_written(mut request: Request, next: Next) -> Response {
    let Some(token) = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let key = DecodingKey::from_secret(SECRET);
    let validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    match decode::<serde_json::Map<String, serde_json::Value>>(token, &key, &validation) {
        Ok(data) => {
            let sub = data
                .claims
                .get("sub")
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .to_owned();
            request.extensions_mut().insert(sub);
            next.run(request).await
        }
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let auth = JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .build()
        .unwrap();
    let token = auth
        .create_token("user-42")
        .extra("email", "a@example.com")
        .sign()
        .unwrap();

    let bare: Router = Router::new().route("/me", get(|| async { "user-42" }));
    let manual: Router = Router::new()
        .route(
            "/me",
            get(|axum::Extension(sub): axum::Extension<String>| async move { sub }),
        )
        .layer(middleware::from_fn(hand_written));
    let layered: Router = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(auth));

    let mut group = c.benchmark_group("hs256_header");
    for (name, app) in [
        ("bare_axum", &bare),
        ("from_fn_jsonwebtoken_decode", &manual),
        ("jwt_auth_layer", &layered),
    ] {
        let status = runtime
            .block_on(app.clone().oneshot(request(&token)))
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(app.clone().oneshot(black_box(request(&token)))))
        });
    }
    group.finish();
}

mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::bench);
}

/// Mean ns per request from criterion's estimates of this run.
fn mean_ns(name: &str) -> Option<f64> {
    let path = Path::new("target/criterion/hs256_header")
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

fn main() {
    group::benches();
    Criterion::default().configure_from_args().final_summary();
    let (Some(bare), Some(manual), Some(layer)) = (
        mean_ns("bare_axum"),
        mean_ns("from_fn_jsonwebtoken_decode"),
        mean_ns("jwt_auth_layer"),
    ) else {
        return;
    };
    println!("\nper request: bare axum {bare:.0} ns, from_fn + jsonwebtoken::decode {manual:.0} ns, JwtAuthLayer {layer:.0} ns");
    println!("JwtAuthLayer / hand-written = {:.2}", layer / manual);
    println!(
        "auth overhead (minus bare axum): layer {:.0} ns, hand-written {:.0} ns, ratio {:.2}",
        layer - bare,
        manual - bare,
        (layer - bare) / (manual - bare)
    );
}
