//! Verification: size cap -> segments -> JOSE header -> key -> signature -> payload -> claims.
//!
//! Everything that can be decided once lives in [`Verifier`], built by `build()`. The
//! algorithm always comes from the configuration; the token's `alg` only has to be one of it.

use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::json::strict_object;
use super::rules::Rules;
use crate::error::InvalidTokenReason as Reason;
use crate::keys::source::{Failure, KeySource};
use crate::token::REFRESH_TYP;

/// A payload transformation run after the signature verified and before the claim checks.
pub(crate) type DecodeHook = dyn Fn(Map<String, Value>) -> Option<Map<String, Value>> + Send + Sync;

pub(crate) struct Verifier {
    pub(crate) keys: KeySource,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) max_size: usize,
    pub(crate) rules: Rules,
    /// The rules of refresh tokens (their own audience), when refresh tokens are on.
    pub(crate) refresh_rules: Option<Rules>,
    pub(crate) hook: Option<Box<DecodeHook>>,
}

/// What a token is presented as: the two never stand in for each other (`typ` and `aud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenUse {
    Access,
    Refresh,
}

impl Verifier {
    /// The JWS steps: size cap, segments, header, key by `kid`, signature. Returns the decoded
    /// payload segment; nothing in it is checked yet.
    pub(crate) fn verify_jws(&self, token: &str, usage: TokenUse) -> Result<Vec<u8>, Failure> {
        if token.len() > self.max_size {
            return Err(Reason::TooLarge.into());
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Reason::Malformed.into());
        };
        let header = strict_object(&b64(header_b64)?).map_err(|()| Reason::BadHeader)?;
        let algorithm = self.check_header(&header, usage)?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(Reason::BadHeader.into()),
        };
        let message = &token[..header_b64.len() + 1 + payload_b64.len()];
        self.keys.with_key(kid, |key| {
            // One key, one family: the allow-list admits the alg, the selected key must serve it.
            if !key.permits(algorithm) {
                return Err(Reason::AlgorithmNotAllowed.into());
            }
            if key.verify(signature, message.as_bytes(), algorithm) {
                Ok(())
            } else {
                Err(Reason::BadSignature.into())
            }
        })?;
        Ok(b64(payload_b64)?)
    }

    /// Verifies `token` at time `now` (seconds) and returns its checked payload.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<Map<String, Value>, Failure> {
        let payload = self.verify_jws(token, TokenUse::Access)?;
        let mut payload = strict_object(&payload).map_err(|()| Reason::BadPayload)?;
        if let Some(hook) = &self.hook {
            payload = hook(payload).ok_or(Reason::Vetoed)?;
        }
        self.rules.check(&payload, now)?;
        Ok(payload)
    }

    /// Verifies a refresh token: `typ` `refresh+jwt`, the refresh audience, no decode hook.
    pub(crate) fn verify_refresh(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Map<String, Value>, Reason> {
        let rules = self.refresh_rules.as_ref().ok_or(Reason::WrongType)?;
        // Refresh tokens are signed with local keys: a remote set never holds theirs.
        let payload =
            self.verify_jws(token, TokenUse::Refresh)
                .map_err(|failure| match failure {
                    Failure::Invalid(reason) => reason,
                    Failure::KeysUnavailable => Reason::UnknownKey,
                })?;
        let payload = strict_object(&payload).map_err(|()| Reason::BadPayload)?;
        rules.check(&payload, now)?;
        Ok(payload)
    }

    fn check_header(
        &self,
        header: &Map<String, Value>,
        usage: TokenUse,
    ) -> Result<Algorithm, Reason> {
        if header.contains_key("crit") || header.contains_key("b64") {
            return Err(Reason::UnsupportedHeaderParameter);
        }
        let algorithm = match header.get("alg") {
            Some(Value::String(alg)) => Algorithm::from_str(alg).ok(),
            _ => None,
        }
        .filter(|alg| self.algorithms.contains(alg))
        .ok_or(Reason::AlgorithmNotAllowed)?;
        let typ = match header.get("typ") {
            None => None,
            Some(Value::String(typ)) => Some(typ.as_str()),
            Some(_) => return Err(Reason::WrongType),
        };
        let fits = match usage {
            TokenUse::Access => typ.is_none_or(access_token_typ),
            TokenUse::Refresh => typ.is_some_and(|t| t.eq_ignore_ascii_case(REFRESH_TYP)),
        };
        if !fits {
            return Err(Reason::WrongType);
        }
        Ok(algorithm)
    }
}

/// `typ` values of an access token (RFC 7519 §5.1, RFC 9068 §2.1), compared case-insensitively.
fn access_token_typ(typ: &str) -> bool {
    let bare = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    bare.eq_ignore_ascii_case("jwt") || bare.eq_ignore_ascii_case("at+jwt")
}

/// Strict base64url: no padding, no `+` or `/`, no whitespace, canonical trailing bits.
fn b64(segment: &str) -> Result<Vec<u8>, Reason> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Reason::Malformed)
}
