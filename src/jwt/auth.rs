//! [`JwtAuth`]: the JWT backend with the shared flow around it, and the names the layer and
//! its service take for it.

use serde::de::DeserializeOwned;

use super::backend::JwtBackend;
use super::builder::JwtAuthBuilder;
use super::verify::TokenUse;
use crate::error::AuthError;
use crate::flow::authenticator::Authenticator;
use crate::layer::{AuthLayer, AuthService};
use crate::token::{Claims, Token};

/// The authentication configuration: keys, validation rules, token sources, excludes, the user
/// resolver and the issuing defaults. Cheap to clone (one `Arc`); use it as router state to
/// issue tokens with [`JwtAuth::login`].
///
/// `U` is the user type the resolver returns; `C` the custom claims type (default: a JSON map).
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token};
/// use std::{convert::Infallible, time::Duration};
///
/// let auth = JwtAuth::<String>::builder()
///     .secret("an HS256 secret of at least 32 bytes!")
///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
///     .exclude(["/login", "/schema/*"])
///     .leeway(Duration::from_secs(30))
///     .build()
///     .expect("valid configuration");
/// let jwt = auth.create_token("alice").sign().unwrap();
/// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice");
/// ```
pub type JwtAuth<U, C = Claims> = Authenticator<JwtBackend<C>, U>;

/// The layer for [`JwtAuth`]: [`AuthLayer`] with the JWT backend. `JwtAuthLayer::new(auth)`.
pub type JwtAuthLayer<U, C = Claims> = AuthLayer<JwtBackend<C>, U>;

/// The service made by [`JwtAuthLayer`].
pub type JwtAuthService<S, U, C = Claims> = AuthService<S, JwtBackend<C>, U>;

impl<U, C> JwtAuth<U, C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Starts a configuration; see [`JwtAuthBuilder`] for every setting.
    ///
    /// ```
    /// # use axum_jwt_layer::JwtAuth;
    /// let builder = JwtAuth::<String>::builder();
    /// # let _ = builder;
    /// ```
    pub fn builder() -> JwtAuthBuilder<U, C> {
        JwtAuthBuilder::new()
    }

    /// Verifies a token outside the layer (a test, a token read from elsewhere): the layer's
    /// signature and claim checks. Not the revocation store, nor the resolver: a token that
    /// was logged out still verifies here. Where logout must count (a WebSocket upgrade, say),
    /// put the route behind the layer.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// assert!(auth.verify("not.a.token").is_err());
    /// ```
    pub fn verify(&self, token: &str) -> Result<Token<C>, AuthError> {
        self.backend().verify(token)
    }

    /// Checks only the signature layer of a token (RFC 7515 compact serialization): the size
    /// cap, the three segments, the header (`alg` allowed and served by the key, `kid`, `typ`,
    /// no `crit`/`b64`), the key and the signature. Returns the payload bytes, **unparsed and
    /// with no claim checked**: for JWS conformance tests and non-JWT payloads. To
    /// authenticate, use [`JwtAuth::verify`] or the layer.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap();
    /// let payload = auth.verify_signature(&jwt).unwrap();
    /// assert!(String::from_utf8(payload).unwrap().contains(r#""sub":"alice""#));
    /// assert!(auth.verify_signature("e30.e30.AAAA").is_err());
    /// ```
    pub fn verify_signature(&self, token: &str) -> Result<Vec<u8>, AuthError> {
        self.backend()
            .verifier
            .verify_jws(token, TokenUse::Access)
            .map_err(AuthError::from)
    }

    /// Fetches the remote JWK Set now (or joins the fetch in flight) and reports how it went;
    /// on failure the keys fetched before stay in use. Await it before serving to fail fast
    /// when the set cannot be fetched at startup. Without [`JwtAuthBuilder::jwks`] it does
    /// nothing. Feature `jwks`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, JwksErrorKind, JwksSource}};
    /// # use std::convert::Infallible;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let auth = JwtAuth::<String>::builder()
    ///     .jwks(JwksSource::new("http://127.0.0.1:9/jwks.json").lazy(true))
    ///     .algorithms([Algorithm::RS256])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let error = auth.refresh_jwks().await.unwrap_err(); // nothing listens on port 9
    /// assert_eq!(error.kind(), JwksErrorKind::Transport);
    /// # }
    /// ```
    #[cfg(feature = "jwks")]
    pub fn refresh_jwks(
        &self,
    ) -> impl std::future::Future<Output = Result<(), crate::keys::JwksError>> + Send + 'static
    {
        // Every set's fetch starts now; the first failure is reported.
        let fetches: Vec<_> = self
            .backend()
            .verifier
            .remotes()
            .map(|remote| remote.refresh_now())
            .collect();
        async move {
            let mut outcome = Ok(());
            for fetch in fetches {
                let done = match fetch {
                    Ok(fetch) => fetch.await,
                    Err(error) => Err(error),
                };
                outcome = outcome.and(done);
            }
            outcome
        }
    }
}
