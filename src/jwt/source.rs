//! Where the token comes from: an ordered list of [`TokenSource`]s.

use http::header::{HeaderName, AUTHORIZATION};
use http::{HeaderMap, HeaderValue};

use super::browser::{in_protocol, in_query};
use super::chars::{all_b64token, checked, is_plain};
#[cfg(feature = "cookie")]
use crate::cookie_scan::cookie_value;
use crate::error::{ConfigError, InvalidRequestReason as Reason};

/// One place a token may be found. The layer tries every configured source; two sources with
/// different tokens make the request ambiguous (400 `invalid_request`).
///
/// ```
/// use axum_jwt_layer::jwt::TokenSource;
///
/// let sources = [
///     TokenSource::authorization_bearer(),
///     TokenSource::header("X-API-Key"),
///     TokenSource::header_with_scheme("X-Token", "Token"),
/// ];
/// assert_eq!(sources.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSource {
    header: String,
    scheme: Option<String>,
    cookie: Option<String>,
    query: Option<String>,
    protocol: Option<String>,
}

impl TokenSource {
    /// `Authorization: Bearer <token>`, the scheme matched case-insensitively (RFC 6750 §2.1).
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::authorization_bearer().header_name(), "authorization");
    /// ```
    pub fn authorization_bearer() -> Self {
        Self::header_with_scheme(AUTHORIZATION.as_str(), "Bearer")
    }

    /// A custom header whose whole value is the token, such as `X-API-Key: <token>`.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::header("X-API-Key").scheme(), None);
    /// ```
    pub fn header(name: impl Into<String>) -> Self {
        Self {
            header: name.into(),
            scheme: None,
            cookie: None,
            query: None,
            protocol: None,
        }
    }

    /// The cookie `name` in the `Cookie` header (feature `cookie`). Names are case-sensitive;
    /// the value may be the JWT or `Bearer <jwt>`, quoted or not. The cookie sent twice is a
    /// 400 `invalid_request`, never "first wins".
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::cookie("token").cookie_name(), Some("token"));
    /// ```
    #[cfg(feature = "cookie")]
    pub fn cookie(name: impl Into<String>) -> Self {
        Self {
            header: http::header::COOKIE.as_str().to_owned(),
            scheme: None,
            cookie: Some(name.into()),
            query: None,
            protocol: None,
        }
    }

    /// The query parameter `name` (`/ws?access_token=<token>`): opt-in, for WebSocket clients
    /// in browsers, which cannot set a header on the upgrade request. A URL is kept in more
    /// places than a header (proxy and server access logs, browser history): prefer a header
    /// or a cookie, and short-lived tokens here. This crate never logs it. The parameter
    /// twice is a 400; its value is taken as it is (JWT characters need no percent-encoding,
    /// and a `%` is refused). `name` is made of letters, digits and `-._~`.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::query("access_token").query_name(), Some("access_token"));
    /// ```
    pub fn query(name: impl Into<String>) -> Self {
        Self {
            header: String::new(),
            scheme: None,
            cookie: None,
            query: Some(name.into()),
            protocol: None,
        }
    }

    /// The query parameter name, for a query source.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::authorization_bearer().query_name(), None);
    /// ```
    pub fn query_name(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// A `Sec-WebSocket-Protocol` entry `<prefix><token>`: opt-in, the other way a browser's
    /// `new WebSocket(url, protocols)` can carry a token. The client offers the application's
    /// own subprotocol and the token entry, e.g. `new WebSocket(url, ["chat",
    /// "access_token." + jwt])`; the handler must then answer with the application's one
    /// (`WebSocketUpgrade::protocols(["chat"])`), never the token entry. Two token entries
    /// are a 400. `prefix` is an RFC 9110 token (letters, digits, `!#$%&'*+-.^_`|~`).
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// let source = TokenSource::websocket_protocol("access_token.");
    /// assert_eq!(source.protocol_prefix(), Some("access_token."));
    /// assert_eq!(source.header_name(), "sec-websocket-protocol");
    /// ```
    pub fn websocket_protocol(prefix: impl Into<String>) -> Self {
        Self {
            header: http::header::SEC_WEBSOCKET_PROTOCOL.as_str().to_owned(),
            scheme: None,
            cookie: None,
            query: None,
            protocol: Some(prefix.into()),
        }
    }

    /// The entry prefix, for a `Sec-WebSocket-Protocol` source.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::authorization_bearer().protocol_prefix(), None);
    /// ```
    pub fn protocol_prefix(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The cookie name, for a cookie source.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::authorization_bearer().cookie_name(), None);
    /// ```
    pub fn cookie_name(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// A custom header carrying `<scheme> <token>`, the scheme matched case-insensitively.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::header_with_scheme("X-Token", "Token").scheme(), Some("Token"));
    /// ```
    pub fn header_with_scheme(name: impl Into<String>, scheme: impl Into<String>) -> Self {
        Self {
            header: name.into(),
            scheme: Some(scheme.into()),
            cookie: None,
            query: None,
            protocol: None,
        }
    }

    /// The header name, as given.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::header("X-API-Key").header_name(), "X-API-Key");
    /// ```
    pub fn header_name(&self) -> &str {
        &self.header
    }

    /// The scheme, if the header carries one.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::TokenSource;
    /// assert_eq!(TokenSource::authorization_bearer().scheme(), Some("Bearer"));
    /// ```
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    pub(crate) fn compile(&self) -> Result<CompiledSource, ConfigError> {
        if let Some(query) = &self.query {
            let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            if query.is_empty() || !query.bytes().all(unreserved) {
                return Err(ConfigError::InvalidTokenSource(query.clone()));
            }
            return Ok(CompiledSource::elsewhere(Some(query), None));
        }
        if let Some(prefix) = &self.protocol {
            if prefix.is_empty() || !prefix.bytes().all(is_tchar) {
                return Err(ConfigError::InvalidTokenSource(prefix.clone()));
            }
            return Ok(CompiledSource::elsewhere(None, Some(prefix)));
        }
        let invalid = || ConfigError::InvalidTokenSource(self.header.clone());
        let name = HeaderName::from_bytes(self.header.as_bytes()).map_err(|_| invalid())?;
        if let Some(scheme) = &self.scheme {
            if scheme.is_empty() || !scheme.bytes().all(is_tchar) {
                return Err(invalid());
            }
        }
        if let Some(cookie) = &self.cookie {
            if cookie.is_empty() || !cookie.bytes().all(is_tchar) {
                return Err(invalid());
            }
        }
        Ok(CompiledSource {
            given: self.header.clone(),
            name: Some(name),
            scheme: self.scheme.clone(),
            cookie: self.cookie.clone(),
            query: None,
            protocol: None,
        })
    }
}

/// A source with its header name parsed once.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSource {
    /// The header name as configured (for documentation; matching is case-insensitive).
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) given: String,
    /// The header read, for a header or cookie source.
    pub(crate) name: Option<HeaderName>,
    pub(crate) scheme: Option<String>,
    pub(crate) cookie: Option<String>,
    /// The query parameter, for a query source.
    pub(crate) query: Option<String>,
    /// The `Sec-WebSocket-Protocol` entry prefix, for a protocol source.
    pub(crate) protocol: Option<String>,
}

