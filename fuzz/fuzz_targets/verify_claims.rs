//! The claims past the signature: a JOSE header (a known good one, a refused one, or raw
//! bytes) and a payload (JSON objects built from the input, with duplicate keys, `\u` escaped
//! names, odd numbers and nesting; or raw bytes), signed HS256 with the configured secret so
//! that every input reaches the payload parser and the claim rules.
//!
//! Checked: no panic; an accepted token had no duplicate key, a non-empty `sub`, an `exp`
//! not passed, no `nbf`/`iat` in the future, and (second configuration) the accepted issuer,
//! audience and required claim; and a payload that a model of DESIGN.md §3 says is valid
//! under a good header is accepted.

#![no_main]

use std::fmt::Write as _;
use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use axum_jwt_layer::jwt::Audience;
use axum_jwt_layer::JwtAuth;
use axum_jwt_layer_fuzz::{measured, now, resolve, sign_hs256, timed, SECRET};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "api";
/// Largest time claim the crate accepts (9999-12-31T23:59:59Z).
const MAX_TIME: i64 = 253_402_300_799;
/// Seconds kept away from the leeway boundaries, so the clock ticking between the model and
/// the crate never matters.
const MARGIN: i64 = 10;
const LEEWAY: i64 = 60;

fn configurations() -> &'static [JwtAuth<String>; 2] {
    static AUTH: OnceLock<[JwtAuth<String>; 2]> = OnceLock::new();
    AUTH.get_or_init(|| {
        let plain = JwtAuth::<String>::builder()
            .secret(SECRET)
            .resolver(resolve)
            .build()
            .expect("HS256 builds");
        let strict = JwtAuth::<String>::builder()
            .secret(SECRET)
            .accepted_issuers([ISSUER])
            .accepted_audiences([AUDIENCE])
            .require_claims(["role"])
            .resolver(resolve)
            .build()
            .expect("HS256 with issuer and audience builds");
        [plain, strict]
    })
}

/// What the model needs to know about a generated value.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Null,
    Bool,
    /// An integer the crate reads exactly.
    Int(i64),
    /// Any other number (float, huge, negative zero ...).
    OtherNumber,
    Str(String),
    Array,
    Object,
}

const STRINGS: [&str; 7] = ["alice", "", ISSUER, AUDIENCE, "a\u{0}b", "line\nbreak", "é"];
const NUMBERS: [&str; 9] = [
    "1e300",
    "-1",
    "18446744073709551615",
    "9223372036854775808",
    "1.5",
    "-0",
    "1E400",
    "0.0",
    "253402300800",
];

/// What the generator noticed in the whole payload.
#[derive(Default)]
struct Flags {
    /// Some object, at any depth, has a key twice (after escapes are decoded).
    duplicate: bool,
    /// A number beyond the range of f64 (`1E400`): no JSON parser here represents it, so the
    /// crate refuses the payload (BadPayload); the model leaves such payloads alone.
    out_of_range: bool,
}

struct Payload {
    text: String,
    flags: Flags,
    /// The top-level members, names decoded.
    members: Vec<(String, Kind)>,
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A key, written plain or with every character `\u` escaped.
fn write_key(out: &mut String, key: &str, escaped: bool) {
    if escaped {
        out.push('"');
        for unit in key.encode_utf16() {
            let _ = write!(out, "\\u{unit:04x}");
        }
        out.push('"');
    } else {
        out.push_str(&json_string(key));
    }
}

fn value(u: &mut Unstructured, depth: u32, out: &mut String, flags: &mut Flags) -> Result<Kind> {
    let choice = if depth >= 4 {
        u.int_in_range(0..=6)?
    } else {
        u.int_in_range(0..=8)?
    };
    Ok(match choice {
        0 => {
            out.push_str("null");
            Kind::Null
        }
        1 => {
            out.push_str(if u.arbitrary()? { "true" } else { "false" });
            Kind::Bool
        }
        2 => {
            let n: i64 = u.arbitrary()?;
            let _ = write!(out, "{n}");
            Kind::Int(n)
        }
        3 => {
            // Close to now: reaches the time checks.
            let n = now() + i64::from(u.int_in_range(-200i16..=200)?);
            let _ = write!(out, "{n}");
            Kind::Int(n)
        }
        4 => {
            let literal = *u.choose(&NUMBERS)?;
            flags.out_of_range |= literal == "1E400";
            out.push_str(literal);
            Kind::OtherNumber
        }
        5 => {
            let s: String = if u.arbitrary()? {
                u.choose(&STRINGS)?.to_string()
            } else {
                u.arbitrary()?
            };
            out.push_str(&json_string(&s));
            Kind::Str(s)
        }
        6 => {
            let f: f64 = u.arbitrary()?;
            if !f.is_finite() {
                out.push_str("0.5");
            } else {
                let _ = write!(out, "{f:?}");
            }
            Kind::OtherNumber
        }
        7 => {
            out.push('[');
            let n = u.int_in_range(0..=3)?;
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                value(u, depth + 1, out, flags)?;
            }
            out.push(']');
            Kind::Array
        }
        _ => {
            object(u, depth + 1, out, flags)?;
            Kind::Object
        }
    })
}

