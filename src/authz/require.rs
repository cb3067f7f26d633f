//! The per-route requirements: [`RequireScopes`], [`RequireRoles`], [`RequireGuard`]. Each
//! is a tower layer (in `service.rs`) whose check is a plain function over the request's
//! extensions, run before the handler.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use http::Extensions;

use super::claims::{self, is_scope_token, ClaimLookup};
use super::refusal;
use crate::error::{AuthError, AuthErrorKind, ConfigError};
use crate::flow::attach::GuardContext;
use crate::token::{Claims, Token};

/// What a guard checks before the route's handler runs. Implemented by the `Require*` types.
pub trait Requirement: Send + Sync + 'static {
    /// `Ok` lets the request through; the error is the refusal (401, 403 or 500).
    fn check(&self, extensions: &Extensions) -> Result<(), AuthError>;
}

/// Requires every listed scope in the token's `scope` or `scp` claim (a space-separated
/// string or an array of strings; compared exactly, case-sensitive). A tower layer: put it on
/// routes with `route_layer`, inside the authentication layer.
///
/// A request the layer did not authenticate (an excluded route) gets the layer's 401; a
/// token without one of the scopes gets 403 with `WWW-Authenticate: Bearer realm="..",
/// error="insufficient_scope", error_description="Insufficient scope", scope="<every required
/// scope>"` and the JSON body `{"status_code":403,"detail":"Insufficient scope"}`. The
/// handler does not run.
///
/// `RequireScopes::new` reads the default [`Claims`]; for a claims type of your own that
/// implements [`ClaimLookup`], add [`for_claims`](Self::for_claims).
///
/// ```
/// use axum::{routing::{get, post}, Router};
/// use axum_jwt_layer::{authz::RequireScopes, JwtAuth, JwtAuthLayer};
///
/// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).build().unwrap();
/// let app: Router = Router::new()
///     .route("/reports", get(|| async { "reports" }))
///     .route_layer(RequireScopes::new(["reports:read"]))
///     .route("/admin", post(|| async { "done" }).route_layer(RequireScopes::new(["read", "write"])))
///     .layer(JwtAuthLayer::new(auth));
/// # let _ = app;
/// ```
pub struct RequireScopes<C = Claims> {
    required: Arc<[Box<str>]>,
    /// The required scopes, space-separated, for the challenge's `scope` attribute.
    scope: Arc<str>,
    claims: PhantomData<fn() -> C>,
}

impl RequireScopes {
    /// Requires every scope of `scopes` (none: any authenticated request passes).
    ///
    /// # Panics
    ///
    /// When a scope is empty or not an RFC 6749 scope-token (printable ASCII without spaces,
    /// `"` or `\`), like axum's `route` with an invalid path: while the router is assembled,
    /// never on a request. [`try_new`](Self::try_new) returns the error instead.
    ///
    /// ```
    /// # use axum_jwt_layer::authz::RequireScopes;
    /// let read = RequireScopes::new(["read"]);
    /// # let _ = read;
    /// ```
    #[allow(clippy::panic)]
    pub fn new<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        match Self::try_new(scopes) {
            Ok(require) => require,
            Err(error) => panic!("RequireScopes::new: {error}"),
        }
    }

    /// Requires every scope of `scopes`, or
    /// [`ConfigError::InvalidScope`](crate::ConfigError::InvalidScope) naming the first one
    /// that cannot be a scope.
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::RequireScopes, ConfigError};
    /// assert!(RequireScopes::try_new(["read", "write:all"]).is_ok());
    /// assert!(matches!(RequireScopes::try_new(["read write"]), Err(ConfigError::InvalidScope(_))));
    /// ```
    pub fn try_new<S: Into<String>>(
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self, ConfigError> {
        let required: Vec<Box<str>> = scopes.into_iter().map(|s| s.into().into()).collect();
        if let Some(bad) = required.iter().find(|scope| !is_scope_token(scope)) {
            return Err(ConfigError::InvalidScope(bad.to_string()));
        }
        Ok(Self {
            scope: required.join(" ").into(),
            required: required.into(),
            claims: PhantomData,
        })
    }
}

