//! [`Token`]: the verified claims of a request, and [`ClaimPath`]: where inside them a value
//! such as a role list sits.

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

/// Where a claim sits inside the payload: a top-level claim name followed by the keys of the
/// JSON objects below it, such as `realm_access.roles` (Keycloak) or
/// `resource_access.my-client.roles`. Roles are read at these paths (see
/// [`JwtAuthBuilder::role_claims`](crate::JwtAuthBuilder::role_claims)).
///
/// A string is split at every `.`; a claim whose name holds a dot (Auth0's namespaced
/// `https://example.com/roles`) is given as segments with [`ClaimPath::from_segments`].
/// `build()` refuses an empty path, an empty segment and a registered claim (`sub`, `exp`, ..)
/// as the first segment.
///
/// ```
/// use axum_jwt_layer::authz::ClaimPath;
///
/// let keycloak = ClaimPath::from("realm_access.roles");
/// assert_eq!(keycloak.segments().collect::<Vec<_>>(), ["realm_access", "roles"]);
/// let auth0 = ClaimPath::from_segments(["https://example.com/roles"]);
/// assert_eq!(auth0.segments().count(), 1);
/// assert_eq!(keycloak.to_string(), "realm_access.roles");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClaimPath {
    segments: Vec<String>,
}

impl ClaimPath {
    /// A path from its segments, each taken as it is (dots included).
    ///
    /// ```
    /// # use axum_jwt_layer::authz::ClaimPath;
    /// let path = ClaimPath::from_segments(["resource_access", "my.client", "roles"]);
    /// assert_eq!(path.segments().nth(1), Some("my.client"));
    /// ```
    pub fn from_segments<S: Into<String>>(segments: impl IntoIterator<Item = S>) -> Self {
        Self {
            segments: segments.into_iter().map(Into::into).collect(),
        }
    }

    /// The segments, the claim name first.
    ///
    /// ```
    /// # use axum_jwt_layer::authz::ClaimPath;
    /// assert_eq!(ClaimPath::from("groups").segments().collect::<Vec<_>>(), ["groups"]);
    /// ```
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(String::as_str)
    }

    /// Whether `build()` accepts the path: at least one segment, none empty, and a first
    /// segment that is not a registered claim (those are not in the custom claims).
    pub(crate) fn is_usable(&self) -> bool {
        let first = self.segments.first().map(String::as_str);
        first.is_some_and(|name| !REGISTERED.contains(&name))
            && self.segments.iter().all(|segment| !segment.is_empty())
    }
}

impl From<&str> for ClaimPath {
    fn from(dotted: &str) -> Self {
        Self::from_segments(dotted.split('.'))
    }
}

impl From<String> for ClaimPath {
    fn from(dotted: String) -> Self {
        Self::from(dotted.as_str())
    }
}

impl std::fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("."))
    }
}
