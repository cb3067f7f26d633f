//! [`JwksSource`]: where (a JWK Set URL, or an issuer to discover it from) and how often a
//! remote JWK Set is fetched, checked once into `Settings` by `build()`.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::{ConfigError, DurationSetting, JwksIssuerProblem, JwksUrlProblem};

/// Where a resource server gets its verification keys: a JWK Set (RFC 7517 §5) at a URL,
/// typically an identity provider's `jwks_uri`. Give it to [`JwtAuthBuilder::jwks`](crate::JwtAuthBuilder::jwks).
///
/// The set is fetched when `build()` runs (or, with [`lazy`](JwksSource::lazy), when the
/// first request needs a key), then refreshed in the background: after the response's
/// `Cache-Control: max-age` clamped to [`cache_control_bounds`](JwksSource::cache_control_bounds),
/// or after [`refresh_interval`](JwksSource::refresh_interval) when it has none. A token whose
/// `kid` is not in the set triggers one refetch, shared by every request waiting for it, and at
/// most one per [`min_refetch`](JwksSource::min_refetch); if the kid is still unknown the token
/// gets 401 `invalid_token`. When a fetch fails (the endpoint is down, or answers garbage), the
/// keys fetched before stay in use and the failure is logged at `warn`; until a first fetch
/// succeeds, requests get 503.
///
/// Members are used as [`JwtAuthBuilder::jwk_set`](crate::JwtAuthBuilder::jwk_set) uses them: a member with `use` other than
/// `sig`, `key_ops` without `verify`, or an unknown key type is skipped; one without `alg`
/// serves the allowed algorithms of its type. HMAC (`oct`) members are never used.
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, JwksSource}};
/// use std::{convert::Infallible, time::Duration};
///
/// let auth = JwtAuth::<String>::builder()
///     .jwks(
///         JwksSource::new("https://auth.example/.well-known/jwks.json")
///             .refresh_interval(Duration::from_secs(600))
///             .min_refetch(Duration::from_secs(60)),
///     )
///     .algorithms([Algorithm::RS256, Algorithm::ES256])
///     .accepted_issuers(["https://auth.example"])
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
///     .build()
///     .unwrap();
/// # let _ = auth;
/// ```
///
/// An issuer URL is enough with [`discover`](JwksSource::discover) (OpenID Connect discovery,
/// RFC 8414 as fallback). Calling [`JwtAuthBuilder::jwks`](crate::JwtAuthBuilder::jwks) once
/// per issuer trusts several, each with its own keys (and, with
/// [`audiences`](JwksSource::audiences), its own audiences): a token is routed by its `iss`
/// before any signature work.
#[derive(Debug, Clone)]
pub struct JwksSource {
    url: String,
    discover: bool,
    issuer: Option<String>,
    audiences: Option<Vec<String>>,
    client: Option<reqwest::Client>,
    refresh_interval: Duration,
    honour_cache_control: bool,
    cache_control_bounds: (Duration, Duration),
    min_refetch: Duration,
    timeout: Duration,
    lazy: bool,
    allow_http: bool,
}

/// A checked [`JwksSource`].
pub(crate) struct Settings {
    pub(crate) location: Location,
    /// The issuer whose tokens the set verifies, if named.
    pub(crate) issuer: Option<String>,
    /// The audiences of this issuer's tokens, if set for this source.
    pub(crate) audiences: Option<Vec<String>>,
    pub(crate) allow_http: bool,
    /// The URL without credentials or query, for logs.
    pub(crate) display: String,
    pub(crate) client: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) refresh_interval: Duration,
    pub(crate) honour_cache_control: bool,
    pub(crate) cache_control_bounds: (Duration, Duration),
    pub(crate) min_refetch: Duration,
}

/// Where the set is.
pub(crate) enum Location {
    /// At this URL.
    Set(reqwest::Url),
    /// At the `jwks_uri` of the issuer's metadata: the OpenID Connect location, then RFC 8414's.
    Discover {
        openid: reqwest::Url,
        oauth: reqwest::Url,
    },
}

