//! [`Key`]: one key for the key set, as the user gives it. Parsed once, by `build()`
//! (`parse.rs`, with PEM read in `pem.rs` and the DER containers in `container.rs`).

use std::fmt;

use jsonwebtoken::jwk::Jwk;

/// A key: an HMAC secret; an RSA, EC (P-256, P-384) or Ed25519 key in PEM or DER; or a JWK.
///
/// Give keys to [`JwtAuthBuilder::key`](crate::JwtAuthBuilder::key). A key is checked by
/// `build()`, which reports a bad key as a [`ConfigError`](crate::ConfigError). Its type fixes
/// the algorithms it can serve (one key, one family; a P-256 key serves ES256 only); the
/// configured allow-list picks among them, and a JWK's `alg` narrows them further. Private keys
/// sign and verify; public keys and JWKs only verify. RSA keys need 2048 to 8192 bits.
///
/// ```
/// use axum_jwt_layer::{JwtAuth, Token, keys::{Algorithm, Key}};
/// use std::convert::Infallible;
///
/// let private = include_bytes!("../../tests/fixtures/rsa2048-a-private.pem");
/// let issuer = JwtAuth::<String>::builder()
///     .key(Key::private_pem(private).with_kid("2025-01"))
///     .algorithms([Algorithm::RS256])
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
///     .build()
///     .unwrap();
/// let jwt = issuer.create_token("alice").sign().unwrap();
///
/// let public = include_bytes!("../../tests/fixtures/rsa2048-a-public.pem");
/// let resource_server = JwtAuth::<String>::builder()
///     .key(Key::public_pem(public).with_kid("2025-01"))
///     .algorithms([Algorithm::RS256])
///     .resolver(|t: Token, _p| async move { Ok::<_, Infallible>(Some(t.sub)) })
///     .build()
///     .unwrap();
/// assert_eq!(resource_server.verify(&jwt).unwrap().sub, "alice");
/// ```
#[derive(Clone)]
pub struct Key {
    pub(super) source: Source,
    pub(super) kid: Option<String>,
    pub(super) public: Option<Box<Key>>,
}

/// The key as given, parsed by `build()`.
#[derive(Clone)]
pub(super) enum Source {
    Hmac(Vec<u8>),
    Public { pem: bool, bytes: Vec<u8> },
    Private { pem: bool, bytes: Vec<u8> },
    Jwk(Box<Jwk>),
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key material.
        let kind = match &self.source {
            Source::Hmac(_) => "HMAC secret",
            Source::Public { pem: true, .. } => "public key (PEM)",
            Source::Public { pem: false, .. } => "public key (DER)",
            Source::Private { pem: true, .. } => "private key (PEM)",
            Source::Private { pem: false, .. } => "private key (DER)",
            Source::Jwk(_) => "JWK",
        };
        f.debug_struct("Key")
            .field("kind", &kind)
            .field("kid", &self.kid())
            .field("with_public", &self.public.is_some())
            .finish()
    }
}

impl Key {
    fn new(source: Source) -> Self {
        Self {
            source,
            kid: None,
            public: None,
        }
    }

    /// An HMAC secret for HS256/384/512: at least 32/48/64 bytes (RFC 7518 §3.2). Signs and
    /// verifies.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::hmac([7u8; 32]).with_kid("hs-1");
    /// # let _ = key;
    /// ```
    pub fn hmac(secret: impl AsRef<[u8]>) -> Self {
        Self::new(Source::Hmac(secret.as_ref().to_vec()))
    }

    /// A public key in PEM: `PUBLIC KEY` (SubjectPublicKeyInfo: RSA, EC P-256/P-384 or
    /// Ed25519) or `RSA PUBLIC KEY` (PKCS#1). Verifies only.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::public_pem(include_bytes!("../../tests/fixtures/p256-a-public.pem"));
    /// # let _ = key;
    /// ```
    pub fn public_pem(pem: impl AsRef<[u8]>) -> Self {
        Self::new(Source::Public {
            pem: true,
            bytes: pem.as_ref().to_vec(),
        })
    }

