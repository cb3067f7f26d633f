//! Keys and algorithms: [`secret`](JwtAuthBuilder::secret), keys by `kid`, JWK Sets, a
//! remote JWK Set (feature `jwks`) and the algorithm allow-list.

use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::Algorithm;
use serde::de::DeserializeOwned;

use super::JwtAuthBuilder;
use crate::error::ConfigError;
#[cfg(feature = "jwks")]
use crate::jwt::route::remote_routes;
use crate::jwt::rules::Rules;
use crate::jwt::verify::Route;
#[cfg(feature = "jwks")]
use crate::keys::remote::{JwksSource, RemoteKeys};
use crate::keys::set::{KeySet, KeySpec};
use crate::keys::source::KeySource;
use crate::keys::Key;

/// The verifier's keys, the routes of several issuers, and the keys tokens are signed with.
pub(super) type Keys = (KeySource, Vec<Route>, Arc<KeySet>);

impl<U, C> JwtAuthBuilder<U, C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// The HMAC secret (Litestar's `token_secret`). At least 32/48/64 bytes for HS256/384/512.
    /// One setting: a second call replaces the first. Keys added with
    /// [`key`](JwtAuthBuilder::key), [`secret_with_kid`](JwtAuthBuilder::secret_with_kid) or
    /// [`jwk_set`](JwtAuthBuilder::jwk_set) are kept beside it, in whatever order the calls come.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret("an HS256 secret of at least 32 bytes!")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap().sub, "alice");
    /// ```
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secret = Some(KeySpec::new(Key::hmac(secret)));
        self
    }

    /// Adds a secret selected by the token's `kid` (rotation: old and new valid together).
    /// Tokens are signed with the first key unless [`TokenBuilder::kid`](crate::issue::TokenBuilder::kid) picks one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret_with_kid("2024", [1u8; 32])
    ///     .secret_with_kid("2025", [2u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").kid("2025").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice");
    /// ```
    pub fn secret_with_kid(mut self, kid: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.keys
            .push(KeySpec::new(Key::hmac(secret).with_kid(kid)));
        self
    }

    /// The algorithm allow-list (Litestar's `algorithm`). Default HS256. Each allowed algorithm
    /// needs a key of its family; a token's `alg` must be allowed *and* served by the key its
    /// `kid` selects. A key signs with the first allowed algorithm it serves.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::keys::Algorithm;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 48])
    ///     .algorithms([Algorithm::HS384])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap();
    /// assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, Algorithm::HS384);
    /// ```
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Adds a key (see [`Key`]): an HMAC secret, an RSA, EC or Ed25519 key, or a JWK. With
    /// several keys, each needs a distinct kid, and a token's `kid` selects its key.
    ///
    /// ```
    /// use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, Key}};
    /// use std::convert::Infallible;
    ///
    /// let auth = JwtAuth::<String>::builder()
    ///     .key(Key::private_pem(include_bytes!("../../../tests/fixtures/p256-a-private.pem")).with_kid("ec"))
    ///     .key(Key::public_pem(include_bytes!("../../../tests/fixtures/rsa2048-a-public.pem")).with_kid("rsa"))
    ///     .algorithms([Algorithm::ES256, Algorithm::RS256])
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap(); // the first key that can sign
    /// assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().alg, Algorithm::ES256);
    /// ```
    pub fn key(mut self, key: Key) -> Self {
        self.keys.push(KeySpec::new(key));
        self
    }

    /// Adds the keys of a JWK Set (see [`Key::from_jwk`]). Members that are not for
    /// signatures (`use` other than `sig`, `key_ops` without `verify`, an `alg` or curve this
    /// crate does not verify, or no allowed algorithm for their type) are skipped; a malformed
    /// member fails `build()`.
    ///
    /// ```
    /// use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, JwkSet}};
    /// use std::convert::Infallible;
    ///
    /// let set: JwkSet = serde_json::from_str(r#"{"keys": [
    ///     {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":"g5e17dExK9IlQtcvuiMr_u7DI0KxQ2YHuXHrmo81lm4"},
    ///     {"kty":"oct","use":"enc","kid":"wrap","k":"AAAAAAAAAAAAAAAAAAAAAA"}
    /// ]}"#).unwrap();
    /// let auth = JwtAuth::<String>::builder()
    ///     .jwk_set(&set)
    ///     .algorithms([Algorithm::EdDSA])
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(format!("{auth:?}").contains("keys: 1"));
    /// ```
    pub fn jwk_set(mut self, set: &JwkSet) -> Self {
        self.keys.extend(set.keys.iter().map(|jwk| KeySpec {
            key: Key::from_jwk(jwk),
            from_set: true,
        }));
        self
    }

    /// Verifies with the keys of a remote JWK Set (see [`JwksSource`]) instead of local keys;
    /// combining it with [`secret`](JwtAuthBuilder::secret), [`key`](JwtAuthBuilder::key) or
    /// [`jwk_set`](JwtAuthBuilder::jwk_set) fails `build()`, and so does allowing an HMAC
    /// algorithm. Such a configuration verifies only: `create_token` has no key to sign with.
    /// Feature `jwks`.
    ///
    /// Called again, it adds a source: several issuers, each source naming its own
    /// ([`JwksSource::discover`] or [`JwksSource::for_issuer`]; two naming the same one fail
    /// `build()`, and so does one naming none). A token is then routed by its `iss`: a token
    /// of no configured issuer is refused (401) before any signature work, and one of an
    /// issuer whose keys are not loaded yet gets 503.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth, Token, keys::{Algorithm, JwksSource}};
    /// # use std::convert::Infallible;
    /// let build = |algorithm| JwtAuth::<String>::builder()
    ///     .jwks(JwksSource::new("https://auth.example/jwks"))
    ///     .algorithms([algorithm])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(build(Algorithm::EdDSA).is_ok());
    /// assert!(matches!(build(Algorithm::HS256), Err(ConfigError::JwksAlgorithm(_))));
    /// ```
    #[cfg(feature = "jwks")]
    pub fn jwks(mut self, source: JwksSource) -> Self {
        self.jwks.push(source);
        self
    }

    /// For `build()`: where the verifier finds its keys, the routes of several issuers, and
    /// the set tokens are signed with. `rules` take the audiences a remote source sets.
    #[cfg_attr(not(feature = "jwks"), allow(unused_variables))]
    pub(super) fn take_keys(&mut self, rules: &mut Rules) -> Result<Keys, ConfigError> {
        // The secret first: tokens are signed with the first key that can sign.
        let mut keys: Vec<KeySpec> = self.secret.take().into_iter().collect();
        keys.append(&mut self.keys);
        #[cfg(feature = "jwks")]
        if !self.jwks.is_empty() {
            let remotes = std::mem::take(&mut self.jwks)
                .into_iter()
                .map(|source| RemoteKeys::configure(source, &keys, &self.algorithms))
                .collect::<Result<Vec<_>, _>>()?;
            let (source, routes) = remote_routes(remotes, rules)?;
            return Ok((source, routes, Arc::new(KeySet::empty())));
        }
        let set = Arc::new(KeySet::build(&keys, &self.algorithms)?);
        Ok((
            KeySource::Local(Arc::clone(&set)),
            Vec::new(),
            Arc::clone(&set),
        ))
    }
}
