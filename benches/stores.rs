//! Per-request cost of revocation through the layer: no store, the memory store, and the
//! Redis store (a `redis-server` this benchmark starts on a free loopback port), in one run.
//!
//! `cargo bench --features redis --bench stores` prints criterion's numbers, then the ratios.

use std::convert::Infallible;
use std::hint::black_box;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{
    revocation::{MemoryRevocationStore, RedisRevocationStore},
    AuthUser, JwtAuth, JwtAuthBuilder, JwtAuthLayer, Token,
};
use criterion::Criterion;
use tower::ServiceExt as _;

const SECRET: &[u8] = b"bench-secret-0123456789-abcdefghij";

fn builder() -> JwtAuthBuilder<String> {
    JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
}

fn app(auth: JwtAuth<String>) -> Router {
    Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(auth))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server must be installed");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("redis://127.0.0.1:{port}/");
    let store = runtime
        .block_on(RedisRevocationStore::connect(&url))
        .unwrap();
    let apps = [
        ("no_store", app(builder().build().unwrap())),
        (
            "memory_store",
            app(builder()
                .revocation(MemoryRevocationStore::new(100_000))
                .build()
                .unwrap()),
        ),
        (
            "redis_store",
            app(builder().revocation(store).build().unwrap()),
        ),
    ];
    let token = builder()
        .build()
        .unwrap()
        .create_token("user-42")
        .sign()
        .unwrap();
    let request = || {
        Request::get("/me")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let mut group = c.benchmark_group("revocation");
    for (name, app) in &apps {
        let status = runtime
            .block_on(app.clone().oneshot(request()))
            .unwrap()
            .status();
        assert_eq!(status, 200, "{name}");
        group.bench_function(*name, |b| {
            b.iter(|| runtime.block_on(app.clone().oneshot(black_box(request()))))
        });
    }
    group.finish();
    let _ = redis.kill();
    let _ = redis.wait();
}

mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::bench);
}

fn mean_ns(name: &str) -> Option<f64> {
    let path = Path::new("target/criterion/revocation")
        .join(name)
        .join("new/estimates.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

fn main() {
    group::benches();
    Criterion::default().configure_from_args().final_summary();
    if let (Some(none), Some(memory), Some(redis)) = (
        mean_ns("no_store"),
        mean_ns("memory_store"),
        mean_ns("redis_store"),
    ) {
        println!("\nper request: no store {none:.0} ns, memory store {memory:.0} ns, Redis store {redis:.0} ns");
        println!(
            "Redis / memory = {:.2}; memory / no store = {:.2}",
            redis / memory,
            memory / none
        );
    }
}
