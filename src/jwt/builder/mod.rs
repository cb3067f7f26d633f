//! [`JwtAuthBuilder`]: every setting of a [`JwtAuth`](crate::JwtAuth), checked once by
//! `build()`. The setters are grouped by role: keys and algorithms (`keys.rs`), claim rules
//! (`claims.rs`), token sources, presets and issuing (`delivery.rs`), the steps every backend
//! shares (here), and `build()` itself (`build.rs`).

mod build;
mod claims;
mod delivery;
mod keys;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use http::Method;
use jsonwebtoken::Algorithm;
use serde::de::DeserializeOwned;

use super::backend::{JwtBackend, OpenApiNaming};
use super::rules::Rules;
use super::source::TokenSource;
use super::verify::DecodeHook;
use crate::flow::authenticator::Settings;
use crate::flow::metadata::ProtectedResource;
use crate::flow::reject::ErrorHandler;
use crate::flow::resolve::UserResolver;
#[cfg(feature = "cookie")]
use crate::issue::cookie::AuthCookie;
use crate::issue::refresh::RefreshTokens;
use crate::keys::set::KeySpec;
use crate::revocation::ErasedStore;
use crate::token::{Claims, Token};

/// Builds a [`JwtAuth`](crate::JwtAuth). Defaults: HS256, `Authorization: Bearer`, `exp` required, `nbf`
/// checked, leeway 60 s, tokens up to 8 KiB, OPTIONS excluded, realm `api`, issued tokens valid
/// for 15 minutes.
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token, jwt::TokenSource};
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
    /// The HMAC secret of [`secret`](Self::secret): one, replaced by each call.
    secret: Option<KeySpec>,
    /// Keys added by [`key`](Self::key), [`secret_with_kid`](Self::secret_with_kid) and
    /// [`jwk_set`](Self::jwk_set).
    keys: Vec<KeySpec>,
    #[cfg(feature = "jwks")]
    jwks: Vec<crate::keys::remote::JwksSource>,
    algorithms: Vec<Algorithm>,
    /// The claim rules, held once; `leeway` and `max_lifetime` are converted by `build()`.
    rules: Rules,
    leeway: Duration,
    max_lifetime: Option<Duration>,
    max_token_size: usize,
    hook: Option<Box<DecodeHook>>,
    /// Explicit sources; `None`: the preset's (the cookie and the header, or the header).
    sources: Option<Vec<TokenSource>>,
    token_expiration: Duration,
    token_issuer: Option<String>,
    token_audience: Option<String>,
    #[cfg(feature = "cookie")]
    cookie: Option<AuthCookie>,
    oauth2_token_url: Option<String>,
    oauth2_scopes: Vec<(String, String)>,
    openapi: OpenApiNaming,
    revocation: Option<Arc<dyn ErasedStore>>,
    refresh: Option<RefreshTokens>,
    /// `None`: the default (on, 4,096 tokens); `Some(0)`: off.
    token_cache: Option<usize>,
    /// Excludes, the resolver, the error handler and the realm: shared by every backend.
    flow: Settings<JwtBackend<C>, U>,
}

impl<U, C> fmt::Debug for JwtAuthBuilder<U, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthBuilder")
            .field(
                "keys",
                &(self.keys.len() + usize::from(self.secret.is_some())),
            )
            .field("algorithms", &self.algorithms)
            .field("sources", &self.sources)
            .field("excludes", &self.flow.excludes)
            .finish_non_exhaustive()
    }
}

fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl<U, C> JwtAuthBuilder<U, C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    pub(crate) fn new() -> Self {
        Self {
            secret: None,
            keys: Vec::new(),
            #[cfg(feature = "jwks")]
            jwks: Vec::new(),
            algorithms: vec![Algorithm::HS256],
            rules: Rules {
                verify_expiry: true,
                verify_not_before: true,
                leeway: 0,
                max_lifetime: None,
                accepted_issuers: Vec::new(),
                accepted_audiences: Vec::new(),
                strict_audience: false,
                require_claims: Vec::new(),
            },
            leeway: Duration::from_secs(60),
            max_lifetime: None,
            max_token_size: 8 * 1024,
            hook: None,
            sources: None,
            token_expiration: Duration::from_secs(15 * 60),
            token_issuer: None,
            token_audience: None,
            #[cfg(feature = "cookie")]
            cookie: None,
            oauth2_token_url: None,
            oauth2_scopes: Vec::new(),
            openapi: OpenApiNaming {
                name: "BearerToken".to_owned(),
                description: None,
            },
            revocation: None,
            refresh: None,
            token_cache: None,
            flow: Settings::new(),
        }
    }
}

