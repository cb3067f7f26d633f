//! Several issuers: each remote key set that names its issuer is a [`Route`] with its own keys
//! and claim rules, and a token is routed by its `iss` before any signature work. Without
//! routes (local keys, or one remote set for any issuer) the verifier's own keys and rules
//! serve every token.

use serde_json::Value;

use super::json::strict_object;
use super::payload::Payload;
use super::verify::{b64_into, Route, TokenUse, Verifier};
use crate::error::InvalidTokenReason as Reason;
use crate::keys::source::Failure;

/// The `iss` of a payload that is not verified yet: only for choosing keys.
fn issuer_of(iss: Option<&Value>) -> Result<&str, Reason> {
    match iss {
        Some(Value::String(iss)) => Ok(iss),
        Some(_) => Err(Reason::BadClaim),
        None => Err(Reason::WrongIssuer),
    }
}

impl Verifier {
    fn route(&self, iss: &str) -> Result<&Route, Reason> {
        self.routes
            .iter()
            .find(|route| route.issuer == iss)
            .ok_or(Reason::WrongIssuer)
    }

    /// Verifies an access token with the keys and rules of its issuer. The payload is parsed
    /// before the signature is checked, to read `iss`; nothing else of it is used until then.
    pub(super) fn verify_routed(&self, token: &str, now: i64) -> Result<Payload, Failure> {
        self.with_jws(token, TokenUse::Access, |jws| {
            let mut buffer = [0u8; 1024];
            let bytes = b64_into(jws.payload_b64, &mut buffer)?;
            let bad_payload = |()| Failure::Invalid(Reason::BadPayload);
            let (payload, route) = match &self.hook {
                None => {
                    let payload = Payload::parse(&bytes).map_err(bad_payload)?;
                    let route = self.route(issuer_of(payload.get("iss"))?)?;
                    route.keys.with_key(jws.kid, |key| jws.check(key))?;
                    (payload, route)
                }
                Some(hook) => {
                    let map = strict_object(&bytes).map_err(bad_payload)?;
                    let route = self.route(issuer_of(map.get("iss"))?)?;
                    route.keys.with_key(jws.kid, |key| jws.check(key))?;
                    (Payload::from_map(hook(map).ok_or(Reason::Vetoed)?), route)
                }
            };
            // The rules pin `iss` to the route's issuer: a hook cannot move a token elsewhere.
            route.rules.check(&payload, now)?;
            Ok(payload)
        })
    }

    /// A number that changes whenever a key set in use is replaced: the verified-token cache
    /// keeps an entry only for the sets it was verified with.
    pub(crate) fn generation(&self) -> u64 {
        self.routes
            .iter()
            .fold(self.keys.generation(), |sum, route| {
                sum.wrapping_add(route.keys.generation())
            })
    }

    /// How many keys are loaded, over every issuer.
    pub(crate) fn key_count(&self) -> usize {
        self.routes
            .iter()
            .map(|route| route.keys.len())
            .sum::<usize>()
            + self.keys.len()
    }
}

#[cfg(feature = "jwks")]
mod remote {
    use std::sync::Arc;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::Value;

    use super::Route;
    use crate::error::{ConfigError, JwksIssuerProblem};
    use crate::jwt::rules::Rules;
    use crate::jwt::verify::Verifier;
    use crate::keys::remote::RemoteKeys;
    use crate::keys::set::KeySet;
    use crate::keys::source::KeySource;

    /// The key source and routes of the remote sets: one set naming no issuer serves every
    /// token (with its audiences, if set); otherwise each set is the route of its issuer.
    pub(crate) fn remote_routes(
        remotes: Vec<Arc<RemoteKeys>>,
        rules: &mut Rules,
    ) -> Result<(KeySource, Vec<Route>), ConfigError> {
        let strict = |rules: &Rules| {
            let count = rules.accepted_audiences.len();
            match rules.strict_audience && count != 1 {
                true => Err(ConfigError::StrictAudience(count)),
                false => Ok(()),
            }
        };
        if let [single] = &remotes[..] {
            if single.issuer().is_none() {
                if let Some(audiences) = single.audiences() {
                    rules.accepted_audiences = audiences.to_vec();
                    strict(rules)?;
                }
                return Ok((KeySource::Remote(Arc::clone(single)), Vec::new()));
            }
        }
        let problem = |p| ConfigError::JwksIssuers(p);
        let mut routes: Vec<Route> = Vec::with_capacity(remotes.len());
        for remote in remotes {
            let issuer = remote
                .issuer()
                .ok_or(problem(JwksIssuerProblem::Missing))?
                .to_owned();
            if routes.iter().any(|route| route.issuer == issuer) {
                return Err(problem(JwksIssuerProblem::Duplicate));
            }
            if !rules.accepted_issuers.is_empty() && !rules.accepted_issuers.contains(&issuer) {
                return Err(problem(JwksIssuerProblem::NotAccepted));
            }
            let route_rules = Rules {
                accepted_issuers: vec![issuer.clone()],
                accepted_audiences: remote
                    .audiences()
                    .map_or_else(|| rules.accepted_audiences.clone(), <[String]>::to_vec),
                ..rules.clone()
            };
            strict(&route_rules)?;
            routes.push(Route {
                issuer,
                keys: KeySource::Remote(remote),
                rules: route_rules,
            });
        }
        Ok((KeySource::Local(Arc::new(KeySet::empty())), routes))
    }

    impl Verifier {
        /// Every remote key set.
        pub(crate) fn remotes(&self) -> impl Iterator<Item = &Arc<RemoteKeys>> {
            std::iter::once(&self.keys)
                .chain(self.routes.iter().map(|route| &route.keys))
                .filter_map(|keys| match keys {
                    KeySource::Remote(remote) => Some(remote),
                    KeySource::Local(_) => None,
                })
        }

        /// The remote set that would verify `token`: for a refetch when its key is missing.
        pub(crate) fn remote_for(&self, token: &str) -> Option<&Arc<RemoteKeys>> {
            if let KeySource::Remote(remote) = &self.keys {
                return Some(remote);
            }
            let payload = token.split('.').nth(1)?;
            let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
            let payload: Value = serde_json::from_slice(&payload).ok()?;
            let iss = payload.get("iss")?.as_str()?;
            match &self.route(iss).ok()?.keys {
                KeySource::Remote(remote) => Some(remote),
                KeySource::Local(_) => None,
            }
        }
    }
}

#[cfg(feature = "jwks")]
pub(crate) use self::remote::remote_routes;
