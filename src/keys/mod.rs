//! Keys: [`Key`] as the user gives it, parsed once by `build()` into a key set looked up by
//! `kid`, and where the verifier finds the current set (fixed, or a remote JWK Set with the
//! feature `jwks`). This folder imports nothing above it: only the error and token model.
//!
//! - `key.rs`: [`Key`], the user's key material.
//! - `parse.rs`, `pem.rs`, `container.rs`: PEM, DER and JWK parsing into a verifier and a signer.
//! - `set.rs`: the key set (kid lookup, one key one family, the crypto backend check).
//! - `hmac.rs`: HMAC secrets prepared once for verification.
//! - `source.rs`: the current set, local or remote.
//! - `remote/`: remote JWK Sets (feature `jwks`).

mod container;
pub(crate) mod hmac;
mod key;
mod parse;
mod pem;
#[cfg(feature = "aws-lc-rs")]
mod public;
#[cfg(feature = "jwks")]
pub(crate) mod remote;
pub(crate) mod set;
pub(crate) mod source;

/// A JSON Web Key (RFC 7517), as jsonwebtoken parses it; see [`Key::from_jwk`].
pub use jsonwebtoken::jwk::Jwk;
/// A JWK Set (RFC 7517 §5), as jsonwebtoken parses it; see
/// [`JwtAuthBuilder::jwk_set`](crate::JwtAuthBuilder::jwk_set).
pub use jsonwebtoken::jwk::JwkSet;
/// The JOSE signature algorithms (RFC 7518), as jsonwebtoken names them.
pub use jsonwebtoken::Algorithm;
/// The HTTP client the remote JWK Set is fetched with, re-exported so a custom client (see
/// [`JwksSource::client`]) comes from the same version. Feature `jwks`.
#[cfg(feature = "jwks")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub use reqwest;

pub use self::key::Key;
#[cfg(feature = "jwks")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub use self::remote::{JwksError, JwksErrorKind, JwksSource};
