//! Step *origin*, before *skip*: cross-origin protection for credentials a browser attaches by
//! itself (cookies), the way Go 1.25's `http.CrossOriginProtection` decides. An unsafe request
//! (anything but GET, HEAD, OPTIONS) without an `Authorization` header is refused with 403 when
//! `Sec-Fetch-Site` says it came from another origin, or, without that header, when its `Origin`
//! is neither the request's host nor a trusted origin. Requests with neither header (clients
//! that are not browsers) pass, and so do trusted origins and exempt routes. Excluded routes
//! are checked too: a cross-site login is refused as well (no login CSRF).

use http::header::{AUTHORIZATION, HOST, ORIGIN};
use http::{HeaderValue, Method, Request};

use super::skip::Excludes;
use crate::error::{AuthError, AuthErrorKind, ConfigError};

/// The check, as configured.
#[derive(Debug, Clone)]
pub(crate) struct CrossOrigin {
    /// Origins allowed from other sites, `scheme://host[:port]`, lower case.
    trusted: Vec<String>,
    /// Routes that opt out (anchored patterns, as for excludes).
    exempt: Excludes,
}

impl CrossOrigin {
    pub(crate) fn new(trusted: &[String], exempt: &[String]) -> Result<Self, ConfigError> {
        let trusted = trusted
            .iter()
            .map(|origin| normalized_origin(origin).ok_or_else(|| invalid(origin)))
            .collect::<Result<_, _>>()?;
        let exempt = Excludes::build(exempt, Vec::new(), false)?;
        Ok(Self { trusted, exempt })
    }

    /// `Ok(())` for a request that may go on; the refusal otherwise.
    pub(crate) fn check<B>(&self, request: &Request<B>) -> Result<(), AuthError> {
        let safe = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        let headers = request.headers();
        if safe || headers.contains_key(AUTHORIZATION) {
            return Ok(());
        }
        let origin = headers.get(ORIGIN);
        let allowed = match headers.get("sec-fetch-site").map(HeaderValue::as_bytes) {
            Some(b"same-origin" | b"none") => true,
            Some(_) => self.trusts(origin),
            None => match origin {
                None => true,
                Some(origin) => same_host(origin, request) || self.trusts(Some(origin)),
            },
        };
        if allowed || self.exempt.skips(request) {
            Ok(())
        } else {
            Err(AuthError::new(AuthErrorKind::CrossOriginRequest))
        }
    }

    fn trusts(&self, origin: Option<&HeaderValue>) -> bool {
        let Some(origin) = origin.and_then(|o| o.to_str().ok()) else {
            return false;
        };
        self.trusted.iter().any(|t| t.eq_ignore_ascii_case(origin))
    }
}

/// Whether `Origin` names the host the request was sent to (its `Host`, or the URI's
/// authority for HTTP/2).
fn same_host<B>(origin: &HeaderValue, request: &Request<B>) -> bool {
    let Some(authority) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority)
    else {
        return false;
    };
    let host = match request.headers().get(HOST) {
        Some(host) => host.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    };
    host.is_some_and(|host| !host.is_empty() && host.eq_ignore_ascii_case(authority))
}

/// `scheme://host[:port]` with nothing after it, lower case; `None` for anything else.
fn normalized_origin(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let valid = matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@', ' '])
        && authority.is_ascii();
    valid.then(|| origin.to_ascii_lowercase())
}

fn invalid(origin: &str) -> ConfigError {
    ConfigError::InvalidTrustedOrigin(origin.to_owned())
}
