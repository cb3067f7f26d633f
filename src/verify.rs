//! Verification: size cap -> segments -> JOSE header -> key -> signature -> payload -> claims.
//!
//! Everything that can be decided once lives in [`Verifier`], built by `build()`. The
//! algorithm always comes from the configuration; the token's `alg` only has to be one of it.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::config::JwtAuth;
use crate::error::{AuthError, AuthErrorKind, InvalidTokenReason as Reason};
use crate::key_source::KeySource;

/// Largest `exp`/`nbf`/`iat` accepted: 9999-12-31T23:59:59Z.
const MAX_TIME: f64 = 253_402_300_799.0;

/// The claim rules, as configured.
#[derive(Clone)]
pub(crate) struct Rules {
    pub(crate) verify_expiry: bool,
    pub(crate) verify_not_before: bool,
    pub(crate) leeway: i64,
    pub(crate) max_lifetime: Option<i64>,
    pub(crate) accepted_issuers: Vec<String>,
    pub(crate) accepted_audiences: Vec<String>,
    pub(crate) strict_audience: bool,
    pub(crate) require_claims: Vec<String>,
}

/// A payload transformation run after the signature verified and before the claim checks.
pub(crate) type DecodeHook = dyn Fn(Map<String, Value>) -> Option<Map<String, Value>> + Send + Sync;

/// Why verification failed: the token, or the keys (none loaded yet: 503, not 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Invalid(Reason),
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    KeysUnavailable,
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        Failure::Invalid(reason)
    }
}

impl From<Failure> for AuthError {
    fn from(failure: Failure) -> Self {
        AuthError::new(match failure {
            Failure::Invalid(reason) => AuthErrorKind::InvalidToken(reason),
            Failure::KeysUnavailable => AuthErrorKind::KeysUnavailable,
        })
    }
}

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

/// The header `typ` of refresh tokens.
pub(crate) const REFRESH_TYP: &str = "refresh+jwt";

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
            let decoding = &key.decoding;
            match jsonwebtoken::crypto::verify(signature, message.as_bytes(), decoding, algorithm) {
                Ok(true) => Ok(()),
                _ => Err(Reason::BadSignature.into()),
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

impl<U, C> JwtAuth<U, C> {
    /// Checks only the signature layer of a token (RFC 7515 compact serialization): the size
    /// cap, the three segments, the header (`alg` allowed and served by the key, `kid`, `typ`,
    /// no `crit`/`b64`), the key and the signature. Returns the payload bytes, **unparsed and
    /// with no claim checked**: for JWS conformance tests and non-JWT payloads. To
    /// authenticate, use [`JwtAuth::verify`] or the layer.
    ///
    /// ```
    /// # use axum_jwt_layer::{JwtAuth, Token};
    /// # use std::convert::Infallible;
    /// # let auth = JwtAuth::<String>::builder().secret([7u8; 32])
    /// #     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) }).build().unwrap();
    /// let jwt = auth.create_token("alice").sign().unwrap();
    /// let payload = auth.verify_signature(&jwt).unwrap();
    /// assert!(String::from_utf8(payload).unwrap().contains(r#""sub":"alice""#));
    /// assert!(auth.verify_signature("e30.e30.AAAA").is_err());
    /// ```
    pub fn verify_signature(&self, token: &str) -> Result<Vec<u8>, AuthError> {
        self.inner
            .verifier
            .verify_jws(token, TokenUse::Access)
            .map_err(AuthError::from)
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

/// Seconds in a time claim: a finite JSON number between 0 and year 9999.
fn time_claim(payload: &Map<String, Value>, name: &str) -> Result<Option<i64>, Reason> {
    match payload.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() && (0.0..=MAX_TIME).contains(&f) => Ok(Some(f as i64)),
            _ => Err(Reason::BadClaim),
        },
        Some(_) => Err(Reason::BadClaim),
    }
}

fn string_claim<'a>(
    payload: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, Reason> {
    match payload.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Reason::BadClaim),
    }
}

