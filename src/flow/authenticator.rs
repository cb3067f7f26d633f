//! [`Authenticator`]: a backend with the shared steps around it (excludes, revocation, the
//! resolver, the error mapping), and [`AuthenticatorBuilder`] for any backend.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use http::request::Parts;
use http::Method;

use super::metadata::ProtectedResource;
use super::origin::CrossOrigin;
use super::pipeline::{Resolve, Shared, WithResolver, WithoutResolver};
use super::reject::{ErrorHandler, Reject};
use super::resolve::UserResolver;
use super::skip::Excludes;
use crate::backend::AuthBackend;
use crate::error::{AuthError, ConfigError, DurationSetting};
use crate::response::valid_realm;
use crate::revocation::ErasedStore;
use crate::token::ClaimPath;

/// An authentication configuration: a backend ([`AuthBackend`]) and the steps every backend
/// shares. Cheap to clone (one `Arc`). [`JwtAuth`](crate::JwtAuth) is the one for JWT; build
/// one for your own backend with [`AuthenticatorBuilder::new`] and serve it with
/// [`AuthLayer`](crate::AuthLayer).
///
/// ```
/// # use axum_jwt_layer::{AuthBackend, AuthError, Authenticator, AuthenticatorBuilder};
/// # use http::request::Parts;
/// # use std::future::Future;
/// # struct Anyone;
/// # impl AuthBackend for Anyone {
/// #     type Credential = ();
/// #     fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<()>, AuthError>> + Send {
/// #         async { Ok(Some(())) }
/// #     }
/// # }
/// let auth: Authenticator<Anyone, ()> = AuthenticatorBuilder::new(Anyone).build().unwrap();
/// let shared = auth.clone(); // the same configuration
/// # let _ = shared;
/// ```
pub struct Authenticator<B, U> {
    pub(crate) inner: Arc<Shared<B, U>>,
}

impl<B, U> Clone for Authenticator<B, U> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<B: fmt::Debug, U> fmt::Debug for Authenticator<B, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.inner;
        f.debug_struct("Authenticator")
            .field("backend", &shared.backend)
            .field("excludes", &shared.skip)
            .field("cross_origin", &shared.origin)
            .field("revocation", &shared.revocation.is_some())
            .field("realm", &shared.reject.realm)
            .field("resource_metadata", &self.resource_metadata_url())
            .finish_non_exhaustive()
    }
}

impl<B, U> Authenticator<B, U> {
    /// The backend.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError, AuthenticatorBuilder};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// #[derive(Debug, PartialEq)]
    /// struct Anyone;
    /// # impl AuthBackend for Anyone {
    /// #     type Credential = ();
    /// #     fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<()>, AuthError>> + Send {
    /// #         async { Ok(Some(())) }
    /// #     }
    /// # }
    /// let auth = AuthenticatorBuilder::<Anyone, ()>::new(Anyone).build().unwrap();
    /// assert_eq!(auth.backend(), &Anyone);
    /// ```
    pub fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The response the layer would send for `error` (the configured error handler).
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, JwtAuth, Token, error::AuthErrorKind};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert_eq!(response.status(), 401);
    /// ```
    pub fn error_response(&self, error: &AuthError) -> Response {
        self.inner.reject.response(error)
    }

    /// The URL of the protected resource metadata document (RFC 9728) the layer serves, when
    /// a [`ProtectedResource`] is configured: the one the challenges carry as
    /// `resource_metadata`.
    ///
    /// ```
    /// # use axum_jwt_layer::{flow::ProtectedResource, JwtAuth};
    /// let auth = JwtAuth::<()>::builder()
    ///     .secret([7u8; 32])
    ///     .protected_resource(ProtectedResource::new("https://api.example.com/v1"))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(
    ///     auth.resource_metadata_url(),
    ///     Some("https://api.example.com/.well-known/oauth-protected-resource/v1")
    /// );
    /// ```
    pub fn resource_metadata_url(&self) -> Option<&str> {
        self.inner
            .metadata
            .as_ref()
            .map(|metadata| &**metadata.url())
    }
}

/// Builds an [`Authenticator`] for any [`AuthBackend`]. Defaults: no excludes but OPTIONS,
/// no resolver (requests carry the credential alone), the default error handler, realm `api`.
///
/// ```
/// # use axum_jwt_layer::{AuthBackend, AuthError, AuthenticatorBuilder};
/// # use http::{request::Parts, Method};
/// # use std::{convert::Infallible, future::Future};
/// # #[derive(Debug)] struct Anyone;
/// # impl AuthBackend for Anyone {
/// #     type Credential = ();
/// #     fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<()>, AuthError>> + Send {
/// #         async { Ok(Some(())) }
/// #     }
/// # }
/// let auth = AuthenticatorBuilder::new(Anyone)
///     .resolver(|(), _parts: &Parts| async { Ok::<_, Infallible>(Some("someone".to_owned())) })
///     .exclude(["/health", "/docs/*"])
///     .exclude_methods([Method::OPTIONS, Method::HEAD])
///     .realm("internal")
///     .build()
///     .unwrap();
/// assert!(format!("{auth:?}").contains("internal"));
/// ```
pub struct AuthenticatorBuilder<B, U> {
    backend: B,
    revocation: Option<Arc<dyn ErasedStore>>,
    settings: Settings<B, U>,
}