impl CompiledSource {
    /// A query or `Sec-WebSocket-Protocol` source.
    fn elsewhere(query: Option<&String>, protocol: Option<&String>) -> Self {
        Self {
            given: String::new(),
            name: None,
            scheme: None,
            cookie: None,
            query: query.cloned(),
            protocol: protocol.cloned(),
        }
    }
}

/// RFC 9110 token characters (for scheme names).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The usual header, `<scheme> <token>` (or a bare token for a source without a scheme),
/// with exactly one space and nothing around it: found in one vectorized pass over the token.
/// `None` sends every other shape through the full checks of [`CompiledSource::find`], which
/// give the same answer for this shape.
fn usual_shape<'v>(value: &'v [u8], scheme: Option<&str>) -> Option<&'v str> {
    let token = match scheme {
        None => value,
        Some(scheme) => {
            let (head, rest) = value.split_at_checked(scheme.len())?;
            let token = rest.strip_prefix(b" ")?;
            if !head.eq_ignore_ascii_case(scheme.as_bytes()) {
                return None;
            }
            token
        }
    };
    if !all_b64token(token) {
        return None;
    }
    // ASCII, so this cannot fail.
    std::str::from_utf8(token).ok()
}

impl CompiledSource {
    /// The token in this source, borrowed from the headers; `Ok(None)` when the header is
    /// absent or carries another scheme.
    fn find<'h>(
        &self,
        headers: &'h HeaderMap,
        query: Option<&'h str>,
    ) -> Result<Option<&'h str>, Reason> {
        let Some(name) = &self.name else {
            if let Some(parameter) = &self.query {
                return in_query(parameter, query);
            }
            if let Some(prefix) = &self.protocol {
                return in_protocol(prefix, headers);
            }
            return Ok(None);
        };
        if let Some(cookie) = &self.cookie {
            return find_cookie(cookie, headers);
        }
        let mut values = headers.get_all(name).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(Reason::DuplicateHeader);
        }
        match usual_shape(value.as_bytes(), self.scheme.as_deref()) {
            Some(token) => Ok(Some(token)),
            None => self.full_checks(value),
        }
    }

    /// Every shape of header value: optional whitespace, the scheme in any case, the
    /// characters allowed, each refusal with its reason.
    fn full_checks<'h>(&self, value: &'h HeaderValue) -> Result<Option<&'h str>, Reason> {
        let plain = is_plain(value.as_bytes());
        let value = if plain {
            // The common case, checked in one pass: ASCII, so this cannot fail.
            std::str::from_utf8(value.as_bytes())
                .map_err(|_| Reason::NotAscii)?
                .trim_matches(' ')
        } else {
            let value = value.to_str().map_err(|_| Reason::NotAscii)?;
            // Optional whitespace around a field value is not part of it (RFC 9110 §5.5).
            let value = value.trim_matches([' ', '\t']);
            if value.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
                return Err(Reason::MalformedScheme);
            }
            value
        };
        let token = match &self.scheme {
            None => value,
            Some(scheme) => match strip_scheme(value, scheme)? {
                Some(token) => token,
                None => return Ok(None),
            },
        };
        if plain {
            // Every byte is a b64token character or a space: only a space can be wrong.
            return match token {
                "" => Err(Reason::EmptyToken),
                _ if token.as_bytes().contains(&b' ') => Err(Reason::BadCharacters),
                _ => Ok(Some(token)),
            };
        }
        checked(token).map(Some)
    }
}

