//! The session suite against a real `redis-server` started on a free loopback port, plus
//! two instances sharing it, Redis going away and coming back, key expiry and round trips.
#![cfg(feature = "redis")]

mod common;

use std::time::{Duration, Instant};

use common::redis_server::{command_calls, RedisServer};
use common::sessions::*;
use common::*;
use http::StatusCode;

#[tokio::test]
async fn suite_against_redis() {
    let redis = RedisServer::start();
    let (app, calls, auth) = session_app(redis.store().await);
    rotation(&app).await;
    reuse_detection(&app, &calls).await;
    let (app, calls, _) = session_app(redis.store().await);
    separation(&app, &calls, &auth).await;
    logouts(&app).await;
    refresh_inputs(&app).await;
}

#[tokio::test]
async fn two_instances_share_logouts_and_reuse_detection() {
    let redis = RedisServer::start();
    let (one, _, _) = session_app(redis.store().await);
    let (two, calls_two, _) = session_app(redis.store().await);
    two_instances(&one, &two, &calls_two).await;
}

#[tokio::test]
async fn redis_down_fails_closed_and_recovers_without_restart() {
    // Persistent, as a production Redis is: the login is still registered after the restart.
    let mut redis = RedisServer::start_persistent();
    let (app, calls, _) = session_app(redis.store().await);
    let pair = login(&app, "alice").await;
    assert_eq!(status_of(&app, &pair.access).await, 200);
    let before = calls.count();
    redis.stop();
    for _ in 0..3 {
        let reply = bearer(&app, "/some-path", &pair.access).await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.body
        );
        assert_eq!(
            reply.json(),
            serde_json::json!({"status_code": 503, "detail": "Service temporarily unavailable"})
        );
    }
    assert_eq!(
        calls.count(),
        before,
        "nothing passes while the store is down"
    );
    assert_eq!(refresh(&app, &pair.refresh).await.status, 503);
    assert_eq!(post_with(&app, "/logout", &pair.access).await.status, 503);
    redis.restart();
    let started = Instant::now();
    loop {
        let status = status_of(&app, &pair.access).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn entries_expire_with_the_tokens_and_one_round_trip_per_request() {
    let redis = RedisServer::start();
    let (app, _, _) = session_app(redis.store().await);
    let pair = login(&app, "alice").await;
    let mut client = redis.client().await;
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut client)
        .await
        .unwrap();
    for _ in 0..10 {
        assert_eq!(status_of(&app, &pair.access).await, 200);
    }
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut client)
        .await
        .unwrap();
    let calls = command_calls(&stats);
    assert_eq!(calls.get("mget"), Some(&10), "{stats}");
    let total: u64 = calls.values().sum();
    assert_eq!(
        total, 10,
        "one round trip per authenticated request: {stats}"
    );

    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("test:*")
        .query_async(&mut client)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    for key in keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut client)
            .await
            .unwrap();
        // At most the refresh lifetime (14 days) plus the leeway; never persistent (-1).
        assert!(ttl > 0 && ttl <= 14 * 86_400 + 60, "{key}: ttl {ttl}");
    }
    // Logging out removes the login's keys: it takes no room.
    assert_eq!(post_with(&app, "/logout", &pair.access).await.status, 204);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("test:*")
        .query_async(&mut client)
        .await
        .unwrap();
    assert!(keys.is_empty(), "{keys:?}");
    assert_eq!(status_of(&app, &pair.access).await, 401);
}
