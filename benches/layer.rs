//! Per-request cost of `JwtAuthLayer` for an HS256 bearer token, against a hand-written
//! `from_fn` middleware calling `jsonwebtoken::decode` and against bare axum, in one run.
//!
//! `cargo bench --bench layer` prints criterion's numbers, then the ratios.

mod common;

use std::hint::black_box;
use std::path::Path;

use common::{apps, request};
use criterion::Criterion;
use tower::ServiceExt as _;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (token, apps) = apps();
    let mut group = c.benchmark_group("hs256_header");
    for (name, app) in &apps {
        let status = runtime
            .block_on(app.clone().oneshot(request(&token)))
            .unwrap()
            .status();
        assert_eq!(status, 200, "{name}");
        group.bench_function(*name, |b| {
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