impl JwksSource {
    /// The JWK Set at `url`, which must be `https` (plain `http` only to a loopback host,
    /// unless [`allow_http`](JwksSource::allow_http)). Defaults: refreshed every 5 minutes, or
    /// after `max-age` clamped to 1 minute ..= 1 hour; a refetch for an unknown kid at most
    /// every 30 seconds; a 10-second timeout; the first fetch at `build()`; a client that does
    /// not follow redirects.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::new("https://auth.example/.well-known/jwks.json");
    /// # let _ = source;
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            discover: false,
            issuer: None,
            audiences: None,
            client: None,
            refresh_interval: Duration::from_secs(5 * 60),
            honour_cache_control: true,
            cache_control_bounds: (Duration::from_secs(60), Duration::from_secs(60 * 60)),
            min_refetch: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            lazy: false,
            allow_http: false,
        }
    }

    /// The keys of the issuer `issuer`, found by discovery: its OpenID Connect configuration
    /// at `<issuer>/.well-known/openid-configuration`, or, when that answers an error status,
    /// its RFC 8414 metadata at `/.well-known/oauth-authorization-server<issuer path>`. The
    /// document's `issuer` must equal `issuer` exactly, and its `jwks_uri` must be `https`
    /// (plain `http` only when the issuer itself is a plain-http loopback URL, as in tests,
    /// or with [`allow_http`](JwksSource::allow_http)); every fetch reads the document again,
    /// so a moved `jwks_uri` is followed. Tokens verified with these keys must carry `iss` =
    /// `issuer`. A [`decode_hook`](crate::JwtAuthBuilder::decode_hook) cannot move a token to
    /// another issuer: the keys are chosen by the `iss` the token carries, and the hook's
    /// output must still name that issuer.
    ///
    /// Until a document and set are loaded, a request with a token for this issuer gets 503,
    /// and the fetch is retried; a request without a token is a 401 as always.
    ///
    /// ```
    /// use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, JwksSource}};
    /// # use std::convert::Infallible;
    ///
    /// let auth = JwtAuth::<String>::builder()
    ///     .jwks(JwksSource::discover("https://login.example.com/realms/main"))
    ///     .algorithms([Algorithm::RS256, Algorithm::ES256])
    ///     .accepted_audiences(["api"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// # let _ = auth;
    /// ```
    pub fn discover(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            discover: true,
            issuer: Some(issuer.clone()),
            ..Self::new(issuer)
        }
    }

    /// The issuer whose tokens this set verifies: tokens must carry `iss` = `issuer`. Needed
    /// for each source when several are configured (a token is routed by its `iss`); with
    /// [`discover`](JwksSource::discover) it is already the discovered issuer.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::new("https://auth.example/jwks").for_issuer("https://auth.example");
    /// # let _ = source;
    /// ```
    pub fn for_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The audiences accepted for tokens verified with this set, instead of the builder's
    /// [`accepted_audiences`](crate::JwtAuthBuilder::accepted_audiences): each issuer its own.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::discover("https://login.example.com").audiences(["orders-api"]);
    /// # let _ = source;
    /// ```
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// How long a fetched set is used before it is fetched again, when the response has no
    /// usable `Cache-Control: max-age` (or [`honour_cache_control`](JwksSource::honour_cache_control)
    /// is off). At least 1 second.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// # use std::time::Duration;
    /// let source = JwksSource::new("https://auth.example/jwks").refresh_interval(Duration::from_secs(900));
    /// # let _ = source;
    /// ```
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// Whether the response's `Cache-Control: max-age` (and `no-cache`/`no-store`, which count
    /// as 0) decides when the set is fetched again. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::new("https://auth.example/jwks").honour_cache_control(false);
    /// # let _ = source;
    /// ```
    pub fn honour_cache_control(mut self, on: bool) -> Self {
        self.honour_cache_control = on;
        self
    }

    /// The range `max-age` is clamped to: a server asking for a refetch every second, or once
    /// a week, gets `min` or `max`. Default 1 minute ..= 1 hour; `min` at least 1 second.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// # use std::time::Duration;
    /// let source = JwksSource::new("https://auth.example/jwks")
    ///     .cache_control_bounds(Duration::from_secs(30), Duration::from_secs(6 * 3600));
    /// # let _ = source;
    /// ```
    pub fn cache_control_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.cache_control_bounds = (min, max);
        self
    }

    /// The cooldown between fetches started by requests (a token with an unknown `kid`, or no
    /// set loaded yet): one such fetch at most per `cooldown`, however many tokens ask. Default
    /// 30 seconds; at least 1 second.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// # use std::time::Duration;
    /// let source = JwksSource::new("https://auth.example/jwks").min_refetch(Duration::from_secs(10));
    /// # let _ = source;
    /// ```
    pub fn min_refetch(mut self, cooldown: Duration) -> Self {
        self.min_refetch = cooldown;
        self
    }

    /// The HTTP client to fetch with: for a custom CA, a proxy, or client certificates. It is
    /// used as given (its redirect policy included); the timeout still applies per request.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let client = reqwest::Client::builder().build().unwrap();
    /// let source = JwksSource::new("https://auth.example/jwks").client(client);
    /// # let _ = source;
    /// ```
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The longest one fetch may take, connecting and reading the body included (with
    /// [`discover`](JwksSource::discover): the documents and the set together). Default 10
    /// seconds.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// # use std::time::Duration;
    /// let source = JwksSource::new("https://auth.example/jwks").timeout(Duration::from_secs(3));
    /// # let _ = source;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Off (the default): the first fetch starts when `build()` runs inside a Tokio runtime.
    /// On: it starts when the first request needs a key, and that request waits for it. Either
    /// way, requests arriving while the first fetch runs wait for it. To fail at startup when
    /// the set cannot be fetched, await [`JwtAuth::refresh_jwks`](crate::JwtAuth::refresh_jwks) before serving.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::new("https://auth.example/jwks").lazy(true);
    /// # let _ = source;
    /// ```
    pub fn lazy(mut self, on: bool) -> Self {
        self.lazy = on;
        self
    }

    /// Allows a plain `http` URL to a host that is not loopback. Anyone on the path can then
    /// replace the keys: only for a network you trust end to end.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::JwksSource;
    /// let source = JwksSource::new("http://keys.internal/jwks").allow_http(true);
    /// # let _ = source;
    /// ```
    pub fn allow_http(mut self, on: bool) -> Self {
        self.allow_http = on;
        self
    }

    /// Whether the first fetch waits for the first request.
    pub(super) fn is_lazy(&self) -> bool {
        self.lazy
    }

    pub(super) fn compile(self) -> Result<Settings, ConfigError> {
        if self.discover && self.issuer.as_deref() != Some(&self.url) {
            return Err(ConfigError::JwksIssuers(JwksIssuerProblem::Conflicting));
        }
        let url = reqwest::Url::parse(&self.url)
            .map_err(|_| ConfigError::InvalidJwksUrl(JwksUrlProblem::NotAbsolute))?;
        secure_enough(&url, self.allow_http).map_err(ConfigError::InvalidJwksUrl)?;
        let at_least_a_second = |d: Duration, what| {
            (d >= Duration::from_secs(1))
                .then_some(d)
                .ok_or(ConfigError::DurationOutOfRange(what))
        };
        at_least_a_second(self.refresh_interval, DurationSetting::JwksRefreshInterval)?;
        at_least_a_second(self.min_refetch, DurationSetting::JwksMinRefetch)?;
        let (min, max) = self.cache_control_bounds;
        at_least_a_second(min, DurationSetting::JwksCacheControlBounds)?;
        if min > max {
            return Err(ConfigError::DurationOutOfRange(
                DurationSetting::JwksCacheControlBounds,
            ));
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::DurationOutOfRange(
                DurationSetting::JwksTimeout,
            ));
        }
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("axum-jwt-layer/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(ConfigError::JwksClient)?,
        };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let host = url.host_str().unwrap_or_default();
        let display = format!("{}://{host}{port}{}", url.scheme(), url.path());
        let location = if self.discover {
            // An issuer identifier has no query or fragment (RFC 8414 §2).
            if url.query().is_some() || url.fragment().is_some() {
                return Err(ConfigError::InvalidJwksUrl(JwksUrlProblem::NotAbsolute));
            }
            discovery_locations(&self.url, &url)?
        } else {
            Location::Set(url)
        };
        Ok(Settings {
            display,
            location,
            issuer: self.issuer,
            audiences: self.audiences,
            allow_http: self.allow_http,
            client,
            timeout: self.timeout,
            refresh_interval: self.refresh_interval,
            honour_cache_control: self.honour_cache_control,
            cache_control_bounds: self.cache_control_bounds,
            min_refetch: self.min_refetch,
        })
    }
}

/// Where an issuer's metadata is: OpenID Connect Discovery §4 appends the well-known path to
/// the issuer; RFC 8414 §3.1 inserts it between the host and the issuer's path.
fn discovery_locations(issuer: &str, url: &reqwest::Url) -> Result<Location, ConfigError> {
    let not_url = |_| ConfigError::InvalidJwksUrl(JwksUrlProblem::NotAbsolute);
    let openid = reqwest::Url::parse(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .map_err(not_url)?;
    let mut oauth = url.clone();
    let path = url.path().trim_end_matches('/');
    oauth.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Ok(Location::Discover { openid, oauth })
}

/// A key location must be `https`; plain `http` only to a loopback host, or when allowed.
pub(super) fn secure_enough(url: &reqwest::Url, allow_http: bool) -> Result<(), JwksUrlProblem> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http || is_loopback(url.host_str()) => Ok(()),
        "http" => Err(JwksUrlProblem::PlainHttp),
        _ => Err(JwksUrlProblem::NotHttps),
    }
}

pub(super) fn is_loopback(host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
