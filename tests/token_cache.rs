//! The verified-token cache: a hit still expires, is still revoked, and only the very same
//! token string hits.

mod common;

use std::time::Duration;

use axum::response::IntoResponse as _;
use axum_jwt_layer::{keys::Algorithm, revocation::MemoryRevocationStore};
use common::keys::{keyed_builder, private};
use common::{bearer, router};
use http::StatusCode;

fn cached_app(
    store: Option<MemoryRevocationStore>,
) -> (
    axum::Router,
    common::Calls,
    axum_jwt_layer::JwtAuth<common::User>,
) {
    let (builder, calls) = keyed_builder([private("p256-a")], &[Algorithm::ES256]);
    let builder = builder.leeway(Duration::ZERO).verified_token_cache(100);
    let builder = match store {
        Some(store) => builder.revocation(store),
        None => builder,
    };
    let auth = builder.build().unwrap();
    (router(auth.clone()), calls, auth)
}

#[tokio::test]
async fn a_cached_token_still_expires() {
    let (app, calls, auth) = cached_app(None);
    // Expires at the start of the second after next: valid now, expired 2 s from now.
    let jwt = auth
        .create_token("alice")
        .expires_in(Duration::from_secs(2))
        .sign()
        .unwrap();
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let reply = bearer(&app, "/some-path", &jwt).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply
        .challenge()
        .unwrap()
        .contains("error=\"invalid_token\""));
    assert_eq!(calls.count(), 2);
}

#[tokio::test]
async fn a_cached_token_is_still_revoked() {
    let store = MemoryRevocationStore::new(100);
    let (app, calls, auth) = cached_app(Some(store));
    let jwt = auth.create_token("alice").sign().unwrap();
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    let token = auth.verify(&jwt).unwrap();
    assert_eq!(auth.logout(&token).await.into_response().status(), 204);
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn only_the_same_token_string_hits() {
    let (app, calls, auth) = cached_app(None);
    let jwt = auth.create_token("alice").sign().unwrap();
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    // Same header and payload, another signature: verified afresh, and refused.
    let (message, _) = jwt.rsplit_once('.').unwrap();
    let other = keyed_builder([private("p256-b")], &[Algorithm::ES256])
        .0
        .build()
        .unwrap();
    let forged = format!(
        "{message}.{}",
        other
            .create_token("x")
            .sign()
            .unwrap()
            .rsplit('.')
            .next()
            .unwrap()
    );
    assert_eq!(
        bearer(&app, "/some-path", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(calls.count(), 1);
}

/// Counts the full verifications of `builder`'s configuration: its decode hook runs after a
/// signature verified, never on a cache hit.
fn counting_verifications(
    builder: axum_jwt_layer::JwtAuthBuilder<common::User>,
) -> (
    axum::Router,
    axum_jwt_layer::JwtAuth<common::User>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let verified = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = verified.clone();
    let auth = builder
        .decode_hook(move |payload| {
            seen.fetch_add(1, Ordering::SeqCst);
            Some(payload)
        })
        .build()
        .unwrap();
    (router(auth.clone()), auth, verified)
}

/// The cache is on by default for HMAC too: the same HS256 token is verified twice (it is
/// admitted at its second sight), then served from the cache, each request still resolved;
/// `verified_token_cache(0)` turns it off.
#[tokio::test]
async fn hs256_tokens_are_cached_by_default_and_zero_turns_it_off() {
    use std::sync::atomic::Ordering;
    // HMAC tokens are admitted at their second sight: two full verifications, then hits.
    for (capacity, expected) in [(None, 2), (Some(0), 4)] {
        let (builder, calls) = common::builder();
        let builder = match capacity {
            Some(capacity) => builder.verified_token_cache(capacity),
            None => builder,
        };
        let (app, auth, verified) = counting_verifications(builder);
        let jwt = auth.create_token("alice").sign().unwrap();
        for _ in 0..4 {
            assert_eq!(
                bearer(&app, "/some-path", &jwt).await.status,
                StatusCode::OK
            );
        }
        assert_eq!(verified.load(Ordering::SeqCst), expected, "{capacity:?}");
        assert_eq!(calls.count(), 4, "the resolver runs on every request");
    }
}
