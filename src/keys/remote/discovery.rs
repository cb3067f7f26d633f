//! Discovery: the `jwks_uri` of an issuer, from its OpenID Connect configuration or, when that
//! answers an error status, its RFC 8414 authorization server metadata. The document must name
//! the configured issuer exactly; its `jwks_uri` is held to the rules of a configured URL.

use serde::Deserialize;

use super::error::{JwksError, JwksErrorKind};
use super::fetch::{fetch, Fetched};
use super::source::{is_loopback, Settings};

/// The two fields read from the metadata; the others are ignored. A field given twice is
/// refused (serde's derive does so), like a token's duplicate claim.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
}

/// Fetches the issuer's metadata and returns the location of its JWK Set.
pub(crate) async fn jwks_uri(
    settings: &Settings,
    issuer: &str,
    openid: &reqwest::Url,
    oauth: &reqwest::Url,
) -> Result<reqwest::Url, JwksError> {
    let fetched: Fetched = match fetch(settings, openid, "application/json").await {
        Err(error) if matches!(error.kind(), JwksErrorKind::Status(_)) => {
            fetch(settings, oauth, "application/json").await?
        }
        other => other?,
    };
    // Plain http only where the configuration allows it for the issuer itself: an https
    // issuer's document cannot point this server at a plain-http address, loopback included.
    let plain_http =
        settings.allow_http || (openid.scheme() == "http" && is_loopback(openid.host_str()));
    read(&fetched.body, issuer, plain_http)
}

/// The `jwks_uri` of a metadata document, once its `issuer` is checked; `https`, or plain
/// `http` when `plain_http`.
fn read(body: &[u8], issuer: &str, plain_http: bool) -> Result<reqwest::Url, JwksError> {
    let metadata: Metadata = serde_json::from_slice(body)
        .map_err(|e| JwksError::with_source(JwksErrorKind::DiscoveryMalformed, e))?;
    if metadata.issuer != issuer {
        return Err(JwksErrorKind::IssuerMismatch.into());
    }
    let url = reqwest::Url::parse(&metadata.jwks_uri)
        .map_err(|_| JwksError::from(JwksErrorKind::JwksUriRefused))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if plain_http => Ok(url),
        _ => Err(JwksErrorKind::JwksUriRefused.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://login.example.com/realms/main";

    fn kind(body: &str, plain_http: bool) -> Result<String, JwksErrorKind> {
        read(body.as_bytes(), ISSUER, plain_http)
            .map(String::from)
            .map_err(|e| e.kind())
    }

    #[test]
    fn reads_jwks_uri_of_the_configured_issuer_only() {
        let good = r#"{"issuer": "https://login.example.com/realms/main",
            "jwks_uri": "https://login.example.com/realms/main/certs", "other": [1]}"#;
        assert_eq!(
            kind(good, false).unwrap(),
            "https://login.example.com/realms/main/certs"
        );
        // Exact comparison: a trailing slash is another issuer.
        let slash = r#"{"issuer": "https://login.example.com/realms/main/", "jwks_uri": "https://a/certs"}"#;
        assert_eq!(kind(slash, false), Err(JwksErrorKind::IssuerMismatch));
        let other =
            r#"{"issuer": "https://evil.example", "jwks_uri": "https://evil.example/certs"}"#;
        assert_eq!(kind(other, false), Err(JwksErrorKind::IssuerMismatch));
    }

    #[test]
    fn refuses_malformed_documents_and_insecure_jwks_uris() {
        for body in [
            "<html>",
            "{}",
            r#"{"issuer": "https://login.example.com/realms/main"}"#,
            r#"{"issuer": 1, "jwks_uri": "https://a/certs"}"#,
            r#"{"issuer": "https://login.example.com/realms/main", "issuer": "https://login.example.com/realms/main", "jwks_uri": "https://a/certs"}"#,
        ] {
            assert_eq!(
                kind(body, false),
                Err(JwksErrorKind::DiscoveryMalformed),
                "{body}"
            );
        }
        let plain = r#"{"issuer": "https://login.example.com/realms/main", "jwks_uri": "http://keys.internal/certs"}"#;
        assert_eq!(kind(plain, false), Err(JwksErrorKind::JwksUriRefused));
        assert!(kind(plain, true).is_ok(), "where plain http is allowed");
        let relative =
            r#"{"issuer": "https://login.example.com/realms/main", "jwks_uri": "/certs"}"#;
        assert_eq!(kind(relative, false), Err(JwksErrorKind::JwksUriRefused));
        // An https issuer cannot send this server to a plain-http loopback address.
        let loopback = r#"{"issuer": "https://login.example.com/realms/main", "jwks_uri": "http://127.0.0.1:4000/certs"}"#;
        assert_eq!(kind(loopback, false), Err(JwksErrorKind::JwksUriRefused));
    }
}
