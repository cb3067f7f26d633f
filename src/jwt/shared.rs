//! [`JwtAuthBackend`]: the JWT backend of a built [`JwtAuth`](crate::JwtAuth), to run in a
//! [`Chain`](crate::backend::Chain) beside other backends.

use std::future::Future;

use http::request::Parts;
use serde::de::DeserializeOwned;

use super::auth::JwtAuth;
use super::backend::JwtBackend;
use crate::backend::AuthBackend;
use crate::error::AuthError;
use crate::revocation::TokenIds;
use crate::token::{Claims, Token};

/// The JWT backend of a [`JwtAuth`], as a backend of its own: for a
/// [`Chain`](crate::backend::Chain) with other schemes on one router. It verifies tokens as
/// the `JwtAuth` does (keys, rules, sources, cache); the `JwtAuth`'s excludes, resolver and
/// revocation store are not consulted: the chain's
/// [`AuthenticatorBuilder`](crate::AuthenticatorBuilder) has its own. Issue tokens
/// (`login`, `create_token`, `logout`) with the `JwtAuth` itself. Made by
/// [`JwtAuth::as_backend`].
#[derive(Debug)]
pub struct JwtAuthBackend<U, C = Claims>(JwtAuth<U, C>);

impl<U, C> Clone for JwtAuthBackend<U, C> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<U, C> JwtAuthBackend<U, C> {
    /// The `JwtAuth` it was made from.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) fn auth(&self) -> &JwtAuth<U, C> {
        &self.0
    }
}

impl<U, C> JwtAuth<U, C> {
    /// This configuration's JWT backend, for a [`Chain`](crate::backend::Chain) (see
    /// [`JwtAuthBackend`]). Cheap: it shares the configuration.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32]).build().unwrap();
    /// let backend = auth.as_backend();
    /// # let _ = backend;
    /// ```
    pub fn as_backend(&self) -> JwtAuthBackend<U, C> {
        JwtAuthBackend(self.clone())
    }
}

impl<U, C> AuthBackend for JwtAuthBackend<U, C>
where
    U: Send + Sync + 'static,
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Credential = Token<C>;

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Token<C>>, AuthError>> + Send {
        self.0.backend().authenticate(parts)
    }

    fn revocation_ids(token: &Token<C>) -> Option<TokenIds<'_>> {
        <JwtBackend<C> as AuthBackend>::revocation_ids(token)
    }

    fn subject(token: &Token<C>) -> Option<&str> {
        <JwtBackend<C> as AuthBackend>::subject(token)
    }

    fn is_ambient(&self) -> bool {
        self.0.backend().is_ambient()
    }

    fn challenge_scheme(&self) -> &'static str {
        self.0.backend().challenge_scheme()
    }

    fn challenge_schemes(&self) -> Vec<&'static str> {
        self.0.backend().challenge_schemes()
    }

    fn scheme_names(&self) -> Vec<&str> {
        self.0.backend().scheme_names()
    }
}