/// A nested object with arbitrary keys.
fn object(
    u: &mut Unstructured,
    depth: u32,
    out: &mut String,
    flags: &mut Flags,
) -> Result<Vec<(String, Kind)>> {
    out.push('{');
    let mut members: Vec<(String, Kind)> = Vec::new();
    let n = u.int_in_range(0..=4)?;
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let key: String = if u.arbitrary()? {
            u.choose(&["a", "sub", "role"])?.to_string()
        } else {
            u.arbitrary()?
        };
        write_key(out, &key, u.arbitrary()?);
        out.push(':');
        let kind = value(u, depth, out, flags)?;
        flags.duplicate |= members.iter().any(|(k, _)| *k == key);
        members.push((key, kind));
    }
    out.push('}');
    Ok(members)
}

const CLAIMS: [&str; 10] = [
    "sub", "exp", "nbf", "iat", "iss", "aud", "jti", "fid", "role", "x",
];

/// The top-level claims object.
fn payload(u: &mut Unstructured) -> Result<Payload> {
    let mut text = String::from("{");
    let mut flags = Flags::default();
    let mut members: Vec<(String, Kind)> = Vec::new();
    let n = u.int_in_range(0..=9)?;
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        let key: String = if u.ratio(7, 8)? {
            u.choose(&CLAIMS)?.to_string()
        } else {
            u.arbitrary()?
        };
        write_key(&mut text, &key, u.ratio(1, 8)?);
        text.push(':');
        let kind = value(u, 1, &mut text, &mut flags)?;
        flags.duplicate |= members.iter().any(|(k, _)| *k == key);
        members.push((key, kind));
    }
    text.push('}');
    Ok(Payload {
        text,
        flags,
        members,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Header {
    Jwt,
    NoTyp,
    AtJwt,
    ApplicationAtJwt,
    Refresh,
    Crit,
    Unencoded,
    AlgNone,
    OtherAlg,
    UnknownKid,
}

const HEADERS: [Header; 10] = [
    Header::Jwt,
    Header::NoTyp,
    Header::AtJwt,
    Header::ApplicationAtJwt,
    Header::Refresh,
    Header::Crit,
    Header::Unencoded,
    Header::AlgNone,
    Header::OtherAlg,
    Header::UnknownKid,
];

impl Header {
    fn text(self) -> &'static str {
        match self {
            Header::Jwt => r#"{"alg":"HS256","typ":"JWT"}"#,
            Header::NoTyp => r#"{"alg":"HS256"}"#,
            Header::AtJwt => r#"{"typ":"at+jwt","alg":"HS256"}"#,
            Header::ApplicationAtJwt => r#"{"alg":"HS256","typ":"application/AT+JWT"}"#,
            Header::Refresh => r#"{"alg":"HS256","typ":"refresh+jwt"}"#,
            Header::Crit => r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            Header::Unencoded => r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
            Header::AlgNone => r#"{"alg":"none"}"#,
            Header::OtherAlg => r#"{"alg":"HS384"}"#,
            Header::UnknownKid => r#"{"alg":"HS256","kid":"../../dev/null"}"#,
        }
    }

    /// A header the plain configuration accepts.
    fn good(self) -> bool {
        matches!(
            self,
            Header::Jwt | Header::NoTyp | Header::AtJwt | Header::ApplicationAtJwt
        )
    }
}

fn member<'a>(members: &'a [(String, Kind)], name: &str) -> Option<&'a Kind> {
    members
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, kind)| kind)
}