impl<U, C> JwtAuthBuilder<U, C>
where
    U: Clone + Send + Sync + 'static,
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
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
        self.flow.excludes.extend(strings(patterns));
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
        self.flow.exclude_methods = methods.into_iter().collect();
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
        self.flow.allow_exclude_all = on;
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
    {
        self.flow.resolver(resolver);
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
    /// #     fn resolve(&self, token: &Token, _parts: &http::request::Parts)
    /// #         -> impl Future<Output = Result<Option<String>, Infallible>> + Send {
    /// #         let subject = token.sub.clone();
    /// #         async move { Ok(Some(subject)) }
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
        R: UserResolver<U, Token<C>>,
    {
        self.flow.resolver(resolver);
        self
    }

    /// Replaces the default RFC 6750 rejection response.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::{IntoResponse, Response};
    /// use axum_jwt_layer::{AuthError, error::AuthErrorKind};
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
        self.flow.error_handler = Some(Box::new(handler));
        self
    }

    /// The realm of the `WWW-Authenticate` challenge. Default `api`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
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
        self.flow.realm = realm.into();
        self
    }

    /// Publishes the OAuth 2.0 protected resource metadata (RFC 9728) and points every 401
    /// challenge (and the `insufficient_scope` 403 of the authorization guards) to it with
    /// `resource_metadata="<url>"`. The layer serves the document itself at the well-known
    /// URL derived from the resource identifier, without authentication; its
    /// `bearer_methods_supported` follows the token sources (`["header"]` for
    /// `Authorization: Bearer`; cookies and custom headers are not RFC 6750 methods). See
    /// [`ProtectedResource`] for what `build()` checks. Off by default: no document, no
    /// attribute.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, AuthError, error::AuthErrorKind};
    /// use axum_jwt_layer::flow::ProtectedResource;
    /// let auth = JwtAuth::<()>::builder()
    ///     .secret([7u8; 32])
    ///     .protected_resource(
    ///         ProtectedResource::new("https://api.example.com")
    ///             .authorization_servers(["https://issuer.example.com"])
    ///             .scopes_supported(["read", "write"]),
    ///     )
    ///     .build()
    ///     .unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert_eq!(
    ///     response.headers()["www-authenticate"],
    ///     r#"Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
    /// );
    /// ```
    pub fn protected_resource(mut self, resource: ProtectedResource) -> Self {
        self.flow.protected_resource = Some(resource);
        self
    }

    /// Cross-origin protection (on by default when a token source is a cookie: the cookie and
    /// OAuth2 presets). An unsafe request (not GET, HEAD or OPTIONS) without an
    /// `Authorization` header gets 403 when `Sec-Fetch-Site` says another origin sent it, or,
    /// without that header, when its `Origin` is neither the request's host nor a trusted
    /// origin; requests with neither header (not from a browser) pass. It runs before the
    /// excludes, so a cross-site login is refused too. `false` turns it off.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// use axum_jwt_layer::issue::AuthCookie;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .cookie(AuthCookie::default())
    ///     .trusted_origins(["https://app.example"])
    ///     .cross_origin_exempt(["/webhooks/*"])
    ///     .build()
    ///     .unwrap();
    /// assert!(format!("{auth:?}").contains("app.example"));
    /// let off = JwtAuth::<String>::builder().secret([7u8; 32]).cookie(AuthCookie::default())
    ///     .cross_origin_protection(false).build().unwrap();
    /// assert!(format!("{off:?}").contains("cross_origin: None"));
    /// ```
    pub fn cross_origin_protection(mut self, on: bool) -> Self {
        self.flow.cross_origin = Some(on);
        self
    }

    /// Origins (`https://host[:port]`) allowed to send unsafe requests from another site
    /// (see [`cross_origin_protection`](Self::cross_origin_protection)); anything else fails
    /// `build()` with [`ConfigError::InvalidTrustedOrigin`](crate::ConfigError::InvalidTrustedOrigin).
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth};
    /// use axum_jwt_layer::issue::AuthCookie;
    /// let build = |origin| JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .cookie(AuthCookie::default()).trusted_origins([origin]).build();
    /// assert!(build("https://app.example:8443").is_ok());
    /// assert!(matches!(build("https://app.example/path"), Err(ConfigError::InvalidTrustedOrigin(_))));
    /// ```
    pub fn trusted_origins<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.flow.trusted_origins.extend(strings(origins));
        self
    }

    /// Routes (anchored patterns, as for [`exclude`](Self::exclude)) left out of cross-origin
    /// protection, for endpoints other sites are meant to post to.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// use axum_jwt_layer::issue::AuthCookie;
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .cookie(AuthCookie::default()).cross_origin_exempt(["/webhooks/*"]).build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn cross_origin_exempt<S: Into<String>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.flow.cross_origin_exempt.extend(strings(patterns));
        self
    }

    /// A deadline for the resolver (none by default), counted from the start of the request's
    /// flow, so it bounds the token check and the revocation store too: a request not
    /// resolved by then is dropped with its lookup and gets 503 "Service temporarily
    /// unavailable", logged at `error`; the server keeps serving. Needs tokio's timer, as
    /// `axum::serve` has. Zero fails `build()`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use std::time::Duration;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .resolver_timeout(Duration::from_secs(2))
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn resolver_timeout(mut self, limit: Duration) -> Self {
        self.flow.resolver_timeout = Some(limit);
        self
    }

    /// Claim paths holding the token's roles, for
    /// [`RequireRoles`](crate::authz::RequireRoles) and
    /// [`Grants`](crate::authz::Grants): `roles`, `groups`, Keycloak's `realm_access.roles`
    /// or `resource_access.<client>.roles` (see [`ClaimPath`](crate::authz::ClaimPath)).
    /// A token's roles are the strings of every array of strings found at these paths; a
    /// missing path, or a value of another type there, grants no role. None by default.
    /// An unusable path fails `build()` with
    /// [`ConfigError::InvalidClaimPath`](crate::ConfigError::InvalidClaimPath).
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth};
    /// let auth = JwtAuth::<()>::builder()
    ///     .secret([7u8; 32])
    ///     .role_claims(["roles", "realm_access.roles", "resource_access.my-api.roles"])
    ///     .build();
    /// assert!(auth.is_ok());
    /// let empty_segment = JwtAuth::<()>::builder().secret([7u8; 32]).role_claims(["realm_access..roles"]).build();
    /// assert!(matches!(empty_segment, Err(ConfigError::InvalidClaimPath(_))));
    /// ```
    pub fn role_claims<P: Into<crate::token::ClaimPath>>(
        mut self,
        paths: impl IntoIterator<Item = P>,
    ) -> Self {
        self.flow
            .role_claims
            .extend(paths.into_iter().map(Into::into));
        self
    }
}
