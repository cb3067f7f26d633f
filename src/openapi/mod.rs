//! OpenAPI (feature `openapi`): a utoipa [`Modify`] that registers the security scheme of the
//! configured preset and puts the requirement on protected operations only, listing the
//! scopes each operation requires.

mod schemes;
mod scopes;

use http::Method;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Components, OpenApi};
use utoipa::Modify;

pub use self::schemes::{BackendScheme, OpenApiBackend};
use self::scopes::ScopeTable;
use crate::authz::{RequireScopes, RequiredScopes};
use crate::error::ConfigError;
use crate::flow::authenticator::Authenticator;
use crate::flow::skip::Excludes;

/// The OpenAPI side of a [`JwtAuth`](crate::JwtAuth): apply it to a document with [`Modify::modify`] (or
/// list it in `#[openapi(modifiers(..))]`).
///
/// The scheme follows the preset: `http` bearer with `bearerFormat: JWT` for the
/// `Authorization` header, `apiKey` in a header for a custom header, `apiKey` in a cookie for
/// the cookie preset, and `oauth2` with a `password` flow for the OAuth2 preset. Operations on
/// excluded paths and methods get no requirement; components already in the document stay.
///
/// # Scopes
///
/// Route layers are invisible to utoipa, so the scopes an operation requires are told here,
/// per path and method: [`scoped`](Self::scoped) with the same
/// [`RequireScopes`] value the route's `route_layer` gets (the
/// list is written once), [`scoped_by`](Self::scoped_by) with the
/// [`RequiredScopes`] type of a [`Scoped`](crate::authz::Scoped)
/// extractor, or [`scopes`](Self::scopes) with the names. Then:
///
/// - every protected operation's requirement lists its scopes (`{"BearerToken": ["read"]}`),
///   whatever the scheme: OpenAPI 3.1 allows a list for non-oauth2 schemes too (roles, or
///   here the scopes the token must carry); operations without scopes keep an empty list;
/// - excluded operations keep no requirement;
/// - the oauth2 scheme's `scopes` map lists every scope used, plus those configured with
///   [`oauth2_scopes`](crate::JwtAuthBuilder::oauth2_scopes), each with a description:
///   [`scope_description`](Self::scope_description), else the configured one, else the scope
///   name itself.
///
/// Scopes for an operation the document does not have (the path is compared with the
/// document's path exactly), or for an excluded one, or a name that is not an RFC 6749
/// scope-token, are a mistake: [`try_modify`](Self::try_modify) returns the
/// [`ConfigError`] and leaves the document as it was, and [`Modify::modify`] panics with that
/// message, like axum's `route` with an invalid path (when the document is assembled, never
/// on a request).
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token};
/// use std::convert::Infallible;
/// use utoipa::Modify;
///
/// let auth = JwtAuth::<String>::builder()
///     .secret([7u8; 32])
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
///     .build()
///     .unwrap();
/// let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
/// auth.openapi().modify(&mut doc);
/// let schemes = &doc.components.unwrap().security_schemes;
/// assert!(schemes.contains_key("BearerToken"));
/// ```
#[derive(Clone)]
pub struct OpenApiSecurity {
    /// The backend's schemes, in order: an operation accepts any one of them.
    schemes: Vec<BackendScheme>,
    excludes: Excludes,
    table: ScopeTable,
}

impl std::fmt::Debug for OpenApiSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiSecurity")
            .field(
                "schemes",
                &self
                    .schemes
                    .iter()
                    .map(BackendScheme::name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<B: OpenApiBackend, U> Authenticator<B, U> {
    /// The OpenAPI security schemes of this configuration, ready to modify a document: the
    /// backend's [`security_schemes`](OpenApiBackend::security_schemes) (one per backend of
    /// a [`Chain`](crate::backend::Chain)), each a requirement of every protected operation.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let security = auth.openapi();
    /// # let _ = security;
    /// ```
    pub fn openapi(&self) -> OpenApiSecurity {
        OpenApiSecurity {
            schemes: self.backend().security_schemes(),
            excludes: self.inner.skip.clone(),
            table: ScopeTable::default(),
        }
    }
}

impl Modify for OpenApiSecurity {
    /// [`try_modify`](OpenApiSecurity::try_modify), panicking on its error.
    ///
    /// # Panics
    ///
    /// When scopes were given for an operation the document does not have or that is
    /// excluded, or a scope is not a scope-token: a mistake in assembling the application,
    /// found when the document is built, never on a request.
    #[allow(clippy::panic)]
    fn modify(&self, openapi: &mut OpenApi) {
        if let Err(error) = self.try_modify(openapi) {
            panic!("OpenApiSecurity: {error}");
        }
    }
}

impl OpenApiSecurity {
    /// Registers the scheme and puts the requirements on the protected operations, each with
    /// its scopes; or, when a scope was given for an operation the document does not have or
    /// that is excluded, or a scope is not a scope-token, that error and the document left as
    /// it was.
    ///
    /// ```
    /// # use axum_jwt_layer::{authz::RequireScopes, ConfigError, JwtAuth};
    /// use http::Method;
    ///
    /// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).exclude(["/login"]).build().unwrap();
    /// let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    /// let error = auth
    ///     .openapi()
    ///     .scopes("/reports", Method::GET, ["reports:read"])
    ///     .try_modify(&mut doc)
    ///     .unwrap_err();
    /// assert!(matches!(error, ConfigError::UnknownOperation { .. }));
    /// assert_eq!(error.to_string(), "OpenAPI scopes for GET /reports: the document has no such operation");
    /// assert!(doc.components.is_none());
    /// ```
    pub fn try_modify(&self, openapi: &mut OpenApi) -> Result<(), ConfigError> {
        self.table.check(openapi, &self.excludes)?;
        let mut names: Vec<&str> = self.schemes.iter().map(BackendScheme::name).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError::DuplicateScheme(pair[0].to_owned()));
        }
        let components = openapi.components.get_or_insert_with(Components::new);
        for entry in &self.schemes {
            components.add_security_scheme(entry.name.clone(), entry.documented(&self.table));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (http::Method::GET, &mut item.get),
                (http::Method::PUT, &mut item.put),
                (http::Method::POST, &mut item.post),
                (http::Method::DELETE, &mut item.delete),
                (http::Method::OPTIONS, &mut item.options),
                (http::Method::HEAD, &mut item.head),
                (http::Method::PATCH, &mut item.patch),
                (http::Method::TRACE, &mut item.trace),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                if self.excludes.skips_route(path, &method) {
                    continue;
                }
                // One requirement per scheme: OpenAPI reads the list as alternatives.
                let required = self.table.of(path, &method);
                let security = operation.security.get_or_insert_with(Vec::new);
                for entry in &self.schemes {
                    security.push(SecurityRequirement::new(&entry.name, required.clone()));
                }
            }
        }
        Ok(())
    }
}