    /// A public key in DER: a SubjectPublicKeyInfo or a PKCS#1 `RSAPublicKey`. Verifies only.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::public_der(include_bytes!("../../tests/fixtures/ed25519-a-public.der"));
    /// # let _ = key;
    /// ```
    pub fn public_der(der: impl AsRef<[u8]>) -> Self {
        Self::new(Source::Public {
            pem: false,
            bytes: der.as_ref().to_vec(),
        })
    }

    /// A private key in PEM: `PRIVATE KEY` (PKCS#8: RSA, EC P-256/P-384 or Ed25519) or
    /// `RSA PRIVATE KEY` (PKCS#1). Signs, and verifies with its public half. An Ed25519 key in
    /// PKCS#8 v1 (what `openssl genpkey` writes) does not carry its public half: add it with
    /// [`Key::with_public`].
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::private_pem(include_bytes!("../../tests/fixtures/p384-a-private.pem"));
    /// # let _ = key;
    /// ```
    pub fn private_pem(pem: impl AsRef<[u8]>) -> Self {
        Self::new(Source::Private {
            pem: true,
            bytes: pem.as_ref().to_vec(),
        })
    }

    /// A private key in DER: PKCS#8 or a PKCS#1 `RSAPrivateKey`. As [`Key::private_pem`].
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::private_der(include_bytes!("../../tests/fixtures/rsa2048-a-private.der"));
    /// # let _ = key;
    /// ```
    pub fn private_der(der: impl AsRef<[u8]>) -> Self {
        Self::new(Source::Private {
            pem: false,
            bytes: der.as_ref().to_vec(),
        })
    }

    /// A public JWK (RFC 7517): `kty` RSA, EC (P-256, P-384), OKP (Ed25519) or oct. Verifies
    /// only; private members are ignored. Its `kid` is the key's kid, its `alg` (when present)
    /// is the only algorithm it serves, and a JWK whose `use` is not `sig` or whose `key_ops`
    /// lack `verify` is refused.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::{Jwk, Key};
    /// let jwk: Jwk = serde_json::from_str(r#"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA",
    ///     "kid":"ed-1","x":"g5e17dExK9IlQtcvuiMr_u7DI0KxQ2YHuXHrmo81lm4"}"#).unwrap();
    /// let key = Key::from_jwk(&jwk);
    /// # let _ = key;
    /// ```
    pub fn from_jwk(jwk: &Jwk) -> Self {
        Self::new(Source::Jwk(Box::new(jwk.clone())))
    }

    /// Sets the key id: a token's `kid` header selects this key, and tokens it signs carry it.
    /// Overrides a JWK's own `kid`.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::hmac([7u8; 32]).with_kid("2026-01");
    /// assert!(format!("{key:?}").contains("2026-01"));
    /// ```
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Pairs a private key with its public key, which then verifies. `build()` checks that
    /// both are of one type and that a signature made by one verifies with the other.
    ///
    /// ```
    /// # use axum_jwt_layer::keys::Key;
    /// let key = Key::private_pem(include_bytes!("../../tests/fixtures/ed25519-a-private.pem"))
    ///     .with_public(Key::public_pem(include_bytes!("../../tests/fixtures/ed25519-a-public.pem")));
    /// # let _ = key;
    /// ```
    pub fn with_public(mut self, public: Key) -> Self {
        self.public = Some(Box::new(public));
        self
    }

    /// The kid to name the key by: the explicit one, else the JWK's.
    pub(crate) fn kid(&self) -> Option<&str> {
        match (&self.kid, &self.source) {
            (Some(kid), _) => Some(kid),
            (None, Source::Jwk(jwk)) => jwk.common.key_id.as_deref(),
            _ => None,
        }
    }
}