impl<C> RequireScopes<C> {
    /// The required scopes, in the order given (for the OpenAPI document:
    /// `openapi::OpenApiSecurity::scoped` reads them here).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::RequireScopes;
    /// let admin = RequireScopes::new(["read", "write"]);
    /// assert_eq!(admin.scopes().collect::<Vec<_>>(), ["read", "write"]);
    /// ```
    pub fn scopes(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.required.iter().map(|scope| &**scope)
    }

    /// The same requirement, reading the token of claims type `D` (which the layer's
    /// [`JwtAuth<U, D>`](crate::JwtAuth) verifies to).
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::{ClaimLookup, RequireScopes}, Claims};
    /// #[derive(Clone, serde::Deserialize)]
    /// struct MyClaims { #[serde(flatten)] other: Claims }
    /// impl ClaimLookup for MyClaims {
    ///     fn claim(&self, name: &str) -> Option<&serde_json::Value> { self.other.get(name) }
    /// }
    /// let read = RequireScopes::new(["read"]).for_claims::<MyClaims>();
    /// # let _ = read;
    /// ```
    pub fn for_claims<D>(self) -> RequireScopes<D> {
        RequireScopes {
            required: self.required,
            scope: self.scope,
            claims: PhantomData,
        }
    }
}

impl<C> Clone for RequireScopes<C> {
    fn clone(&self) -> Self {
        Self {
            required: Arc::clone(&self.required),
            scope: Arc::clone(&self.scope),
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for RequireScopes<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireScopes")
            .field("scopes", &self.required)
            .finish()
    }
}

impl<C: ClaimLookup + Send + Sync + 'static> Requirement for RequireScopes<C> {
    fn check(&self, extensions: &Extensions) -> Result<(), AuthError> {
        let token = refusal::token::<C>(extensions)?;
        let granted = claims::scopes(&token.claims);
        match self.required.iter().all(|r| granted.contains(&&**r)) {
            true => Ok(()),
            false => Err(AuthError::insufficient_scope(Arc::clone(&self.scope))),
        }
    }
}

/// Requires roles, read at the claim paths configured once with
/// [`JwtAuthBuilder::role_claims`](crate::JwtAuthBuilder::role_claims): every listed role
/// ([`new`](Self::new)) or at least one ([`any`](Self::any)). A tower layer for
/// `route_layer`, inside the authentication layer.
///
/// A missing path, or a value there that is not an array of strings, grants no role: the
/// token is valid, so the answer is 403 (never 401), with `WWW-Authenticate: Bearer
/// realm="..", error="insufficient_scope", error_description="Required role missing"` (no
/// `scope` attribute: roles are not OAuth scopes) and the body
/// `{"status_code":403,"detail":"Required role missing"}`. An unauthenticated request gets the
/// layer's 401.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_jwt_layer::{authz::RequireRoles, JwtAuth, JwtAuthLayer};
///
/// let auth = JwtAuth::<()>::builder()
///     .secret([7u8; 32])
///     .role_claims(["realm_access.roles", "resource_access.my-api.roles"])
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/admin", get(|| async { "admin" }).route_layer(RequireRoles::new(["admin"])))
///     .route("/ops", get(|| async { "ops" }).route_layer(RequireRoles::any(["admin", "ops"])))
///     .layer(JwtAuthLayer::new(auth));
/// # let _ = app;
/// ```
pub struct RequireRoles<C = Claims> {
    roles: Arc<[Box<str>]>,
    any: bool,
    claims: PhantomData<fn() -> C>,
}