/// The model of the plain configuration's rules (DESIGN.md §3) for a payload without
/// duplicate keys: `true` when it must be accepted. Only integers count as time claims here,
/// and boundaries are kept `MARGIN` away, so `false` means "refused or not modelled".
fn plain_accepts(members: &[(String, Kind)], now: i64) -> bool {
    let time = |name: &str, ok: &dyn Fn(i64) -> bool| match member(members, name) {
        None => name != "exp",
        Some(Kind::Int(t)) => (0..=MAX_TIME).contains(t) && ok(*t),
        Some(_) => false,
    };
    let sub_ok = matches!(member(members, "sub"),
        Some(Kind::Str(s)) if !s.is_empty() && !s.chars().any(char::is_control));
    let non_empty = |name: &str| match member(members, name) {
        None => true,
        Some(Kind::Str(s)) => !s.is_empty(),
        Some(_) => false,
    };
    sub_ok
        && time("exp", &|t| t >= now - LEEWAY + MARGIN)
        && time("nbf", &|t| t <= now + LEEWAY - MARGIN)
        && time("iat", &|t| t <= now + LEEWAY - MARGIN)
        && non_empty("jti")
        && non_empty("fid")
        && matches!(member(members, "iss"), None | Some(Kind::Str(_)))
        && member(members, "aud").is_none()
}

fuzz_target!(|data: &[u8]| {
    let [plain, strict] = configurations();
    timed(data, |data| run(plain, strict, data));
});

fn run(plain: &JwtAuth<String>, strict: &JwtAuth<String>, data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(header) = u.choose(&HEADERS).copied() else {
        return;
    };
    let raw_header = u.ratio(1, 16).unwrap_or(false);
    let raw_payload = u.ratio(1, 16).unwrap_or(false);
    let header_bytes: Vec<u8> = if raw_header {
        u.arbitrary().unwrap_or_default()
    } else {
        header.text().as_bytes().to_vec()
    };
    let (payload_bytes, generated) = if raw_payload {
        (u.arbitrary::<Vec<u8>>().unwrap_or_default(), None)
    } else {
        let Ok(generated) = payload(&mut u) else {
            return;
        };
        (generated.text.clone().into_bytes(), Some(generated))
    };
    let jwt = sign_hs256(&header_bytes, &payload_bytes);
    let now = now();

    let accepted = measured(|| plain.verify(&jwt));
    if let Ok(token) = &accepted {
        assert!(!token.sub.is_empty() && !token.sub.chars().any(char::is_control));
        let exp = token.exp.expect("exp is required");
        assert!(exp + LEEWAY + 1 >= now, "expired");
        assert!(
            token.nbf.is_none_or(|nbf| nbf <= now + LEEWAY + 1),
            "not yet valid"
        );
        assert!(
            token.iat.is_none_or(|iat| iat <= now + LEEWAY + 1),
            "issued in the future"
        );
        assert!(token.aud.is_none(), "no audience is configured");
        if let Some(generated) = &generated {
            assert!(!generated.flags.duplicate, "a duplicate key was accepted");
            assert!(
                !generated.flags.out_of_range,
                "a number beyond f64 was accepted"
            );
            assert!(
                matches!(member(&generated.members, "sub"), Some(Kind::Str(s)) if *s == token.sub)
            );
        }
        if !raw_header {
            assert!(header.good(), "header {header:?} was accepted");
        }
    }
    if let (false, Some(generated)) = (raw_header, &generated) {
        let modelled = !generated.flags.duplicate && !generated.flags.out_of_range;
        if header.good() && modelled && plain_accepts(&generated.members, now) {
            assert!(
                accepted.is_ok(),
                "a valid token was refused: {:?}",
                accepted.err()
            );
        }
    }

    if let Ok(token) = measured(|| strict.verify(&jwt)) {
        assert_eq!(token.iss.as_deref(), Some(ISSUER));
        match &token.aud {
            Some(Audience::One(aud)) => assert_eq!(aud, AUDIENCE),
            Some(Audience::Many(auds)) => assert!(auds.iter().any(|a| a == AUDIENCE)),
            None => panic!("the configured audience is required"),
        }
        assert!(token.claims.get("role").is_some_and(|r| !r.is_null()));
    }
}
