//! Per-request cost of revocation through the layer: no store, the memory store, the Redis
//! store (a `redis-server` this benchmark starts on a free loopback port) and the Redis store
//! on a three-master Redis Cluster (started the same way), in one run.
//!
//! `cargo bench --features redis --bench stores` prints criterion's numbers, then the ratios.

use std::convert::Infallible;
use std::hint::black_box;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::{
    revocation::MemoryRevocationStore, AuthUser, JwtAuth, JwtAuthBuilder, JwtAuthLayer, Token,
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
    // The servers the integration tests start, shared by path.
    let redis = redis_server::RedisServer::start();
    let store = runtime.block_on(redis.store());
    let cluster = redis_cluster::RedisCluster::start();
    let cluster_store = runtime.block_on(cluster.store());
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
        (
            "redis_cluster_store",
            app(builder().revocation(cluster_store).build().unwrap()),
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
    drop((redis, cluster));
}

#[path = "../tests/common/redis_server.rs"]
#[allow(dead_code, missing_docs)]
mod redis_server;

#[path = "../tests/common/redis_cluster.rs"]
#[allow(dead_code, missing_docs)]
mod redis_cluster;

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
    if let (Some(none), Some(memory), Some(redis), Some(cluster)) = (
        mean_ns("no_store"),
        mean_ns("memory_store"),
        mean_ns("redis_store"),
        mean_ns("redis_cluster_store"),
    ) {
        println!("\nper request: no store {none:.0} ns, memory store {memory:.0} ns, Redis store {redis:.0} ns, Redis Cluster {cluster:.0} ns");
        println!(
            "Redis / memory = {:.2}; memory / no store = {:.2}; cluster / single Redis = {:.2}",
            redis / memory,
            memory / none,
            cluster / redis
        );
    }
}
