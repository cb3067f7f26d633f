//! Where tokens are read and delivered: token sources, the cookie and OAuth2 presets, the
//! issuing defaults, the OpenAPI scheme's name, revocation, refresh tokens and the
//! verified-token cache. Presets do not depend on call order: explicit
//! [`token_sources`](JwtAuthBuilder::token_sources) win over a preset's, an explicit
//! [`cookie`](JwtAuthBuilder::cookie) over the OAuth2 preset's default one, and
//! [`oauth2_scopes`](JwtAuthBuilder::oauth2_scopes) may come before or after
//! [`oauth2_password`](JwtAuthBuilder::oauth2_password).

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::JwtAuthBuilder;
#[cfg(feature = "cookie")]
use crate::issue::cookie::AuthCookie;
use crate::issue::refresh::RefreshTokens;
use crate::jwt::source::TokenSource;
use crate::revocation::RevocationStore;

impl<U, C> JwtAuthBuilder<U, C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Where to look for the token, in order. Default: `Authorization: Bearer`. The first
    /// source is also where [`JwtAuth::login`](crate::JwtAuth::login) puts the token.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::jwt::TokenSource;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_sources([TokenSource::header("X-API-Key")])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(auth.format_auth_header("abc"), "abc");
    /// ```
    pub fn token_sources(mut self, sources: impl IntoIterator<Item = TokenSource>) -> Self {
        self.sources = Some(sources.into_iter().collect());
        self
    }

    /// Lifetime of issued tokens (Litestar's `default_token_expiration`). Default 15 minutes.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_expiration(Duration::from_secs(60))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 60);
    /// ```
    pub fn token_expiration(mut self, lifetime: Duration) -> Self {
        self.token_expiration = lifetime;
        self
    }

    /// `iss` of issued tokens. Default: the accepted issuer, when there is exactly one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .token_issuer("https://auth.example")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert_eq!(token.iss.as_deref(), Some("https://auth.example"));
    /// ```
    pub fn token_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.token_issuer = Some(issuer.into());
        self
    }

    /// `aud` of issued tokens. Default: the accepted audience, when there is exactly one.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api", "web"])
    ///     .token_audience("web")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let token = auth.verify(&auth.create_token("alice").sign().unwrap()).unwrap();
    /// assert!(token.aud.unwrap().contains("web"));
    /// ```
    pub fn token_audience(mut self, audience: impl Into<String>) -> Self {
        self.token_audience = Some(audience.into());
        self
    }

    /// The cookie preset (Litestar's `JWTCookieAuth`): the token is read from the cookie or
    /// the `Authorization` header, and `login()` sets the cookie (and the header, unless
    /// [`AuthCookie::send_header`] is off). Feature `cookie`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// use axum_jwt_layer::issue::AuthCookie;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .cookie(AuthCookie::new("session").send_header(false))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.login("42").into_response();
    /// assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
    /// assert!(response.headers().get("authorization").is_none());
    /// ```
    #[cfg(feature = "cookie")]
    pub fn cookie(mut self, cookie: AuthCookie) -> Self {
        self.cookie = Some(cookie);
        self
    }

    /// The OAuth2 password-bearer preset (Litestar's `OAuth2PasswordBearerAuth`): the token is
    /// read from the `Authorization` header or the `token` cookie (feature `cookie`), `login()`
    /// answers with an RFC 6749 §5.1 token response and sets the cookie, and the OpenAPI
    /// scheme is an `oauth2` password flow with `token_url`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .oauth2_password("/token")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.login("42").into_response();
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    pub fn oauth2_password(mut self, token_url: impl Into<String>) -> Self {
        self.oauth2_token_url = Some(token_url.into());
        self
    }

    /// Scopes documented in the OAuth2 password flow, as `(name, description)`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .oauth2_password("/token")
    ///     .oauth2_scopes([("read", "Read access"), ("write", "Write access")])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn oauth2_scopes<N: Into<String>, D: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = (N, D)>,
    ) -> Self {
        self.oauth2_scopes = scopes
            .into_iter()
            .map(|(n, d)| (n.into(), d.into()))
            .collect();
        self
    }

    /// The name of the OpenAPI security scheme (Litestar's `openapi_security_scheme_name`).
    /// Default `BearerToken`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .openapi_scheme_name("JWT")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn openapi_scheme_name(mut self, name: impl Into<String>) -> Self {
        self.openapi.name = name.into();
        self
    }

    /// The description of the OpenAPI security scheme.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .openapi_description("A JWT from POST /login")
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn openapi_description(mut self, description: impl Into<String>) -> Self {
        self.openapi.description = Some(description.into());
        self
    }

    /// Consults `store` for every token that passed the signature and claim checks, before the
    /// resolver; tokens without `jti` are then refused, and [`JwtAuth::logout`](crate::JwtAuth::logout) revokes.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::revocation::MemoryRevocationStore;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(10_000))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn revocation(mut self, store: impl RevocationStore) -> Self {
        self.revocation = Some(Arc::new(store));
        self
    }

    /// Turns on refresh tokens: `login()` also issues a refresh token (in the token response
    /// and, if configured, its cookie) and [`JwtAuth::refresh`](crate::JwtAuth::refresh) rotates them with reuse
    /// detection. Needs a revocation store ([`JwtAuthBuilder::revocation`]).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, issue::RefreshTokens, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(10_000))
    ///     .refresh_tokens(RefreshTokens::new())
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn refresh_tokens(mut self, settings: RefreshTokens) -> Self {
        self.refresh = Some(settings);
        self
    }

    /// Keeps up to `capacity` verified tokens in memory, keyed by the whole token string, so a
    /// token in use skips base64, JSON and the signature check: from its second request with
    /// asymmetric algorithms, from its third with HMAC algorithms only (an HMAC token enters
    /// the cache at its second verification; the first leaves a keyed hash in a bounded set,
    /// because an HMAC check costs less than copying a token used once).
    /// `exp`, `nbf` and `iat` are checked again on every hit, revocation and the resolver run
    /// as usual, and an entry verified with a remote key set that has since changed is
    /// verified again. The decode hook runs on every full verification.
    ///
    /// Default: on with 4,096 entries, for every algorithm (HMAC too: a hit costs less than
    /// half a full HS256 verification; `benches/instructions.rs`). `0` turns it off.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, Key}};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .key(Key::private_pem(include_bytes!("../../../tests/fixtures/p256-a-private.pem")))
    ///     .algorithms([Algorithm::ES256])
    ///     .verified_token_cache(10_000)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice"); // verified, then cached
    /// assert_eq!(auth.verify(&jwt).unwrap().sub, "alice"); // a hit
    /// ```
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.token_cache = Some(capacity);
        self
    }
}
