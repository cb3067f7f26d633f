//! [`AuthBackend`]: how a scheme finds its credential in a request and checks it. JWT is one
//! backend; the rest of the flow (skip, revoke, resolve, attach, reject) is shared by all.

mod chain;
mod contract;

pub use self::chain::{Chain, Either};
pub use self::contract::AuthBackend;