impl RequireRoles {
    /// Requires every role of `roles`.
    ///
    /// ```
    /// # use axum_jwt_layer::authz::RequireRoles;
    /// let admin_and_audit = RequireRoles::new(["admin", "audit"]);
    /// # let _ = admin_and_audit;
    /// ```
    pub fn new<S: Into<String>>(roles: impl IntoIterator<Item = S>) -> Self {
        Self::with(roles, false)
    }

    /// Requires at least one role of `roles` (none listed: every request is refused).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::RequireRoles;
    /// let staff = RequireRoles::any(["admin", "support"]);
    /// # let _ = staff;
    /// ```
    pub fn any<S: Into<String>>(roles: impl IntoIterator<Item = S>) -> Self {
        Self::with(roles, true)
    }

    fn with<S: Into<String>>(roles: impl IntoIterator<Item = S>, any: bool) -> Self {
        Self {
            roles: roles.into_iter().map(|s| s.into().into()).collect(),
            any,
            claims: PhantomData,
        }
    }
}

impl<C> RequireRoles<C> {
    /// The same requirement, reading the token of claims type `D`.
    ///
    /// ```
    /// # use axum_jwt_layer::authz::RequireRoles;
    /// let admin = RequireRoles::new(["admin"]).for_claims::<serde_json::Value>();
    /// # let _ = admin;
    /// ```
    pub fn for_claims<D>(self) -> RequireRoles<D> {
        RequireRoles {
            roles: self.roles,
            any: self.any,
            claims: PhantomData,
        }
    }
}

impl<C> Clone for RequireRoles<C> {
    fn clone(&self) -> Self {
        Self {
            roles: Arc::clone(&self.roles),
            any: self.any,
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for RequireRoles<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireRoles")
            .field("roles", &self.roles)
            .field("any", &self.any)
            .finish()
    }
}

/// The roles the request's claims grant, at the paths the layer was configured with.
pub(crate) fn granted_roles<'t, C: ClaimLookup>(
    token: &'t Token<C>,
    extensions: &Extensions,
) -> Vec<&'t str> {
    match extensions.get::<GuardContext>() {
        Some(context) => claims::roles(&token.claims, &context.role_claims),
        None => Vec::new(),
    }
}

impl<C: ClaimLookup + Send + Sync + 'static> Requirement for RequireRoles<C> {
    fn check(&self, extensions: &Extensions) -> Result<(), AuthError> {
        let token = refusal::token::<C>(extensions)?;
        let granted = granted_roles(token, extensions);
        let mut required = self.roles.iter().map(|role| &**role);
        let allowed = match self.any {
            true => required.any(|role| granted.contains(&role)),
            false => required.all(|role| granted.contains(&role)),
        };
        match allowed {
            true => Ok(()),
            false => Err(AuthError::new(AuthErrorKind::MissingRole)),
        }
    }
}

/// A predicate over the verified token, or over the token and the resolved user (Litestar's
/// guards; FastAPI Users' `active`, `verified`, `superuser`). A tower layer for
/// `route_layer`, inside the authentication layer. `false` -> 403 with `WWW-Authenticate:
/// Bearer realm="..", error="insufficient_scope", error_description="Access denied"` and the
/// body `{"status_code":403,"detail":"Access denied"}`; an unauthenticated request gets the
/// layer's 401.
///
/// The predicate is synchronous and runs on every request to the route: a check that needs
/// I/O belongs in the [`UserResolver`](crate::UserResolver), which can load what the
/// predicate then reads. A predicate over the user on a configuration without a resolver (no
/// [`AuthUser`](crate::AuthUser) of that type) answers 500, logged at `error`.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_jwt_layer::{authz::RequireGuard, JwtAuth, JwtAuthLayer, Token};
/// use std::convert::Infallible;
///
/// #[derive(Clone)]
/// struct User { active: bool, verified: bool, superuser: bool }
///
/// let auth = JwtAuth::<User>::builder()
///     .secret([7u8; 32])
///     .resolver(|_token: Token, _parts| async {
///         Ok::<_, Infallible>(Some(User { active: true, verified: true, superuser: false }))
///     })
///     .build()
///     .unwrap();
/// let superuser = RequireGuard::new(|_: &Token, user: &User| user.active && user.superuser);
/// let email_verified = RequireGuard::token(|token: &Token| {
///     token.claims.get("email_verified") == Some(&serde_json::Value::Bool(true))
/// });
/// let app: Router = Router::new()
///     .route("/admin", get(|| async { "admin" }).route_layer(superuser))
///     .route("/inbox", get(|| async { "inbox" }).route_layer(email_verified))
///     .layer(JwtAuthLayer::new(auth));
/// # let _ = app;
/// ```
pub struct RequireGuard<P> {
    predicate: Arc<P>,
}

