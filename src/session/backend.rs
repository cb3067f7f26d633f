//! [`SessionBackend`]: the session cookie -> the session store -> the session data; login
//! (a new session, a new id) and logout (deleted on the server, the cookie expired).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ::time::OffsetDateTime;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::SessionStore;

use super::memory::MemoryStore;
use super::subjects::Subjects;
use crate::backend::AuthBackend;
use crate::cookie_scan::{cookie_value, cookie_values};
use crate::error::{AuthError, AuthErrorKind, ConfigError, DurationSetting};
use crate::flow::attach::{lookup, require};
use crate::flow::MissingAuthentication;
use crate::issue::AuthCookie;

/// Where the backend keeps its data in a session record.
const DATA_KEY: &str = "axum_jwt_layer.session";

/// Where it keeps the session's subject.
const SUBJECT_KEY: &str = "axum_jwt_layer.subject";

/// How many subjects with live sessions the per-subject index holds.
const MAX_SUBJECTS: usize = 100_000;

/// How many distinct sessions a login request may end (the cookie sent more than once): a
/// request cannot make one login call the store without bound.
const MAX_PREVIOUS: usize = 4;

/// The longest `Max-Age` browsers keep (RFC 6265bis caps it at 400 days).
const MAX_LIFETIME: Duration = Duration::from_secs(400 * 24 * 3600);

/// A 503 (fail closed) caused by `source`, which the layer logs; never a session id.
fn unavailable(source: impl std::error::Error + Send + Sync + 'static) -> AuthError {
    AuthError::with_source(AuthErrorKind::StoreUnavailable, Some(Arc::new(source)))
}

/// The session backend. Build it with [`SessionBackend::builder`]; reach it from handlers
/// through [`Authenticator::backend`](crate::Authenticator::backend) for
/// [`login`](SessionBackend::login) and [`logout`](SessionBackend::logout).
///
/// A request without the session cookie has no credential (401, or the next step for an
/// excluded route); a session id that is malformed, unknown or expired is refused (401) and
/// nothing is created on the server; the cookie sent twice is a 400; a store that fails (or
/// does not answer within its own timeout, or [`store_timeout`](SessionBackendBuilder::store_timeout))
/// is a 503 (fail closed).
pub struct SessionBackend<T> {
    inner: Arc<Settings>,
    data: PhantomData<fn() -> T>,
}

struct Settings {
    store: Arc<dyn SessionStore>,
    cookie: AuthCookie,
    lifetime: Duration,
    timeout: Option<Duration>,
    subjects: Subjects,
}

impl<T> Clone for SessionBackend<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            data: PhantomData,
        }
    }
}

impl<T> SessionBackend<T> {
    /// The name of the session cookie.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) fn cookie_name(&self) -> &str {
        self.inner.cookie.name()
    }
}

