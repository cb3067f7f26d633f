//! The security schemes a backend shows in the OpenAPI document: [`OpenApiBackend`], and its
//! implementations for the crate's backends and for [`Chain`].

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityScheme,
};

use super::scopes::ScopeTable;
use crate::backend::Chain;
use crate::jwt::backend::JwtBackend;
use crate::jwt::shared::JwtAuthBackend;

/// One security scheme of a backend: its name in `components.securitySchemes` and the scheme.
///
/// ```
/// use axum_jwt_layer::openapi::BackendScheme;
/// use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
///
/// let scheme = BackendScheme::new("ApiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))));
/// assert_eq!(scheme.name(), "ApiKey");
/// ```
#[derive(Clone)]
pub struct BackendScheme {
    pub(super) name: String,
    scheme: SecurityScheme,
    /// The scopes of the oauth2 preset configured on the builder, with their descriptions.
    declared: Vec<(String, String)>,
}

impl std::fmt::Debug for BackendScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendScheme")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl BackendScheme {
    /// The scheme `scheme`, registered as `name`.
    pub fn new(name: impl Into<String>, scheme: SecurityScheme) -> Self {
        Self {
            name: name.into(),
            scheme,
            declared: Vec::new(),
        }
    }

    /// The name of the scheme in the document.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scheme as registered (an oauth2 scheme's scope map is completed from the
    /// operations' scopes when the document is modified).
    pub fn scheme(&self) -> &SecurityScheme {
        &self.scheme
    }

    /// The scheme to register: an oauth2 password flow lists every scope used by an
    /// operation and every declared one, with its description.
    pub(super) fn documented(&self, table: &ScopeTable) -> SecurityScheme {
        let SecurityScheme::OAuth2(oauth2) = &self.scheme else {
            return self.scheme.clone();
        };
        let mut oauth2 = oauth2.clone();
        let listed = table.scope_map(&self.declared);
        for flow in oauth2.flows.values_mut() {
            if let Flow::Password(password) = flow {
                password.scopes = listed
                    .iter()
                    .map(|(n, d)| (n.as_str(), d.as_str()))
                    .collect();
            }
        }
        SecurityScheme::OAuth2(oauth2)
    }
}

/// A backend that shows itself in the OpenAPI document (feature `openapi`): what
/// [`Authenticator::openapi`](crate::Authenticator::openapi) registers. The crate's backends
/// implement it; so does a [`Chain`] whose backends do (the schemes of both, in order; an
/// operation then accepts any one of them). Implement it for your own backend to document it.
///
/// ```
/// use axum_jwt_layer::{AuthBackend, AuthError, AuthenticatorBuilder, openapi::{BackendScheme, OpenApiBackend}};
/// use http::request::Parts;
/// use std::future::Future;
/// use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
/// use utoipa::Modify;
///
/// #[derive(Clone)]
/// struct ApiKeys;
/// impl AuthBackend for ApiKeys {
///     type Credential = String;
/// #   fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<String>, AuthError>> + Send {
/// #       async { Ok(None) }
/// #   }
///     fn scheme_names(&self) -> Vec<&str> {
///         vec!["ApiKey"]
///     }
/// }
/// impl OpenApiBackend for ApiKeys {
///     fn security_schemes(&self) -> Vec<BackendScheme> {
///         let header = ApiKey::Header(ApiKeyValue::new("x-api-key"));
///         vec![BackendScheme::new("ApiKey", SecurityScheme::ApiKey(header))]
///     }
/// }
///
/// let auth = AuthenticatorBuilder::<ApiKeys, ()>::new(ApiKeys).build().unwrap();
/// let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
/// auth.openapi().modify(&mut doc);
/// assert!(doc.components.unwrap().security_schemes.contains_key("ApiKey"));
/// ```
pub trait OpenApiBackend {
    /// This backend's schemes, in order; their names are those of
    /// [`AuthBackend::scheme_names`](crate::AuthBackend::scheme_names), which `build()` checks
    /// for duplicates.
    fn security_schemes(&self) -> Vec<BackendScheme>;
}