impl<B, U> fmt::Debug for AuthenticatorBuilder<B, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatorBuilder")
            .field("excludes", &self.settings.excludes)
            .finish_non_exhaustive()
    }
}

impl<B: AuthBackend, U: Clone + Send + Sync + 'static> AuthenticatorBuilder<B, U> {
    /// Starts a configuration around `backend`.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError, AuthenticatorBuilder};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// # struct Anyone;
    /// # impl AuthBackend for Anyone {
    /// #     type Credential = ();
    /// #     fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<()>, AuthError>> + Send {
    /// #         async { Ok(Some(())) }
    /// #     }
    /// # }
    /// let builder = AuthenticatorBuilder::<Anyone, String>::new(Anyone);
    /// # let _ = builder;
    /// ```
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            revocation: None,
            settings: Settings::new(),
        }
    }

    /// The user resolver, as a closure over the credential and the request head.
    pub fn resolver<F, Fut, E>(self, resolver: F) -> Self
    where
        F: Fn(B::Credential, &Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<U>, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        self.user_resolver(resolver)
    }

    /// The user resolver, as a type implementing [`UserResolver`].
    pub fn user_resolver(mut self, resolver: impl UserResolver<U, B::Credential>) -> Self {
        self.settings.resolver(resolver);
        self
    }

    /// Adds anchored exclude patterns (see
    /// [`JwtAuthBuilder::exclude`](crate::JwtAuthBuilder::exclude)).
    pub fn exclude<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.settings
            .excludes
            .extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Methods that skip authentication. Default: OPTIONS.
    pub fn exclude_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.settings.exclude_methods = methods.into_iter().collect();
        self
    }

    /// Allows an exclude pattern that covers every path.
    pub fn allow_exclude_all(mut self, on: bool) -> Self {
        self.settings.allow_exclude_all = on;
        self
    }

    /// Replaces the default error response.
    pub fn error_handler(mut self, handler: impl ErrorHandler) -> Self {
        self.settings.error_handler = Some(Box::new(handler));
        self
    }

    /// The realm of the `WWW-Authenticate` challenge. Default `api`.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.settings.realm = realm.into();
        self
    }

    /// A deadline for the resolver, counted from the start of the request's flow (so it
    /// bounds the backend's check and the revocation store too): past it the request is
    /// dropped with its lookup and gets 503 (needs tokio's timer, as `axum::serve` has).
    /// Default: none.
    pub fn resolver_timeout(mut self, limit: Duration) -> Self {
        self.settings.resolver_timeout = Some(limit);
        self
    }

    /// Claim paths holding the credential's roles, for
    /// [`RequireRoles`](crate::authz::RequireRoles) (see
    /// [`JwtAuthBuilder::role_claims`](crate::JwtAuthBuilder::role_claims)).
    pub fn role_claims<P: Into<ClaimPath>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.settings
            .role_claims
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Turns cross-origin protection on or off (default off for a custom backend: turn it on
    /// when its credential is a cookie). See
    /// [`JwtAuthBuilder::cross_origin_protection`](crate::JwtAuthBuilder::cross_origin_protection).
    pub fn cross_origin_protection(mut self, on: bool) -> Self {
        self.settings.cross_origin = Some(on);
        self
    }

    /// Origins (`https://host[:port]`) allowed to send unsafe requests from another site.
    pub fn trusted_origins<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.settings
            .trusted_origins
            .extend(origins.into_iter().map(Into::into));
        self
    }

    /// Routes (anchored patterns) left out of cross-origin protection.
    pub fn cross_origin_exempt<S: Into<String>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.settings
            .cross_origin_exempt
            .extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Publishes the RFC 9728 protected resource metadata and points the challenges to it
    /// (see [`ProtectedResource`] and
    /// [`JwtAuthBuilder::protected_resource`](crate::JwtAuthBuilder::protected_resource)).
    /// A custom backend's document has no `bearer_methods_supported`: the layer cannot tell
    /// how its credential travels.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError, AuthenticatorBuilder, flow::ProtectedResource};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// # struct Anyone;
    /// # impl AuthBackend for Anyone {
    /// #     type Credential = ();
    /// #     fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<()>, AuthError>> + Send {
    /// #         async { Ok(Some(())) }
    /// #     }
    /// # }
    /// let auth = AuthenticatorBuilder::<Anyone, ()>::new(Anyone)
    ///     .protected_resource(ProtectedResource::new("https://api.example.com"))
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.resource_metadata_url().is_some());
    /// ```
    pub fn protected_resource(mut self, resource: ProtectedResource) -> Self {
        self.settings.protected_resource = Some(resource);
        self
    }

    /// Consults `store` for every credential the backend accepts, before the resolver (see
    /// [`AuthBackend::revocation_ids`]).
    pub fn revocation(mut self, store: impl crate::revocation::RevocationStore) -> Self {
        self.revocation = Some(Arc::new(store));
        self
    }

    /// Checks the settings and builds the configuration.
    pub fn build(self) -> Result<Authenticator<B, U>, ConfigError> {
        let ambient = self.backend.is_ambient();
        self.settings.build(self.backend, self.revocation, ambient)
    }
}

