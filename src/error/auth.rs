//! [`AuthError`]: why a request was refused, its kind and the reasons inside the kinds.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use http::StatusCode;

/// Why a request was rejected by [`JwtAuthLayer`](crate::JwtAuthLayer).
///
/// The kind decides the status code and the `WWW-Authenticate` challenge (see
/// [`DefaultErrorHandler`](crate::flow::DefaultErrorHandler)); the reason inside it is for logs and
/// custom error handlers, never for the client.
///
/// ```
/// use axum_jwt_layer::{AuthError, error::AuthErrorKind};
/// use http::StatusCode;
///
/// let error = AuthError::new(AuthErrorKind::MissingToken);
/// assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(error.detail(), "Authentication required");
/// ```
#[derive(Debug, Clone)]
pub struct AuthError {
    kind: AuthErrorKind,
    source: Option<Arc<dyn StdError + Send + Sync>>,
    /// The scopes a refused route requires, space-separated (RFC 6750 `scope` attribute).
    scope: Option<Arc<str>>,
    /// The RFC 9728 metadata URL of the protected resource, when configured (set by the
    /// layer before its error handler sees the error).
    resource_metadata: Option<Arc<str>>,
    /// The authentication scheme of the backend that refused, when it is not `Bearer`.
    scheme: Option<&'static str>,
    /// Every scheme of a chain of backends, for a 401 without any credential: one
    /// challenge each.
    schemes: Option<Arc<[&'static str]>>,
}

/// The kinds of [`AuthError`].
///
/// ```
/// use axum_jwt_layer::error::{AuthErrorKind, InvalidTokenReason};
///
/// let kind = AuthErrorKind::InvalidToken(InvalidTokenReason::Expired);
/// assert!(matches!(kind, AuthErrorKind::InvalidToken(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No token was presented: 401 with a bare `Bearer` challenge.
    MissingToken,
    /// The request carrying the token is malformed or ambiguous: 400 `invalid_request`.
    InvalidRequest(InvalidRequestReason),
    /// A token was presented and refused: 401 `invalid_token`.
    InvalidToken(InvalidTokenReason),
    /// The token was valid but the user resolver found no user: 401 `invalid_token`.
    UserNotFound,
    /// The user resolver failed or panicked: 500.
    ResolverFailed,
    /// The user resolver did not answer within the configured deadline: 503.
    ResolverTimedOut,
    /// The token's `jti` is revoked (or revocation is on and the token has none): 401
    /// `invalid_token`.
    Revoked,
    /// The revocation store could not answer: 503, never a pass.
    StoreUnavailable,
    /// No verification keys are loaded yet: the remote JWK Set (feature `jwks`) could not be
    /// fetched. 503, never a pass.
    KeysUnavailable,
    /// A custom [`AuthBackend`](crate::AuthBackend) refused the credential it found: 401
    /// `invalid_token`.
    CredentialRefused,
    /// An unsafe request from another origin carrying only credentials a browser attaches by
    /// itself (cookies): 403, without a challenge (cross-origin protection).
    CrossOriginRequest,
    /// A valid token without a scope the route requires: 403 `insufficient_scope`, with the
    /// required scopes in the challenge's `scope` attribute
    /// ([`RequireScopes`](crate::authz::RequireScopes), [`Scoped`](crate::authz::Scoped)).
    InsufficientScope,
    /// A valid token without a role the route requires: 403 `insufficient_scope`
    /// ([`RequireRoles`](crate::authz::RequireRoles)).
    MissingRole,
    /// A valid token whose token or user a route's predicate refused: 403
    /// `insufficient_scope` ([`RequireGuard`](crate::authz::RequireGuard)).
    GuardRefused,
}

/// Why a request was malformed (400 `invalid_request`).
///
/// ```
/// use axum_jwt_layer::error::InvalidRequestReason;
/// assert_eq!(InvalidRequestReason::EmptyToken.to_string(), "empty token");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequestReason {
    /// The scheme was present but the token was empty.
    EmptyToken,
    /// The scheme was not followed by a single space (`Bearer,x`, `BearerX`, a tab).
    MalformedScheme,
    /// The token holds characters outside the RFC 6750 `b64token` set.
    BadCharacters,
    /// The header value is not visible ASCII.
    NotAscii,
    /// The same header was sent more than once.
    DuplicateHeader,
    /// Two sources carried different tokens.
    AmbiguousToken,
}

