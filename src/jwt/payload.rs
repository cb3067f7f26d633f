//! The JOSE header and the payload of a token, each parsed in one pass over its bytes.
//!
//! The header's `alg`, `typ` and `kid` are borrowed from the decoded bytes; the payload's
//! registered claims land in their own slots and every other claim in one map, which becomes
//! the token's custom claims without being built twice. Both refuse duplicate keys at any
//! depth (after escapes are decoded), trailing data and anything but one object, as
//! [`strict_object`](super::json::strict_object) does.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::Strict;
use crate::token::{Audience, Token};

/// An object key, borrowed from the input unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A header parameter the verifier reads: a string (borrowed when it had no escapes), or any
/// other JSON value (checked for duplicate keys, then forgotten).
pub(crate) enum Param<'de> {
    Str(Cow<'de, str>),
    Other,
}

impl<'de> Deserialize<'de> for Param<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamVisitor;
        impl<'de> Visitor<'de> for ParamVisitor {
            type Value = Param<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value without duplicate keys")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Param<'de>, E> {
                Ok(Param::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Param<'de>, E> {
                Ok(Param::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Param<'de>, E> {
                Ok(Param::Str(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Param<'de>, E> {
                Ok(Param::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Param<'de>, E> {
                Ok(Param::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Param<'de>, E> {
                Ok(Param::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Param<'de>, E> {
                Ok(Param::Other)
            }
            fn visit_unit<E>(self) -> Result<Param<'de>, E> {
                Ok(Param::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Param<'de>, A::Error> {
                Strict::visit_seq_strict(seq).map(|_| Param::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Param<'de>, A::Error> {
                Strict::visit_map_strict(map).map(|_| Param::Other)
            }
        }
        deserializer.deserialize_any(ParamVisitor)
    }
}

/// The JOSE header parameters the verifier looks at. `None`: absent.
#[derive(Default)]
pub(crate) struct Header<'de> {
    pub(crate) alg: Option<Param<'de>>,
    pub(crate) typ: Option<Param<'de>>,
    pub(crate) kid: Option<Param<'de>>,
    /// `crit` or `b64` is present (their values are not read).
    pub(crate) unsupported: bool,
}

impl<'de> Header<'de> {
    /// Parses a decoded header segment: one object, no duplicate key at any depth.
    pub(crate) fn parse(bytes: &'de [u8]) -> Result<Self, ()> {
        serde_json::from_slice::<Header<'de>>(bytes).map_err(|_| ())
    }
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Header<'de>, A::Error> {
                let mut header = Header::default();
                // Other parameters are only checked for duplicates.
                let mut others: Vec<Cow<'de, str>> = Vec::new();
                let mut crit = false;
                let mut b64 = false;
                while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
                    let slot = match key.as_ref() {
                        "alg" => &mut header.alg,
                        "typ" => &mut header.typ,
                        "kid" => &mut header.kid,
                        "crit" | "b64" => {
                            let seen = if key == "crit" { &mut crit } else { &mut b64 };
                            if std::mem::replace(seen, true) {
                                return Err(de::Error::custom("duplicate key"));
                            }
                            access.next_value::<Param<'de>>()?;
                            continue;
                        }
                        _ => {
                            if others.contains(&key) {
                                return Err(de::Error::custom("duplicate key"));
                            }
                            access.next_value::<Param<'de>>()?;
                            others.push(key);
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom("duplicate key"));
                    }
                    *slot = Some(access.next_value::<Param<'de>>()?);
                }
                header.unsupported = crit || b64;
                Ok(header)
            }
        }
        deserializer.deserialize_map(HeaderVisitor)
    }
}

/// A verified payload: the registered claims in their slots, every other claim in `rest`.
#[derive(Debug, Default)]
pub(crate) struct Payload {
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
    sub: Option<Value>,
    iss: Option<Value>,
    aud: Option<Value>,
    jti: Option<Value>,
    fid: Option<Value>,
    rest: Map<String, Value>,
}

impl Payload {
    /// Parses a decoded payload segment in one pass: one object, no duplicate key at any depth.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ()> {
        serde_json::from_slice::<Payload>(bytes).map_err(|_| ())
    }

    /// The payload of a map (what a decode hook returned).
    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        let mut payload = Payload::default();
        for (key, value) in map {
            match payload.slot(&key) {
                Some(slot) => *slot = Some(value),
                None => {
                    payload.rest.insert(key, value);
                }
            }
        }
        payload
    }

    /// The claim `name`, registered or not.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match name {
            "exp" => self.exp.as_ref(),
            "nbf" => self.nbf.as_ref(),
            "iat" => self.iat.as_ref(),
            "sub" => self.sub.as_ref(),
            "iss" => self.iss.as_ref(),
            "aud" => self.aud.as_ref(),
            "jti" => self.jti.as_ref(),
            "fid" => self.fid.as_ref(),
            other => self.rest.get(other),
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
        match name {
            "exp" => Some(&mut self.exp),
            "nbf" => Some(&mut self.nbf),
            "iat" => Some(&mut self.iat),
            "sub" => Some(&mut self.sub),
            "iss" => Some(&mut self.iss),
            "aud" => Some(&mut self.aud),
            "jti" => Some(&mut self.jti),
            "fid" => Some(&mut self.fid),
            _ => None,
        }
    }

    /// The token of a payload whose claims the rules accepted. The other claims become `C`
    /// (moved as they are when `C` is the default map).
    pub(crate) fn into_token<C: DeserializeOwned + 'static>(
        self,
    ) -> Result<Token<C>, serde_json::Error> {
        let aud = match self.aud {
            Some(value) => Some(Audience::deserialize(value)?),
            None => None,
        };
        Ok(Token {
            sub: string(self.sub).unwrap_or_default(),
            exp: seconds(self.exp.as_ref()),
            iat: seconds(self.iat.as_ref()),
            nbf: seconds(self.nbf.as_ref()),
            iss: string(self.iss),
            aud,
            jti: string(self.jti),
            fid: string(self.fid),
            claims: claims(self.rest)?,
        })
    }
}

