//! Signing: the issuing half of the configuration ([`Issuer`]: keys, lifetimes, where tokens
//! are delivered) and [`TokenBuilder`], one token being issued.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::header::CACHE_CONTROL;
#[cfg(feature = "cookie")]
use http::header::SET_COOKIE;
use http::{HeaderName, HeaderValue};
use jsonwebtoken::Header;
use serde::Serialize;
use serde_json::{Map, Value};

#[cfg(feature = "cookie")]
use super::cookie::AuthCookie;
use super::oauth2::OAuth2Password;
use crate::error::IssueError;
use crate::keys::set::KeySet;
use crate::response::json_response;
use crate::time::now;
use crate::token::{Audience, REFRESH_TYP, REGISTERED};

/// The header `login()` fills: its name and scheme (`None`: the bare token).
#[derive(Debug, Clone)]
pub(crate) struct DeliveryHeader {
    pub(crate) name: HeaderName,
    pub(crate) scheme: Option<String>,
}

/// The issuing half of the configuration.
pub(crate) struct Issuer {
    pub(crate) keys: Arc<KeySet>,
    pub(crate) expiration: i64,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<Audience>,
    /// The header `login()` fills, if any.
    pub(crate) header: Option<DeliveryHeader>,
    #[cfg(feature = "cookie")]
    pub(crate) cookie: Option<AuthCookie>,
    pub(crate) oauth2: Option<OAuth2Password>,
    pub(crate) leeway: i64,
    pub(crate) refresh: Option<RefreshIssuing>,
}

/// How refresh tokens are issued.
pub(crate) struct RefreshIssuing {
    pub(crate) lifetime: i64,
    pub(crate) audience: String,
    #[cfg(feature = "cookie")]
    pub(crate) cookie: Option<AuthCookie>,
}

/// The tokens of one login or refresh.
pub(crate) struct Issued {
    pub(crate) access: String,
    pub(crate) lifetime: i64,
    pub(crate) refresh: Option<String>,
}

impl Issuer {
    /// The header value carrying `jwt`: `<scheme> <jwt>`, or the bare token.
    pub(crate) fn header_value(&self, jwt: &str) -> String {
        match self
            .header
            .as_ref()
            .map_or(Some("Bearer"), |h| h.scheme.as_deref())
        {
            Some(scheme) => format!("{scheme} {jwt}"),
            None => jwt.to_owned(),
        }
    }

    /// The longest lifetime of a token this issuer signs (access or refresh).
    pub(crate) fn longest_lifetime(&self) -> i64 {
        let refresh = self.refresh.as_ref().map_or(0, |r| r.lifetime);
        self.expiration.max(refresh)
    }

    /// Signs the access token of `builder` and, when refresh tokens are on, a refresh token
    /// of the same login family (a new family unless the builder has one).
    pub(crate) fn issue(
        &self,
        builder: TokenBuilder,
        refresh_jti: Option<String>,
    ) -> Result<Issued, IssueError> {
        let family = match &builder.family {
            Some(family) => family.clone(),
            None => random_id()?,
        };
        let refresh = match &self.refresh {
            Some(settings) => {
                let refresh = TokenBuilder {
                    issuer: Arc::clone(&builder.issuer),
                    sub: builder.sub.clone(),
                    lifetime: settings.lifetime,
                    iss: builder.iss.clone(),
                    aud: Some(Audience::One(settings.audience.clone())),
                    jti: refresh_jti,
                    kid: builder.kid.clone(),
                    claims: builder.claims.clone(),
                    error: None,
                    family: Some(family.clone()),
                    refresh: true,
                };
                // An error in the builder surfaces when the access token is signed below.
                Some(refresh.sign()?)
            }
            None => None,
        };
        let lifetime = builder.lifetime;
        let mut builder = builder;
        builder.family = Some(family);
        Ok(Issued {
            access: builder.sign()?,
            lifetime,
            refresh,
        })
    }

