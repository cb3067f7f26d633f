//! [`RemoteKeys`]: the current key set of a remote JWK Set, and the fetches that replace it.
//!
//! Requests read the set through an `ArcSwapOption`: lock-free, never waiting on a fetch. The
//! `Flight` mutex guards only bookkeeping (is a fetch running, when may the next one start),
//! is held for a few instructions and never across an await. At most one fetch runs at a time:
//! it runs as its own task, and everyone who needs it (requests with an unknown kid, the
//! background refresher, `refresh_jwks`) awaits the same shared handle.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use arc_swap::{ArcSwapOption, Guard};
use futures_util::future::{FutureExt as _, Shared};
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::discovery;
use super::error::{JwksError, JwksErrorKind};
use super::fetch::{self, Fetched};
use super::source::{JwksSource, Location, Settings};
use crate::error::ConfigError;
use crate::keys::set::{KeySet, KeySpec, RemoteSetProblem};

/// A fetch in flight, awaited by everyone who needs it.
pub(crate) type Fetch = Shared<Pin<Box<dyn Future<Output = Result<(), JwksError>> + Send>>>;

/// The longest wait between retries after failed fetches.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The keys of a remote JWK Set.
pub(crate) struct RemoteKeys {
    current: ArcSwapOption<KeySet>,
    settings: Settings,
    algorithms: Vec<Algorithm>,
    flight: Mutex<Flight>,
    /// The body of the installed set: an unchanged set is neither parsed nor replaced again
    /// (which would also invalidate the verified-token cache). Only the running fetch uses it.
    installed: Mutex<Option<Vec<u8>>>,
}

/// Fetch bookkeeping.
#[derive(Default)]
struct Flight {
    /// The fetch in flight and its number.
    running: Option<(u64, Fetch)>,
    started: u64,
    /// When the last fetch started for a request (unknown kid, or no keys yet).
    last_on_demand: Option<Instant>,
    next_refresh: Option<Instant>,
    failures: u32,
    refresher: Option<JoinHandle<()>>,
}

/// What the background refresher does next.
enum Step {
    Wait(Fetch),
    Sleep(Duration),
}

impl RemoteKeys {
    /// Checks the configuration and, unless lazy, starts the first fetch (when `build()` runs
    /// inside a Tokio runtime; otherwise the first request starts it).
    pub(crate) fn configure(
        source: JwksSource,
        local: &[KeySpec],
        algorithms: &[Algorithm],
    ) -> Result<Arc<Self>, ConfigError> {
        if !local.is_empty() {
            return Err(ConfigError::JwksWithLocalKeys);
        }
        if let Some(&hmac) = algorithms
            .iter()
            .find(|a| a.family() == AlgorithmFamily::Hmac)
        {
            return Err(ConfigError::JwksAlgorithm(hmac));
        }
        let lazy = source.is_lazy();
        let keys = Arc::new(Self {
            current: ArcSwapOption::empty(),
            settings: source.compile()?,
            algorithms: algorithms.to_vec(),
            flight: Mutex::default(),
            installed: Mutex::default(),
        });
        if !lazy {
            // Without a runtime this fails, and the first request starts the fetch instead.
            let _ = keys.refresh_now();
        }
        Ok(keys)
    }

    /// The current set: a lock-free load, `None` until a fetch succeeded.
    pub(crate) fn current(&self) -> Guard<Option<Arc<KeySet>>> {
        self.current.load()
    }

    fn flight(&self) -> MutexGuard<'_, Flight> {
        // Nothing panics while it is held; a poisoned lock still holds consistent data.
        self.flight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// For a request that found no key (unknown kid, or no set yet): the fetch to wait for.
    /// Joins the one in flight; else starts one unless one started for a request less than
    /// the cooldown ago. `None`: answer now with what is cached.
    pub(crate) fn refetch(self: &Arc<Self>) -> Option<Fetch> {
        let mut flight = self.flight();
        if let Some((_, fetch)) = &flight.running {
            return Some(fetch.clone());
        }
        let now = Instant::now();
        let cooling = flight
            .last_on_demand
            .is_some_and(|at| now.saturating_duration_since(at) < self.settings.min_refetch);
        if cooling {
            return None;
        }
        let fetch = self.start(&mut flight).ok()?;
        flight.last_on_demand = Some(now);
        Some(fetch)
    }

    /// Joins the fetch in flight or starts one, ignoring the cooldown.
    pub(crate) fn refresh_now(self: &Arc<Self>) -> Result<Fetch, JwksError> {
        let mut flight = self.flight();
        match &flight.running {
            Some((_, fetch)) => Ok(fetch.clone()),
            None => self.start(&mut flight),
        }
    }

