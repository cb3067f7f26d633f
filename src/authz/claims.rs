//! Reading grants from the custom claims: scopes from `scope` and `scp`, roles from the
//! configured [`ClaimPath`]s. A value of an unexpected type grants nothing; nothing here
//! panics or logs a claim value.

use serde_json::Value;

use crate::token::{ClaimPath, Claims};

/// Custom claims the authorization guards can read by name.
///
/// Implemented for the default [`Claims`] map (every claim that is not a registered one) and
/// for a JSON [`Value`]. A claims type of your own implements it by answering the claims
/// the guards read: `scope` and `scp` for scopes, the first segment of each role claim path
/// for roles. Keeping those as [`Value`] fields, or flattening the rest of the payload into a
/// [`Claims`] map, makes that one line.
///
/// ```
/// use axum_jwt_layer::{authz::ClaimLookup, Claims};
/// use serde::Deserialize;
/// use serde_json::Value;
///
/// #[derive(Clone, Deserialize)]
/// struct MyClaims {
///     email: String,
///     #[serde(flatten)]
///     other: Claims,
/// }
///
/// impl ClaimLookup for MyClaims {
///     fn claim(&self, name: &str) -> Option<&Value> {
///         self.other.get(name)
///     }
/// }
///
/// let claims: MyClaims = serde_json::from_str(r#"{"email":"a@b.example","scope":"read"}"#).unwrap();
/// assert_eq!(claims.claim("scope").and_then(Value::as_str), Some("read"));
/// ```
pub trait ClaimLookup {
    /// The value of the top-level claim `name`, if the payload has it.
    fn claim(&self, name: &str) -> Option<&Value>;
}

impl ClaimLookup for Claims {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl ClaimLookup for Value {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.as_object().and_then(|claims| claims.get(name))
    }
}

/// The strings of `value` when it is an array of strings only; anything else grants nothing
/// (an array holding one number is a malformed grant, not a partial one).
fn string_array(value: &Value) -> Option<impl Iterator<Item = &str>> {
    let items = value.as_array()?;
    items
        .iter()
        .all(Value::is_string)
        .then(|| items.iter().filter_map(Value::as_str))
}

/// The scopes of one claim: a space-separated string (RFC 6749 §3.3, `%x20` only) or an
/// array of strings.
fn scope_claim<'c>(value: Option<&'c Value>, into: &mut Vec<&'c str>) {
    match value {
        Some(Value::String(list)) => into.extend(list.split(' ').filter(|s| !s.is_empty())),
        Some(value) => into.extend(string_array(value).into_iter().flatten()),
        None => {}
    }
}

/// Every scope the claims grant: `scope` and `scp`, each either a space-separated string or
/// an array of strings (Okta and Entra ID use `scp`, in both forms).
pub(crate) fn scopes<C: ClaimLookup + ?Sized>(claims: &C) -> Vec<&str> {
    let mut granted = Vec::new();
    scope_claim(claims.claim("scope"), &mut granted);
    scope_claim(claims.claim("scp"), &mut granted);
    granted
}

/// The value at `path`: the claim named by its first segment, then object keys.
fn at_path<'c, C: ClaimLookup + ?Sized>(claims: &'c C, path: &ClaimPath) -> Option<&'c Value> {
    let mut segments = path.segments();
    let first = claims.claim(segments.next()?)?;
    segments.try_fold(first, |value, key| value.as_object()?.get(key))
}

/// Every role the claims grant: the strings of each array of strings at one of `paths`.
pub(crate) fn roles<'c, C: ClaimLookup + ?Sized>(
    claims: &'c C,
    paths: &[ClaimPath],
) -> Vec<&'c str> {
    let found = paths.iter().filter_map(|path| at_path(claims, path));
    found.filter_map(string_array).flatten().collect()
}

/// Whether `scope` can stand in a `scope` attribute and a token's space-separated list: a
/// non-empty RFC 6749 scope-token (`%x21 / %x23-5B / %x5D-7E`). Const, so a scope list
/// declared as a constant is checked at compile time.
pub(crate) const fn is_scope_token(scope: &str) -> bool {
    let bytes = scope.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x21 || b > 0x7e || b == b'"' || b == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}

/// [`is_scope_token`] for every scope of `scopes`.
pub(crate) const fn are_scope_tokens(scopes: &[&str]) -> bool {
    let mut i = 0;
    while i < scopes.len() {
        if !is_scope_token(scopes[i]) {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => map,
            _ => Claims::new(),
        }
    }

    #[test]
    fn scopes_from_either_claim_in_either_form() {
        let both = claims(json!({"scope": " read  write ", "scp": ["admin", "read"]}));
        assert_eq!(scopes(&both), ["read", "write", "admin", "read"]);
        let scp_string = claims(json!({"scp": "a b"}));
        assert_eq!(scopes(&scp_string), ["a", "b"]);
        // A tab is not a separator: the whole value is one scope that matches nothing asked.
        assert_eq!(scopes(&claims(json!({"scope": "a\tb"}))), ["a\tb"]);
    }

    #[test]
    fn scopes_of_another_type_grant_nothing() {
        for bad in [
            json!(1),
            json!(true),
            json!(null),
            json!({"read": true}),
            json!(["read", 1]),
            json!([["read"]]),
        ] {
            let c = claims(json!({ "scope": bad.clone(), "scp": bad }));
            assert!(scopes(&c).is_empty(), "{c:?}");
        }
    }

    #[test]
    fn roles_at_paths() {
        let paths: Vec<ClaimPath> = ["roles", "realm_access.roles", "resource_access.api.roles"]
            .map(ClaimPath::from)
            .into();
        let c = claims(json!({
            "roles": ["a"],
            "realm_access": {"roles": ["b", "c"]},
            "resource_access": {"api": {"roles": ["d"]}, "other": {"roles": ["x"]}},
        }));
        assert_eq!(roles(&c, &paths), ["a", "b", "c", "d"]);
        let wrong = claims(json!({
            "roles": "a",
            "realm_access": ["roles"],
            "resource_access": {"api": {"roles": ["d", null]}},
        }));
        assert!(roles(&wrong, &paths).is_empty());
        assert!(roles(&Claims::new(), &paths).is_empty());
    }

    #[test]
    fn scope_tokens() {
        assert!(are_scope_tokens(&[
            "read",
            "read:all",
            "https://api.example/x"
        ]));
        for bad in ["", "a b", "a\"b", "a\\b", "é", "a\n"] {
            assert!(!is_scope_token(bad), "{bad:?}");
        }
    }
}
