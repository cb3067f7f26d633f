//! [`JwtAuthBuilder::build`]: every check, once, in small steps; then the backend and the
//! shared flow are put together.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::JwtAuthBuilder;
use crate::error::{ConfigError, DurationSetting};
#[cfg(feature = "cookie")]
use crate::issue::cookie::AuthCookie;
use crate::issue::oauth2::OAuth2Password;
use crate::issue::token::{DeliveryHeader, Issuer, RefreshIssuing};
use crate::jwt::backend::JwtBackend;
use crate::jwt::cache::build_cache;
use crate::jwt::rules::Rules;
use crate::jwt::source::{CompiledSource, TokenSource};
use crate::jwt::verify::Verifier;
use crate::keys::hmac::is_hmac;
use crate::keys::set::{ensure_crypto_backend, KeySet};
use crate::token::Audience;

/// Whole seconds of a positive duration, or the error naming `what`.
fn seconds(duration: Duration, what: DurationSetting) -> Result<i64, ConfigError> {
    i64::try_from(duration.as_secs())
        .ok()
        .filter(|s| *s > 0)
        .ok_or(ConfigError::DurationOutOfRange(what))
}

/// RFC 9728 `bearer_methods_supported` for these sources: `header` for `Authorization:
/// Bearer` (RFC 6750 section 2.1). A cookie or another header is no RFC 6750 method, and no
/// source reads the form body or the query.
fn bearer_methods(sources: &[CompiledSource]) -> Vec<&'static str> {
    let query = sources.iter().any(|source| source.query.is_some());
    let header = sources.iter().any(|source| {
        source.cookie.is_none()
            && source.name == Some(http::header::AUTHORIZATION)
            && source
                .scheme
                .as_deref()
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
    });
    // RFC 9728 §2: `header` (RFC 6750 §2.1) and `query` (§2.3); a cookie or a WebSocket
    // subprotocol has no name there.
    let mut methods = Vec::new();
    if header {
        methods.push("header");
    }
    if query {
        methods.push("query");
    }
    methods
}

/// The one element of `list`, if it has exactly one.
fn single(list: &[String]) -> Option<String> {
    match list {
        [one] => Some(one.clone()),
        _ => None,
    }
}