/// The token after `<scheme> `; `Ok(None)` for another scheme.
fn strip_scheme<'v>(value: &'v str, scheme: &str) -> Result<Option<&'v str>, Reason> {
    match value.get(..scheme.len()) {
        Some(head) if head.eq_ignore_ascii_case(scheme) => {}
        _ => return Ok(None),
    }
    let rest = &value[scheme.len()..];
    if rest.is_empty() {
        return Err(Reason::EmptyToken);
    }
    // `Bearer,x`, `Bearer=x`, `BearerX`: the scheme must be followed by a space.
    let token = rest.strip_prefix(' ').ok_or(Reason::MalformedScheme)?;
    Ok(Some(token.trim_start_matches(' ')))
}

/// The auth cookie (see [`cookie_value`]): its value as text, without a `Bearer ` prefix, a
/// non-empty token of b64token characters.
#[cfg(feature = "cookie")]
fn find_cookie<'h>(name: &str, headers: &'h HeaderMap) -> Result<Option<&'h str>, Reason> {
    let Some(value) = cookie_value(name, headers)? else {
        return Ok(None);
    };
    // Only the auth cookie's own value is read as text.
    let value = std::str::from_utf8(value).map_err(|_| Reason::NotAscii)?;
    let token = strip_scheme(value, "Bearer")?.unwrap_or(value);
    checked(token).map(Some)
}

#[cfg(not(feature = "cookie"))]
fn find_cookie<'h>(_: &str, _: &'h HeaderMap) -> Result<Option<&'h str>, Reason> {
    Ok(None)
}

/// The token of a request (its headers and its URI's query): every source is read;
/// different tokens are ambiguous.
pub(crate) fn find_token<'h>(
    sources: &[CompiledSource],
    headers: &'h HeaderMap,
    query: Option<&'h str>,
) -> Result<Option<&'h str>, Reason> {
    let mut found: Option<&'h str> = None;
    for source in sources {
        if let Some(token) = source.find(headers, query)? {
            match found {
                Some(seen) if seen != token => return Err(Reason::AmbiguousToken),
                _ => found = Some(token),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bearer() -> CompiledSource {
        CompiledSource {
            given: "Authorization".to_owned(),
            name: Some(AUTHORIZATION),
            scheme: Some("Bearer".to_owned()),
            cookie: None,
            query: None,
            protocol: None,
        }
    }

    #[test]
    fn the_usual_shape_is_found_in_one_pass() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_~+/=";
        let value = format!("Bearer {token}");
        assert_eq!(usual_shape(value.as_bytes(), Some("Bearer")), Some(token));
        assert_eq!(usual_shape(value.as_bytes(), Some("bearer")), Some(token));
        for other in [
            "Bearer  x",
            " Bearer x",
            "Bearer x ",
            "Bearer",
            "Bearer ",
            "Basic x",
            "Bearer x!y",
            "Bearer\tx",
        ] {
            assert_eq!(
                usual_shape(other.as_bytes(), Some("Bearer")),
                None,
                "{other:?}"
            );
        }
        assert_eq!(usual_shape(b"abc.def", None), Some("abc.def"));
        assert_eq!(usual_shape(b"", None), None);
    }

    proptest! {
        /// Whatever the one-pass path accepts, the full checks accept with the same token.
        #[test]
        fn the_one_pass_path_agrees_with_the_full_checks(
            scheme in prop::sample::select(vec!["Bearer", "bearer", "BEARER", "Bear", "Basic", ""]),
            gap in prop::sample::select(vec!["", " ", "  ", "\t"]),
            token in "[ A-Za-z0-9._~+/=!\"\\t-]{0,24}",
        ) {
            let value = format!("{scheme}{gap}{token}");
            let Ok(header) = HeaderValue::from_str(&value) else { return Ok(()) };
            if let Some(found) = usual_shape(header.as_bytes(), Some("Bearer")) {
                prop_assert_eq!(bearer().full_checks(&header), Ok(Some(found)));
            }
        }
    }
}
