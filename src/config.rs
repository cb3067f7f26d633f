//! [`JwtAuth`] and its builder: every setting is checked once, in [`JwtAuthBuilder::build`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use http::request::Parts;
use http::Method;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::cache::VerifiedTokens;
#[cfg(feature = "cookie")]
use crate::cookie::AuthCookie;
use crate::error::{AuthError, AuthErrorKind, ConfigError};
use crate::exclude::Excludes;
use crate::issue::{Issuer, RefreshIssuing};
use crate::key::Key;
use crate::keys::{ensure_crypto_backend, KeySpec};
use crate::oauth2::OAuth2Password;
use crate::refresh::RefreshTokens;
use crate::resolver::{ErasedResolver, UserResolver};
use crate::response::{valid_realm, DefaultErrorHandler, ErrorHandler};
use crate::revocation::{ErasedStore, RevocationStore};
use crate::source::{CompiledSource, TokenSource};
use crate::token::{Audience, Claims, Token};
use crate::verify::{DecodeHook, Rules, Verifier};

/// The authentication configuration: keys, validation rules, token sources, excludes, the user
/// resolver and the issuing defaults. Cheap to clone (one `Arc`); use it as router state to
/// issue tokens with [`JwtAuth::login`].
///
/// `U` is the user type the resolver returns; `C` the custom claims type (default: a JSON map).
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token};
/// use std::{convert::Infallible, time::Duration};
///
/// let auth = JwtAuth::<String>::builder()
///     .secret("an HS256 secret of at least 32 bytes!")
///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
///     .exclude(["/login", "/schema/*"])
///     .leeway(Duration::from_secs(30))
///     .build()
///     .expect("valid configuration");
/// let jwt = auth.create_token("alice").sign().unwrap();
/// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice");
/// ```
pub struct JwtAuth<U, C = Claims> {
    pub(crate) inner: Arc<Inner<U, C>>,
}

pub(crate) struct Inner<U, C> {
    pub(crate) verifier: Verifier,
    pub(crate) sources: Vec<CompiledSource>,
    pub(crate) excludes: Excludes,
    pub(crate) resolver: Arc<dyn ErasedResolver<U, C>>,
    pub(crate) error_handler: Box<dyn ErrorHandler>,
    pub(crate) realm: String,
    pub(crate) issuer: Arc<Issuer>,
    pub(crate) revocation: Option<Arc<dyn ErasedStore>>,
    pub(crate) cache: Option<Box<dyn VerifiedTokens<C>>>,
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) openapi: OpenApiNaming,
}

impl<U, C> Clone for JwtAuth<U, C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<U, C> fmt::Debug for JwtAuth<U, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys.
        f.debug_struct("JwtAuth")
            .field("algorithms", &self.inner.verifier.algorithms)
            .field("keys", &self.inner.verifier.keys.len())
            .field("sources", &self.inner.sources)
            .field("excludes", &self.inner.excludes)
            .field("realm", &self.inner.realm)
            .finish_non_exhaustive()
    }
}