    /// `{"access_token", "token_type": "bearer", "expires_in", "refresh_token"?}`.
    pub(crate) fn token_response(&self, issued: &Issued) -> Response {
        let mut body = serde_json::json!({
            "access_token": issued.access,
            "token_type": "bearer",
            "expires_in": issued.lifetime,
        });
        if let Some(refresh) = &issued.refresh {
            body["refresh_token"] = Value::String(refresh.clone());
        }
        json_response(body.to_string().into_bytes())
    }

    /// Puts the tokens where the preset delivers them: the header, the cookie(s).
    pub(crate) fn deliver(
        &self,
        issued: &Issued,
        response: &mut Response,
    ) -> Result<(), IssueError> {
        let headers = response.headers_mut();
        if let Some(header) = &self.header {
            let value = HeaderValue::from_str(&self.header_value(&issued.access))
                .map_err(|_| IssueError::InvalidSubject)?;
            headers.insert(header.name.clone(), value);
        }
        #[cfg(feature = "cookie")]
        {
            if let Some(cookie) = &self.cookie {
                headers.append(SET_COOKIE, cookie.set(&issued.access, issued.lifetime)?);
            }
            let refresh_cookie = self
                .refresh
                .as_ref()
                .and_then(|r| Some((r.cookie.as_ref()?, r.lifetime)));
            if let (Some((cookie, lifetime)), Some(jwt)) = (refresh_cookie, &issued.refresh) {
                headers.append(SET_COOKIE, cookie.set(jwt, lifetime)?);
            }
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(())
    }
}

/// A token being issued; finish with [`TokenBuilder::sign`]. Made by [`JwtAuth::create_token`](crate::JwtAuth::create_token).
///
/// ```
/// # use axum_jwt_layer::{JwtAuth, Token};
/// # use std::convert::Infallible;
/// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
/// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
/// let jwt = auth.create_token("42").jti("fixed-id").sign().unwrap();
/// assert_eq!(auth.verify(&jwt).unwrap().jti.as_deref(), Some("fixed-id"));
/// ```
pub struct TokenBuilder {
    pub(crate) issuer: Arc<Issuer>,
    sub: String,
    lifetime: i64,
    iss: Option<String>,
    aud: Option<Audience>,
    jti: Option<String>,
    kid: Option<String>,
    claims: Map<String, Value>,
    error: Option<IssueError>,
    family: Option<String>,
    refresh: bool,
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("lifetime", &self.lifetime)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    /// A token for `sub` with the issuer's defaults: its lifetime, `iss` and `aud`.
    pub(crate) fn new(issuer: Arc<Issuer>, sub: String) -> Self {
        Self {
            sub,
            lifetime: issuer.expiration,
            iss: issuer.issuer.clone(),
            aud: issuer.audience.clone(),
            jti: None,
            kid: None,
            claims: Map::new(),
            error: None,
            family: None,
            refresh: false,
            issuer,
        }
    }