/// What every backend shares, as the builders collect it.
pub(crate) struct Settings<B, U> {
    pub(crate) excludes: Vec<String>,
    pub(crate) exclude_methods: Vec<Method>,
    pub(crate) allow_exclude_all: bool,
    resolve: Option<Arc<dyn Resolve<B, U>>>,
    pub(crate) error_handler: Option<Box<dyn ErrorHandler>>,
    pub(crate) realm: String,
    /// Cross-origin protection: `None` is the backend's default (on for cookies).
    pub(crate) cross_origin: Option<bool>,
    pub(crate) trusted_origins: Vec<String>,
    pub(crate) cross_origin_exempt: Vec<String>,
    pub(crate) resolver_timeout: Option<Duration>,
    /// Where roles sit in the claims (for `RequireRoles`).
    pub(crate) role_claims: Vec<ClaimPath>,
    /// The RFC 9728 metadata, when published.
    pub(crate) protected_resource: Option<ProtectedResource>,
    /// Its `bearer_methods_supported`, as the backend's token sources say; `None`: left out.
    pub(crate) bearer_methods: Option<Vec<&'static str>>,
}

impl<B, U> Settings<B, U> {
    pub(crate) fn new() -> Self {
        Self {
            excludes: Vec::new(),
            exclude_methods: vec![Method::OPTIONS],
            allow_exclude_all: false,
            resolve: None,
            error_handler: None,
            realm: "api".to_owned(),
            cross_origin: None,
            trusted_origins: Vec::new(),
            cross_origin_exempt: Vec::new(),
            resolver_timeout: None,
            role_claims: Vec::new(),
            protected_resource: None,
            bearer_methods: None,
        }
    }

    pub(crate) fn resolver(&mut self, resolver: impl UserResolver<U, B::Credential>)
    where
        B: AuthBackend,
        U: Clone + Send + Sync + 'static,
    {
        self.resolve = Some(Arc::new(WithResolver(resolver)));
    }

    /// Checks the shared settings and puts the configuration together. `ambient` says whether
    /// the backend reads credentials a browser sends by itself (cookies): cross-origin
    /// protection is then on unless turned off.
    pub(crate) fn build(
        self,
        backend: B,
        revocation: Option<Arc<dyn ErasedStore>>,
        ambient: bool,
    ) -> Result<Authenticator<B, U>, ConfigError>
    where
        B: AuthBackend,
        U: Clone + Send + Sync + 'static,
    {
        if !valid_realm(&self.realm) {
            return Err(ConfigError::InvalidRealm);
        }
        if self.resolver_timeout.is_some_and(|limit| limit.is_zero()) {
            return Err(ConfigError::DurationOutOfRange(
                DurationSetting::ResolverTimeout,
            ));
        }
        if let Some(path) = self.role_claims.iter().find(|path| !path.is_usable()) {
            return Err(ConfigError::InvalidClaimPath(path.to_string()));
        }
        let metadata = match &self.protected_resource {
            Some(resource) => Some(resource.compile(self.bearer_methods.as_deref())?),
            None => None,
        };
        let skip = Excludes::build(&self.excludes, self.exclude_methods, self.allow_exclude_all)?;
        let origin = match self.cross_origin.unwrap_or(ambient) {
            true => Some(CrossOrigin::new(
                &self.trusted_origins,
                &self.cross_origin_exempt,
            )?),
            false => None,
        };
        let mut names = backend.scheme_names();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError::DuplicateScheme(pair[0].to_owned()));
        }
        let scheme = backend.challenge_scheme();
        let schemes = backend.challenge_schemes();
        let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        let mut invalid = std::iter::once(scheme).chain(schemes.iter().copied());
        if let Some(bad) = invalid.find(|s| s.is_empty() || !s.bytes().all(tchar)) {
            return Err(ConfigError::InvalidChallengeScheme(bad));
        }
        let reject = Arc::new(Reject::new(
            self.error_handler,
            self.realm,
            metadata.as_ref().map(|metadata| Arc::clone(metadata.url())),
            scheme,
            schemes,
        ));
        let resolve = self.resolve.unwrap_or_else(|| Arc::new(WithoutResolver));
        Ok(Authenticator {
            inner: Arc::new(Shared {
                backend,
                metadata,
                origin,
                skip,
                revocation,
                resolve,
                resolver_timeout: self.resolver_timeout,
                reject,
                role_claims: self.role_claims.into(),
            }),
        })
    }
}
