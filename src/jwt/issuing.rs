//! Issuing with a [`JwtAuth`]: `create_token`, `login`, `format_auth_header`, `logout` and
//! `logout_all`. The signing and the responses are in `issue/`.

use std::sync::Arc;

use crate::flow::authenticator::Authenticator;
use crate::issue::login::Login;
use crate::issue::logout::Logout;
use crate::issue::token::TokenBuilder;
use crate::revocation::{Family, Revocation, StoreError};
use crate::time::now;
use crate::token::Token;

use super::backend::JwtBackend;

/// [`JwtAuth`](crate::JwtAuth), spelled out: the methods below are on it.
impl<U, C> Authenticator<JwtBackend<C>, U> {
    /// Starts a token for `subject` (the `sub` claim) with the configured defaults: 15 minutes
    /// of validity, the configured issuer and audience, and a random 128-bit `jti`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42")
    ///     .expires_in(Duration::from_secs(60))
    ///     .extra("role", "admin")
    ///     .sign()
    ///     .unwrap();
    /// let token = auth.verify(&jwt).unwrap();
    /// assert_eq!(token.claims["role"], "admin");
    /// assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 60);
    /// ```
    pub fn create_token(&self, subject: impl Into<String>) -> TokenBuilder {
        TokenBuilder::new(Arc::clone(&self.backend().issuer), subject.into())
    }

    /// The header value carrying `jwt` in the first token source: `Bearer <jwt>` by default
    /// (Litestar's `format_auth_header`).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// assert_eq!(auth.format_auth_header("abc"), "Bearer abc");
    /// ```
    pub fn format_auth_header(&self, jwt: &str) -> String {
        self.backend().issuer.header_value(jwt)
    }

    /// A login response for `subject`: 201, the token in the configured header
    /// (`Authorization: Bearer <jwt>` by default), `Cache-Control: no-store`, and the body you
    /// choose (none by default).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let response = auth.login("42").extra("email", "a@example.com").into_response();
    /// assert_eq!(response.status(), 201);
    /// assert!(response.headers()["authorization"].to_str().unwrap().starts_with("Bearer "));
    /// ```
    pub fn login(&self, subject: impl Into<String>) -> Login {
        Login::new(self.create_token(subject), self.backend().store.clone())
    }

    /// Revokes the token's whole login family (every token of that login and its refreshes:
    /// the family's registration is removed, so this never needs room in the store) or, for a
    /// token without family, its `jti`; answers 204 with the cookies expired. A store failure
    /// answers 503 and leaves the cookies alone.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(1000))
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let token = auth.verify(&auth.create_token("42").sign().unwrap()).unwrap();
    /// assert_eq!(auth.logout(&token).await.into_response().status(), 204);
    /// # });
    /// ```
    pub async fn logout(&self, token: &Token<C>) -> Logout {
        let issuer = Arc::clone(&self.backend().issuer);
        let revocation = match (&token.fid, &token.jti) {
            (Some(family), _) => Some(Revocation::Family(Family::new(family, &token.sub))),
            (None, Some(jti)) => Some(Revocation::Token {
                jti,
                subject: &token.sub,
            }),
            (None, None) => None,
        };
        let mut failed = None;
        if let (Some(store), Some(revocation)) = (&self.backend().store, revocation) {
            let until = match revocation {
                Revocation::Token { .. } => token.exp.unwrap_or_else(|| now() + issuer.expiration),
                _ => now().saturating_add(issuer.longest_lifetime()),
            };
            let until = until.saturating_add(issuer.leeway);
            failed = store.revoke_dyn(revocation, until).await.err();
        }
        Logout { issuer, failed }
    }

    /// Logs `subject` out everywhere, on every instance sharing the store: every login family
    /// of the subject is removed (a login after this one, even within the same second, is
    /// valid) and tokens without a family issued up to now (by `iat`) are refused. Answers
    /// 204, or 503 when no store is configured or it fails.
    ///
    /// Tokens without a family stay refused for the longest lifetime the configuration knows:
    /// the issuing lifetimes, or [`max_lifetime`](crate::JwtAuthBuilder::max_lifetime) when
    /// it is longer. Set `max_lifetime` when tokens come from another issuer (JWKS) or are
    /// signed with a longer `expires_in`, so that it covers them.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token, revocation::MemoryRevocationStore};
    /// # use std::convert::Infallible;
    /// use axum::response::IntoResponse;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    ///     .revocation(MemoryRevocationStore::new(1000))
    ///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").sign().unwrap();
    /// assert_eq!(auth.logout_all("42").await.into_response().status(), 204);
    /// # });
    /// ```
    pub async fn logout_all(&self, subject: &str) -> Logout {
        let issuer = Arc::clone(&self.backend().issuer);
        let failed = match &self.backend().store {
            Some(store) => {
                let now = now();
                let until = now
                    .saturating_add(self.backend().revocation_retention())
                    .saturating_add(issuer.leeway);
                let revocation = Revocation::Subject {
                    subject,
                    issued_up_to: now,
                };
                store.revoke_dyn(revocation, until).await.err()
            }
            None => Some(StoreError::unavailable("no revocation store is configured")),
        };
        Logout { issuer, failed }
    }
}