impl<U, C> JwtAuth<U, C> {
    /// The response the layer would send for `error` (the configured error handler).
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, AuthErrorKind, JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert_eq!(response.status(), 401);
    /// ```
    pub fn error_response(&self, error: &AuthError) -> Response {
        self.inner.error_handler.handle(error, &self.inner.realm)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl<U, C> JwtAuth<U, C>
where
    C: serde::de::DeserializeOwned,
{
    /// Starts a configuration; see [`JwtAuthBuilder`] for every setting.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// let builder = JwtAuth::<String>::builder();
    /// # let _ = builder;
    /// ```
    pub fn builder() -> JwtAuthBuilder<U, C> {
        JwtAuthBuilder::new()
    }

    /// Verifies a token outside the layer (a WebSocket handshake, a test): the same checks as
    /// the layer, without the resolver.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// assert!(auth.verify("not.a.token").is_err());
    /// ```
    pub fn verify(&self, token: &str) -> Result<Token<C>, AuthError> {
        match &self.inner.cache {
            Some(cache) => crate::cache::verify_cached(self, cache.as_ref(), token, now()),
            None => self.verify_at(token, now()),
        }
    }

    /// Every check, at time `now`, without the verified-token cache.
    pub(crate) fn verify_at(&self, token: &str, now: i64) -> Result<Token<C>, AuthError> {
        let payload = self.inner.verifier.verify(token, now)?;
        Token::from_checked(payload).map_err(|_| {
            let reason = crate::error::InvalidTokenReason::CustomClaims;
            AuthError::new(AuthErrorKind::InvalidToken(reason))
        })
    }
}

/// Builds a [`JwtAuth`]. Defaults: HS256, `Authorization: Bearer`, `exp` required, `nbf`
/// checked, leeway 60 s, tokens up to 8 KiB, OPTIONS excluded, realm `api`, issued tokens valid
/// for 15 minutes.
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token, TokenSource};
/// use jsonwebtoken::Algorithm;
/// use std::{convert::Infallible, time::Duration};
///
/// let auth = JwtAuth::<String>::builder()
///     .secret([42u8; 64])
///     .algorithms([Algorithm::HS512])
///     .token_sources([TokenSource::header("X-API-Key")])
///     .accepted_issuers(["https://auth.example"])
///     .accepted_audiences(["api"])
///     .max_lifetime(Duration::from_secs(3600))
///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
///     .build()
///     .unwrap();
/// let token = auth.verify(&auth.create_token("bob").sign().unwrap()).unwrap();
/// assert_eq!(token.iss.as_deref(), Some("https://auth.example"));
/// ```
pub struct JwtAuthBuilder<U, C = Claims> {
    pub(crate) keys: Vec<KeySpec>,
    #[cfg(feature = "jwks")]
    pub(crate) jwks: Option<crate::jwks::JwksSource>,
    pub(crate) algorithms: Vec<Algorithm>,
    sources: Vec<TokenSource>,
    verify_expiry: bool,
    verify_not_before: bool,
    leeway: Duration,
    max_lifetime: Option<Duration>,
    max_token_size: usize,
    accepted_issuers: Vec<String>,
    accepted_audiences: Vec<String>,
    strict_audience: bool,
    require_claims: Vec<String>,
    hook: Option<Box<DecodeHook>>,
    excludes: Vec<String>,
    exclude_methods: Vec<Method>,
    allow_exclude_all: bool,
    resolver: Option<Arc<dyn ErasedResolver<U, C>>>,
    error_handler: Option<Box<dyn ErrorHandler>>,
    realm: String,
    token_expiration: Duration,
    token_issuer: Option<String>,
    token_audience: Option<String>,
    revocation: Option<Arc<dyn ErasedStore>>,
    /// `None`: the default (on for asymmetric algorithms); `Some(0)`: off.
    pub(crate) token_cache: Option<usize>,
    #[cfg(feature = "cookie")]
    cookie: Option<AuthCookie>,
    oauth2: Option<OAuth2Password>,
    openapi: OpenApiNaming,
    refresh: Option<RefreshTokens>,
}

/// How the OpenAPI security scheme is named and described.
#[derive(Debug, Clone)]
pub(crate) struct OpenApiNaming {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
}

impl<U, C> fmt::Debug for JwtAuthBuilder<U, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthBuilder")
            .field("keys", &self.keys.len())
            .field("algorithms", &self.algorithms)
            .field("sources", &self.sources)
            .field("excludes", &self.excludes)
            .finish_non_exhaustive()
    }
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl<U, C> JwtAuthBuilder<U, C>
where
    C: serde::de::DeserializeOwned,
{
    fn new() -> Self {
        Self {
            keys: Vec::new(),
            #[cfg(feature = "jwks")]
            jwks: None,
            algorithms: vec![Algorithm::HS256],
            sources: vec![TokenSource::authorization_bearer()],
            verify_expiry: true,
            verify_not_before: true,
            leeway: Duration::from_secs(60),
            max_lifetime: None,
            max_token_size: 8 * 1024,
            accepted_issuers: Vec::new(),
            accepted_audiences: Vec::new(),
            strict_audience: false,
            require_claims: Vec::new(),
            hook: None,
            excludes: Vec::new(),
            exclude_methods: vec![Method::OPTIONS],
            allow_exclude_all: false,
            resolver: None,
            error_handler: None,
            realm: "api".to_owned(),
            token_expiration: Duration::from_secs(15 * 60),
            token_issuer: None,
            token_audience: None,
            revocation: None,
            token_cache: None,
            #[cfg(feature = "cookie")]
            cookie: None,
            oauth2: None,
            refresh: None,
            openapi: OpenApiNaming {
                name: "BearerToken".to_owned(),
                description: None,
            },
        }
    }

    /// The HMAC secret (Litestar's `token_secret`). At least 32/48/64 bytes for HS256/384/512.
    /// Replaces any key configured before; for other key types see [`JwtAuthBuilder::key`].
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret("an HS256 secret of at least 32 bytes!")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap().sub, "alice");
    /// ```
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys = vec![KeySpec::new(Key::hmac(secret))];
        self
    }

    /// Adds a secret selected by the token's `kid` (rotation: old and new valid together).
    /// Tokens are signed with the first key unless [`TokenBuilder::kid`](crate::TokenBuilder::kid) picks one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret_with_kid("2024", [1u8; 32])
    ///     .secret_with_kid("2025", [2u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").kid("2025").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice");
    /// ```
    pub fn secret_with_kid(mut self, kid: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.keys
            .push(KeySpec::new(Key::hmac(secret).with_kid(kid)));
        self
    }

    /// The algorithm allow-list (Litestar's `algorithm`). Default HS256. Each allowed algorithm
    /// needs a key of its family; a token's `alg` must be allowed *and* served by the key its
    /// `kid` selects. A key signs with the first allowed algorithm it serves.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::Algorithm;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 48])
    ///     .algorithms([Algorithm::HS384])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap();
    /// assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, Algorithm::HS384);
    /// ```
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Where to look for the token, in order. Default: `Authorization: Bearer`. The first
    /// source is also where [`JwtAuth::login`] puts the token.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::TokenSource;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_sources([TokenSource::header("X-API-Key")])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(auth.format_auth_header("abc"), "abc");
    /// ```
    pub fn token_sources(mut self, sources: impl IntoIterator<Item = TokenSource>) -> Self {
        self.sources = sources.into_iter().collect();
        self
    }

    /// Whether `exp` is required and checked. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .verify_expiry(false)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn verify_expiry(mut self, on: bool) -> Self {
        self.verify_expiry = on;
        self
    }

    /// Whether `nbf` is checked when present. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .verify_not_before(false)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn verify_not_before(mut self, on: bool) -> Self {
        self.verify_not_before = on;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default 60 s; at most a day.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use std::time::Duration;
    /// let build = |leeway| JwtAuth::<String>::builder().secret([7u8; 32]).leeway(leeway)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(build(Duration::from_secs(0)).is_ok());
    /// let too_long = build(Duration::from_secs(86_401));
    /// assert!(matches!(too_long, Err(ConfigError::DurationOutOfRange("leeway"))));
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Refuses tokens whose `exp` is further than this from their `iat` (or from now).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .max_lifetime(Duration::from_secs(3600))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").expires_in(Duration::from_secs(7200)).sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = Some(max);
        self
    }

    /// Refuses longer tokens before decoding anything. Default 8 KiB.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .max_token_size(64)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_err());
    /// ```
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Accepted `iss` values; when set, `iss` is required.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_issuers(["https://auth.example"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").issuer("https://evil.example").sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn accepted_issuers<S: Into<String>>(
        mut self,
        issuers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.accepted_issuers = strings(issuers);
        self
    }

    /// Accepted `aud` values; when set, `aud` is required and one of them must match. When
    /// unset, a token carrying `aud` is refused.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_ok());
    /// assert!(auth.verify(&auth.create_token("alice").audience("web").sign().unwrap()).is_err());
    /// ```
    pub fn accepted_audiences<S: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = S>,
    ) -> Self {
        self.accepted_audiences = strings(audiences);
        self
    }

    /// Requires `aud` to be a single string equal to the single accepted audience.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api"])
    ///     .strict_audience(true)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").audiences(["api", "web"]).sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn strict_audience(mut self, on: bool) -> Self {
        self.strict_audience = on;
        self
    }

    /// Claims that must be present (and not null).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .require_claims(["role"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_err());
    /// assert!(auth.verify(&auth.create_token("alice").extra("role", "admin").sign().unwrap()).is_ok());
    /// ```
    pub fn require_claims<S: Into<String>>(mut self, claims: impl IntoIterator<Item = S>) -> Self {
        self.require_claims = strings(claims);
        self
    }

    /// A hook run on the payload after the signature verified and before the claim checks
    /// (Litestar's `decode_payload`): return the payload, changed or not, or `None` to refuse
    /// the token (401 `invalid_token`).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .decode_hook(|payload| payload.get("sub").is_some_and(|s| s != "mallory").then_some(payload))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_ok());
    /// assert!(auth.verify(&auth.create_token("mallory").sign().unwrap()).is_err());
    /// ```
    pub fn decode_hook<F>(mut self, hook: F) -> Self
    where
        F: Fn(Map<String, Value>) -> Option<Map<String, Value>> + Send + Sync + 'static,
    {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Paths that skip authentication (Litestar's `exclude`), anchored and segment-aware:
    /// `/login` (that path), `/schema/*` (`/schema` and below), `/users/{id}` (that route
    /// template). Matched against the route axum matched when the layer is inside a router.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .exclude(["login"]) // not anchored: must start with `/`
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(matches!(auth, Err(ConfigError::InvalidExcludePattern { .. })));
    /// ```
    pub fn exclude<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.excludes.extend(strings(patterns));
        self
    }

    /// Methods that skip authentication. Default: OPTIONS (CORS preflights).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use http::Method;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .exclude_methods([Method::OPTIONS, Method::HEAD])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn exclude_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.exclude_methods = methods.into_iter().collect();
        self
    }

    /// Allows a pattern (`/`, `/*`) that excludes every path. Off by default.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let build = |on| JwtAuth::<String>::builder().secret([7u8; 32]).exclude(["/*"]).allow_exclude_all(on)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(matches!(build(false), Err(ConfigError::ExcludesEverything(_))));
    /// assert!(build(true).is_ok());
    /// ```
    pub fn allow_exclude_all(mut self, on: bool) -> Self {
        self.allow_exclude_all = on;
        self
    }

    /// The user resolver as a closure `|token, parts| async { Ok(Some(user)) }`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn resolver<F, Fut, E>(mut self, resolver: F) -> Self
    where
        F: Fn(Token<C>, &Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<U>, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
        U: Send + 'static,
        C: Send + 'static,
    {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// The user resolver as a [`UserResolver`] implementation.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # use axum_jwt_layer::UserResolver;
    /// # use std::future::Future;
    /// # struct Subject;
    /// # impl UserResolver<String> for Subject {
    /// #     type Error = Infallible;
    /// #     fn resolve(&self, token: Token, _parts: &http::request::Parts)
    /// #         -> impl Future<Output = Result<Option<String>, Infallible>> + Send {
    /// #         async move { Ok(Some(token.sub)) }
    /// #     }
    /// # }
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .user_resolver(Subject)
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn user_resolver<R>(mut self, resolver: R) -> Self
    where
        R: UserResolver<U, C>,
        U: Send + 'static,
        C: Send + 'static,
    {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Replaces the default RFC 6750 rejection response.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::{IntoResponse, Response};
    /// use axum_jwt_layer::{AuthError, AuthErrorKind};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .error_handler(|e: &AuthError| -> Response { (e.status(), e.detail()).into_response() })
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert!(response.headers().get("www-authenticate").is_none());
    /// ```
    pub fn error_handler(mut self, handler: impl ErrorHandler) -> Self {
        self.error_handler = Some(Box::new(handler));
        self
    }

    /// The realm of the `WWW-Authenticate` challenge. Default `api`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # use axum_jwt_layer::{AuthError, AuthErrorKind};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .realm("admin")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="admin""#);
    /// ```
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// Lifetime of issued tokens (Litestar's `default_token_expiration`). Default 15 minutes.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_expiration(Duration::from_secs(60))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 60);
    /// ```
    pub fn token_expiration(mut self, lifetime: Duration) -> Self {
        self.token_expiration = lifetime;
        self
    }

    /// `iss` of issued tokens. Default: the accepted issuer, when there is exactly one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_issuer("https://auth.example")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert_eq!(token.iss.as_deref(), Some("https://auth.example"));
    /// ```
    pub fn token_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.token_issuer = Some(issuer.into());
        self
    }

    /// `aud` of issued tokens. Default: the accepted audience, when there is exactly one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api", "web"])
    ///     .token_audience("web")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert!(token.aud.unwrap().contains("web"));
    /// ```
    pub fn token_audience(mut self, audience: impl Into<String>) -> Self {
        self.token_audience = Some(audience.into());
        self
    }

    /// The cookie preset (Litestar's `JWTCookieAuth`): the token is read from the cookie or
    /// the `Authorization` header, and `login()` sets the cookie (and the header, unless
    /// [`AuthCookie::send_header`] is off). Feature `cookie`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// use axum_jwt_layer::AuthCookie;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .cookie(AuthCookie::new("session").send_header(false))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.login("42").into_response();
    /// assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
    /// assert!(response.headers().get("authorization").is_none());
    /// ```
    #[cfg(feature = "cookie")]
    pub fn cookie(mut self, cookie: AuthCookie) -> Self {
        self.sources = vec![
            TokenSource::cookie(cookie.name()),
            TokenSource::authorization_bearer(),
        ];
        self.cookie = Some(cookie);
        self
    }

    /// The OAuth2 password-bearer preset (Litestar's `OAuth2PasswordBearerAuth`): the token is
    /// read from the `Authorization` header or the `token` cookie (feature `cookie`), `login()`
    /// answers with an RFC 6749 §5.1 token response and sets the cookie, and the OpenAPI
    /// scheme is an `oauth2` password flow with `token_url`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .oauth2_password("/token")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.login("42").into_response();
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    pub fn oauth2_password(mut self, token_url: impl Into<String>) -> Self {
        #[cfg(feature = "cookie")]
        {
            self = self.cookie(AuthCookie::default());
        }
        #[cfg(not(feature = "cookie"))]
        {
            self.sources = vec![TokenSource::authorization_bearer()];
        }
        self.oauth2 = Some(OAuth2Password {
            token_url: token_url.into(),
            scopes: Vec::new(),
        });
        self
    }

    /// Scopes documented in the OAuth2 password flow, as `(name, description)`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .oauth2_password("/token")
    ///     .oauth2_scopes([("read", "Read access"), ("write", "Write access")])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn oauth2_scopes<N: Into<String>, D: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = (N, D)>,
    ) -> Self {
        if let Some(oauth2) = &mut self.oauth2 {
            oauth2.scopes = scopes
                .into_iter()
                .map(|(n, d)| (n.into(), d.into()))
                .collect();
        }
        self
    }

    /// The name of the OpenAPI security scheme (Litestar's `openapi_security_scheme_name`).
    /// Default `BearerToken`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .openapi_scheme_name("JWT")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn openapi_scheme_name(mut self, name: impl Into<String>) -> Self {
        self.openapi.name = name.into();
        self
    }

    /// The description of the OpenAPI security scheme.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .openapi_description("A JWT from POST /login")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn openapi_description(mut self, description: impl Into<String>) -> Self {
        self.openapi.description = Some(description.into());
        self
    }

    /// Consults `store` for every token that passed the signature and claim checks, before the
    /// resolver; tokens without `jti` are then refused, and [`JwtAuth::logout`] revokes.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::MemoryRevocationStore;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(10_000))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn revocation(mut self, store: impl RevocationStore) -> Self {
        self.revocation = Some(Arc::new(store));
        self
    }

    /// Turns on refresh tokens: `login()` also issues a refresh token (in the token response
    /// and, if configured, its cookie) and [`JwtAuth::refresh`] rotates them with reuse
    /// detection. Needs a revocation store ([`JwtAuthBuilder::revocation`]).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, MemoryRevocationStore, RefreshTokens, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(10_000))
    ///     .refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn refresh_tokens(mut self, settings: RefreshTokens) -> Self {
        self.refresh = Some(settings);
        self
    }

    /// Checks everything and builds the configuration.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth};
    /// let result = JwtAuth::<String>::builder().secret([7u8; 32]).build();
    /// assert!(matches!(result, Err(ConfigError::MissingResolver)));
    /// ```
    pub fn build(mut self) -> Result<JwtAuth<U, C>, ConfigError>
    where
        C: Clone + Send + Sync + 'static,
    {
        if self.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }
        ensure_crypto_backend()?;
        let (keys, signing_keys) = self.take_keys()?;
        let resolver = self.resolver.ok_or(ConfigError::MissingResolver)?;
        if !valid_realm(&self.realm) {
            return Err(ConfigError::InvalidRealm);
        }
        if self.strict_audience && self.accepted_audiences.len() != 1 {
            return Err(ConfigError::StrictAudience(self.accepted_audiences.len()));
        }
        if self.leeway > Duration::from_secs(86_400) {
            return Err(ConfigError::DurationOutOfRange("leeway"));
        }
        let seconds = |d: Duration, what| {
            i64::try_from(d.as_secs())
                .ok()
                .filter(|s| *s > 0)
                .ok_or(ConfigError::DurationOutOfRange(what))
        };
        let expiration = seconds(self.token_expiration, "token_expiration")?;
        let max_lifetime = self
            .max_lifetime
            .map(|d| seconds(d, "max_lifetime"))
            .transpose()?;
        let sources = self
            .sources
            .iter()
            .map(TokenSource::compile)
            .collect::<Result<Vec<_>, _>>()?;
        if sources.is_empty() {
            return Err(ConfigError::NoTokenSource);
        }
        #[cfg(feature = "cookie")]
        if let Some(cookie) = &self.cookie {
            cookie.validate()?;
        }
        #[cfg(feature = "cookie")]
        let send_header = self.cookie.as_ref().is_none_or(AuthCookie::sends_header);
        #[cfg(not(feature = "cookie"))]
        let send_header = true;
        let header = sources
            .iter()
            .find(|source| source.cookie.is_none())
            .filter(|_| send_header)
            .cloned();
        let excludes =
            Excludes::build(&self.excludes, self.exclude_methods, self.allow_exclude_all)?;
        let single = |list: &[String]| match list {
            [one] => Some(one.clone()),
            _ => None,
        };
        let refresh = match self.refresh {
            None => None,
            Some(settings) => {
                if self.revocation.is_none() {
                    return Err(ConfigError::RefreshNeedsStore);
                }
                if settings.audience.is_empty()
                    || self.accepted_audiences.contains(&settings.audience)
                {
                    return Err(ConfigError::RefreshAudience(settings.audience));
                }
                #[cfg(feature = "cookie")]
                if let Some(cookie) = &settings.cookie {
                    cookie.validate()?;
                }
                Some(RefreshIssuing {
                    lifetime: seconds(settings.lifetime, "refresh token lifetime")?,
                    audience: settings.audience,
                    #[cfg(feature = "cookie")]
                    cookie: settings.cookie,
                })
            }
        };
        let rules = Rules {
            verify_expiry: self.verify_expiry,
            verify_not_before: self.verify_not_before,
            leeway: self.leeway.as_secs() as i64,
            max_lifetime,
            accepted_issuers: self.accepted_issuers.clone(),
            accepted_audiences: self.accepted_audiences.clone(),
            strict_audience: self.strict_audience,
            require_claims: self.require_claims,
        };
        let refresh_rules = refresh.as_ref().map(|r| Rules {
            verify_expiry: true,
            max_lifetime: None,
            accepted_audiences: vec![r.audience.clone()],
            strict_audience: true,
            require_claims: vec!["jti".to_owned(), "fid".to_owned()],
            ..rules.clone()
        });
        let issuer = Issuer {
            refresh,
            keys: signing_keys,
            expiration,
            issuer: self.token_issuer.or_else(|| single(&self.accepted_issuers)),
            audience: self
                .token_audience
                .or_else(|| single(&self.accepted_audiences))
                .map(Audience::One),
            header,
            #[cfg(feature = "cookie")]
            cookie: self.cookie,
            oauth2: self.oauth2,
            leeway: self.leeway.as_secs() as i64,
        };
        let cache = crate::cache::build_cache(self.token_cache, &self.algorithms);
        let verifier = Verifier {
            keys,
            algorithms: self.algorithms,
            max_size: self.max_token_size,
            rules,
            refresh_rules,
            hook: self.hook,
        };
        Ok(JwtAuth {
            inner: Arc::new(Inner {
                verifier,
                sources,
                excludes,
                resolver,
                error_handler: self
                    .error_handler
                    .unwrap_or_else(|| Box::new(DefaultErrorHandler)),
                realm: self.realm,
                issuer: Arc::new(issuer),
                revocation: self.revocation,
                cache,
                openapi: self.openapi,
            }),
        })
    }
}
