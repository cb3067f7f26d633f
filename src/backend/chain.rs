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
/// backend is ambient. A 401 without any credential challenges with every scheme of the
/// chain, one challenge each (`WWW-Authenticate: Bearer realm="api"` and `Session
/// realm="api"`); a refused credential with the scheme of the backend that refused it; other
/// refusals (no user, revoked, a scope missing) with `Bearer` when either backend is a bearer
/// one, else with the first backend's scheme. The OpenAPI document (feature `openapi`) lists
/// one scheme per backend, and an operation accepts any of them.
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
        // A refusal by the first is final: `?` answers it before the second looks. Each
        // refusal names the scheme of the backend that refused, for the challenge.
        let first = self.first.authenticate(parts).await;
        match first.map_err(|e| e.or_challenge_scheme(self.first.challenge_scheme()))? {
            Some(credential) => Ok(Some(Either::First(credential))),
            None => {
                let second = self.second.authenticate(parts).await;
                let second =
                    second.map_err(|e| e.or_challenge_scheme(self.second.challenge_scheme()));
                Ok(second?.map(Either::Second))
            }
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

    fn challenge_schemes(&self) -> Vec<&'static str> {
        let mut schemes = self.first.challenge_schemes();
        for scheme in self.second.challenge_schemes() {
            if !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        schemes
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
