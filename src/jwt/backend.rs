//! [`JwtBackend`]: the JWT scheme as an [`AuthBackend`]. Find the token in the configured
//! sources, verify it (through the verified-token cache when it is on), and, with a remote
//! JWK Set, wait once for a shared refetch when the token's key is not known yet.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::request::Parts;
use serde::de::DeserializeOwned;

use super::cache::{verify_cached, VerifiedTokens};
use super::source::{find_token, CompiledSource};
use super::verify::Verifier;
use crate::backend::AuthBackend;
use crate::error::{AuthError, AuthErrorKind, InvalidTokenReason};
use crate::issue::token::Issuer;
use crate::revocation::{token_ids, ErasedStore, TokenIds};
use crate::time::now;
use crate::token::{Claims, Token};

/// The JWT backend of [`JwtAuth`](crate::JwtAuth): keys, claim rules, token sources, the
/// verified-token cache and the issuing settings. Built by
/// [`JwtAuthBuilder::build`](crate::JwtAuthBuilder::build); reach it through the `JwtAuth`
/// methods.
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// let auth = JwtAuth::<String>::builder().secret([7u8; 32]).build().unwrap();
/// assert!(format!("{:?}", auth.backend()).contains("keys: 1"));
/// ```
pub struct JwtBackend<C = Claims> {
    pub(crate) verifier: Verifier,
    pub(crate) sources: Vec<CompiledSource>,
    pub(crate) cache: Option<Box<dyn VerifiedTokens<C>>>,
    pub(crate) issuer: Arc<Issuer>,
    /// The revocation store, for logout and refresh (the flow holds it too, for step *revoke*).
    pub(crate) store: Option<Arc<dyn ErasedStore>>,
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) openapi: OpenApiNaming,
}

/// How the OpenAPI security scheme is named and described.
#[derive(Debug, Clone)]
pub(crate) struct OpenApiNaming {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
}

impl<C> fmt::Debug for JwtBackend<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys.
        f.debug_struct("JwtBackend")
            .field("algorithms", &self.verifier.algorithms)
            .field("keys", &self.verifier.key_count())
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl<C: DeserializeOwned + 'static> JwtBackend<C> {
    /// Every check, through the cache when it is on.
    pub(crate) fn verify(&self, token: &str) -> Result<Token<C>, AuthError> {
        let now = now();
        match &self.cache {
            Some(cache) => verify_cached(&self.verifier, cache.as_ref(), token, now, || {
                self.verify_at(token, now)
            }),
            None => self.verify_at(token, now),
        }
    }

    /// Every check, at time `now`, without the cache.
    pub(crate) fn verify_at(&self, token: &str, now: i64) -> Result<Token<C>, AuthError> {
        let payload = self.verifier.verify(token, now)?;
        payload.into_token().map_err(|_| {
            let reason = InvalidTokenReason::CustomClaims;
            AuthError::new(AuthErrorKind::InvalidToken(reason))
        })
    }

    /// Finds the token in the configured sources and verifies it; `Ok(None)` when none of
    /// them carries one.
    #[cfg(feature = "jwks")]
    fn find_and_verify(&self, parts: &Parts) -> Result<Option<Token<C>>, AuthError> {
        self.find(parts)?
            .map(|token| self.verify(token))
            .transpose()
    }

    fn find<'h>(&self, parts: &'h Parts) -> Result<Option<&'h str>, AuthError> {
        find_token(&self.sources, &parts.headers, parts.uri.query())
            .map_err(|reason| AuthError::new(AuthErrorKind::InvalidRequest(reason)))
    }
}

impl<C> AuthBackend for JwtBackend<C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Credential = Token<C>;

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Token<C>>, AuthError>> + Send {
        let found = self.find(parts);
        let verified = match found {
            Ok(Some(token)) => self.verify(token).map(Some),
            Ok(None) => Ok(None),
            Err(ref error) => Err(error.clone()),
        };
        #[cfg(feature = "jwks")]
        let wait = match (&found, &verified) {
            (Ok(Some(token)), Err(error)) => self.key_wait(token, error),
            _ => None,
        };
        async move {
            #[cfg(feature = "jwks")]
            if let Some(fetch) = wait {
                // The outcome is logged by the fetch; what counts is the set it left.
                let _ = fetch.await;
                return self.find_and_verify(parts);
            }
            verified
        }
    }

    fn subject(token: &Token<C>) -> Option<&str> {
        Some(&token.sub)
    }

    fn scheme_names(&self) -> Vec<&str> {
        vec![&self.openapi.name]
    }

    /// A cookie source makes the token ambient: the browser sends it by itself.
    fn is_ambient(&self) -> bool {
        self.sources.iter().any(|source| source.cookie.is_some())
    }

    fn revocation_ids(token: &Token<C>) -> Option<TokenIds<'_>> {
        token_ids(token)
    }
}

impl<C> JwtBackend<C> {
    /// How long a "logged out up to now" record must be kept: the longest lifetime a token
    /// can be accepted with, as far as the configuration knows it (the issuing lifetimes, and
    /// `max_lifetime` when it is set, for every issuer).
    pub(crate) fn revocation_retention(&self) -> i64 {
        let verifier = &self.verifier;
        let routes = verifier.routes.iter().map(|route| &route.rules);
        std::iter::once(&verifier.rules)
            .chain(routes)
            .filter_map(|rules| rules.max_lifetime)
            .fold(self.issuer.longest_lifetime(), i64::max)
    }
}

#[cfg(feature = "jwks")]
impl<C> JwtBackend<C> {
    /// For a token refused because no key matched: the fetch to wait for before verifying
    /// once more, if the remote set may have the key.
    fn key_wait(&self, token: &str, error: &AuthError) -> Option<crate::keys::remote::Fetch> {
        match error.kind() {
            AuthErrorKind::InvalidToken(InvalidTokenReason::UnknownKey)
            | AuthErrorKind::KeysUnavailable => self.verifier.remote_for(token)?.refetch(),
            _ => None,
        }
    }
}
