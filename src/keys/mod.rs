//! Keys: [`Key`] as the user gives it, parsed once by `build()` into a key set looked up by
//! `kid`, and where the verifier finds the current set (fixed, or a remote JWK Set with the
//! feature `jwks`). This folder imports nothing above it: only the error and token model.
//!
//! - `key.rs`: [`Key`], the user's key material.
//! - `parse.rs`, `pem.rs`, `container.rs`: PEM, DER and JWK parsing into a verifier and a signer.
//! - `set.rs`: the key set (kid lookup, one key one family, the crypto backend check).
//! - `source.rs`: the current set, local or remote.
//! - `remote/`: remote JWK Sets (feature `jwks`).

mod container;
mod key;
mod parse;
mod pem;
#[cfg(feature = "jwks")]
pub(crate) mod remote;
pub(crate) mod set;
pub(crate) mod source;

pub use key::Key;