impl Rules {
    fn check(&self, payload: &Map<String, Value>, now: i64) -> Result<(), Reason> {
        let exp = time_claim(payload, "exp")?;
        let nbf = time_claim(payload, "nbf")?;
        let iat = time_claim(payload, "iat")?;
        let jti = string_claim(payload, "jti")?;
        if string_claim(payload, "fid")?.is_some_and(str::is_empty) {
            return Err(Reason::BadClaim);
        }
        let sub = string_claim(payload, "sub")?.ok_or(Reason::MissingClaim)?;
        if sub.is_empty() || sub.chars().any(char::is_control) {
            return Err(Reason::BadClaim);
        }
        if jti.is_some_and(str::is_empty) {
            return Err(Reason::BadClaim);
        }
        for name in &self.require_claims {
            if payload.get(name).is_none_or(Value::is_null) {
                return Err(Reason::MissingClaim);
            }
        }
        self.check_times(exp, nbf, iat, now)?;
        if let Some(max) = self.max_lifetime {
            let exp = exp.ok_or(Reason::MissingClaim)?;
            if exp - iat.unwrap_or(now).min(now) > max {
                return Err(Reason::LifetimeTooLong);
            }
        }
        self.check_issuer(string_claim(payload, "iss")?)?;
        self.check_audience(payload.get("aud"))
    }

    /// The checks that depend on the clock: `exp`, `nbf` and `iat` against `now`, with leeway.
    /// Run again on every hit of the verified-token cache.
    pub(crate) fn check_times(
        &self,
        exp: Option<i64>,
        nbf: Option<i64>,
        iat: Option<i64>,
        now: i64,
    ) -> Result<(), Reason> {
        if self.verify_expiry {
            let exp = exp.ok_or(Reason::MissingClaim)?;
            if now >= exp.saturating_add(self.leeway) {
                return Err(Reason::Expired);
            }
        }
        if self.verify_not_before && nbf.is_some_and(|nbf| now.saturating_add(self.leeway) < nbf) {
            return Err(Reason::NotYetValid);
        }
        if iat.is_some_and(|iat| iat > now.saturating_add(self.leeway)) {
            return Err(Reason::IssuedInFuture);
        }
        Ok(())
    }

    fn check_issuer(&self, iss: Option<&str>) -> Result<(), Reason> {
        if self.accepted_issuers.is_empty() {
            return Ok(());
        }
        match iss {
            Some(iss) if self.accepted_issuers.iter().any(|a| a == iss) => Ok(()),
            _ => Err(Reason::WrongIssuer),
        }
    }

    fn check_audience(&self, aud: Option<&Value>) -> Result<(), Reason> {
        let accepted = |a: &Value| match a {
            Value::String(a) => Ok(self.accepted_audiences.iter().any(|x| x == a)),
            _ => Err(Reason::BadClaim),
        };
        let matched = match aud {
            None => false,
            // A token meant for some audience is not for a service that names none.
            Some(_) if self.accepted_audiences.is_empty() => return Err(Reason::WrongAudience),
            Some(one @ Value::String(_)) => accepted(one)?,
            Some(Value::Array(_)) if self.strict_audience => return Err(Reason::WrongAudience),
            Some(Value::Array(many)) => {
                let mut any = false;
                for a in many {
                    any |= accepted(a)?;
                }
                any
            }
            Some(_) => return Err(Reason::BadClaim),
        };
        if matched || (aud.is_none() && self.accepted_audiences.is_empty()) {
            Ok(())
        } else {
            Err(Reason::WrongAudience)
        }
    }
}

/// Parses a JSON object, refusing duplicate keys at any depth (after escapes are decoded),
/// trailing data, a BOM and invalid UTF-8. serde_json's recursion limit bounds nesting.
pub(crate) fn strict_object(bytes: &[u8]) -> Result<Map<String, Value>, ()> {
    match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(Value::Object(map))) => Ok(map),
        _ => Err(()),
    }
}

/// A JSON value whose objects have no duplicate keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value without duplicate keys")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            let Strict(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}
