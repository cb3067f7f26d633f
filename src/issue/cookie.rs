//! [`AuthCookie`]: the cookie `login()` sets and `logout()` expires (feature `cookie`).

use cookie::time::Duration;
use cookie::{Cookie, SameSite};
use http::HeaderValue;

use crate::error::{ConfigError, CookieProblem, IssueError};

/// Browsers drop cookies larger than this (name, value and attributes).
const MAX_COOKIE_BYTES: usize = 4096;

/// How the auth cookie is written: name `token`, `HttpOnly`, `Secure`, `SameSite=Lax`,
/// `Path=/`, no `Domain`, and `Max-Age` = the token's lifetime. `login()` also sends the
/// `Authorization` header unless [`AuthCookie::send_header`] turns it off.
///
/// ```
/// use axum_jwt_layer::issue::{AuthCookie, SameSite};
///
/// let cookie = AuthCookie::new("session").path("/api").same_site(SameSite::Strict);
/// assert_eq!(cookie.name(), "session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCookie {
    name: String,
    path: String,
    domain: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    send_header: bool,
}

impl Default for AuthCookie {
    fn default() -> Self {
        Self::new("token")
    }
}

impl AuthCookie {
    /// The defaults, with the cookie called `name` (case-sensitive).
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// assert_eq!(AuthCookie::new("token"), AuthCookie::default());
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            send_header: true,
        }
    }

    /// The cookie name.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// assert_eq!(AuthCookie::default().name(), "token");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `Path` attribute. Default `/`.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// let cookie = AuthCookie::default().path("/api");
    /// # let _ = cookie;
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The `Domain` attribute. Default none (host-only).
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// let cookie = AuthCookie::default().domain("example.com");
    /// # let _ = cookie;
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute. Default on; turn off only for plain-HTTP development.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// let cookie = AuthCookie::default().secure(false);
    /// # let _ = cookie;
    /// ```
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }

    /// The `HttpOnly` attribute. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// let cookie = AuthCookie::default().http_only(true);
    /// # let _ = cookie;
    /// ```
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }

    /// The `SameSite` attribute. Default `Lax`; `None` requires `Secure` (checked at build()).
    ///
    /// ```
    /// # use axum_jwt_layer::issue::{AuthCookie, SameSite};
    /// let cookie = AuthCookie::default().same_site(SameSite::Strict);
    /// # let _ = cookie;
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// Whether `login()` also sends the token in the `Authorization` header. Default on.
    ///
    /// ```
    /// # use axum_jwt_layer::issue::AuthCookie;
    /// let cookie = AuthCookie::default().send_header(false);
    /// # let _ = cookie;
    /// ```
    pub fn send_header(mut self, on: bool) -> Self {
        self.send_header = on;
        self
    }

    pub(crate) fn sends_header(&self) -> bool {
        self.send_header
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let token_chars = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        };
        let attribute = |s: &str| s.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b';');
        if !token_chars(&self.name) {
            return Err(ConfigError::InvalidCookie(CookieProblem::Name));
        }
        if !self.path.starts_with('/') || !attribute(&self.path) {
            return Err(ConfigError::InvalidCookie(CookieProblem::Path));
        }
        if self
            .domain
            .as_deref()
            .is_some_and(|d| d.is_empty() || !attribute(d))
        {
            return Err(ConfigError::InvalidCookie(CookieProblem::Domain));
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(ConfigError::InvalidCookie(
                CookieProblem::SameSiteNoneWithoutSecure,
            ));
        }
        Ok(())
    }

    fn build(&self, value: &str, max_age: i64) -> String {
        let mut cookie = Cookie::build((self.name.as_str(), value))
            .path(self.path.as_str())
            .secure(self.secure)
            .http_only(self.http_only)
            .same_site(self.same_site)
            .max_age(Duration::seconds(max_age));
        if let Some(domain) = &self.domain {
            cookie = cookie.domain(domain.as_str());
        }
        cookie.build().to_string()
    }

    /// The `Set-Cookie` value carrying `jwt` for `max_age` seconds.
    pub(crate) fn set(&self, jwt: &str, max_age: i64) -> Result<HeaderValue, IssueError> {
        let cookie = self.build(jwt, max_age);
        if cookie.len() > MAX_COOKIE_BYTES {
            return Err(IssueError::CookieTooLarge(cookie.len()));
        }
        HeaderValue::from_str(&cookie).map_err(|_| IssueError::CookieTooLarge(cookie.len()))
    }

    /// The `Set-Cookie` value that removes the cookie: same name, path and domain, `Max-Age=0`.
    pub(crate) fn expire(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.build("", 0)).ok()
    }
}
