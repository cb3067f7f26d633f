//! The extractors: [`Scoped`] refuses before the handler runs, as the layers do; [`Grants`]
//! hands the handler the token's scopes and roles for checks that depend on the request.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::claims::{self, are_scope_tokens, ClaimLookup};
use super::refusal::{self, Refusal};
use super::require::granted_roles;
use crate::error::{AuthError, AuthErrorKind};
use crate::flow::attach::GuardContext;
use crate::token::{Claims, Token};

/// The scopes a [`Scoped`] extractor requires, declared once on a type of yours.
///
/// Each scope must be an RFC 6749 scope-token (printable ASCII without spaces, `"` or `\`),
/// checked when the crate is compiled: a handler taking `Scoped<S>` with an invalid scope in
/// `S::SCOPES` does not build.
///
/// ```
/// use axum_jwt_layer::authz::RequiredScopes;
///
/// struct ReadReports;
/// impl RequiredScopes for ReadReports {
///     const SCOPES: &'static [&'static str] = &["reports:read"];
/// }
/// ```
pub trait RequiredScopes {
    /// Every scope the route requires.
    const SCOPES: &'static [&'static str];
}

/// The verified token of a request whose token carries every scope of `S`; otherwise the
/// handler does not run and the request gets the same 403 (or 401) as with
/// [`RequireScopes`](super::RequireScopes). Derefs to the [`Token`].
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_jwt_layer::authz::{RequiredScopes, Scoped};
///
/// struct ReadReports;
/// impl RequiredScopes for ReadReports {
///     const SCOPES: &'static [&'static str] = &["reports:read"];
/// }
///
/// async fn reports(token: Scoped<ReadReports>) -> String {
///     format!("reports for {}", token.sub)
/// }
/// let app: Router = Router::new().route("/reports", get(reports));
/// # let _ = app;
/// ```
pub struct Scoped<S, C = Claims> {
    /// The verified token.
    pub token: Token<C>,
    scopes: PhantomData<fn() -> S>,
}

impl<S, C> Scoped<S, C> {
    /// The verified token.
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::{RequiredScopes, Scoped}, Token};
    /// # struct Read;
    /// # impl RequiredScopes for Read { const SCOPES: &'static [&'static str] = &["read"]; }
    /// async fn handler(scoped: Scoped<Read>) -> String {
    ///     let token: Token = scoped.into_token();
    ///     token.sub
    /// }
    /// ```
    pub fn into_token(self) -> Token<C> {
        self.token
    }
}

impl<S: RequiredScopes, C> Scoped<S, C> {
    /// Fails the build of a handler whose scope list could not be sent in a challenge.
    const VALID: () = assert!(
        are_scope_tokens(S::SCOPES),
        "RequiredScopes::SCOPES holds a scope that is not an RFC 6749 scope-token"
    );
}

impl<S, C> Deref for Scoped<S, C> {
    type Target = Token<C>;

    fn deref(&self) -> &Token<C> {
        &self.token
    }
}

impl<S, C: fmt::Debug> fmt::Debug for Scoped<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("token", &self.token)
            .finish()
    }
}

impl<St, S, C> FromRequestParts<St> for Scoped<S, C>
where
    St: Send + Sync,
    S: RequiredScopes,
    C: ClaimLookup + Clone + Send + Sync + 'static,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Refusal> {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        let extensions = &parts.extensions;
        let token = refusal::token::<C>(extensions).map_err(|e| Refusal::new(e, extensions))?;
        let granted = claims::scopes(&token.claims);
        if S::SCOPES.iter().all(|scope| granted.contains(scope)) {
            let token = token.clone();
            return Ok(Self {
                token,
                scopes: PhantomData,
            });
        }
        let error = AuthError::insufficient_scope(Arc::from(S::SCOPES.join(" ")));
        Err(Refusal::new(error, extensions))
    }
}

