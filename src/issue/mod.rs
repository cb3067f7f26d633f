//! Issuing, beside the request flow: signing ([`TokenBuilder`]), the responses of login,
//! refresh and logout ([`Login`], [`Refreshed`], [`Logout`]), cookie delivery
//! ([`AuthCookie`], feature `cookie`) and the OAuth2 password grant ([`PasswordGrant`],
//! [`OAuth2Error`]). The `JwtAuth` methods that issue live in `jwt/`; nothing here reads a
//! request's credential.

#[cfg(feature = "cookie")]
pub(crate) mod cookie;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod oauth2;
pub(crate) mod refresh;
pub(crate) mod token;

#[cfg(feature = "cookie")]
pub use self::cookie::AuthCookie;
pub use login::Login;
pub use logout::Logout;
pub use oauth2::{OAuth2Error, PasswordGrant};
pub use refresh::{RefreshError, RefreshErrorKind, RefreshTokens, Refreshed};
pub use token::TokenBuilder;
