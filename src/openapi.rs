//! OpenAPI (feature `openapi`): a utoipa [`Modify`] that registers the security scheme of the
//! configured preset and puts the requirement on protected operations only.

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi};
use utoipa::Modify;

use crate::flow::authenticator::Authenticator;
use crate::flow::skip::Excludes;
use crate::jwt::backend::JwtBackend;

/// The OpenAPI side of a [`JwtAuth`](crate::JwtAuth): apply it to a document with [`Modify::modify`] (or
/// list it in `#[openapi(modifiers(..))]`).
///
/// The scheme follows the preset: `http` bearer with `bearerFormat: JWT` for the
/// `Authorization` header, `apiKey` in a header for a custom header, `apiKey` in a cookie for
/// the cookie preset, and `oauth2` with a `password` flow for the OAuth2 preset. Operations on
/// excluded paths and methods get no requirement; components already in the document stay.
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
    name: String,
    scheme: SecurityScheme,
    excludes: Excludes,
}

impl std::fmt::Debug for OpenApiSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiSecurity")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<U, C> Authenticator<JwtBackend<C>, U> {
    /// The OpenAPI security scheme of this configuration, ready to modify a document.
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
        let backend = self.backend();
        let naming = &backend.openapi;
        let description = naming.description.clone();
        let with_description = |name: &str| match &description {
            Some(d) => ApiKeyValue::with_description(name, d.as_str()),
            None => ApiKeyValue::new(name),
        };
        let first = backend.sources.first();
        let scheme = if let Some(oauth2) = &backend.issuer.oauth2 {
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
        } else if let Some(custom) = first.filter(|s| s.name != http::header::AUTHORIZATION) {
            SecurityScheme::ApiKey(ApiKey::Header(with_description(&custom.given)))
        } else {
            let http = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(description.clone());
            SecurityScheme::Http(http.build())
        };
        OpenApiSecurity {
            name: naming.name.clone(),
            scheme,
            excludes: self.inner.skip.clone(),
        }
    }
}

impl Modify for OpenApiSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        openapi
            .components
            .get_or_insert_with(Components::new)
            .add_security_scheme(self.name.clone(), self.scheme.clone());
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
                let requirement = SecurityRequirement::new(&self.name, Vec::<String>::new());
                operation
                    .security
                    .get_or_insert_with(Vec::new)
                    .push(requirement);
            }
        }
    }
}
