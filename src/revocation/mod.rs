//! Revocation: a [`RevocationStore`] consulted after the signature and claims pass and before
//! the user resolver (step *revoke*), and written by login, logout and refresh. The keys are
//! the token's `jti`, its login family (`fid`) and its subject, never the token itself.
//!
//! A token with a login family is valid only while its family is registered: `login()`
//! registers it, logout, refresh-token reuse and logout-all remove it, so none of those ever
//! needs room. [`MemoryRevocationStore`] keeps one process's state within a fixed capacity
//! (a full store refuses new logins with 503, never a logout) and a cap of live logins per
//! subject; `RedisRevocationStore` (feature `redis`) shares the same state between instances,
//! on one node or a Redis Cluster.

// Files: `store.rs` (the trait and its types), `memory.rs`, `redis/` (feature `redis`).

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