impl<U, C> JwtAuthBuilder<U, C>
where
    U: Clone + Send + Sync + 'static,
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Checks everything and builds the configuration. A resolver is optional: without one
    /// the layer attaches [`Token`](crate::Token) alone, and issuing needs none.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth};
    /// let verify_only = JwtAuth::<()>::builder().secret([7u8; 32]).build().unwrap();
    /// assert!(verify_only.verify("not.a.token").is_err());
    /// let short = JwtAuth::<()>::builder().secret([7u8; 16]).build();
    /// assert!(matches!(short, Err(ConfigError::SecretTooShort { .. })));
    /// ```
    pub fn build(mut self) -> Result<crate::JwtAuth<U, C>, ConfigError> {
        if self.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }
        ensure_crypto_backend()?;
        let mut rules = self.claim_rules()?;
        let (keys, routes, signing_keys) = self.take_keys(&mut rules)?;
        let sources = self.compiled_sources()?;
        self.flow.bearer_methods = Some(bearer_methods(&sources));
        // A cookie is sent by the browser on its own: cross-origin protection is on by default.
        let ambient = sources.iter().any(|source| source.cookie.is_some());
        let refresh = self.refresh_issuing()?;
        let issuer = self.issuer(signing_keys, &sources, refresh)?;
        let refresh_rules = issuer.refresh.as_ref().map(|r| Rules {
            verify_expiry: true,
            max_lifetime: None,
            accepted_audiences: vec![r.audience.clone()],
            strict_audience: true,
            require_claims: vec!["jti".to_owned(), "fid".to_owned()],
            ..rules.clone()
        });
        let backend = JwtBackend {
            cache: build_cache(self.token_cache, self.algorithms.iter().all(is_hmac)),
            verifier: Verifier {
                keys,
                algorithms: self.algorithms,
                max_size: self.max_token_size,
                rules,
                refresh_rules,
                hook: self.hook,
                routes,
            },
            sources,
            issuer: Arc::new(issuer),
            store: self.revocation.clone(),
            openapi: self.openapi,
        };
        self.flow.build(backend, self.revocation, ambient)
    }

    /// The claim rules with the durations converted and checked.
    fn claim_rules(&self) -> Result<Rules, ConfigError> {
        let rules = &self.rules;
        if rules.strict_audience && rules.accepted_audiences.len() != 1 {
            return Err(ConfigError::StrictAudience(rules.accepted_audiences.len()));
        }
        if self.leeway > Duration::from_secs(86_400) {
            return Err(ConfigError::DurationOutOfRange(DurationSetting::Leeway));
        }
        seconds(self.token_expiration, DurationSetting::TokenExpiration)?;
        let max_lifetime = self
            .max_lifetime
            .map(|d| seconds(d, DurationSetting::MaxLifetime))
            .transpose()?;
        Ok(Rules {
            leeway: self.leeway.as_secs() as i64,
            max_lifetime,
            ..rules.clone()
        })
    }

    /// The auth cookie: the one configured, or the OAuth2 preset's default.
    #[cfg(feature = "cookie")]
    fn auth_cookie(&self) -> Option<AuthCookie> {
        let preset = self
            .oauth2_token_url
            .as_ref()
            .map(|_| AuthCookie::default());
        self.cookie.clone().or(preset)
    }

    /// The explicit sources, or the preset's: the cookie then the header, or the header.
    fn compiled_sources(&self) -> Result<Vec<CompiledSource>, ConfigError> {
        #[cfg(feature = "cookie")]
        let preset: Vec<TokenSource> = match self.auth_cookie() {
            Some(cookie) => vec![
                TokenSource::cookie(cookie.name()),
                TokenSource::authorization_bearer(),
            ],
            None => vec![TokenSource::authorization_bearer()],
        };
        #[cfg(not(feature = "cookie"))]
        let preset = vec![TokenSource::authorization_bearer()];
        let sources = self
            .sources
            .as_ref()
            .unwrap_or(&preset)
            .iter()
            .map(TokenSource::compile)
            .collect::<Result<Vec<_>, _>>()?;
        if sources.is_empty() {
            return Err(ConfigError::NoTokenSource);
        }
        Ok(sources)
    }

    /// How refresh tokens are issued, when they are on.
    fn refresh_issuing(&self) -> Result<Option<RefreshIssuing>, ConfigError> {
        let Some(settings) = &self.refresh else {
            return Ok(None);
        };
        if self.revocation.is_none() {
            return Err(ConfigError::RefreshNeedsStore);
        }
        if settings.audience.is_empty()
            || self.rules.accepted_audiences.contains(&settings.audience)
        {
            return Err(ConfigError::RefreshAudience(settings.audience.clone()));
        }
        #[cfg(feature = "cookie")]
        if let Some(cookie) = &settings.cookie {
            cookie.validate()?;
        }
        Ok(Some(RefreshIssuing {
            lifetime: seconds(settings.lifetime, DurationSetting::RefreshLifetime)?,
            audience: settings.audience.clone(),
            #[cfg(feature = "cookie")]
            cookie: settings.cookie.clone(),
        }))
    }

    /// The issuing half: keys, lifetime, `iss`/`aud` defaults and where `login()` delivers.
    fn issuer(
        &self,
        keys: Arc<KeySet>,
        sources: &[CompiledSource],
        refresh: Option<RefreshIssuing>,
    ) -> Result<Issuer, ConfigError> {
        #[cfg(feature = "cookie")]
        let cookie = self.auth_cookie();
        #[cfg(feature = "cookie")]
        if let Some(cookie) = &cookie {
            cookie.validate()?;
        }
        #[cfg(feature = "cookie")]
        let send_header = cookie.as_ref().is_none_or(AuthCookie::sends_header);
        #[cfg(not(feature = "cookie"))]
        let send_header = true;
        // The first header source (a cookie, query or subprotocol source is not one).
        let header = sources
            .iter()
            .find(|source| source.cookie.is_none() && source.name.is_some())
            .filter(|_| send_header)
            .and_then(|source| {
                Some(DeliveryHeader {
                    name: source.name.clone()?,
                    scheme: source.scheme.clone(),
                })
            });
        let oauth2 = self.oauth2_token_url.as_ref().map(|url| OAuth2Password {
            token_url: url.clone(),
            scopes: self.oauth2_scopes.clone(),
        });
        Ok(Issuer {
            refresh,
            keys,
            expiration: seconds(self.token_expiration, DurationSetting::TokenExpiration)?,
            issuer: self
                .token_issuer
                .clone()
                .or_else(|| single(&self.rules.accepted_issuers)),
            audience: self
                .token_audience
                .clone()
                .or_else(|| single(&self.rules.accepted_audiences))
                .map(Audience::One),
            header,
            #[cfg(feature = "cookie")]
            cookie,
            oauth2,
            leeway: self.leeway.as_secs() as i64,
        })
    }
}
