//! Instructions per request, for a count that noise does not move: run one router `N` times
//! under callgrind, once with `N = 0` and once with a large `N`, and divide the difference.
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! BIN=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
//! for app in bare_axum from_fn_jsonwebtoken_decode jwt_auth_layer; do
//!   for n in 0 2000; do
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$app" "$n" 2>&1 \
//!       | grep -o 'Collected : [0-9]*'
//!   done
//! done
//! ```
//!
//! `cargo bench --bench instructions` alone (no arguments) sends one request through each
//! router and prints this usage.

mod common;

use std::hint::black_box;

use common::{apps, request};
use tower::ServiceExt as _;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (token, apps) = apps();
    let (name, count) = match args.as_slice() {
        [name, count] => (name.as_str(), count.parse::<usize>().unwrap()),
        _ => {
            for (name, app) in &apps {
                let response = runtime.block_on(app.clone().oneshot(request(&token)));
                assert_eq!(response.unwrap().status(), 200, "{name}");
            }
            println!(
                "usage: instructions <bare_axum|from_fn_jsonwebtoken_decode|jwt_auth_layer> <N>"
            );
            return;
        }
    };
    let (_, app) = apps
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a router name");
    for _ in 0..count {
        let response = runtime.block_on(app.clone().oneshot(black_box(request(&token))));
        assert_eq!(response.unwrap().status(), 200);
    }
}