/// What the request's token grants: its scopes (`scope` and `scp`) and its roles (at the
/// paths of [`JwtAuthBuilder::role_claims`](crate::JwtAuthBuilder::role_claims)), for a
/// handler whose check depends on the request. The `require_*` methods return a
/// [`Refusal`], answered like the layers' refusals. An unauthenticated request gets the
/// layer's 401 before the handler runs.
///
/// ```
/// use axum::{extract::Path, response::{IntoResponse, Response}};
/// use axum_jwt_layer::authz::Grants;
///
/// async fn project(Path(id): Path<String>, grants: Grants) -> Response {
///     let scope = format!("project:{id}");
///     if let Err(refusal) = grants.require_scopes([scope.as_str()]) {
///         return refusal.into_response();
///     }
///     format!("project {id}").into_response()
/// }
/// ```
pub struct Grants<C = Claims> {
    scopes: Vec<String>,
    roles: Vec<String>,
    /// The layer's way of answering, for the refusals of `require_*`.
    context: Option<GuardContext>,
    claims: PhantomData<fn() -> C>,
}

impl<C> Grants<C> {
    /// The scopes, in the token's order (`scope` first, then `scp`).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::Grants;
    /// async fn handler(grants: Grants) -> String { grants.scopes().join(",") }
    /// ```
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The roles, in the order of the configured paths.
    ///
    /// ```
    /// # use axum_jwt_layer::authz::Grants;
    /// async fn handler(grants: Grants) -> String { grants.roles().join(",") }
    /// ```
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// Whether the token grants `scope` (exact, case-sensitive).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::Grants;
    /// async fn handler(grants: Grants) -> &'static str {
    ///     if grants.has_scope("write") { "read-write" } else { "read-only" }
    /// }
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether the token grants `role` (exact, case-sensitive).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::Grants;
    /// async fn handler(grants: Grants) -> &'static str {
    ///     if grants.has_role("admin") { "everything" } else { "your own" }
    /// }
    /// ```
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// `Ok` when the token grants every scope of `scopes`; otherwise the 403
    /// `insufficient_scope` refusal naming them all (a scope that is not an RFC 6749
    /// scope-token is never granted and left out of the challenge).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::{Grants, Refusal};
    /// async fn handler(grants: Grants) -> Result<&'static str, Refusal> {
    ///     grants.require_scopes(["read", "write"])?;
    ///     Ok("done")
    /// }
    /// ```
    pub fn require_scopes<'s>(
        &self,
        scopes: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), Refusal> {
        let required: Vec<&str> = scopes.into_iter().collect();
        let valid = required.iter().all(|scope| claims::is_scope_token(scope));
        if valid && required.iter().all(|scope| self.has_scope(scope)) {
            return Ok(());
        }
        let sendable: Vec<&str> = required
            .into_iter()
            .filter(|s| claims::is_scope_token(s))
            .collect();
        let error = AuthError::insufficient_scope(Arc::from(sendable.join(" ")));
        Err(Refusal::with_context(error, self.context.clone()))
    }

    /// `Ok` when the token grants every role of `roles`; otherwise the 403 refusal
    /// ([`AuthErrorKind::MissingRole`]).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::{Grants, Refusal};
    /// async fn handler(grants: Grants) -> Result<&'static str, Refusal> {
    ///     grants.require_roles(["admin"])?;
    ///     Ok("done")
    /// }
    /// ```
    pub fn require_roles<'r>(
        &self,
        roles: impl IntoIterator<Item = &'r str>,
    ) -> Result<(), Refusal> {
        match roles.into_iter().all(|role| self.has_role(role)) {
            true => Ok(()),
            false => {
                let error = AuthError::new(AuthErrorKind::MissingRole);
                Err(Refusal::with_context(error, self.context.clone()))
            }
        }
    }
}

impl<C> fmt::Debug for Grants<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The grants are configuration-shaped names, but they come from the token: not shown.
        f.debug_struct("Grants")
            .field("scopes", &self.scopes.len())
            .field("roles", &self.roles.len())
            .finish_non_exhaustive()
    }
}

impl<St, C> FromRequestParts<St> for Grants<C>
where
    St: Send + Sync,
    C: ClaimLookup + Send + Sync + 'static,
{
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Refusal> {
        let extensions = &parts.extensions;
        let token = refusal::token::<C>(extensions).map_err(|e| Refusal::new(e, extensions))?;
        let owned = |found: Vec<&str>| found.into_iter().map(str::to_owned).collect();
        Ok(Self {
            scopes: owned(claims::scopes(&token.claims)),
            roles: owned(granted_roles(token, extensions)),
            context: extensions.get::<GuardContext>().cloned(),
            claims: PhantomData,
        })
    }
}