    /// Spawns a fetch (and the background refresher, if it is not running).
    fn start(self: &Arc<Self>, flight: &mut Flight) -> Result<Fetch, JwksError> {
        let runtime =
            Handle::try_current().map_err(|_| JwksError::from(JwksErrorKind::NoRuntime))?;
        flight.started += 1;
        let id = flight.started;
        let task = runtime.spawn(Arc::clone(self).run(id));
        let keys = Arc::downgrade(self);
        let fetch = async move {
            match task.await {
                Ok(outcome) => outcome,
                Err(_) => {
                    // Its runtime shut down, or it panicked: let a later fetch start.
                    if let Some(keys) = keys.upgrade() {
                        let mut flight = keys.flight();
                        flight.running.take_if(|(running, _)| *running == id);
                        flight.next_refresh = Some(Instant::now() + MAX_BACKOFF);
                    }
                    Err(JwksErrorKind::Cancelled.into())
                }
            }
        }
        .boxed()
        .shared();
        flight.running = Some((id, fetch.clone()));
        if flight
            .refresher
            .as_ref()
            .is_none_or(JoinHandle::is_finished)
        {
            flight.refresher = Some(runtime.spawn(refresh_loop(Arc::downgrade(self))));
        }
        Ok(fetch)
    }

    /// One fetch, as its own task: fetch, install, then book the outcome.
    async fn run(self: Arc<Self>, id: u64) -> Result<(), JwksError> {
        // One deadline for the whole fetch: discovery's one or two documents and the set.
        let fetched = async {
            let url = self.locate().await?;
            fetch::fetch(&self.settings, &url, fetch::JWK_SET).await
        };
        let outcome = match tokio::time::timeout(self.settings.timeout, fetched).await {
            Ok(Ok(fetched)) => {
                let max_age = fetched.max_age;
                self.install(fetched).map(|()| max_age)
            }
            Ok(Err(error)) => Err(error),
            Err(_) => Err(JwksErrorKind::Timeout.into()),
        };
        let now = Instant::now();
        {
            let mut flight = self.flight();
            flight.running.take_if(|(running, _)| *running == id);
            let wait = match &outcome {
                Ok(max_age) => {
                    flight.failures = 0;
                    self.fresh_for(*max_age)
                }
                Err(_) => {
                    flight.failures = flight.failures.saturating_add(1);
                    let doubling = Duration::from_secs(1 << (flight.failures - 1).min(6));
                    doubling
                        .min(MAX_BACKOFF)
                        .min(self.settings.refresh_interval)
                }
            };
            flight.next_refresh = Some(now + wait);
        }
        if let Err(error) = &outcome {
            let source = &self.settings.display;
            tracing::warn!(%error, %source, "JWK Set fetch failed; the keys fetched before stay in use");
        }
        outcome.map(|_| ())
    }

    /// Where the set is: configured, or read from the issuer's metadata on every fetch.
    async fn locate(&self) -> Result<reqwest::Url, JwksError> {
        match &self.settings.location {
            Location::Set(url) => Ok(url.clone()),
            Location::Discover { openid, oauth } => {
                let issuer = self.settings.issuer.as_deref().unwrap_or_default();
                discovery::jwks_uri(&self.settings, issuer, openid, oauth).await
            }
        }
    }

    /// The issuer whose tokens this set verifies, if the source names one.
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.settings.issuer.as_deref()
    }

    /// The audiences set for this source, if any.
    pub(crate) fn audiences(&self) -> Option<&[String]> {
        self.settings.audiences.as_deref()
    }

    /// Parses a fetched body and installs its keys, unless it is the set already installed.
    fn install(&self, fetched: Fetched) -> Result<(), JwksError> {
        let mut installed = self
            .installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let source = &self.settings.display;
        if installed.as_deref() == Some(&fetched.body[..]) && self.current.load().is_some() {
            tracing::debug!(%source, "JWK Set unchanged");
            return Ok(());
        }
        let members = fetch::members(&fetched.body)?;
        let (set, unusable) =
            KeySet::from_remote(&members, &self.algorithms).map_err(|problem| match problem {
                RemoteSetProblem::NoUsableKeys => JwksErrorKind::NoUsableKeys,
                RemoteSetProblem::DuplicateKid => JwksErrorKind::DuplicateKid,
            })?;
        tracing::info!(%source, keys = set.len(), unusable, "JWK Set installed");
        self.current.store(Some(Arc::new(set)));
        *installed = Some(fetched.body);
        Ok(())
    }

    /// How long a fetched set is fresh: `max-age` within the bounds, else the interval.
    fn fresh_for(&self, max_age: Option<Duration>) -> Duration {
        let settings = &self.settings;
        match max_age {
            Some(age) if settings.honour_cache_control => {
                let (min, max) = settings.cache_control_bounds;
                age.max(min).min(max)
            }
            _ => settings.refresh_interval,
        }
    }

    fn background_step(self: &Arc<Self>) -> Step {
        let mut flight = self.flight();
        if let Some((_, fetch)) = &flight.running {
            return Step::Wait(fetch.clone());
        }
        let now = Instant::now();
        match flight.next_refresh {
            Some(at) if at > now => Step::Sleep(at - now),
            _ => match self.start(&mut flight) {
                Ok(fetch) => Step::Wait(fetch),
                Err(_) => Step::Sleep(MAX_BACKOFF),
            },
        }
    }
}

/// Refreshes the set when it goes stale, for as long as the configuration exists.
async fn refresh_loop(keys: Weak<RemoteKeys>) {
    loop {
        let step = match keys.upgrade() {
            Some(keys) => keys.background_step(),
            None => return,
        };
        match step {
            Step::Wait(fetch) => {
                let _ = fetch.await;
            }
            Step::Sleep(delay) => tokio::time::sleep(delay).await,
        }
    }
}
