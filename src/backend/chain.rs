//! [`Chain`]: several backends tried in order (FastAPI Users' authenticator).

use http::request::Parts;

use super::contract::AuthBackend;
use crate::error::AuthError;
use crate::revocation::TokenIds;

/// Two backends tried in order, for a route that accepts either, e.g. a bearer JWT for API
/// clients and a session cookie for the browser: the first backend that finds a credential
/// decides. A credential the first backend *refuses* (a bad token) is a 401 (or 400) then and
/// there, never passed on to the second, so a request cannot be authenticated as someone else
/// by adding a second credential (SECURITY.md 56). Only when the first finds no credential of
/// its kind does the second look. Chains nest: `Chain::new(a, Chain::new(b, c))`.
///
/// The resolver receives an [`Either`]; the extensions get the accepted backend's own
/// credential (`Token`, `UserSession<T>`, ...). Cross-origin protection is on when either
/// backend is ambient; a 401 challenges with `Bearer` when either backend is a bearer one,
/// else with the first backend's scheme.
///
/// ```
/// use axum_jwt_layer::{AuthenticatorBuilder, JwtAuth, Token, backend::{Chain, Either}};
/// use axum_jwt_layer::session::{SessionBackend, UserSession};
/// use std::convert::Infallible;
///
/// let jwt = JwtAuth::<String>::builder().secret([7u8; 32]).build().unwrap();
/// let sessions = SessionBackend::<String>::builder().build().unwrap();
/// let auth = AuthenticatorBuilder::new(Chain::new(jwt.as_backend(), sessions))
///     .resolver(|credential: Either<Token, UserSession<String>>, _parts| async move {
///         let user = match credential {
///             Either::First(token) => token.sub,
///             Either::Second(session) => session.into_data(),
///         };
///         Ok::<_, Infallible>(Some(user))
///     })
///     .build()
///     .unwrap();
/// # let _ = auth;
/// ```
#[derive(Debug, Clone)]
pub struct Chain<A, B> {
    first: A,
    second: B,
}

/// The credential of a [`Chain`]: which backend accepted, and its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first backend's.
    First(L),
    /// The second backend's.
    Second(R),
}

impl<A, B> Chain<A, B> {
    /// `first`, then `second`.
    pub fn new(first: A, second: B) -> Self {
        Self { first, second }
    }

    /// The first backend.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The second backend.
    pub fn second(&self) -> &B {
        &self.second
    }
}

impl<A: AuthBackend, B: AuthBackend> AuthBackend for Chain<A, B> {
    type Credential = Either<A::Credential, B::Credential>;

    async fn authenticate(&self, parts: &Parts) -> Result<Option<Self::Credential>, AuthError> {
        // A refusal by the first is final: `?` answers it before the second looks.
        match self.first.authenticate(parts).await? {
            Some(credential) => Ok(Some(Either::First(credential))),
            None => Ok(self.second.authenticate(parts).await?.map(Either::Second)),
        }
    }

    fn revocation_ids(credential: &Self::Credential) -> Option<TokenIds<'_>> {
        match credential {
            Either::First(credential) => A::revocation_ids(credential),
            Either::Second(credential) => B::revocation_ids(credential),
        }
    }

    fn subject(credential: &Self::Credential) -> Option<&str> {
        match credential {
            Either::First(credential) => A::subject(credential),
            Either::Second(credential) => B::subject(credential),
        }
    }

    fn is_ambient(&self) -> bool {
        self.first.is_ambient() || self.second.is_ambient()
    }

    fn challenge_scheme(&self) -> &'static str {
        match (
            self.first.challenge_scheme(),
            self.second.challenge_scheme(),
        ) {
            ("Bearer", _) | (_, "Bearer") => "Bearer",
            (first, _) => first,
        }
    }

    fn attach(credential: Self::Credential, extensions: &mut http::Extensions) {
        match credential {
            Either::First(credential) => A::attach(credential, extensions),
            Either::Second(credential) => B::attach(credential, extensions),
        }
    }

    fn scheme_names(&self) -> Vec<&str> {
        let mut names = self.first.scheme_names();
        names.extend(self.second.scheme_names());
        names
    }
}
