//! [`Token`]: the verified claims of a request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default custom claims: every claim that is not a registered one, as a JSON map.
pub type Claims = Map<String, Value>;

/// The names of the registered claims that [`Token`] types itself.
pub(crate) const REGISTERED: [&str; 8] = ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "fid"];

/// The header `typ` of refresh tokens; access tokens have none, `JWT` or `at+jwt`.
pub(crate) const REFRESH_TYP: &str = "refresh+jwt";

/// A verified token: its registered claims, typed, and the custom claims `C` flattened at the
/// top level of the payload.
///
/// The layer puts one in the request extensions; handlers take it as an extractor.
///
/// ```
/// use axum_jwt_layer::{Claims, Token};
/// use serde::Deserialize;
///
/// #[derive(Clone, Debug, Deserialize, serde::Serialize)]
/// struct MyClaims { email: String }
///
/// async fn handler(token: Token<MyClaims>) -> String {
///     format!("{} <{}>", token.sub, token.claims.email)
/// }
///
/// let plain: Token = serde_json::from_str(r#"{"sub":"42","exp":1,"role":"admin"}"#).unwrap();
/// assert_eq!(plain.claims.get("role").and_then(|v| v.as_str()), Some("admin"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Token<C = Claims> {
    /// The subject: the identifier given to `login()`; never empty.
    pub sub: String,
    /// Expiration, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience: one string or several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Token identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Login family: every token issued by one `login()` and its refreshes shares it, so
    /// `logout()` or a replayed refresh token revokes them together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fid: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub claims: C,
}

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
///
/// ```
/// use axum_jwt_layer::jwt::Audience;
/// let aud: Audience = serde_json::from_str(r#"["a","b"]"#).unwrap();
/// assert!(aud.contains("b"));
/// assert_eq!(aud.iter().count(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience string.
    One(String),
    /// An array of audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is one of the audiences.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::Audience;
    /// assert!(Audience::One("api".into()).contains("api"));
    /// assert!(!Audience::One("api".into()).contains("API"));
    /// ```
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|a| a == audience)
    }

    /// The audiences, in order.
    ///
    /// ```
    /// # use axum_jwt_layer::jwt::Audience;
    /// let aud = Audience::Many(vec!["a".into(), "b".into()]);
    /// assert_eq!(aud.iter().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let slice: &[String] = match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        };
        slice.iter().map(String::as_str)
    }
}
