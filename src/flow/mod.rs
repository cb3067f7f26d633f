//! The steps every backend shares, one file each: *metadata* (`metadata.rs`, the RFC 9728
//! document the layer serves itself, before everything), *origin* (`origin.rs`, cross-origin
//! protection), *skip* (`skip.rs`), *authenticate*
//! (`authenticate.rs`, the backend), *revoke* (`revoke.rs`), *resolve* (`resolve.rs`),
//! *attach* (`attach.rs`) and *reject* (`reject.rs`). `pipeline.rs` runs them in order for one
//! request; `authenticator.rs` holds the configuration they share. Nothing here knows JWT.
//!
//! Public here: the configuration of any backend ([`Authenticator`], [`AuthenticatorBuilder`]),
//! the resolver trait ([`UserResolver`]), the extractor of the user ([`AuthUser`]) and its
//! rejection ([`MissingAuthentication`]), the error mapping ([`ErrorHandler`],
//! [`DefaultErrorHandler`]), and the protected resource metadata ([`ProtectedResource`]).

pub(crate) mod attach;
pub(crate) mod authenticate;
pub(crate) mod authenticator;
pub(crate) mod metadata;
pub(crate) mod origin;
pub(crate) mod pipeline;
pub(crate) mod reject;
pub(crate) mod resolve;
pub(crate) mod revoke;
pub(crate) mod skip;

pub use self::attach::{AuthUser, MissingAuthentication};
pub use self::authenticator::{Authenticator, AuthenticatorBuilder};
pub use self::metadata::ProtectedResource;
pub use self::reject::{DefaultErrorHandler, ErrorHandler};
pub use self::resolve::UserResolver;
