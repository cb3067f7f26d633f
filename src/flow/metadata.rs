//! Step *metadata*, before everything else: the OAuth 2.0 protected resource metadata of
//! RFC 9728. The layer answers `GET` and `HEAD` at the well-known URL derived from the
//! configured resource identifier itself, without authentication, and the challenges of the
//! default error handler point to that URL (`resource_metadata="<url>"`). Everything is
//! checked and prepared at `build()`: serving the document clones a `Bytes`, and the values
//! come from the configuration only, never from the request (its `Host` included).

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::response::Response;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, StatusCode, Uri};

use crate::error::{ConfigError, ProtectedResourceProblem as Problem};
use crate::response::json_error;

/// The well-known URI suffix of RFC 9728 section 3.1.
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The protected resource metadata (RFC 9728) the layer publishes, for clients that discover
/// where to get a token, MCP clients among them. Opt-in, with
/// [`JwtAuthBuilder::protected_resource`](crate::JwtAuthBuilder::protected_resource) or
/// [`AuthenticatorBuilder::protected_resource`](crate::AuthenticatorBuilder::protected_resource).
///
/// The document is served at the URL RFC 9728 section 3.1 derives from the resource
/// identifier: `/.well-known/oauth-protected-resource` inserted between the host and the
/// path (`https://api.example.com` -> `https://api.example.com/.well-known/oauth-protected-resource`,
/// `https://api.example.com/v1` -> `https://api.example.com/.well-known/oauth-protected-resource/v1`).
/// The layer answers `GET` and `HEAD` on that path itself, before excludes and authentication
/// (a token sent along is ignored); other methods get 405, except `OPTIONS`, which goes on as
/// for any path (CORS preflights). Put the layer where it sees that path, on the outermost
/// router. Its body holds `resource`, `authorization_servers` and `scopes_supported` (each
/// left out when empty) and, for the JWT backend, `bearer_methods_supported` (`["header"]`
/// for `Authorization: Bearer`; cookies and other headers are not RFC 6750 methods).
///
/// Checked by `build()`: the resource identifier is an absolute `https` URL without query or
/// fragment, each authorization server an issuer identifier (an `https` URL without query or
/// fragment), each scope an RFC 6749 scope token; plain `http` only to a loopback host
/// unless [`allow_http`](Self::allow_http). Anything else fails with
/// [`ConfigError::InvalidProtectedResource`].
///
/// ```
/// use axum_jwt_layer::{flow::ProtectedResource, JwtAuth};
///
/// let auth = JwtAuth::<()>::builder()
///     .secret([7u8; 32])
///     .protected_resource(
///         ProtectedResource::new("https://api.example.com")
///             .authorization_servers(["https://issuer.example.com"])
///             .scopes_supported(["read", "write"]),
///     )
///     .build()
///     .unwrap();
/// assert_eq!(
///     auth.resource_metadata_url(),
///     Some("https://api.example.com/.well-known/oauth-protected-resource")
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResource {
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    allow_http: bool,
}

