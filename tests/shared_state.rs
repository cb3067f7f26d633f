//! SECURITY.md 49-51 over HTTP, through a router served on a loopback port: one client cannot
//! fill the revocation store or make another user's logout or refresh fail; logout-all and
//! refresh do not race; one refresh token presented twenty times at once rotates once. Each
//! case runs against the memory store and (feature `redis`) against a real Redis and a Redis
//! Cluster.

mod common;

use std::future::Future;

use axum_jwt_layer::revocation::{MemoryRevocationStore, RevocationStore};
use common::served::{Client, Served};
use common::sessions::session_app;
use common::Reply;
use serde_json::{json, Value};

struct Pair {
    access: String,
    refresh: String,
}

fn pair(reply: &Reply) -> Pair {
    let body = reply.json();
    Pair {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

async fn try_login(client: Client, sub: &str) -> Reply {
    client
        .call("POST", &format!("/login?sub={sub}"), &[], "")
        .await
}

async fn login(client: Client, sub: &str) -> Pair {
    let reply = try_login(client, sub).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    pair(&reply)
}

async fn refresh(client: Client, refresh_token: &str) -> Reply {
    let body = json!({ "refresh_token": refresh_token }).to_string();
    let headers = [("content-type", "application/json")];
    client.call("POST", "/refresh", &headers, &body).await
}

async fn post(client: Client, path: &str, access: &str) -> u16 {
    let authorization = format!("Bearer {access}");
    let headers = [("authorization", authorization.as_str())];
    client
        .call("POST", path, &headers, "")
        .await
        .status
        .as_u16()
}

async fn status(client: Client, access: &str) -> u16 {
    let authorization = format!("Bearer {access}");
    let headers = [("authorization", authorization.as_str())];
    client
        .call("GET", "/some-path", &headers, "")
        .await
        .status
        .as_u16()
}

fn claims(jwt: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode::<Value>(jwt)
        .unwrap()
        .claims
}

async fn serve(store: impl RevocationStore) -> Served {
    let (router, _, _) = session_app(store);
    Served::start(router).await
}

/// SECURITY 49, one account: a thousand logins (with refreshes and logouts between them) keep
/// at most the per-subject cap of live logins, revoking the oldest; the victim is untouched.
async fn one_account_cannot_fill_the_store<F: Future<Output = usize>>(
    served: &Served,
    size: impl Fn() -> F,
) {
    let client = served.client();
    let victim = login(client, "alice").await;
    let mut first = None;
    let mut last = None;
    for n in 0..1000 {
        let pair = login(client, "mallory").await;
        if n % 3 == 0 {
            assert_eq!(refresh(client, &pair.refresh).await.status, 200);
        } else if n % 3 == 1 {
            assert_eq!(post(client, "/logout", &pair.access).await, 204);
        }
        first.get_or_insert(pair.access.clone());
        last = Some(pair);
    }
    let entries = size().await;
    assert!(
        entries <= 32 + 2 + 3,
        "the per-subject cap (32) bounds one account: {entries} entries"
    );
    let (first, last) = (first.unwrap(), last.unwrap());
    assert_eq!(
        status(client, &first).await,
        401,
        "the oldest login was revoked"
    );
    assert_eq!(status(client, &last.access).await, 200, "the newest works");
    // The victim: works, refreshes, logs out.
    assert_eq!(status(client, &victim.access).await, 200);
    let rotated = refresh(client, &victim.refresh).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let rotated = pair(&rotated);
    assert_eq!(post(client, "/logout", &rotated.access).await, 204);
    assert_eq!(status(client, &rotated.access).await, 401);
    assert_eq!(status(client, &victim.access).await, 401, "the whole login");
    // And a newcomer logs in.
    let bob = login(client, "bob").await;
    assert_eq!(status(client, &bob.access).await, 200);
}

/// SECURITY 49, many accounts: once the store is full, a new login gets 503 (the newcomer
/// waits), while users who logged in before still refresh, log out and log out everywhere.
async fn a_full_store_refuses_the_newcomer_never_the_victim(served: &Served, fill: impl Future) {
    let client = served.client();
    let (one, two) = (login(client, "alice").await, login(client, "alice").await);
    let three = login(client, "carol").await;
    fill.await;
    let mut refused = None;
    for n in 0..20_000 {
        let reply = try_login(client, &format!("mallory-{n}")).await;
        if reply.status != 201 {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("the store has a bound");
    assert_eq!(refused.status, 503);
    assert_eq!(
        refused.json(),
        json!({"status_code": 503, "detail": "Service temporarily unavailable"})
    );
    assert!(refused.headers.get("authorization").is_none());
    // The victims are served in full.
    assert_eq!(status(client, &one.access).await, 200);
    let rotated = refresh(client, &one.refresh).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let rotated = pair(&rotated);
    assert_eq!(status(client, &rotated.access).await, 200);
    assert_eq!(post(client, "/logout", &rotated.access).await, 204);
    assert_eq!(status(client, &rotated.access).await, 401);
    assert_eq!(post(client, "/logout-all", &two.access).await, 204);
    assert_eq!(status(client, &two.access).await, 401);
    assert_eq!(refresh(client, &two.refresh).await.status, 401);
    assert_eq!(post(client, "/logout", &three.access).await, 204);
    assert_eq!(status(client, &three.access).await, 401);
}

/// SECURITY 50: a login right after logout-all works, also within the same second; every
/// token from before stays refused.
async fn logout_all_then_login_in_the_same_second(served: &Served) {
    let client = served.client();
    let mut same_second = 0;
    for n in 0..20 {
        let sub = format!("dave-{n}");
        let (a, b) = (login(client, &sub).await, login(client, &sub).await);
        assert_eq!(post(client, "/logout-all", &a.access).await, 204);
        let c = login(client, &sub).await;
        assert_eq!(status(client, &c.access).await, 200, "the new login works");
        for old in [&a, &b] {
            assert_eq!(status(client, &old.access).await, 401);
            assert_eq!(refresh(client, &old.refresh).await.status, 401);
        }
        assert_eq!(refresh(client, &c.refresh).await.status, 200);
        if claims(&a.access)["iat"] == claims(&c.access)["iat"] {
            same_second += 1;
        }
    }
    assert!(same_second > 0, "no round had both logins in one second");
}

/// SECURITY 50: refreshes racing a logout-all mint nothing that outlives it.
async fn refresh_racing_logout_all_mints_nothing_that_survives(served: &Served) {
    let client = served.client();
    for n in 0..20 {
        let sub = format!("erin-{n}");
        let mut pairs = Vec::new();
        for _ in 0..4 {
            pairs.push(login(client, &sub).await);
        }
        let mut tasks = Vec::new();
        for pair in &pairs {
            let token = pair.refresh.clone();
            tasks.push(tokio::spawn(async move { refresh(client, &token).await }));
        }
        let access = pairs[0].access.clone();
        let logout = tokio::spawn(async move { post(client, "/logout-all", &access).await });
        assert_eq!(logout.await.unwrap(), 204);
        for task in tasks {
            let reply = task.await.unwrap();
            if reply.status == 200 {
                let minted = pair(&reply);
                assert_eq!(status(client, &minted.access).await, 401, "round {n}");
                assert_eq!(refresh(client, &minted.refresh).await.status, 401);
            } else {
                assert_eq!(reply.status, 401, "{}", reply.body);
            }
        }
        for pair in &pairs {
            assert_eq!(status(client, &pair.access).await, 401);
        }
    }
}

/// SECURITY 51: the same refresh token twenty times at once: one new pair, then the family
/// is revoked (the nineteen replays are reuse).
async fn one_refresh_token_twenty_times_at_once(served: &Served) {
    let client = served.client();
    let original = login(client, "frank").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let token = original.refresh.clone();
        tasks.push(tokio::spawn(async move { refresh(client, &token).await }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status.as_u16() {
            200 => winners.push(pair(&reply)),
            401 => {}
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one gets a new pair");
    let winner = &winners[0];
    assert_eq!(status(client, &winner.access).await, 401, "family revoked");
    assert_eq!(refresh(client, &winner.refresh).await.status, 401);
    assert_eq!(status(client, &original.access).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_49_memory_one_account_cannot_fill_the_store() {
    let store = std::sync::Arc::new(MemoryRevocationStore::new(10_000));
    let served = serve(store.clone()).await;
    one_account_cannot_fill_the_store(&served, || {
        let store = store.clone();
        async move { store.len() }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_49_memory_a_full_store_refuses_the_newcomer_never_the_victim() {
    let store = std::sync::Arc::new(MemoryRevocationStore::new(100));
    let served = serve(store.clone()).await;
    a_full_store_refuses_the_newcomer_never_the_victim(&served, async {}).await;
    assert!(store.len() <= 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_50_memory_logout_all_then_login_in_the_same_second() {
    let served = serve(MemoryRevocationStore::new(10_000)).await;
    logout_all_then_login_in_the_same_second(&served).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_50_memory_refresh_racing_logout_all() {
    let served = serve(MemoryRevocationStore::new(10_000)).await;
    refresh_racing_logout_all_mints_nothing_that_survives(&served).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_51_memory_one_refresh_token_twenty_times_at_once() {
    let served = serve(MemoryRevocationStore::new(10_000)).await;
    one_refresh_token_twenty_times_at_once(&served).await;
}

#[cfg(feature = "redis")]
mod on_redis {
    use super::*;
    use common::redis_server::RedisServer;

    async fn dbsize(redis: &RedisServer) -> usize {
        let mut client = redis.client().await;
        redis::cmd("DBSIZE").query_async(&mut client).await.unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn case_49_redis_one_account_cannot_fill_the_store() {
        let redis = RedisServer::start();
        let served = serve(redis.store().await).await;
        one_account_cannot_fill_the_store(&served, || dbsize(&redis)).await;
    }

    /// Redis's bound is `maxmemory` (with `noeviction`): set just above what it uses now.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn case_49_redis_a_full_store_refuses_the_newcomer_never_the_victim() {
        let redis = RedisServer::start();
        let served = serve(redis.store().await).await;
        let fill = async {
            let mut client = redis.client().await;
            let info: String = redis::cmd("INFO")
                .arg("memory")
                .query_async(&mut client)
                .await
                .unwrap();
            let used: u64 = info
                .lines()
                .find_map(|l| l.strip_prefix("used_memory:"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let _: () = redis::cmd("CONFIG")
                .arg("SET")
                .arg("maxmemory-policy")
                .arg("noeviction")
                .query_async(&mut client)
                .await
                .unwrap();
            let _: () = redis::cmd("CONFIG")
                .arg("SET")
                .arg("maxmemory")
                .arg(used + 256 * 1024)
                .query_async(&mut client)
                .await
                .unwrap();
        };
        a_full_store_refuses_the_newcomer_never_the_victim(&served, fill).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn case_50_redis_logout_all_then_login_in_the_same_second() {
        let redis = RedisServer::start();
        let served = serve(redis.store().await).await;
        logout_all_then_login_in_the_same_second(&served).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn case_50_redis_refresh_racing_logout_all() {
        let redis = RedisServer::start();
        let served = serve(redis.store().await).await;
        refresh_racing_logout_all_mints_nothing_that_survives(&served).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn case_51_redis_one_refresh_token_twenty_times_at_once() {
        let redis = RedisServer::start();
        let served = serve(redis.store().await).await;
        one_refresh_token_twenty_times_at_once(&served).await;
    }
}

#[cfg(feature = "redis")]
mod on_cluster {
    use super::*;
    use common::redis_cluster::RedisCluster;

    async fn keys(cluster: &RedisCluster) -> usize {
        let mut total = 0;
        for node in &cluster.nodes {
            let mut client = node.client().await;
            let size: usize = redis::cmd("DBSIZE").query_async(&mut client).await.unwrap();
            total += size;
        }
        total
    }

    /// SECURITY 49-51 on a three-master Redis Cluster, in one test (one cluster).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cases_49_to_51_on_a_redis_cluster() {
        let cluster = RedisCluster::start();
        let served = serve(cluster.store().await).await;
        one_account_cannot_fill_the_store(&served, || keys(&cluster)).await;
        logout_all_then_login_in_the_same_second(&served).await;
        refresh_racing_logout_all_mints_nothing_that_survives(&served).await;
        one_refresh_token_twenty_times_at_once(&served).await;
    }
}
