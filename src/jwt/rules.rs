//! The claim rules: `exp`, `nbf`, `iat` with leeway, the lifetime cap, issuer, audience and
//! required claims, checked on a payload whose signature verified. Held once: the builder
//! fills them, `build()` derives the refresh-token rules from them.

use serde_json::Value;

use super::payload::Payload;

use crate::error::InvalidTokenReason as Reason;

/// Largest `exp`/`nbf`/`iat` accepted: 9999-12-31T23:59:59Z.
const MAX_TIME: f64 = 253_402_300_799.0;

/// The claim rules, as configured.
#[derive(Debug, Clone)]
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

/// Seconds in a time claim: a finite JSON number between 0 and year 9999.
fn time_claim(payload: &Payload, name: &str) -> Result<Option<i64>, Reason> {
    match payload.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() && (0.0..=MAX_TIME).contains(&f) => Ok(Some(f as i64)),
            _ => Err(Reason::BadClaim),
        },
        Some(_) => Err(Reason::BadClaim),
    }
}

fn string_claim<'a>(payload: &'a Payload, name: &str) -> Result<Option<&'a str>, Reason> {
    match payload.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Reason::BadClaim),
    }
}

impl Rules {
    pub(crate) fn check(&self, payload: &Payload, now: i64) -> Result<(), Reason> {
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