/// A predicate over the token and the user.
pub struct UserPredicate<F, C, U> {
    check: F,
    types: PhantomData<fn(&Token<C>, &U)>,
}

/// A predicate over the token alone.
pub struct TokenPredicate<F, C> {
    check: F,
    types: PhantomData<fn(&Token<C>)>,
}

impl<F, C, U> RequireGuard<UserPredicate<F, C, U>>
where
    F: Fn(&Token<C>, &U) -> bool + Send + Sync + 'static,
{
    /// A guard over the token and the user the resolver returned; annotate the closure's
    /// argument types (`&Token<C>`, `&User`).
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::RequireGuard, Token};
    /// # #[derive(Clone)] struct User { active: bool }
    /// let active = RequireGuard::new(|_: &Token, user: &User| user.active);
    /// # let _ = active;
    /// ```
    pub fn new(predicate: F) -> Self {
        Self {
            predicate: Arc::new(UserPredicate {
                check: predicate,
                types: PhantomData,
            }),
        }
    }
}

impl<F, C> RequireGuard<TokenPredicate<F, C>>
where
    F: Fn(&Token<C>) -> bool + Send + Sync + 'static,
{
    /// A guard over the token alone (for configurations without a resolver, too).
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::RequireGuard, Token};
    /// let issued_here = RequireGuard::token(|token: &Token| token.iss.as_deref() == Some("https://auth.example"));
    /// # let _ = issued_here;
    /// ```
    pub fn token(predicate: F) -> Self {
        Self {
            predicate: Arc::new(TokenPredicate {
                check: predicate,
                types: PhantomData,
            }),
        }
    }
}

impl<P> Clone for RequireGuard<P> {
    fn clone(&self) -> Self {
        Self {
            predicate: Arc::clone(&self.predicate),
        }
    }
}

impl<P> fmt::Debug for RequireGuard<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireGuard").finish_non_exhaustive()
    }
}

impl<F, C, U> fmt::Debug for UserPredicate<F, C, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPredicate").finish_non_exhaustive()
    }
}

impl<F, C> fmt::Debug for TokenPredicate<F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPredicate").finish_non_exhaustive()
    }
}

fn allowed(yes: bool) -> Result<(), AuthError> {
    match yes {
        true => Ok(()),
        false => Err(AuthError::new(AuthErrorKind::GuardRefused)),
    }
}

impl<F, C, U> Requirement for RequireGuard<UserPredicate<F, C, U>>
where
    F: Fn(&Token<C>, &U) -> bool + Send + Sync + 'static,
    C: Send + Sync + 'static,
    U: Send + Sync + 'static,
{
    fn check(&self, extensions: &Extensions) -> Result<(), AuthError> {
        let token = refusal::token::<C>(extensions)?;
        let user = refusal::user::<U>(extensions)?;
        allowed((self.predicate.check)(token, user))
    }
}

impl<F, C> Requirement for RequireGuard<TokenPredicate<F, C>>
where
    F: Fn(&Token<C>) -> bool + Send + Sync + 'static,
    C: Send + Sync + 'static,
{
    fn check(&self, extensions: &Extensions) -> Result<(), AuthError> {
        let token = refusal::token::<C>(extensions)?;
        allowed((self.predicate.check)(token))
    }
}