impl<T> fmt::Debug for SessionBackend<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBackend")
            .field("cookie", &self.inner.cookie.name())
            .field("lifetime", &self.inner.lifetime)
            .field("store_timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// The settings of a [`SessionBackend`].
pub struct SessionBackendBuilder<T> {
    store: Option<Arc<dyn SessionStore>>,
    cookie: AuthCookie,
    lifetime: Duration,
    timeout: Option<Duration>,
    per_subject: usize,
    data: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for SessionBackendBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBackendBuilder")
            .field("cookie", &self.cookie.name())
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// An authenticated session: the data stored at login, and when it expires. Attached to the
/// request beside [`AuthUser`](crate::AuthUser), and an extractor itself. Its `Debug` never
/// shows the session id.
#[derive(Clone)]
pub struct UserSession<T> {
    id: Id,
    subject: String,
    data: T,
    expires_at: OffsetDateTime,
}

impl<T> UserSession<T> {
    /// Whose session it is, as given to [`login`](SessionBackend::login).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The data stored at login.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The data stored at login, by value.
    pub fn into_data(self) -> T {
        self.data
    }

    /// When the session ends (the server forgets it; the cookie expires too).
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }
}

impl<T: fmt::Debug> fmt::Debug for UserSession<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("subject", &self.subject)
            .field("data", &self.data)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl<T> SessionBackend<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// The settings, with the defaults: a bounded [`MemoryStore`], the cookie `session`
    /// (HttpOnly, SameSite=Lax, Secure, Path=/), sessions of one day, no deadline beyond the
    /// store's own.
    ///
    /// ```
    /// use axum_jwt_layer::{issue::AuthCookie, session::SessionBackend};
    /// use std::time::Duration;
    ///
    /// let sessions = SessionBackend::<String>::builder()
    ///     .cookie(AuthCookie::new("sid").secure(false)) // plain-HTTP development only
    ///     .lifetime(Duration::from_secs(8 * 3600))
    ///     .build()
    ///     .unwrap();
    /// assert!(format!("{sessions:?}").contains("sid"));
    /// ```
    pub fn builder() -> SessionBackendBuilder<T> {
        SessionBackendBuilder {
            store: None,
            cookie: AuthCookie::new("session"),
            lifetime: Duration::from_secs(24 * 3600),
            timeout: None,
            per_subject: 10,
            data: PhantomData,
        }
    }

    /// Starts a session of `subject` (the user's id, never a secret: it is logged) holding
    /// `data`, and returns the `Set-Cookie` value to answer with. Whatever session the
    /// request (`headers`) carried is deleted first (each one, up to four distinct ids, if the
    /// cookie came more than once), and the new one has a new random id: an id planted before
    /// login never becomes a logged-in session. A subject keeps at most
    /// [`sessions_per_subject`](SessionBackendBuilder::sessions_per_subject) sessions: its
    /// oldest one ends to make room. Store failures and timeouts are
    /// [`AuthErrorKind::StoreUnavailable`] (503; a full [`MemoryStore`] too).
    pub async fn login(
        &self,
        headers: &HeaderMap,
        subject: &str,
        data: &T,
    ) -> Result<HeaderValue, AuthError> {
        let settings = &self.inner;
        let mut previous: Vec<Id> = Vec::new();
        for value in cookie_values(settings.cookie.name(), headers) {
            let id = std::str::from_utf8(value)
                .ok()
                .and_then(|id| Id::from_str(id).ok());
            if let Some(id) = id.filter(|id| !previous.contains(id)) {
                previous.push(id);
                if previous.len() == MAX_PREVIOUS {
                    break;
                }
            }
        }
        for id in previous {
            // Its subject's index forgets it too: a session that ended must not count against
            // that subject's cap and push out one of its live sessions.
            let record = self.store_call(settings.store.load(&id)).await?;
            if let Some(serde_json::Value::String(owner)) =
                record.as_ref().and_then(|r| r.data.get(SUBJECT_KEY))
            {
                settings.subjects.remove(owner, id);
            }
            self.store_call(settings.store.delete(&id)).await?;
        }
        let now = OffsetDateTime::now_utc();
        for victim in settings.subjects.admit(subject, now).map_err(unavailable)? {
            self.store_call(settings.store.delete(&victim)).await?;
        }
        let value = serde_json::to_value(data).map_err(unavailable)?;
        let mut record = Record {
            id: Id::default(),
            data: HashMap::from([
                (DATA_KEY.to_owned(), value),
                (SUBJECT_KEY.to_owned(), subject.into()),
            ]),
            expiry_date: now + settings.lifetime,
        };
        self.store_call(settings.store.create(&mut record)).await?;
        settings
            .subjects
            .add(subject, record.id, record.expiry_date);
        let max_age = settings.lifetime.as_secs() as i64;
        settings
            .cookie
            .set(&record.id.to_string(), max_age)
            .map_err(unavailable)
    }

    /// Ends `session`: deleted on the server (its cookie is refused from now on, wherever it
    /// is replayed), and the `Set-Cookie` value that expires the cookie in the browser. Other
    /// sessions of the same user stay.
    pub async fn logout(&self, session: &UserSession<T>) -> Result<HeaderValue, AuthError> {
        self.store_call(self.inner.store.delete(&session.id))
            .await?;
        self.inner.subjects.remove(&session.subject, session.id);
        self.inner
            .cookie
            .expire()
            .ok_or_else(|| AuthError::new(AuthErrorKind::StoreUnavailable))
    }

    /// The session id of the request: `Ok(None)` without the cookie; 400 when it is sent
    /// twice; 401 when it cannot be a session id.
    fn session_id(&self, headers: &HeaderMap) -> Result<Option<Id>, AuthError> {
        let value = cookie_value(self.inner.cookie.name(), headers)
            .map_err(|reason| AuthError::new(AuthErrorKind::InvalidRequest(reason)))?;
        let Some(value) = value else { return Ok(None) };
        std::str::from_utf8(value)
            .ok()
            .and_then(|text| Id::from_str(text).ok())
            .map(Some)
            .ok_or_else(|| AuthError::new(AuthErrorKind::CredentialRefused))
    }

    /// A store call within the store timeout; any failure is a 503.
    async fn store_call<R>(
        &self,
        call: impl Future<Output = tower_sessions_core::session_store::Result<R>>,
    ) -> Result<R, AuthError> {
        let outcome = match self.inner.timeout {
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(outcome) => outcome,
                Err(elapsed) => return Err(unavailable(elapsed)),
            },
            None => call.await,
        };
        outcome.map_err(unavailable)
    }

    async fn load(&self, id: Id) -> Result<UserSession<T>, AuthError> {
        let refused = || AuthError::new(AuthErrorKind::CredentialRefused);
        let record = self
            .store_call(self.inner.store.load(&id))
            .await?
            .ok_or_else(refused)?;
        // Stores are asked to forget expired sessions; this does not rely on it.
        if record.expiry_date <= OffsetDateTime::now_utc() {
            return Err(refused());
        }
        let data = record.data.get(DATA_KEY).ok_or_else(refused)?;
        let data = T::deserialize(data).map_err(|_| refused())?;
        let subject = match record.data.get(SUBJECT_KEY) {
            Some(serde_json::Value::String(subject)) => subject.clone(),
            _ => return Err(refused()),
        };
        Ok(UserSession {
            id,
            subject,
            data,
            expires_at: record.expiry_date,
        })
    }
}