impl fmt::Display for InvalidRequestReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyToken => "empty token",
            Self::MalformedScheme => "malformed authorization scheme",
            Self::BadCharacters => "token has characters outside b64token",
            Self::NotAscii => "header value is not visible ascii",
            Self::DuplicateHeader => "token header sent more than once",
            Self::AmbiguousToken => "two sources carry different tokens",
        })
    }
}

/// Why a presented token was refused (401 `invalid_token`).
///
/// The client always sees the same description; the reason goes to `debug` logs.
///
/// ```
/// use axum_jwt_layer::error::InvalidTokenReason;
/// assert_eq!(InvalidTokenReason::TooLarge.to_string(), "token larger than the size cap");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidTokenReason {
    /// Longer than the configured maximum size.
    TooLarge,
    /// Not three base64url segments.
    Malformed,
    /// The JOSE header is not an acceptable JSON object.
    BadHeader,
    /// `alg` missing, not a string, or not in the allow-list.
    AlgorithmNotAllowed,
    /// `crit` or `b64` present.
    UnsupportedHeaderParameter,
    /// `typ` is not `JWT` or `at+jwt`.
    WrongType,
    /// No configured key matches the `kid`.
    UnknownKey,
    /// The token has no `kid` and there are several keys to choose from.
    MissingKid,
    /// The signature does not verify.
    BadSignature,
    /// The payload is not an acceptable JSON object (duplicates, not an object, bad UTF-8).
    BadPayload,
    /// A claim has the wrong type or an out-of-range value.
    BadClaim,
    /// A required claim is missing.
    MissingClaim,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future.
    IssuedInFuture,
    /// `exp` is further away than the configured maximum lifetime.
    LifetimeTooLong,
    /// `iss` is not accepted.
    WrongIssuer,
    /// `aud` is not accepted.
    WrongAudience,
    /// The decode hook vetoed the payload.
    Vetoed,
    /// The custom claims type could not be built from the payload.
    CustomClaims,
}

impl fmt::Display for InvalidTokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "token larger than the size cap",
            Self::Malformed => "token is not three base64url segments",
            Self::BadHeader => "unacceptable jose header",
            Self::AlgorithmNotAllowed => "algorithm not allowed",
            Self::UnsupportedHeaderParameter => "crit or b64 header parameter",
            Self::WrongType => "unacceptable typ",
            Self::UnknownKey => "no key for this kid",
            Self::MissingKid => "no kid and several keys",
            Self::BadSignature => "signature does not verify",
            Self::BadPayload => "unacceptable payload",
            Self::BadClaim => "claim with a wrong type or value",
            Self::MissingClaim => "required claim missing",
            Self::Expired => "token expired",
            Self::NotYetValid => "token not yet valid",
            Self::IssuedInFuture => "iat in the future",
            Self::LifetimeTooLong => "lifetime above the maximum",
            Self::WrongIssuer => "issuer not accepted",
            Self::WrongAudience => "audience not accepted",
            Self::Vetoed => "vetoed by the decode hook",
            Self::CustomClaims => "custom claims do not deserialize",
        })
    }
}

impl AuthError {
    /// An error of the given kind.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// let error = AuthError::new(AuthErrorKind::UserNotFound);
    /// assert_eq!(error.kind(), AuthErrorKind::UserNotFound);
    /// ```
    pub fn new(kind: AuthErrorKind) -> Self {
        Self {
            kind,
            source: None,
            scope: None,
            resource_metadata: None,
            scheme: None,
            schemes: None,
        }
    }

