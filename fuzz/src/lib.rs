//! What the fuzz targets share: a single-threaded runtime built once, the keys of the test
//! fixtures, a revocation store that can be switched off, HS256 signing of raw bytes, and the
//! per-input time budget.
//!
//! Nothing here prints a token, a signature or a cookie value: only sizes and durations.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum_jwt_layer::revocation::{
    Family, MemoryRevocationStore, Revocation, RevocationStore, Rotation, StoreError, TokenIds,
};
use axum_jwt_layer::Token;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The HS256 secret every target signs and verifies with (32 bytes: the minimum).
pub const SECRET: &[u8; 32] = b"fuzzing-secret-of-32-bytes-long!";

/// Statuses the layer may answer with when the resolver and the keys work (DESIGN.md §3):
/// 200 from the inner service, 400 `invalid_request`, 401, 403 (cross-origin), 503 (store down).
pub const LAYER_STATUSES: [u16; 5] = [200, 400, 401, 403, 503];

/// Lifetime of the tokens the targets mint: long enough for committed seeds to stay valid.
pub const LONG: Duration = Duration::from_secs(100 * 365 * 86_400);

/// The fixture keys of the main crate's tests.
pub mod fixtures {
    /// P-256 private key, PKCS#8 PEM.
    pub const P256_PRIVATE: &[u8] = include_bytes!("../../tests/fixtures/p256-a-private.pem");
    /// RSA 2048 private key, PKCS#8 PEM.
    pub const RSA_PRIVATE: &[u8] = include_bytes!("../../tests/fixtures/rsa2048-a-private.pem");
    /// Ed25519 private key, PKCS#8 PEM (it carries its public half).
    pub const ED25519_PRIVATE: &[u8] = include_bytes!("../../tests/fixtures/ed25519-a-private.pem");
    /// Ed25519 public key, SubjectPublicKeyInfo PEM.
    pub const ED25519_PUBLIC: &[u8] = include_bytes!("../../tests/fixtures/ed25519-a-public.pem");
}

/// The HS256 configuration of the `verify` target.
pub fn hmac_auth() -> axum_jwt_layer::JwtAuth<String> {
    axum_jwt_layer::JwtAuth::<String>::builder()
        .secret(SECRET)
        .resolver(resolve)
        .build()
        .expect("HS256 builds")
}

/// The asymmetric configuration of the `verify` target: keys selected by `kid` (`ec`: P-256,
/// `rsa`: RSA 2048 for RS256 and PS256, `ed`: Ed25519), the verified-token cache on.
pub fn asymmetric_auth() -> axum_jwt_layer::JwtAuth<String> {
    use axum_jwt_layer::keys::{Algorithm, Key};
    axum_jwt_layer::JwtAuth::<String>::builder()
        .key(Key::private_pem(fixtures::P256_PRIVATE).with_kid("ec"))
        .key(Key::private_pem(fixtures::RSA_PRIVATE).with_kid("rsa"))
        .key(
            Key::private_pem(fixtures::ED25519_PRIVATE)
                .with_public(Key::public_pem(fixtures::ED25519_PUBLIC))
                .with_kid("ed"),
        )
        .algorithms([
            Algorithm::ES256,
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::EdDSA,
        ])
        .resolver(resolve)
        .build()
        .expect("the asymmetric keys build")
}

/// The runtime every target drives its futures on: current-thread, with timers (the resolver
/// deadline), built once per process.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime")
    })
}

/// Runs a future to completion on [`runtime`].
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// The resolver of every target: the subject is the user, except `nobody` (no such user: 401).
pub fn resolve(
    token: Token,
    _parts: &http::request::Parts,
) -> std::future::Ready<Result<Option<String>, Infallible>> {
    std::future::ready(Ok((token.sub != "nobody").then_some(token.sub)))
}

/// A [`MemoryRevocationStore`] that answers [`StoreError::unavailable`] while it is down, and
/// that can be emptied between inputs (so that one input never sees another's state).
#[derive(Debug, Clone)]
pub struct FlakyStore {
    capacity: usize,
    inner: Arc<Mutex<Arc<MemoryRevocationStore>>>,
    down: Arc<AtomicBool>,
    /// The logins registered so far (family, subject, refresh jti, until): a reset keeps them,
    /// as a store keeps its logins, and forgets rotations and revocations.
    logins: Arc<Mutex<Vec<(String, String, Option<String>, i64)>>>,
}

impl FlakyStore {
    /// An empty store, up.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Arc::new(Mutex::new(Arc::new(MemoryRevocationStore::new(capacity)))),
            down: Arc::new(AtomicBool::new(false)),
            logins: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Takes the store down (`true`) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Forgets every rotation and revocation (the logins stay registered, as at login), and
    /// brings the store back up.
    pub fn reset(&self) {
        let fresh = Arc::new(MemoryRevocationStore::new(self.capacity));
        let logins = self
            .logins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        block_on(async {
            for (id, subject, refresh, until) in &logins {
                let family = Family::new(id, subject);
                fresh
                    .register(family, refresh.as_deref(), *until)
                    .await
                    .expect("a fresh store has room for the setup's logins");
            }
        });
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = fresh;
        self.set_down(false);
    }