impl OpenApiSecurity {
    /// The operation `method path` requires the scopes of `require`: pass the same
    /// [`RequireScopes`] value the route's `route_layer` gets, so the list is written once.
    /// `path` is the operation's path in the document (`/users/{id}`, as in
    /// `#[utoipa::path(..)]`); call once per method.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use axum_jwt_layer::{authz::RequireScopes, JwtAuth, JwtAuthLayer};
    /// use http::Method;
    /// use utoipa::{openapi::OpenApi, Modify};
    ///
    /// /// Reports.
    /// #[utoipa::path(get, path = "/reports", responses((status = 200)))]
    /// async fn reports() -> &'static str { "reports" }
    ///
    /// #[derive(utoipa::OpenApi)]
    /// #[openapi(paths(reports))]
    /// struct ApiDoc;
    ///
    /// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).build().unwrap();
    /// let read = RequireScopes::new(["reports:read"]);
    /// let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    /// auth.openapi().scoped("/reports", Method::GET, &read).modify(&mut doc);
    /// let app: Router = Router::new()
    ///     .route("/reports", get(reports).route_layer(read))
    ///     .layer(JwtAuthLayer::new(auth));
    /// # let _ = app;
    /// let json = serde_json::to_value(&doc).unwrap();
    /// assert_eq!(json["paths"]["/reports"]["get"]["security"], serde_json::json!([{"BearerToken": ["reports:read"]}]));
    /// ```
    pub fn scoped<C>(self, path: &str, method: Method, require: &RequireScopes<C>) -> Self {
        self.scopes(path, method, require.scopes())
    }

    /// The operation `method path` requires the scopes of `S`, the [`RequiredScopes`] type of
    /// a [`Scoped<S>`](crate::authz::Scoped) extractor in its handler.
    ///
    /// ```
    /// use axum_jwt_layer::{authz::RequiredScopes, JwtAuth};
    /// use http::Method;
    ///
    /// struct ReadReports;
    /// impl RequiredScopes for ReadReports {
    ///     const SCOPES: &'static [&'static str] = &["reports:read"];
    /// }
    /// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).build().unwrap();
    /// let security = auth.openapi().scoped_by::<ReadReports>("/reports", Method::GET);
    /// # let _ = security;
    /// ```
    pub fn scoped_by<S: RequiredScopes>(self, path: &str, method: Method) -> Self {
        self.scopes(path, method, S::SCOPES.iter().copied())
    }

    /// The operation `method path` requires `scopes` (each an RFC 6749 scope-token; one that
    /// is not makes [`try_modify`](Self::try_modify) return
    /// [`ConfigError::InvalidScope`]). Several calls for one operation add up.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// use http::Method;
    ///
    /// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).build().unwrap();
    /// let security = auth
    ///     .openapi()
    ///     .scopes("/reports", Method::GET, ["reports:read"])
    ///     .scopes("/reports", Method::DELETE, ["reports:read", "reports:write"]);
    /// # let _ = security;
    /// ```
    pub fn scopes<S: Into<String>>(
        mut self,
        path: &str,
        method: Method,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.table.add(path, method, scopes);
        self
    }

    /// The description of `scope` in the oauth2 scheme's `scopes` map (default: the one
    /// given to [`oauth2_scopes`](crate::JwtAuthBuilder::oauth2_scopes), else the scope name).
    /// A scope described here is listed even when no operation uses it. Other schemes have no
    /// scope map: there it changes nothing.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// use http::Method;
    ///
    /// let auth = JwtAuth::<()>::builder().secret([7u8; 32]).oauth2_password("/login").build().unwrap();
    /// let security = auth
    ///     .openapi()
    ///     .scopes("/reports", Method::GET, ["reports:read"])
    ///     .scope_description("reports:read", "Read the reports");
    /// # let _ = security;
    /// ```
    pub fn scope_description(
        mut self,
        scope: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        self.table.describe(scope.into(), description.into());
        self
    }
}