    pub(crate) fn with_source(
        kind: AuthErrorKind,
        source: Option<Arc<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source,
            scope: None,
            resource_metadata: None,
            scheme: None,
            schemes: None,
        }
    }

    /// [`AuthErrorKind::InsufficientScope`] for a route requiring `scope` (space-separated
    /// scope tokens, checked when the requirement was built).
    pub(crate) fn insufficient_scope(scope: Arc<str>) -> Self {
        Self {
            kind: AuthErrorKind::InsufficientScope,
            source: None,
            scope: Some(scope),
            resource_metadata: None,
            scheme: None,
            schemes: None,
        }
    }

    /// The scopes the refused route requires, space-separated, for an
    /// [`AuthErrorKind::InsufficientScope`] raised by a scope requirement; the default error
    /// handler puts them in the challenge's `scope` attribute.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// assert_eq!(AuthError::new(AuthErrorKind::InsufficientScope).required_scope(), None);
    /// ```
    pub fn required_scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// This error as refused by a backend whose challenge scheme is `scheme`.
    pub(crate) fn with_challenge_scheme(mut self, scheme: &'static str) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// This error as refused by a backend whose challenge scheme is `scheme`, unless an
    /// inner backend of a chain already said which one refused.
    pub(crate) fn or_challenge_scheme(mut self, scheme: &'static str) -> Self {
        self.scheme.get_or_insert(scheme);
        self
    }

    /// Whether a backend already said which scheme refused.
    pub(crate) fn has_challenge_scheme(&self) -> bool {
        self.scheme.is_some()
    }

    /// This 401 without a credential challenges with each of `schemes`.
    pub(crate) fn with_challenge_schemes(mut self, schemes: Arc<[&'static str]>) -> Self {
        self.schemes = Some(schemes);
        self
    }

    /// The schemes the `WWW-Authenticate` response header challenges with, one challenge
    /// each: [`challenge_scheme`](Self::challenge_scheme) alone, except for a 401 without any
    /// credential behind a [`Chain`](crate::backend::Chain), which names every scheme of its
    /// backends (`Bearer` and `Session`, say), so that a client learns every way in.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// let error = AuthError::new(AuthErrorKind::MissingToken);
    /// assert_eq!(error.challenge_schemes().collect::<Vec<_>>(), ["Bearer"]);
    /// ```
    pub fn challenge_schemes(&self) -> impl Iterator<Item = &str> + '_ {
        let several = self.schemes.as_deref();
        let one = several.is_none().then(|| self.challenge_scheme());
        several.into_iter().flatten().copied().chain(one)
    }

    /// The authentication scheme the `WWW-Authenticate` challenge names: the backend's
    /// [`AuthBackend::challenge_scheme`](crate::AuthBackend::challenge_scheme), `Bearer` for
    /// the JWT backend (set by the layer before its error handler sees the error).
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// assert_eq!(AuthError::new(AuthErrorKind::MissingToken).challenge_scheme(), "Bearer");
    /// ```
    pub fn challenge_scheme(&self) -> &str {
        self.challenge_scheme_static()
    }

    /// [`challenge_scheme`](Self::challenge_scheme), as the static name it is.
    pub(crate) fn challenge_scheme_static(&self) -> &'static str {
        self.scheme.unwrap_or("Bearer")
    }

    /// This error with the URL of the protected resource's RFC 9728 metadata document.
    pub(crate) fn with_resource_metadata(mut self, url: Arc<str>) -> Self {
        self.resource_metadata = Some(url);
        self
    }

    /// The URL of the protected resource's metadata document (RFC 9728), when the
    /// configuration has a [`ProtectedResource`](crate::flow::ProtectedResource): the layer
    /// sets it before its error handler sees the error, so a custom
    /// [`ErrorHandler`](crate::flow::ErrorHandler) can put it in its own challenge, as the
    /// default one does (`resource_metadata="<url>"`, RFC 9728 section 5.1).
    ///
    /// ```
    /// use axum_jwt_layer::{flow::ProtectedResource, AuthError, JwtAuth, error::AuthErrorKind};
    /// use axum::response::{IntoResponse, Response};
    ///
    /// let auth = JwtAuth::<()>::builder()
    ///     .secret([7u8; 32])
    ///     .protected_resource(ProtectedResource::new("https://api.example.com"))
    ///     .error_handler(|error: &AuthError| -> Response {
    ///         let url = error.resource_metadata().unwrap_or_default().to_owned();
    ///         (error.status(), [("x-resource-metadata", url)]).into_response()
    ///     })
    ///     .build()
    ///     .unwrap();
    /// let response = auth.error_response(&AuthError::new(AuthErrorKind::MissingToken));
    /// assert_eq!(
    ///     response.headers()["x-resource-metadata"],
    ///     "https://api.example.com/.well-known/oauth-protected-resource"
    /// );
    /// assert_eq!(AuthError::new(AuthErrorKind::MissingToken).resource_metadata(), None);
    /// ```
    pub fn resource_metadata(&self) -> Option<&str> {
        self.resource_metadata.as_deref()
    }

    /// What went wrong.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// assert_eq!(AuthError::new(AuthErrorKind::ResolverFailed).kind(), AuthErrorKind::ResolverFailed);
    /// ```
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The HTTP status of the default response.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::{AuthErrorKind, InvalidRequestReason}};
    /// let error = AuthError::new(AuthErrorKind::InvalidRequest(InvalidRequestReason::EmptyToken));
    /// assert_eq!(error.status(), http::StatusCode::BAD_REQUEST);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self.kind {
            AuthErrorKind::MissingToken
            | AuthErrorKind::InvalidToken(_)
            | AuthErrorKind::UserNotFound
            | AuthErrorKind::Revoked
            | AuthErrorKind::CredentialRefused => StatusCode::UNAUTHORIZED,
            AuthErrorKind::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            AuthErrorKind::CrossOriginRequest
            | AuthErrorKind::InsufficientScope
            | AuthErrorKind::MissingRole
            | AuthErrorKind::GuardRefused => StatusCode::FORBIDDEN,
            AuthErrorKind::ResolverFailed => StatusCode::INTERNAL_SERVER_ERROR,
            AuthErrorKind::StoreUnavailable
            | AuthErrorKind::KeysUnavailable
            | AuthErrorKind::ResolverTimedOut => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The RFC 6750 `error` attribute, when the kind has one.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::AuthErrorKind};
    /// assert_eq!(AuthError::new(AuthErrorKind::UserNotFound).rfc6750_error(), Some("invalid_token"));
    /// assert_eq!(AuthError::new(AuthErrorKind::MissingToken).rfc6750_error(), None);
    /// ```
    pub fn rfc6750_error(&self) -> Option<&'static str> {
        match self.kind {
            AuthErrorKind::InvalidRequest(_) => Some("invalid_request"),
            AuthErrorKind::InvalidToken(_)
            | AuthErrorKind::UserNotFound
            | AuthErrorKind::Revoked
            | AuthErrorKind::CredentialRefused => Some("invalid_token"),
            AuthErrorKind::InsufficientScope
            | AuthErrorKind::MissingRole
            | AuthErrorKind::GuardRefused => Some("insufficient_scope"),
            AuthErrorKind::MissingToken
            | AuthErrorKind::CrossOriginRequest
            | AuthErrorKind::ResolverFailed
            | AuthErrorKind::ResolverTimedOut
            | AuthErrorKind::StoreUnavailable
            | AuthErrorKind::KeysUnavailable => None,
        }
    }

    /// The client-facing description, from a fixed ASCII set: it never depends on the token.
    ///
    /// ```
    /// # use axum_jwt_layer::{AuthError, error::{AuthErrorKind, InvalidTokenReason}};
    /// let expired = AuthError::new(AuthErrorKind::InvalidToken(InvalidTokenReason::Expired));
    /// let forged = AuthError::new(AuthErrorKind::InvalidToken(InvalidTokenReason::BadSignature));
    /// assert_eq!(expired.detail(), forged.detail());
    /// ```
    pub fn detail(&self) -> &'static str {
        match self.kind {
            AuthErrorKind::MissingToken => "Authentication required",
            AuthErrorKind::InvalidRequest(_) => "Malformed authorization request",
            AuthErrorKind::InvalidToken(_)
            | AuthErrorKind::UserNotFound
            | AuthErrorKind::Revoked => "Invalid or expired token",
            AuthErrorKind::CredentialRefused => "Invalid credentials",
            AuthErrorKind::CrossOriginRequest => "Cross-origin request refused",
            AuthErrorKind::InsufficientScope => "Insufficient scope",
            AuthErrorKind::MissingRole => "Required role missing",
            AuthErrorKind::GuardRefused => "Access denied",
            AuthErrorKind::ResolverFailed => "Internal server error",
            AuthErrorKind::StoreUnavailable
            | AuthErrorKind::KeysUnavailable
            | AuthErrorKind::ResolverTimedOut => "Service temporarily unavailable",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AuthErrorKind::InvalidRequest(reason) => write!(f, "invalid request: {reason}"),
            AuthErrorKind::InvalidToken(reason) => write!(f, "invalid token: {reason}"),
            _ => f.write_str(self.detail()),
        }
    }
}

impl StdError for AuthError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
