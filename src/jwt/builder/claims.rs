//! Claim rules: expiry, not-before, leeway, lifetime cap, size cap, issuers, audiences,
//! required claims and the decode hook.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{strings, JwtAuthBuilder};

impl<U, C> JwtAuthBuilder<U, C>
where
    C: DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Whether `exp` is required and checked. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .verify_expiry(false)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn verify_expiry(mut self, on: bool) -> Self {
        self.rules.verify_expiry = on;
        self
    }

    /// Whether `nbf` is checked when present. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .verify_not_before(false)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(auth.is_ok());
    /// ```
    pub fn verify_not_before(mut self, on: bool) -> Self {
        self.rules.verify_not_before = on;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Default 60 s; at most a day.
    ///
    /// ```
    /// # use axum_jwt_layer::{ConfigError, JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum_jwt_layer::error::DurationSetting;
    /// use std::time::Duration;
    /// let build = |leeway| JwtAuth::<String>::builder().secret([7u8; 32]).leeway(leeway)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build();
    /// assert!(build(Duration::from_secs(0)).is_ok());
    /// let too_long = build(Duration::from_secs(86_401));
    /// assert!(matches!(too_long, Err(ConfigError::DurationOutOfRange(DurationSetting::Leeway))));
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Refuses tokens whose `exp` is further than this from their `iat` (or from now).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .max_lifetime(Duration::from_secs(3600))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").expires_in(Duration::from_secs(7200)).sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = Some(max);
        self
    }

    /// Refuses longer tokens before decoding anything. Default 8 KiB.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .max_token_size(64)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_err());
    /// ```
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Accepted `iss` values; when set, `iss` is required.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_issuers(["https://auth.example"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").issuer("https://evil.example").sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn accepted_issuers<S: Into<String>>(
        mut self,
        issuers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.rules.accepted_issuers = strings(issuers);
        self
    }

    /// Accepted `aud` values; when set, `aud` is required and one of them must match. When
    /// unset, a token carrying `aud` is refused.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_ok());
    /// assert!(auth.verify(&auth.create_token("alice").audience("web").sign().unwrap()).is_err());
    /// ```
    pub fn accepted_audiences<S: Into<String>>(
        mut self,
        audiences: impl IntoIterator<Item = S>,
    ) -> Self {
        self.rules.accepted_audiences = strings(audiences);
        self
    }

    /// Requires `aud` to be a single string equal to the single accepted audience.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .accepted_audiences(["api"])
    ///     .strict_audience(true)
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// let jwt = auth.create_token("alice").audiences(["api", "web"]).sign().unwrap();
    /// assert!(auth.verify(&jwt).is_err());
    /// ```
    pub fn strict_audience(mut self, on: bool) -> Self {
        self.rules.strict_audience = on;
        self
    }

    /// Claims that must be present (and not null).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .require_claims(["role"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_err());
    /// assert!(auth.verify(&auth.create_token("alice").extra("role", "admin").sign().unwrap()).is_ok());
    /// ```
    pub fn require_claims<S: Into<String>>(mut self, claims: impl IntoIterator<Item = S>) -> Self {
        self.rules.require_claims = strings(claims);
        self
    }

    /// A hook run on the payload after the signature verified and before the claim checks
    /// (Litestar's `decode_payload`): return the payload, changed or not, or `None` to refuse
    /// the token (401 `invalid_token`).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// let auth = JwtAuth::<String>::builder()
    ///     .secret([7u8; 32])
    ///     .decode_hook(|payload| payload.get("sub").is_some_and(|s| s != "mallory").then_some(payload))
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.verify(&auth.create_token("alice").sign().unwrap()).is_ok());
    /// assert!(auth.verify(&auth.create_token("mallory").sign().unwrap()).is_err());
    /// ```
    pub fn decode_hook<F>(mut self, hook: F) -> Self
    where
        F: Fn(Map<String, Value>) -> Option<Map<String, Value>> + Send + Sync + 'static,
    {
        self.hook = Some(Box::new(hook));
        self
    }
}
