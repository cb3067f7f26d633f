//! Verification: size cap -> segments -> JOSE header -> key -> signature -> payload -> claims.
//!
//! Everything that can be decided once lives in [`Verifier`], built by `build()`. The
//! algorithm always comes from the configuration; the token's `alg` only has to be one of it.

use std::borrow::Cow;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::json::strict_object;
use super::payload::{Header, Param, Payload};
use super::rules::Rules;
use crate::error::InvalidTokenReason as Reason;
use crate::keys::set::KeyEntry;
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
    /// Several issuers (remote key sets naming theirs): the token's `iss` picks the keys and
    /// the rules. Empty: `keys` and `rules` serve every token.
    pub(crate) routes: Vec<Route>,
}

/// One trusted issuer: tokens with `iss` = `issuer` are verified with `keys` and `rules`
/// (`route.rs` picks it).
pub(crate) struct Route {
    pub(crate) issuer: String,
    pub(crate) keys: KeySource,
    pub(crate) rules: Rules,
}

/// A token whose header passed: the algorithm, the `kid`, and what the signature covers.
pub(crate) struct Jws<'a> {
    algorithm: Algorithm,
    pub(super) kid: Option<&'a str>,
    message: &'a [u8],
    signature: &'a str,
    pub(super) payload_b64: &'a str,
}

impl Jws<'_> {
    /// The signature check with the key the `kid` selected.
    pub(super) fn check(&self, key: &KeyEntry) -> Result<(), Failure> {
        // One key, one family: the allow-list admits the alg, the selected key must serve it.
        if !key.permits(self.algorithm) {
            return Err(Reason::AlgorithmNotAllowed.into());
        }
        if key.verify(self.signature, self.message, self.algorithm) {
            Ok(())
        } else {
            Err(Reason::BadSignature.into())
        }
    }
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
        self.verify_jws_with(token, usage, <[u8]>::to_vec)
    }

    /// The JWS steps, then `then` on the decoded payload segment. Segments that fit are
    /// decoded into buffers on the stack, so a usual token costs no allocation here.
    fn verify_jws_with<R>(
        &self,
        token: &str,
        usage: TokenUse,
        then: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Failure> {
        self.with_jws(token, usage, |jws| {
            self.keys.with_key(jws.kid, |key| jws.check(key))?;
            let mut payload_buffer = [0u8; 1024];
            Ok(then(&b64_into(jws.payload_b64, &mut payload_buffer)?))
        })
    }

    /// Size cap, segments and the checked header; then `then`, which picks the key.
    pub(super) fn with_jws<R>(
        &self,
        token: &str,
        usage: TokenUse,
        then: impl FnOnce(Jws<'_>) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        if token.len() > self.max_size {
            return Err(Reason::TooLarge.into());
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Reason::Malformed.into());
        };
        let mut header_buffer = [0u8; 256];
        let header_bytes = b64_into(header_b64, &mut header_buffer)?;
        let header = Header::parse(&header_bytes).map_err(|()| Reason::BadHeader)?;
        let algorithm = self.check_header(&header, usage)?;
        let kid = match &header.kid {
            None => None,
            Some(Param::Str(kid)) => Some(kid.as_ref()),
            Some(Param::Other) => return Err(Reason::BadHeader.into()),
        };
        then(Jws {
            algorithm,
            kid,
            message: &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()],
            signature,
            payload_b64,
        })
    }

    /// Verifies `token` at time `now` (seconds) and returns its checked payload. Without a
    /// decode hook the payload is parsed once, straight into its claim slots.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<Payload, Failure> {
        if !self.routes.is_empty() {
            return self.verify_routed(token, now);
        }
        let parsed = self.verify_jws_with(token, TokenUse::Access, |bytes| match &self.hook {
            None => Payload::parse(bytes).map_err(|()| Reason::BadPayload),
            Some(hook) => {
                let map = strict_object(bytes).map_err(|()| Reason::BadPayload)?;
                Ok(Payload::from_map(hook(map).ok_or(Reason::Vetoed)?))
            }
        })?;
        let payload = parsed?;
        self.rules.check(&payload, now)?;
        Ok(payload)
    }

    /// Verifies a refresh token: `typ` `refresh+jwt`, the refresh audience, no decode hook.
    pub(crate) fn verify_refresh(&self, token: &str, now: i64) -> Result<Payload, Reason> {
        let rules = self.refresh_rules.as_ref().ok_or(Reason::WrongType)?;
        // Refresh tokens are signed with local keys: a remote set never holds theirs.
        let parsed = self
            .verify_jws_with(token, TokenUse::Refresh, Payload::parse)
            .map_err(|failure| match failure {
                Failure::Invalid(reason) => reason,
                Failure::KeysUnavailable => Reason::UnknownKey,
            })?;
        let payload = parsed.map_err(|()| Reason::BadPayload)?;
        rules.check(&payload, now)?;
        Ok(payload)
    }

    fn check_header(&self, header: &Header<'_>, usage: TokenUse) -> Result<Algorithm, Reason> {
        if header.unsupported {
            return Err(Reason::UnsupportedHeaderParameter);
        }
        let algorithm = match &header.alg {
            Some(Param::Str(alg)) => Algorithm::from_str(alg).ok(),
            _ => None,
        }
        .filter(|alg| self.algorithms.contains(alg))
        .ok_or(Reason::AlgorithmNotAllowed)?;
        let typ = match &header.typ {
            None => None,
            Some(Param::Str(typ)) => Some(typ.as_ref()),
            Some(Param::Other) => return Err(Reason::WrongType),
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

/// [`b64`] into `buffer` when the segment fits, into a new vector otherwise.
pub(super) fn b64_into<'b>(segment: &str, buffer: &'b mut [u8]) -> Result<Cow<'b, [u8]>, Reason> {
    // At most 3 bytes per 4 characters, rounded up.
    if segment.len().div_ceil(4) * 3 > buffer.len() {
        return b64(segment).map(Cow::Owned);
    }
    let written = URL_SAFE_NO_PAD
        .decode_slice(segment, buffer)
        .map_err(|_| Reason::Malformed)?;
    Ok(Cow::Borrowed(&buffer[..written]))
}

/// Strict base64url: no padding, no `+` or `/`, no whitespace, canonical trailing bits.
fn b64(segment: &str) -> Result<Vec<u8>, Reason> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Reason::Malformed)
}
