//! [`JwksError`]: why a JWK Set fetch (or the discovery before it) did not install new keys.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// Why fetching the remote JWK Set failed. The keys fetched before stay in use.
///
/// Returned by [`JwtAuth::refresh_jwks`](crate::JwtAuth::refresh_jwks) and logged (at `warn`)
/// by background and on-demand fetches. It never carries key material; its source, when there
/// is one, is the HTTP client's or the JSON parser's error.
///
/// ```
/// use axum_jwt_layer::keys::{JwksError, JwksErrorKind};
///
/// let error = JwksError::from(JwksErrorKind::Status(503));
/// assert_eq!(error.kind(), JwksErrorKind::Status(503));
/// assert_eq!(error.to_string(), "the JWK Set endpoint answered HTTP 503");
/// ```
#[derive(Debug, Clone)]
pub struct JwksError {
    kind: JwksErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

/// The kinds of [`JwksError`].
///
/// ```
/// use axum_jwt_layer::keys::JwksErrorKind;
/// assert_ne!(JwksErrorKind::Timeout, JwksErrorKind::Transport);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksErrorKind {
    /// The endpoint answered with a status other than 2xx (a redirect included: the default
    /// client does not follow redirects).
    Status(u16),
    /// Connecting, TLS or reading the response failed.
    Transport,
    /// The fetch took longer than [`JwksSource::timeout`](crate::keys::JwksSource::timeout).
    Timeout,
    /// The response body is larger than 1 MiB.
    TooLarge,
    /// The body is not a JSON object with a `keys` array.
    Malformed,
    /// No member of the set is a public signature key for an allowed algorithm.
    NoUsableKeys,
    /// Two usable members of the set share a `kid`.
    DuplicateKid,
    /// There is no Tokio runtime to fetch on.
    NoRuntime,
    /// The discovery document ([`JwksSource::discover`](crate::keys::JwksSource::discover)) is
    /// not a JSON object with a string `issuer` and a string `jwks_uri`.
    DiscoveryMalformed,
    /// The discovery document names an issuer other than the configured one (compared
    /// exactly, as OpenID Connect Discovery §4.3 and RFC 8414 §3.3 require).
    IssuerMismatch,
    /// The discovery document's `jwks_uri` is not an absolute `https` URL (plain `http` only
    /// when the issuer itself is a plain-http loopback URL, or with
    /// [`allow_http`](crate::keys::JwksSource::allow_http)).
    JwksUriRefused,
    /// The runtime the fetch ran on shut down before it finished.
    Cancelled,
}

impl JwksError {
    pub(crate) fn with_source(
        kind: JwksErrorKind,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            source: Some(Arc::new(source)),
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::{JwksError, JwksErrorKind};
    /// assert_eq!(JwksError::from(JwksErrorKind::TooLarge).kind(), JwksErrorKind::TooLarge);
    /// ```
    pub fn kind(&self) -> JwksErrorKind {
        self.kind
    }
}

impl From<JwksErrorKind> for JwksError {
    fn from(kind: JwksErrorKind) -> Self {
        Self { kind, source: None }
    }
}

impl From<reqwest::Error> for JwksError {
    fn from(error: reqwest::Error) -> Self {
        let kind = if error.is_timeout() {
            JwksErrorKind::Timeout
        } else {
            JwksErrorKind::Transport
        };
        // Without the URL: it may carry credentials, and the logs name the source already.
        Self::with_source(kind, error.without_url())
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            JwksErrorKind::Status(status) => {
                write!(f, "the JWK Set endpoint answered HTTP {status}")
            }
            JwksErrorKind::Transport => f.write_str("the JWK Set request failed"),
            JwksErrorKind::Timeout => f.write_str("the JWK Set request timed out"),
            JwksErrorKind::TooLarge => f.write_str("the JWK Set response is larger than 1 MiB"),
            JwksErrorKind::Malformed => {
                f.write_str("the JWK Set response is not a JSON object with a keys array")
            }
            JwksErrorKind::NoUsableKeys => {
                f.write_str("the JWK Set has no public signature key for an allowed algorithm")
            }
            JwksErrorKind::DuplicateKid => f.write_str("two keys of the JWK Set share a kid"),
            JwksErrorKind::DiscoveryMalformed => f.write_str(
                "the discovery document is not a JSON object with a string issuer and jwks_uri",
            ),
            JwksErrorKind::IssuerMismatch => {
                f.write_str("the discovery document names another issuer")
            }
            JwksErrorKind::JwksUriRefused => {
                f.write_str("the discovery document's jwks_uri is not an https URL")
            }
            JwksErrorKind::NoRuntime => f.write_str("no Tokio runtime to fetch the JWK Set on"),
            JwksErrorKind::Cancelled => {
                f.write_str("the runtime shut down while the JWK Set was fetched")
            }
        }
    }
}

impl StdError for JwksError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
