//! End to end over loopback HTTP: requests per second of `JwtAuthLayer` (its default
//! configuration, so a token seen before is a verified-token cache hit) against bare axum
//! serving the same handler, measured with `wrk` (Debian's package) with the same settings.
//!
//! `cargo bench --bench http` serves both routers on free loopback ports (one Tokio worker
//! thread each, so `wrk` keeps a core of its own on a small machine), then runs
//! `wrk -t1 -c32 -d5s` against them in turns, three rounds, and prints the median of each and
//! the ratio. Every request of both carries the same `Authorization` header, so both parse
//! the same bytes; `wrk` counts any answer that is not 2xx, and a run with one fails.
//! Without `wrk` on the `PATH` it says so and stops.

mod common;

use std::net::SocketAddr;
use std::process::Command;

use axum::Router;
use common::apps;

/// One `wrk` run against `address`: requests per second.
fn wrk(address: SocketAddr, authorization: &str) -> f64 {
    let output = Command::new("wrk")
        .args(["-t1", "-c32", "-d5s", "-H"])
        .arg(authorization)
        .arg(format!("http://{address}/me"))
        .output()
        .expect("wrk runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        !report.contains("Non-2xx"),
        "answers other than 200 from {address}"
    );
    let line = report
        .lines()
        .find(|line| line.starts_with("Requests/sec:"))
        .expect("a Requests/sec line");
    line.trim_start_matches("Requests/sec:")
        .trim()
        .parse()
        .unwrap()
}

/// Serves `app` on a free loopback port, on a runtime of its own with one worker thread.
fn serve(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    address
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too: this runs only for
    // `cargo bench --bench http`, where the first argument is `--bench`.
    if std::env::args().nth(1).as_deref() != Some("--bench") {
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("wrk is not installed (apt-get install wrk): nothing measured");
        return;
    }
    let (token, [(_, bare), _, (_, layered)]) = apps();
    let authorization = format!("Authorization: Bearer {token}");
    let (bare, layered) = (serve(bare), serve(layered));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (mut bare_rates, mut layer_rates) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        bare_rates.push(wrk(bare, &authorization));
        layer_rates.push(wrk(layered, &authorization));
    }
    let (bare_rate, layer_rate) = (median(bare_rates.clone()), median(layer_rates.clone()));
    println!("wrk -t1 -c32 -d5s, 3 rounds in turns, GET /me with the same Authorization header");
    println!("bare axum       {bare_rates:.0?} -> median {bare_rate:.0} requests/s");
    println!("JwtAuthLayer    {layer_rates:.0?} -> median {layer_rate:.0} requests/s");
    println!("ratio layer / bare: {:.3}", layer_rate / bare_rate);
}