impl<C> OpenApiBackend for JwtBackend<C> {
    /// One scheme, named `BearerToken` unless configured otherwise, following the preset:
    /// `http` bearer with `bearerFormat: JWT` for the `Authorization` header, `apiKey` in a
    /// header for a custom header, in a cookie for the cookie preset, in the query for a
    /// query source, and `oauth2` with a `password` flow for the OAuth2 preset.
    fn security_schemes(&self) -> Vec<BackendScheme> {
        let naming = &self.openapi;
        let description = naming.description.clone();
        let with_description = |name: &str| match &description {
            Some(d) => ApiKeyValue::with_description(name, d.as_str()),
            None => ApiKeyValue::new(name),
        };
        // A subprotocol source has no OpenAPI location: the first other one describes it.
        let first = self.sources.iter().find(|s| s.protocol.is_none());
        let scheme = if let Some(oauth2) = &self.issuer.oauth2 {
            let scopes: Scopes = oauth2
                .scopes
                .iter()
                .map(|(n, d)| (n.as_str(), d.as_str()))
                .collect();
            let flow = Flow::Password(Password::new(oauth2.token_url.clone(), scopes));
            match &description {
                Some(d) => SecurityScheme::OAuth2(OAuth2::with_description([flow], d.as_str())),
                None => SecurityScheme::OAuth2(OAuth2::new([flow])),
            }
        } else if let Some(cookie) = first.and_then(|s| s.cookie.as_deref()) {
            SecurityScheme::ApiKey(ApiKey::Cookie(with_description(cookie)))
        } else if let Some(parameter) = first.and_then(|s| s.query.as_deref()) {
            SecurityScheme::ApiKey(ApiKey::Query(with_description(parameter)))
        } else if let Some(custom) = first.filter(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n != http::header::AUTHORIZATION)
        }) {
            SecurityScheme::ApiKey(ApiKey::Header(with_description(&custom.given)))
        } else {
            let http = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(description.clone());
            SecurityScheme::Http(http.build())
        };
        let mut entry = BackendScheme::new(naming.name.clone(), scheme);
        if let Some(oauth2) = &self.issuer.oauth2 {
            entry.declared.clone_from(&oauth2.scopes);
        }
        vec![entry]
    }
}

impl<U, C> OpenApiBackend for JwtAuthBackend<U, C> {
    /// The schemes of the `JwtAuth` it was made from.
    fn security_schemes(&self) -> Vec<BackendScheme> {
        self.auth().backend().security_schemes()
    }
}

#[cfg(feature = "session")]
impl<T> OpenApiBackend for crate::session::SessionBackend<T> {
    /// `apiKey` in the session cookie (its real name), named `SessionCookie`. A browser sends
    /// the cookie by itself, so Swagger UI's "Try it out" works once a login request set it.
    ///
    /// ```
    /// use axum_jwt_layer::{AuthenticatorBuilder, session::{SessionBackend, UserSession}};
    /// use std::convert::Infallible;
    /// use utoipa::Modify;
    ///
    /// let sessions = SessionBackend::<String>::builder().build().unwrap();
    /// let auth = AuthenticatorBuilder::new(sessions)
    ///     .resolver(|s: UserSession<String>, _p| async move { Ok::<_, Infallible>(Some(s.into_data())) })
    ///     .build()
    ///     .unwrap();
    /// let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    /// auth.openapi().modify(&mut doc);
    /// let scheme = serde_json::to_value(&doc.components.unwrap().security_schemes["SessionCookie"]).unwrap();
    /// assert_eq!(scheme, serde_json::json!({"type": "apiKey", "in": "cookie", "name": "session"}));
    /// ```
    fn security_schemes(&self) -> Vec<BackendScheme> {
        let cookie = ApiKey::Cookie(ApiKeyValue::new(self.cookie_name()));
        vec![BackendScheme::new(
            "SessionCookie",
            SecurityScheme::ApiKey(cookie),
        )]
    }
}

impl<A: OpenApiBackend, B: OpenApiBackend> OpenApiBackend for Chain<A, B> {
    /// The first backend's schemes, then the second's.
    fn security_schemes(&self) -> Vec<BackendScheme> {
        let mut schemes = self.first().security_schemes();
        schemes.extend(self.second().security_schemes());
        schemes
    }
}
