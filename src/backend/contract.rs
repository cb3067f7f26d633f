//! The [`AuthBackend`] trait: how a scheme finds its credential in a request and checks it.

use std::future::Future;

use http::request::Parts;

use crate::error::AuthError;
use crate::revocation::TokenIds;

/// An authentication scheme: finds its credential in the request head and checks it
/// (Litestar's `AbstractAuthenticationMiddleware.authenticate_request`).
///
/// The answer is one of three:
/// - `Ok(None)`: no credential of this scheme in the request. The layer answers 401
///   (`AuthErrorKind::MissingToken`) unless the route is excluded.
/// - `Err(error)`: a credential was presented and refused; `error` decides the response
///   (for example [`AuthErrorKind::CredentialRefused`](crate::error::AuthErrorKind::CredentialRefused)
///   for 401, [`AuthErrorKind::InvalidRequest`](crate::error::AuthErrorKind::InvalidRequest) for 400).
/// - `Ok(Some(credential))`: the checked credential. The layer then asks the
///   [`UserResolver`](crate::UserResolver) for the user, and puts the credential and
///   [`AuthUser`](crate::AuthUser) in the request extensions.
///
/// Give a backend to [`AuthenticatorBuilder::new`](crate::AuthenticatorBuilder::new) and wrap routes
/// with [`AuthLayer`](crate::AuthLayer): excludes, the resolver, the extractors and the error
/// mapping work as they do for JWT.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_jwt_layer::error::AuthErrorKind;
/// use axum_jwt_layer::{AuthBackend, AuthError, AuthLayer, AuthUser, AuthenticatorBuilder};
/// use http::request::Parts;
/// use std::{convert::Infallible, future::Future};
///
/// /// The key a request presented in `X-API-Key`, once checked.
/// #[derive(Clone, Debug)]
/// struct ApiKey(String);
///
/// struct ApiKeys;
///
/// impl AuthBackend for ApiKeys {
///     type Credential = ApiKey;
///
///     fn authenticate(&self, parts: &Parts)
///         -> impl Future<Output = Result<Option<ApiKey>, AuthError>> + Send {
///         let found = match parts.headers.get("x-api-key").map(|v| v.to_str()) {
///             None => Ok(None),
///             Some(Ok("key-1")) => Ok(Some(ApiKey("key-1".to_owned()))),
///             Some(_) => Err(AuthError::new(AuthErrorKind::CredentialRefused)),
///         };
///         async move { found }
///     }
/// }
///
/// let auth = AuthenticatorBuilder::new(ApiKeys)
///     .resolver(|key: ApiKey, _parts: &Parts| async move {
///         Ok::<_, Infallible>(Some(format!("owner of {}", key.0)))
///     })
///     .exclude(["/health"])
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/me", get(|AuthUser(user): AuthUser<String>| async move { user }))
///     .route("/health", get(|| async { "ok" }))
///     .layer(AuthLayer::new(auth));
/// # let _ = app;
/// ```
pub trait AuthBackend: Send + Sync + 'static {
    /// What a checked request carries: the layer puts it in the request extensions, and the
    /// resolver receives it.
    type Credential: Clone + Send + Sync + 'static;

    /// Finds and checks the credential of this scheme in `parts`.
    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Self::Credential>, AuthError>> + Send;

    /// The ids a [`RevocationStore`](crate::revocation::RevocationStore) knows `credential` by, for
    /// configurations with a store (step *revoke*). `None`, the default, means the credential
    /// cannot be checked, and a configuration with a store refuses it. The JWT backend answers
    /// the token's `jti`, login family, subject and `iat`.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError, revocation::TokenIds};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// struct Sessions;
    /// impl AuthBackend for Sessions {
    ///     type Credential = (String, String); // (session id, user id)
    /// #   fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<Self::Credential>, AuthError>> + Send {
    /// #       async { Ok(None) }
    /// #   }
    ///     fn revocation_ids(credential: &Self::Credential) -> Option<TokenIds<'_>> {
    ///         Some(TokenIds::new(&credential.0, &credential.1))
    ///     }
    /// }
    /// let session = ("s-1".to_owned(), "alice".to_owned());
    /// assert_eq!(Sessions::revocation_ids(&session).unwrap().jti, "s-1");
    /// ```
    fn revocation_ids(credential: &Self::Credential) -> Option<TokenIds<'_>> {
        let _ = credential;
        None
    }

    /// Who `credential` stands for, as the layer's per-request `tracing` span records it
    /// (`subject`, at debug level, target `axum_jwt_layer`). Never return a secret (a session
    /// id, an API key): the value is logged. `None`, the default, records no subject; the JWT
    /// backend answers the token's `sub`.
    fn subject(credential: &Self::Credential) -> Option<&str> {
        let _ = credential;
        None
    }

    /// Whether the browser attaches this backend's credential by itself (a cookie, a
    /// session): then unsafe methods are forgeable from another site, and
    /// [`AuthenticatorBuilder`](crate::AuthenticatorBuilder) turns cross-origin protection on
    /// by default (DESIGN §3 *Cross-origin protection*). `false`, the default, for a header the
    /// client must set itself.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// struct ApiKeys;
    /// impl AuthBackend for ApiKeys {
    ///     type Credential = String;
    /// #   fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<String>, AuthError>> + Send {
    /// #       async { Ok(None) }
    /// #   }
    /// }
    /// assert!(!ApiKeys.is_ambient());
    /// ```
    fn is_ambient(&self) -> bool {
        false
    }

    /// The authentication scheme a 401's `WWW-Authenticate` challenge names
    /// ([RFC 9110 §11.6.1](https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1)): `Bearer`,
    /// the default, gets RFC 6750's attributes; any other name (`ApiKey`, `Session`) a bare
    /// `<scheme> realm=".."`, so a client is never told to send a bearer token the backend
    /// does not read. An RFC 9110 token (letters, digits, ``!#$%&'*+-.^_`|~``).
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthBackend, AuthError};
    /// # use http::request::Parts;
    /// # use std::future::Future;
    /// struct ApiKeys;
    /// impl AuthBackend for ApiKeys {
    ///     type Credential = String;
    /// #   fn authenticate(&self, _: &Parts) -> impl Future<Output = Result<Option<String>, AuthError>> + Send {
    /// #       async { Ok(None) }
    /// #   }
    ///     fn challenge_scheme(&self) -> &'static str {
    ///         "ApiKey"
    ///     }
    /// }
    /// assert_eq!(ApiKeys.challenge_scheme(), "ApiKey");
    /// ```
    fn challenge_scheme(&self) -> &'static str {
        "Bearer"
    }

    /// Every scheme a 401 without any credential challenges with, one challenge each.
    /// Default: [`challenge_scheme`](Self::challenge_scheme) alone; a
    /// [`Chain`](super::Chain) lists those of its backends, in order, each once.
    fn challenge_schemes(&self) -> Vec<&'static str> {
        vec![self.challenge_scheme()]
    }

    /// Puts an accepted credential into the request's extensions, where extractors find it.
    /// The default inserts it as it is; [`Chain`](super::Chain) inserts the credential of the backend that
    /// accepted, so that `Token` or `UserSession<T>` extract as they do behind one backend.
    fn attach(credential: Self::Credential, extensions: &mut http::Extensions) {
        extensions.insert(credential);
    }

    /// The names of this backend's OpenAPI security schemes (`BearerToken`, `SessionCookie`),
    /// for [`Chain`](super::Chain): two backends of one chain with the same name fail `build()`
    /// ([`ConfigError::DuplicateScheme`](crate::ConfigError::DuplicateScheme)). Default: none.
    fn scheme_names(&self) -> Vec<&str> {
        Vec::new()
    }
}