impl ProtectedResource {
    /// The metadata of the resource identified by `resource`: the URL clients use for it
    /// (`https://api.example.com`, `https://api.example.com/v1`), published as it is given.
    ///
    /// ```
    /// # use axum_jwt_layer::flow::ProtectedResource;
    /// let resource = ProtectedResource::new("https://api.example.com/v1");
    /// # let _ = resource;
    /// ```
    pub fn new(resource: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            allow_http: false,
        }
    }

    /// Adds the issuer identifiers of the authorization servers that issue tokens for this
    /// resource (`authorization_servers`). None by default: the member is then left out.
    ///
    /// ```
    /// # use axum_jwt_layer::flow::ProtectedResource;
    /// let resource = ProtectedResource::new("https://api.example.com")
    ///     .authorization_servers(["https://issuer.example.com"]);
    /// # let _ = resource;
    /// ```
    pub fn authorization_servers<S: Into<String>>(
        mut self,
        servers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.authorization_servers
            .extend(servers.into_iter().map(Into::into));
        self
    }

    /// Adds scopes a client may request for this resource (`scopes_supported`). None by
    /// default: the member is then left out.
    ///
    /// ```
    /// # use axum_jwt_layer::flow::ProtectedResource;
    /// let resource = ProtectedResource::new("https://api.example.com")
    ///     .scopes_supported(["read", "write"]);
    /// # let _ = resource;
    /// ```
    pub fn scopes_supported<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes_supported
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Allows plain `http` URLs to hosts that are not loopback (`http://127.0.0.1:3000` and
    /// `http://localhost` are always allowed), for development behind a private network.
    /// Off by default: RFC 9728 identifies a resource with an `https` URL.
    ///
    /// ```
    /// # use axum_jwt_layer::{flow::ProtectedResource, ConfigError, JwtAuth};
    /// let build = |on| JwtAuth::<()>::builder().secret([7u8; 32])
    ///     .protected_resource(ProtectedResource::new("http://api.internal").allow_http(on))
    ///     .build();
    /// assert!(matches!(build(false), Err(ConfigError::InvalidProtectedResource(_))));
    /// assert!(build(true).is_ok());
    /// ```
    pub fn allow_http(mut self, on: bool) -> Self {
        self.allow_http = on;
        self
    }

    /// Checks the settings and prepares the document, its path and its URL.
    /// `bearer_methods`: `bearer_methods_supported`, or `None` to leave it out.
    pub(crate) fn compile(
        &self,
        bearer_methods: Option<&[&'static str]>,
    ) -> Result<Metadata, ConfigError> {
        let invalid = ConfigError::InvalidProtectedResource;
        let (origin, path) =
            split_url(&self.resource, self.allow_http, Problem::ResourceNotUrl).map_err(invalid)?;
        for server in &self.authorization_servers {
            split_url(server, self.allow_http, Problem::AuthorizationServer).map_err(invalid)?;
        }
        if !self.scopes_supported.iter().all(|s| is_scope_token(s)) {
            return Err(invalid(Problem::Scope));
        }
        // RFC 9728 section 3.1: the suffix between the host and the path; a path that is only
        // `/` is no path.
        let path = format!("{WELL_KNOWN}{}", if path == "/" { "" } else { path });
        let url = format!("{origin}{path}");
        let body = self.document(bearer_methods);
        let length = HeaderValue::from(body.len());
        Ok(Metadata {
            path: path.into(),
            url: url.into(),
            body: Bytes::from(body),
            length,
        })
    }

    /// The JSON document (RFC 9728 section 2), every value escaped by serde_json.
    fn document(&self, bearer_methods: Option<&[&'static str]>) -> String {
        let mut body = format!(r#"{{"resource":{}"#, json_string(&self.resource));
        let lists = [
            (
                "authorization_servers",
                Some(strs(&self.authorization_servers)),
            ),
            ("scopes_supported", Some(strs(&self.scopes_supported))),
            (
                "bearer_methods_supported",
                bearer_methods.map(<[_]>::to_vec),
            ),
        ];
        for (name, items) in lists {
            let Some(items) = items else { continue };
            // Empty lists are left out, but for the bearer methods, where `[]` says "none".
            if items.is_empty() && name != "bearer_methods_supported" {
                continue;
            }
            let items: Vec<String> = items.into_iter().map(json_string).collect();
            body += &format!(r#","{name}":[{}]"#, items.join(","));
        }
        body.push('}');
        body
    }
}

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The metadata as served: prepared once by `build()`.
#[derive(Debug)]
pub(crate) struct Metadata {
    /// The path of the document, `/.well-known/oauth-protected-resource[/<resource path>]`.
    path: Box<str>,
    /// The URL of the document, for `resource_metadata` in the challenges.
    url: Arc<str>,
    body: Bytes,
    /// The body's length, for `HEAD`.
    length: HeaderValue,
}

impl Metadata {
    /// The URL of the document.
    pub(crate) fn url(&self) -> &Arc<str> {
        &self.url
    }

    /// The layer's own answer for a request to the document's path; `None` for any other
    /// path, and for `OPTIONS`, which goes on as on any path.
    pub(crate) fn answer<B>(&self, request: &Request<B>) -> Option<Response> {
        if request.uri().path() != &*self.path {
            return None;
        }
        let method = request.method();
        let body = if method == Method::GET {
            Body::from(self.body.clone())
        } else if method == Method::HEAD {
            Body::empty()
        } else if method == Method::OPTIONS {
            return None;
        } else {
            let mut refused = json_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
            let allow = HeaderValue::from_static("GET, HEAD");
            refused.headers_mut().insert(ALLOW, allow);
            return Some(refused);
        };
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_LENGTH, self.length.clone());
        Some(response)
    }
}

/// Splits an absolute `http(s)` URL without query or fragment into its origin
/// (`scheme://authority`, as written) and its path (possibly empty). `problem` is the answer
/// for anything that is not such a URL.
fn split_url(url: &str, allow_http: bool, problem: Problem) -> Result<(&str, &str), Problem> {
    let is_resource = problem == Problem::ResourceNotUrl;
    // Visible ASCII without `"` and `\`: the URL then sits in a quoted-string as it is.
    if url.is_empty()
        || !url
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        return Err(problem);
    }
    if url.contains('#') {
        return Err(if is_resource {
            Problem::ResourceFragment
        } else {
            problem
        });
    }
    if url.contains('?') {
        return Err(if is_resource {
            Problem::ResourceQuery
        } else {
            problem
        });
    }
    let (scheme, rest) = url.split_once("://").ok_or(problem)?;
    let https = scheme.eq_ignore_ascii_case("https");
    if !https && !scheme.eq_ignore_ascii_case("http") {
        return Err(problem);
    }
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = host_of(authority).ok_or(problem)?;
    let dot_segment = path.split('/').any(|s| s == "." || s == "..");
    if dot_segment || path.contains("//") || url.parse::<Uri>().is_err() {
        return Err(problem);
    }
    if !https && !allow_http && !is_loopback(host) {
        return Err(Problem::PlainHttp);
    }
    Ok((&url[..url.len() - path.len()], path))
}

/// The host of `host[:port]` or `[v6][:port]`: a name of letters, digits, `-`, `.` and `_`,
/// or an IP address; no user info, a port of digits only.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (address, rest) = v6.split_once(']')?;
            address.parse::<std::net::Ipv6Addr>().ok()?;
            (&authority[..address.len() + 2], rest)
        }
        None => {
            let end = authority.find(':').unwrap_or(authority.len());
            let (host, rest) = authority.split_at(end);
            let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
            if host.is_empty() || !host.bytes().all(name) {
                return None;
            }
            (host, rest)
        }
    };
    match port.strip_prefix(':') {
        None if port.is_empty() => Some(host),
        Some(digits) if !digits.is_empty() && digits.parse::<u16>().is_ok() => Some(host),
        _ => None,
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An RFC 6749 scope token: one or more of `%x21 / %x23-5B / %x5D-7E`.
fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(resource: &str) -> Result<Metadata, ConfigError> {
        ProtectedResource::new(resource).compile(Some(&["header"]))
    }

    #[test]
    fn the_well_known_path_goes_between_the_host_and_the_path() {
        let cases = [
            (
                "https://api.example.com",
                "/.well-known/oauth-protected-resource",
            ),
            (
                "https://api.example.com/",
                "/.well-known/oauth-protected-resource",
            ),
            (
                "https://api.example.com/v1",
                "/.well-known/oauth-protected-resource/v1",
            ),
            (
                "HTTPS://Api.Example.com:8443/a/b/",
                "/.well-known/oauth-protected-resource/a/b/",
            ),
            ("http://[::1]:3000", "/.well-known/oauth-protected-resource"),
        ];
        for (resource, path) in cases {
            let metadata = compiled(resource).unwrap();
            assert_eq!(&*metadata.path, path, "{resource}");
            assert!(metadata.url.ends_with(path), "{resource}");
        }
        let metadata = compiled("https://api.example.com:8443/v1").unwrap();
        assert_eq!(
            &*metadata.url,
            "https://api.example.com:8443/.well-known/oauth-protected-resource/v1"
        );
    }

    #[test]
    fn unusable_urls_are_refused() {
        let problem = |resource: &str| match compiled(resource) {
            Err(ConfigError::InvalidProtectedResource(problem)) => Some(problem),
            _ => None,
        };
        for bad in [
            "",
            "api.example.com",
            "/v1",
            "ftp://api.example.com",
            "https://",
            "https:///v1",
            "https://user@api.example.com",
            "https://api.example.com:port",
            "https://api.example.com:99999",
            "https://api example.com",
            "https://api.example.com/a b",
            "https://api.example.com/\"x",
            "https://api.example.com/../v1",
            "https://api.example.com//v1",
            "https://[::zz]/",
            "https://bücher.example",
        ] {
            assert_eq!(problem(bad), Some(Problem::ResourceNotUrl), "{bad}");
        }
        assert_eq!(
            problem("https://api.example.com/?a=b"),
            Some(Problem::ResourceQuery)
        );
        assert_eq!(
            problem("https://api.example.com/#top"),
            Some(Problem::ResourceFragment)
        );
        assert_eq!(problem("http://api.example.com"), Some(Problem::PlainHttp));
        for loopback in ["http://127.0.0.1:3000", "http://localhost", "http://[::1]"] {
            assert!(compiled(loopback).is_ok(), "{loopback}");
        }
    }

    #[test]
    fn the_document_leaves_out_empty_lists_but_bearer_methods() {
        let resource = ProtectedResource::new("https://api.example.com");
        assert_eq!(
            resource.document(None),
            r#"{"resource":"https://api.example.com"}"#
        );
        assert_eq!(
            resource.document(Some(&[])),
            r#"{"resource":"https://api.example.com","bearer_methods_supported":[]}"#
        );
        let full = resource
            .authorization_servers(["https://issuer.example"])
            .scopes_supported(["read", "write"])
            .document(Some(&["header"]));
        assert_eq!(
            full,
            r#"{"resource":"https://api.example.com","authorization_servers":["https://issuer.example"],"scopes_supported":["read","write"],"bearer_methods_supported":["header"]}"#
        );
    }
}