    /// How long the token is valid (at least one second).
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::{convert::Infallible, time::Duration};
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").expires_in(Duration::ZERO).sign().unwrap();
    /// let token = auth.verify(&jwt).unwrap();
    /// assert_eq!(token.exp.unwrap() - token.iat.unwrap(), 1);
    /// ```
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1);
        self
    }

    /// The `iss` claim.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").issuer("https://auth.example").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().iss.as_deref(), Some("https://auth.example"));
    /// ```
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.iss = Some(issuer.into());
        self
    }

    /// The `aud` claim, one audience.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32]).accepted_audiences(["api", "web"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").audience("web").sign().unwrap();
    /// assert!(auth.verify(&jwt).unwrap().aud.unwrap().contains("web"));
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.aud = Some(Audience::One(audience.into()));
        self
    }

    /// The `aud` claim, several audiences.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32]).accepted_audiences(["api", "web"])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").audiences(["api", "web"]).sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().aud.unwrap().iter().count(), 2);
    /// ```
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.aud = Some(Audience::Many(
            audiences.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The `jti` claim, instead of the random default; an empty one makes `sign()` fail with
    /// [`IssueError::EmptyJti`].
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").jti("session-1").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().jti.as_deref(), Some("session-1"));
    /// ```
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// Signs with the key of this `kid` and puts it in the header.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret_with_kid("old", [1u8; 32]).secret_with_kid("new", [2u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").kid("new").sign().unwrap();
    /// assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().kid.as_deref(), Some("new"));
    /// assert!(auth.verify(&jwt).is_ok());
    /// ```
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// One custom claim. Registered names (`sub`, `exp`, ...) are refused at `sign()`.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # use axum_jwt_layer::error::IssueError;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").extra("role", "admin").sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().claims["role"], "admin");
    /// let reserved = auth.create_token("42").extra("exp", 0).sign();
    /// assert!(matches!(reserved, Err(IssueError::ReservedClaim(_))));
    /// ```
    pub fn extra(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => self.insert(name, value),
            Err(error) => self.error = Some(IssueError::Claims(error)),
        }
        self
    }

    /// Custom claims from a struct (or map) that serializes to a JSON object.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let claims = serde_json::json!({ "role": "admin", "level": 3 });
    /// let jwt = auth.create_token("42").claims(claims).sign().unwrap();
    /// assert_eq!(auth.verify(&jwt).unwrap().claims["level"], 3);
    /// assert!(auth.create_token("42").claims(["not", "an", "object"]).sign().is_err());
    /// ```
    pub fn claims(mut self, claims: impl Serialize) -> Self {
        match serde_json::to_value(claims) {
            Ok(Value::Object(map)) => map.into_iter().for_each(|(k, v)| self.insert(k, v)),
            Ok(_) => {
                let error = <serde_json::Error as serde::ser::Error>::custom("not an object");
                self.error = Some(IssueError::Claims(error));
            }
            Err(error) => self.error = Some(IssueError::Claims(error)),
        }
        self
    }

    /// The `sub` claim.
    pub(crate) fn subject(&self) -> &str {
        &self.sub
    }

    /// Puts the token in a login family (the `fid` claim).
    pub(crate) fn family(mut self, family: String) -> Self {
        self.family = Some(family);
        self
    }

    fn insert(&mut self, name: String, value: Value) {
        if REGISTERED.contains(&name.as_str()) {
            self.error = Some(IssueError::ReservedClaim(name));
        } else {
            self.claims.insert(name, value);
        }
    }

    /// Signs the token.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # use axum_jwt_layer::error::IssueError;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("42").sign().unwrap();
    /// assert_eq!(jwt.split('.').count(), 3);
    /// assert!(matches!(auth.create_token("").sign(), Err(IssueError::InvalidSubject)));
    /// ```
    pub fn sign(self) -> Result<String, IssueError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.sub.is_empty() || self.sub.chars().any(char::is_control) {
            return Err(IssueError::InvalidSubject);
        }
        let (kid, key, algorithm) = self
            .issuer
            .keys
            .signing(self.kid.as_deref())
            .and_then(|key| Some((&key.kid, key.encoding.as_ref()?, key.signing_algorithm()?)))
            .ok_or(IssueError::NoSigningKey)?;
        let jti = match self.jti {
            // The verifier refuses an empty `jti`: a token carrying one would never work.
            Some(jti) if jti.is_empty() => return Err(IssueError::EmptyJti),
            Some(jti) => jti,
            None => random_id()?,
        };
        let iat = now();
        let mut payload = self.claims;
        payload.insert("sub".into(), self.sub.into());
        payload.insert("iat".into(), iat.into());
        payload.insert("exp".into(), iat.saturating_add(self.lifetime).into());
        payload.insert("jti".into(), jti.into());
        if let Some(iss) = self.iss {
            payload.insert("iss".into(), iss.into());
        }
        if let Some(aud) = self.aud {
            payload.insert(
                "aud".into(),
                serde_json::to_value(aud).map_err(IssueError::Claims)?,
            );
        }
        if let Some(family) = self.family {
            payload.insert("fid".into(), family.into());
        }
        let mut header = Header::new(algorithm);
        header.kid.clone_from(kid);
        if self.refresh {
            header.typ = Some(REFRESH_TYP.to_owned());
        }
        jsonwebtoken::encode(&header, &payload, key).map_err(IssueError::Sign)
    }
}

/// 128 random bits, base64url: `jti` and family ids.
pub(crate) fn random_id() -> Result<String, IssueError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(IssueError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
