//! Revocation: a [`RevocationStore`] consulted after the signature and claims pass and before
//! the user resolver (step *revoke*), and written by logout and refresh. The key is the
//! token's `jti`, never a hash of the token. `store.rs` is the trait and its types,
//! `memory.rs` and `redis.rs` (feature `redis`) the stores.

mod memory;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod store;

pub use self::memory::MemoryRevocationStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisRevocationStore;
pub(crate) use self::store::{token_ids, ErasedStore};
pub use self::store::{
    Family, Revocation, RevocationStore, Rotation, StoreError, StoreErrorKind, TokenIds,
};
