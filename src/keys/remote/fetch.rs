//! One fetch of a JWK Set or a discovery document: the HTTP request with a size cap, `Cache-Control: max-age`, and
//! the members of the set (RFC 7517 §5: members that do not parse are skipped, not fatal).

use std::time::Duration;

use http::header::{ACCEPT, CACHE_CONTROL};
use http::HeaderMap;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use serde::Deserialize as _;
use serde_json::Value;

use super::error::{JwksError, JwksErrorKind};
use super::source::Settings;

/// The largest JWK Set body read.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// A successful response: its body and what it says about its freshness.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    /// `max-age` of `Cache-Control` (`no-cache` and `no-store` count as 0).
    pub(crate) max_age: Option<Duration>,
}

/// What a JWK Set request accepts.
pub(crate) const JWK_SET: &str = "application/jwk-set+json, application/json";

/// GETs `url` (the set, or a discovery document), refusing non-2xx answers and bodies over
/// [`MAX_BODY`].
pub(crate) async fn fetch(
    settings: &Settings,
    url: &reqwest::Url,
    accept: &'static str,
) -> Result<Fetched, JwksError> {
    let mut response = settings
        .client
        .get(url.clone())
        .header(ACCEPT, accept)
        .timeout(settings.timeout)
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        return Err(JwksErrorKind::Status(status.as_u16()).into());
    }
    let max_age = max_age(response.headers());
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(JwksErrorKind::TooLarge.into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(JwksErrorKind::TooLarge.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, max_age })
}

/// The freshness lifetime a response declares, if any.
pub(crate) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let directive = directive.trim();
            let (name, argument) = directive.split_once('=').unwrap_or((directive, ""));
            let name = name.trim();
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return Some(Duration::ZERO);
            }
            if name.eq_ignore_ascii_case("max-age") && found.is_none() {
                let seconds = argument.trim().trim_matches('"');
                // RFC 9111 §1.2.2: a delta-seconds too large to hold means "a long time".
                found = match seconds.parse::<u64>() {
                    Ok(seconds) => Some(Duration::from_secs(seconds)),
                    Err(_) if is_digits(seconds) => Some(Duration::MAX),
                    Err(_) => None,
                };
            }
        }
    }
    found
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The members of a JWK Set document. A member that is not a JWK this crate understands is
/// skipped (RFC 7517 §5); a body that is not `{"keys": [..]}` is an error.
pub(crate) fn members(body: &[u8]) -> Result<Vec<Jwk>, JwksError> {
    let document: Value = serde_json::from_slice(body)
        .map_err(|e| JwksError::with_source(JwksErrorKind::Malformed, e))?;
    let Some(Value::Array(keys)) = document.get("keys") else {
        return Err(JwksErrorKind::Malformed.into());
    };
    Ok(keys
        .iter()
        .filter_map(|member| Jwk::deserialize(member).ok())
        // jsonwebtoken (since 11) reads an unknown `kty`, or members that do not fit their
        // `kty`, as `Other` instead of failing: skipped here as before, not counted as unusable.
        .filter(|jwk| !matches!(jwk.algorithm, AlgorithmParameters::Other(_)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(CACHE_CONTROL, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn reads_max_age_among_other_directives() {
        let age = |v: &[&str]| max_age(&headers(v));
        assert_eq!(
            age(&["public, max-age=300, must-revalidate"]),
            Some(Duration::from_secs(300))
        );
        assert_eq!(age(&["MAX-AGE = \"60\""]), Some(Duration::from_secs(60)));
        assert_eq!(age(&["public", "max-age=7"]), Some(Duration::from_secs(7)));
        assert_eq!(age(&["max-age=5, no-cache"]), Some(Duration::ZERO));
        assert_eq!(age(&["max-age=99999999999999999999"]), Some(Duration::MAX));
        assert_eq!(age(&["max-age=-1"]), None);
        assert_eq!(age(&["public"]), None);
        assert_eq!(age(&[]), None);
    }

    #[test]
    fn skips_members_it_does_not_understand() {
        let body = br#"{"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": "g5e17dExK9IlQtcvuiMr_u7DI0KxQ2YHuXHrmo81lm4"},
            {"kty": "unknown"}, 42, {"kty": "RSA"}
        ]}"#;
        assert_eq!(members(body).unwrap().len(), 1);
        for garbage in [&b"<html>"[..], b"{}", b"{\"keys\": {}}", b"[]"] {
            assert_eq!(
                members(garbage).unwrap_err().kind(),
                JwksErrorKind::Malformed
            );
        }
    }
}
