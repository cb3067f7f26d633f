//! Remote JWK Sets (feature `jwks`): [`JwksSource`] configures where and how often the keys
//! are fetched (`source.rs`); `current.rs` holds the current set and runs the fetches;
//! `discovery.rs` finds the set's location from an issuer; `fetch.rs` is one HTTP request;
//! `error.rs` says why a fetch failed.

mod current;
mod discovery;
mod error;
mod fetch;
mod source;

pub(crate) use self::current::{Fetch, RemoteKeys};
pub use self::error::{JwksError, JwksErrorKind};
pub use self::source::JwksSource;