/// `rest` as the custom claims `C`: moved when `C` is the map itself, deserialized otherwise.
fn claims<C: DeserializeOwned + 'static>(rest: Map<String, Value>) -> Result<C, serde_json::Error> {
    let mut rest = Some(rest);
    if let Some(same) = (&mut rest as &mut dyn Any).downcast_mut::<Option<C>>() {
        if let Some(claims) = same.take() {
            return Ok(claims);
        }
    }
    C::deserialize(Value::Object(rest.unwrap_or_default()))
}

/// Integer seconds from a JSON number the rules range-checked.
fn seconds(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    value
        .as_i64()
        // Floats were range-checked by the rules; truncation keeps them inside the range.
        .or_else(|| value.as_f64().map(|f| f as i64))
}

fn string(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PayloadVisitor;
        impl<'de> Visitor<'de> for PayloadVisitor {
            type Value = Payload;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWT claims object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Payload, A::Error> {
                let mut payload = Payload::default();
                while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
                    if let Some(slot) = payload.slot(&key) {
                        if slot.is_some() {
                            return Err(de::Error::custom("duplicate key"));
                        }
                        let Strict(value) = access.next_value()?;
                        *slot = Some(value);
                        continue;
                    }
                    let key = key.into_owned();
                    if payload.rest.contains_key(&key) {
                        return Err(de::Error::custom("duplicate key"));
                    }
                    let Strict(value) = access.next_value()?;
                    payload.rest.insert(key, value);
                }
                Ok(payload)
            }
        }
        deserializer.deserialize_map(PayloadVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Claims;

    #[test]
    fn payload_refuses_duplicates_registered_escaped_and_nested() {
        for bad in [
            &br#"{"sub":"a","sub":"b"}"#[..],
            br#"{"sub":"a","s\u0075b":"b"}"#,
            br#"{"x":1,"x":2}"#,
            br#"{"x":{"y":1,"y":2}}"#,
            br#"{"aud":[{"a":1,"a":1}]}"#,
            br#"[]"#,
            br#"{"sub":"a"} x"#,
            b"\xef\xbb\xbf{}",
        ] {
            assert!(
                Payload::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn payload_moves_other_claims_into_the_token() {
        let payload =
            Payload::parse(br#"{"sub":"alice","exp":2e9,"email":"a@x","aud":["a","b"]}"#).unwrap();
        assert_eq!(payload.get("email"), Some(&Value::from("a@x")));
        let token: Token<Claims> = payload.into_token().unwrap();
        assert_eq!(token.sub, "alice");
        assert_eq!(token.exp, Some(2_000_000_000));
        assert!(token.aud.unwrap().contains("b"));
        assert_eq!(token.claims.len(), 1);
        assert_eq!(token.claims["email"], "a@x");
    }

    #[test]
    fn header_borrows_and_refuses_duplicates() {
        let header = Header::parse(br#"{"alg":"HS256","typ":"JWT","x":[1,{"y":2}]}"#).unwrap();
        assert!(matches!(
            header.alg,
            Some(Param::Str(Cow::Borrowed("HS256")))
        ));
        assert!(!header.unsupported);
        for bad in [
            &br#"{"alg":"HS256","alg":"none"}"#[..],
            br#"{"alg":"HS256","\u0061lg":"none"}"#,
            br#"{"x":1,"x":1}"#,
            br#"{"x":{"y":1,"y":1}}"#,
            br#"{"crit":[],"crit":[]}"#,
            br#""alg""#,
        ] {
            assert!(
                Header::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(
            Header::parse(br#"{"alg":"HS256","b64":false}"#)
                .unwrap()
                .unsupported
        );
    }
}
