//! Issuing, beside the request flow: signing ([`TokenBuilder`]), the responses of login,
//! refresh and logout ([`Login`], [`Refreshed`], [`Logout`]), cookie delivery
//! (`AuthCookie`, feature `cookie`) and the OAuth2 password grant ([`PasswordGrant`],
//! [`OAuth2Error`]). The `JwtAuth` methods that issue live in `jwt/`; nothing here reads a
//! request's credential.

#[cfg(feature = "cookie")]
pub(crate) mod cookie;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod oauth2;
pub(crate) mod refresh;
pub(crate) mod token;

/// The `SameSite` attribute of the auth cookie, from the `cookie` crate. Feature `cookie`.
#[cfg(feature = "cookie")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookie")))]
pub use ::cookie::SameSite;

#[cfg(feature = "cookie")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookie")))]
pub use self::cookie::AuthCookie;
pub use self::login::Login;
pub use self::logout::Logout;
pub use self::oauth2::{OAuth2Error, OAuth2ErrorKind, PasswordGrant};
pub use self::refresh::{RefreshError, RefreshErrorKind, RefreshTokens, Refreshed};
pub use self::token::TokenBuilder;
