//! Instructions per request, for a count that noise does not move: run one case `N` times
//! under callgrind, counting inside the requests alone (`--toggle-collect`), and divide by
//! `N`. Every run signs the same 2,001 fresh tokens before it starts (outside the count).
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! BIN=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
//! for case in bare_axum from_fn_jsonwebtoken_decode from_fn_bad_signature \
//!     jwt_auth_layer jwt_auth_layer_first_sight jwt_auth_layer_bad_signature \
//!     jwt_auth_layer_scope_token jwt_auth_layer_scope_checked session_backend \
//!     jwt_auth_layer_closure_resolver; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     --toggle-collect=instructions::measured "$BIN" "$case" 2000 2>&1 \
//!     | grep -o 'Collected : [0-9]*'
//! done
//! ```
//!
//! `cargo bench --bench instructions` alone (no arguments) sends one request of each case
//! and prints this usage.

mod common;

use std::hint::black_box;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::authz::RequireScopes;
use axum_jwt_layer::session::{SessionBackend, UserSession};
use axum_jwt_layer::{AuthLayer, AuthUser, AuthenticatorBuilder, JwtAuthLayer};
use common::{apps, bad_signature, layer_auth, layer_auth_closure, request, token};
use tower::ServiceExt as _;

/// Fresh tokens signed by every run, whatever the case.
const FRESH: u64 = 2_001;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (valid, [(_, bare), (_, manual), (_, layered)]) = apps();
    let forged = bad_signature(&valid);
    // The layered router's configuration, for fresh tokens it has never seen.
    let signer = layer_auth();
    let fresh: Vec<String> = (1..=FRESH).map(|n| token(&signer, n)).collect();
    let repeat = |token: &str| vec![token.to_owned(); FRESH as usize];
    // The cost of a scope check: the same token (with `scope: read`) through the layered
    // router, and through one whose route requires that scope.
    let scoped_token = signer
        .create_token("user-42")
        .extra("email", "a@example.com")
        .extra("n", format!("{:012}", 0))
        .extra("scope", "read")
        .sign()
        .unwrap();
    let scoped: Router = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub })
                .route_layer(RequireScopes::new(["read"])),
        )
        .layer(JwtAuthLayer::new(layer_auth()));
    // The session backend on its default memory store, the session data the subject: the
    // same handler and resolver work as the layered router's, a session cookie for a token.
    let sessions = SessionBackend::<String>::builder().build().unwrap();
    let session_auth = AuthenticatorBuilder::new(sessions)
        .resolver(|session: UserSession<String>, _parts| async move {
            Ok::<_, std::convert::Infallible>(Some(session.into_data()))
        })
        .build()
        .unwrap();
    let cookie = runtime
        .block_on(session_auth.backend().login(
            &Default::default(),
            "user-42",
            &"user-42".to_owned(),
        ))
        .unwrap();
    let cookie = cookie
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let session: Router = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(AuthLayer::new(session_auth));
    // The layered router with its resolver written as a closure, which owns a copy of the
    // token (the other cases' resolver borrows it).
    let closure: Router = Router::new()
        .route(
            "/me",
            get(|AuthUser(sub): AuthUser<String>| async move { sub }),
        )
        .layer(JwtAuthLayer::new(layer_auth_closure()));
    let cases: [(&str, &Router, Vec<String>, StatusCode); 10] = [
        ("bare_axum", &bare, repeat(&valid), StatusCode::OK),
        (
            "from_fn_jsonwebtoken_decode",
            &manual,
            repeat(&valid),
            StatusCode::OK,
        ),
        (
            "from_fn_bad_signature",
            &manual,
            repeat(&forged),
            StatusCode::UNAUTHORIZED,
        ),
        ("jwt_auth_layer", &layered, repeat(&valid), StatusCode::OK),
        (
            "jwt_auth_layer_first_sight",
            &layered,
            fresh,
            StatusCode::OK,
        ),
        (
            "jwt_auth_layer_bad_signature",
            &layered,
            repeat(&forged),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "jwt_auth_layer_scope_token",
            &layered,
            repeat(&scoped_token),
            StatusCode::OK,
        ),
        (
            "jwt_auth_layer_scope_checked",
            &scoped,
            repeat(&scoped_token),
            StatusCode::OK,
        ),
        ("session_backend", &session, repeat(&cookie), StatusCode::OK),
        (
            "jwt_auth_layer_closure_resolver",
            &closure,
            repeat(&valid),
            StatusCode::OK,
        ),
    ];
    // A bearer token, or (`session=..`) the session cookie.
    let request = |credential: &str| -> Request {
        match credential.strip_prefix("session=") {
            Some(_) => Request::get("/me")
                .header("cookie", credential)
                .body(Body::empty())
                .unwrap(),
            None => request(credential),
        }
    };
    // The first request of each case warms its lazy paths; it is sent in both runs, twice:
    // an HMAC token enters the verified-token cache at its second sight.
    for (name, app, tokens, expected) in &cases {
        for _ in 0..2 {
            let response = runtime.block_on(Router::clone(app).oneshot(request(&tokens[0])));
            assert_eq!(response.unwrap().status(), *expected, "{name}");
        }
    }
    let (name, count) = match args.as_slice() {
        [name, count] => (name.as_str(), count.parse::<usize>().unwrap()),
        _ => {
            let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
            println!("usage: instructions <{}> <N < {FRESH}>", names.join("|"));
            return;
        }
    };
    let (_, app, tokens, expected) = cases
        .iter()
        .find(|(n, ..)| *n == name)
        .expect("a case name");
    // The first token was sent above: start after it, so a first sight is a first sight.
    assert!(count < tokens.len(), "N below {FRESH}");
    measured(&runtime, app, &request, &tokens[1..=count], *expected);
}

/// The requests a count measures (each built here, as the criterion benchmarks build theirs):
/// callgrind's `--toggle-collect=instructions::measured` counts inside this function alone,
/// leaving out the setup, whose random-number seeding varies from run to run.
#[inline(never)]
fn measured(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    request: &dyn Fn(&str) -> Request,
    tokens: &[String],
    expected: StatusCode,
) {
    for token in tokens {
        let response = runtime.block_on(Router::clone(app).oneshot(black_box(request(token))));
        assert_eq!(response.unwrap().status(), expected);
    }
}
