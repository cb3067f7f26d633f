//! Request bodies the crate parses: `JwtAuth::refresh_request` (a JSON body, an RFC 6749 form
//! or the refresh cookie) and the `PasswordGrant` extractor (RFC 6749 §4.3 form). Input
//! layout (seeds are plain files with a 1-byte prefix):
//!
//! - byte 0, bits 0-2: the `Content-Type` (see `CONTENT_TYPES`);
//!   bit 3: the revocation store is down; bit 4: send the refresh cookie `refresh=@RT@`;
//!   bit 5: the password grant instead of the refresh endpoint; bit 6: GET instead of POST;
//! - the rest: the body, where `@RT@` is replaced by a valid refresh token (unspent: the store
//!   is emptied before every input) and `@AT@` by its access token.
//!
//! Checked: no panic; statuses within the documented sets (refresh: 200, 400, 401, 503, and a
//! form never gets 401; password grant: 400 with an RFC 6749 code); 200 only for the refresh
//! token of the login, with a working new pair; the same request again is refused and revokes
//! the family; no refusal echoes the presented token.

#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::response::IntoResponse;
use axum_jwt_layer::issue::{AuthCookie, PasswordGrant, RefreshTokens};
use axum_jwt_layer::JwtAuth;
use axum_jwt_layer_fuzz::{block_on, contains, measured, resolve, timed, FlakyStore, SECRET};
use http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&str>; 8] = [
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("application/x-www-form-urlencoded; charset=UTF-8"),
    None,
    Some("text/plain"),
    Some("APPLICATION/X-WWW-FORM-URLENCODED"),
    Some("application/json; charset=utf-8"),
    Some("multipart/form-data; boundary=x"),
];

fn configure(store: &FlakyStore) -> JwtAuth<String> {
    JwtAuth::<String>::builder()
        .secret(SECRET)
        .cookie(AuthCookie::new("token"))
        .refresh_tokens(RefreshTokens::new().cookie(AuthCookie::new("refresh").path("/refresh")))
        .revocation(store.clone())
        .resolver(resolve)
        // No verified-token cache: an entry a successful refresh leaves behind makes libFuzzer
        // run a leak scan of the whole heap after that input (ten times fewer executions).
        // What this target tests is the bodies, not the cache.
        .verified_token_cache(0)
        .build()
        .expect("the refresh configuration builds")
}

struct Setup {
    auth: JwtAuth<String>,
    store: FlakyStore,
    /// The access and refresh tokens of one login, made once: the store is emptied before
    /// every input, so the refresh token is fresh (unspent) for each.
    access_token: String,
    refresh_token: String,
}

/// One configuration and one login for the whole run.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let store = FlakyStore::new(1_000);
        let auth = configure(&store);
        let login = block_on(async { body_json(auth.login("alice").token_response().await).await });
        let token = |name: &str| {
            login[name]
                .as_str()
                .expect("login answers with a token pair")
                .to_owned()
        };
        Setup {
            access_token: token("access_token"),
            refresh_token: token("refresh_token"),
            auth,
            store,
        }
    })
}

fn replace(body: &[u8], marker: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(marker) {
            out.extend_from_slice(with);
            rest = &rest[marker.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

fn request(flags: u8, body: Vec<u8>, refresh_token: &str) -> Request<Body> {
    let method = if flags & 0x40 != 0 {
        Method::GET
    } else {
        Method::POST
    };
    let mut request = Request::builder().method(method).uri("/refresh");
    if let Some(content_type) = CONTENT_TYPES[usize::from(flags & 7)] {
        request = request.header("content-type", content_type);
    }
    if flags & 0x10 != 0 {
        request = request.header("cookie", format!("refresh={refresh_token}"));
    }
    request.body(Body::from(body)).expect("a valid request")
}

async fn body_json(response: axum::response::Response) -> serde_json::Value {
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("a small body");
    serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
}

fn password_grant(flags: u8, body: &[u8]) {
    let request = request(flags & !0x10, body.to_vec(), "");
    match measured(|| block_on(PasswordGrant::from_request(request, &()))) {
        Ok(grant) => {
            assert!(grant
                .scope
                .iter()
                .all(|s| !s.is_empty() && !s.contains(' ')));
            if flags & 0x40 == 0 {
                // A POST form: its pairs name the password grant.
                let pairs: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(body).expect("an accepted form parses");
                assert!(pairs.contains(&("grant_type".into(), "password".into())));
                assert!(pairs.contains(&("username".into(), grant.username.clone())));
            }
        }
        Err(error) => {
            assert!(matches!(
                error.code(),
                "invalid_request" | "unsupported_grant_type"
            ));
            let response = error.into_response();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    timed(data, |data| run(setup, data));
});

fn run(setup: &Setup, data: &[u8]) {
    let [flags, body @ ..] = data else {
        return;
    };
    let flags = *flags;
    if flags & 0x20 != 0 {
        password_grant(flags, body);
        return;
    }

    let Setup {
        auth,
        store,
        access_token,
        refresh_token,
    } = setup;
    store.reset();
    let body = replace(body, b"@RT@", refresh_token.as_bytes());
    let body = replace(&body, b"@AT@", access_token.as_bytes());
    let presented = flags & 0x10 != 0 || contains(&body, refresh_token.as_bytes());
    let form = matches!(flags & 7, 1 | 2);
    let store_down = flags & 0x08 != 0;
    store.set_down(store_down);

    let response =
        measured(|| block_on(auth.refresh_request(request(flags, body.clone(), refresh_token))));
    let status = response.status();
    assert!(
        [200, 400, 401, 503].contains(&status.as_u16()),
        "refresh answered {status}"
    );
    if form {
        assert_ne!(
            status,
            StatusCode::UNAUTHORIZED,
            "a form gets RFC 6749 errors"
        );
    }
    if status != StatusCode::OK {
        let signature = refresh_token.rsplit('.').next().unwrap_or_default();
        for value in response.headers().values() {
            assert!(!contains(value.as_bytes(), signature.as_bytes()));
        }
        let bytes =
            block_on(axum::body::to_bytes(response.into_body(), 64 * 1024)).expect("a small body");
        assert!(
            !contains(&bytes, signature.as_bytes()),
            "a refusal echoes the token"
        );
        return;
    }

    assert!(presented, "200 only for the refresh token of the login");
    assert!(
        !store_down,
        "a store that is down never lets a refresh through"
    );
    let pair = block_on(body_json(response));
    let new_access = pair["access_token"].as_str().expect("a new access token");
    let new_refresh = pair["refresh_token"].as_str().expect("a new refresh token");
    assert_eq!(
        auth.verify(new_access)
            .expect("the new access token verifies")
            .sub,
        "alice"
    );

    // The same request again: the token is spent, and its family is revoked.
    let again = measured(|| block_on(auth.refresh_request(request(flags, body, refresh_token))));
    assert!(
        [400, 401].contains(&again.status().as_u16()),
        "a replayed refresh token answered {}",
        again.status()
    );
    assert!(
        measured(|| block_on(auth.refresh(new_refresh))).is_err(),
        "after a replay the family is revoked"
    );
}