    /// The current memory store, or the outage.
    fn current(&self) -> Result<Arc<MemoryRevocationStore>, StoreError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(StoreError::unavailable("the fuzzer took the store down"));
        }
        Ok(Arc::clone(
            &self.inner.lock().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

impl RevocationStore for FlakyStore {
    async fn register(
        &self,
        family: Family<'_>,
        refresh: Option<&str>,
        until: i64,
    ) -> Result<(), StoreError> {
        self.current()?.register(family, refresh, until).await?;
        self.logins.lock().unwrap_or_else(|e| e.into_inner()).push((
            family.id.to_owned(),
            family.subject.to_owned(),
            refresh.map(str::to_owned),
            until,
        ));
        Ok(())
    }

    async fn revoke(&self, revocation: Revocation<'_>, until: i64) -> Result<(), StoreError> {
        self.current()?.revoke(revocation, until).await
    }

    async fn is_revoked(&self, token: TokenIds<'_>) -> Result<bool, StoreError> {
        self.current()?.is_revoked(token).await
    }

    async fn rotate(
        &self,
        family: Family<'_>,
        presented: &str,
        next: &str,
        until: i64,
    ) -> Result<Rotation, StoreError> {
        let store = self.current()?;
        store.rotate(family, presented, next, until).await
    }
}

/// base64url without padding, as JWS segments are written.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS of these exact header and payload bytes, signed HS256 with [`SECRET`]
/// (whatever `alg` the header names).
pub fn sign_hs256(header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET).expect("the fuzz secret is not empty");
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .expect("HS256 signs any input");
    format!("{input}.{signature}")
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// CPU time of the calling thread, in microseconds: what an input costs, whatever else the
/// machine runs (wall time on a shared machine counts the other processes' turns too).
pub fn thread_cpu_micros() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if rc != 0 {
        return 0;
    }
    now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000
}

struct BudgetSettings {
    report: bool,
    max_micros: Option<u64>,
}

fn settings() -> &'static BudgetSettings {
    static SETTINGS: OnceLock<BudgetSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| BudgetSettings {
        report: std::env::var_os("FUZZ_REPORT_SLOWEST").is_some(),
        max_micros: std::env::var("FUZZ_MAX_MICROS")
            .ok()
            .and_then(|v| v.parse().ok()),
    })
}

static SLOWEST: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// CPU time spent in the crate (inside [`measured`]) by the current input.
    static CRATE_MICROS: Cell<u64> = const { Cell::new(0) };
}

/// Runs `work`, a call into axum-jwt-layer, and adds its CPU time to the current input's.
/// Targets wrap the crate's calls in it, and leave their own checks (substring searches,
/// JSON parsing of the answers) outside: the budget is the crate's time.
pub fn measured<R>(work: impl FnOnce() -> R) -> R {
    let start = thread_cpu_micros();
    let result = work();
    let spent = thread_cpu_micros().saturating_sub(start);
    CRATE_MICROS.with(|micros| micros.set(micros.get() + spent));
    result
}

/// Runs one input under the per-input time budget. Call it after the target's one-time setup
/// (so that the first input does not pay for building keys). `run` must give the same answer
/// when called again with the same input (targets reset their state at its start).
///
/// The time is the thread's CPU time (the harness runs on one thread) inside [`measured`]
/// calls. An input over the
/// budget (or slower than every input before) is run three times more and judged by the
/// fastest run, so that a page fault or a cold cache of one run is not taken for a slow input.
///
/// - `FUZZ_REPORT_SLOWEST=1`: print each new slowest time (microseconds; never the input).
/// - `FUZZ_MAX_MICROS=N`: panic (a crash for libFuzzer, which saves the input) when an input
///   takes more than N µs of CPU time.
pub fn timed<T: ?Sized>(input: &T, run: impl Fn(&T)) {
    let settings = settings();
    let measure = || {
        CRATE_MICROS.with(|micros| micros.set(0));
        run(input);
        CRATE_MICROS.with(Cell::get)
    };
    let mut micros = measure();
    let over = settings.max_micros.is_some_and(|max| micros > max);
    let slowest = settings.report && micros > SLOWEST.load(Ordering::Relaxed);
    if over || slowest {
        micros = (0..3).map(|_| measure()).fold(micros, u64::min);
    }
    if let Some(max) = settings.max_micros {
        assert!(
            micros <= max,
            "one input took {micros} us of CPU time, over the budget of {max} us"
        );
    }
    let before = SLOWEST.fetch_max(micros, Ordering::Relaxed);
    if settings.report && micros > before {
        eprintln!("fuzz-budget: slowest input so far {micros} us CPU");
    }
}