impl<T> SessionBackendBuilder<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// The store: any tower-sessions [`SessionStore`] (shared by every instance for a
    /// service that runs several). Default: a [`MemoryStore`] for 100,000 sessions. A store
    /// given here gets a 2-second [`store_timeout`](SessionBackendBuilder::store_timeout)
    /// unless one is set: a store that hangs is a 503, never a hung request.
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The session cookie: name, path, domain, `Secure` (on by default; off only for local
    /// plain HTTP), `SameSite` (Lax by default). It is always `HttpOnly`.
    pub fn cookie(mut self, cookie: AuthCookie) -> Self {
        self.cookie = cookie.http_only(true);
        self
    }

    /// How long a session lasts from login (the store forgets it, the cookie's `Max-Age`
    /// ends). 1 second ..= 400 days; default one day.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// How many sessions one subject keeps (default 10, at least 1): a login beyond it ends
    /// the subject's oldest session, so one account logging in without end never fills the
    /// store for others (SECURITY.md 49).
    pub fn sessions_per_subject(mut self, sessions: usize) -> Self {
        self.per_subject = sessions.max(1);
        self
    }

    /// The longest a store call may take before the request gets 503. Needs tokio's timer,
    /// as `axum::serve` has. Default: 2 seconds for a store given to
    /// [`store`](SessionBackendBuilder::store); none for the default memory store, which
    /// never waits (so the backend also runs on a runtime without timers).
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Checks the settings.
    ///
    /// ```
    /// use axum_jwt_layer::{ConfigError, issue::AuthCookie, session::SessionBackend};
    /// let bad = SessionBackend::<String>::builder().cookie(AuthCookie::new("a b")).build();
    /// assert!(matches!(bad, Err(ConfigError::InvalidCookie(_))));
    /// ```
    pub fn build(self) -> Result<SessionBackend<T>, ConfigError> {
        self.cookie.validate()?;
        if self.lifetime < Duration::from_secs(1) || self.lifetime > MAX_LIFETIME {
            return Err(ConfigError::DurationOutOfRange(
                DurationSetting::SessionLifetime,
            ));
        }
        if self.timeout.is_some_and(|limit| limit.is_zero()) {
            return Err(ConfigError::DurationOutOfRange(
                DurationSetting::SessionStoreTimeout,
            ));
        }
        // A store of the application's may wait on the network; the default never does.
        let timeout = self
            .timeout
            .or_else(|| self.store.is_some().then_some(Duration::from_secs(2)));
        Ok(SessionBackend {
            inner: Arc::new(Settings {
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryStore::default())),
                cookie: self.cookie,
                lifetime: self.lifetime,
                timeout,
                subjects: Subjects::new(self.per_subject, MAX_SUBJECTS),
            }),
            data: PhantomData,
        })
    }
}

impl<T> AuthBackend for SessionBackend<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Credential = UserSession<T>;

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<UserSession<T>>, AuthError>> + Send {
        let found = self.session_id(&parts.headers);
        async move {
            match found? {
                Some(id) => self.load(id).await.map(Some),
                None => Ok(None),
            }
        }
    }

    fn is_ambient(&self) -> bool {
        true
    }

    fn subject(session: &UserSession<T>) -> Option<&str> {
        Some(&session.subject)
    }

    fn scheme_names(&self) -> Vec<&str> {
        vec!["SessionCookie"]
    }

    fn challenge_scheme(&self) -> &'static str {
        "Session"
    }
}

impl<S, T> FromRequestParts<S> for UserSession<T>
where
    S: Send + Sync,
    T: Clone + Send + Sync + 'static,
{
    type Rejection = MissingAuthentication;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        require(parts)
    }
}

impl<S, T> OptionalFromRequestParts<S> for UserSession<T>
where
    S: Send + Sync,
    T: Clone + Send + Sync + 'static,
{
    type Rejection = MissingAuthentication;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        lookup(parts)
    }
}
