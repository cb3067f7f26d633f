//! [`ConfigError`]: a configuration `build()` refuses, and the typed details some of its
//! variants carry.

use super::problem::{
    CookieProblem, DurationSetting, KeyProblem, PatternProblem, ProtectedResourceProblem,
};
#[cfg(feature = "jwks")]
use super::problem::{JwksIssuerProblem, JwksUrlProblem};

/// A configuration refused by `build()`. The message names the problem.
///
/// ```
/// use axum_jwt_layer::{ConfigError, JwtAuth, Token};
/// use std::convert::Infallible;
///
/// let error = JwtAuth::<String>::builder()
///     .secret("sixteen byte key")
///     .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
///     .build()
///     .unwrap_err();
/// assert!(matches!(error, ConfigError::SecretTooShort { .. }));
/// assert!(error.to_string().contains("HS256 secret is 16 bytes"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key or secret was configured.
    #[error("no key configured: call .secret(..), .key(..) or .jwk_set(..)")]
    MissingKey,
    /// An HMAC secret is shorter than its hash output.
    #[error("{algorithm:?} secret is {actual} bytes; at least {required} are required (RFC 7518 section 3.2)")]
    SecretTooShort {
        /// The algorithm needing the longer secret.
        algorithm: jsonwebtoken::Algorithm,
        /// The secret's length.
        actual: usize,
        /// The minimum length.
        required: usize,
    },
    /// The algorithm allow-list is empty.
    #[error("the algorithm allow-list is empty: allow at least one algorithm")]
    NoAlgorithms,
    /// The allow-list mixes algorithm families, and some family has no key of its own (one
    /// key would have to serve two families).
    #[error("the algorithm allow-list mixes families ({0:?}) without a key for each: one key, one family")]
    MixedAlgorithmFamilies(Vec<jsonwebtoken::Algorithm>),
    /// An allowed algorithm has no configured key of its family.
    #[error("algorithm {0:?} is allowed but no configured key is of its family")]
    AlgorithmKeyMismatch(jsonwebtoken::Algorithm),
    /// Two keys share a `kid`, or several keys were given without one.
    #[error("every key in a key set needs a distinct kid")]
    AmbiguousKeys,
    /// A key cannot be used: its encoding, its type, or its JWK parameters.
    #[error("{key} is unusable: {problem}")]
    InvalidKey {
        /// Which key: its position among the configured keys, and its kid when it has one.
        key: String,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// An RSA key is under 2048 bits (or over 8192, beyond what the crypto backends verify).
    #[error("{key} is a {bits}-bit RSA key; 2048 to 8192 bits are accepted")]
    RsaKeySize {
        /// Which key: its position among the configured keys, and its kid when it has one.
        key: String,
        /// The modulus size.
        bits: usize,
    },
    /// An exclude pattern would leave every route unauthenticated.
    #[error("exclude pattern `{0}` would exclude every path; call .allow_exclude_all(true) if that is intended")]
    ExcludesEverything(String),
    /// An exclude pattern is not anchored or not well formed.
    #[error("exclude pattern `{pattern}` is invalid: {problem}")]
    InvalidExcludePattern {
        /// The pattern as given.
        pattern: String,
        /// What is wrong with it.
        problem: PatternProblem,
    },
    /// A token source names an invalid header or scheme.
    #[error("token source header `{0}` is not a valid header name or scheme")]
    InvalidTokenSource(String),
    /// No token source is configured.
    #[error("no token source configured")]
    NoTokenSource,
    /// A trusted origin for cross-origin protection is not `http(s)://host[:port]`.
    #[error("trusted origin `{0}` must be `https://host[:port]` (or http), with nothing after it")]
    InvalidTrustedOrigin(String),
    /// A role claim path is empty, has an empty segment (`a..b`), or starts at a registered
    /// claim (`sub`, `exp`, ..).
    #[error("role claim path `{0}` is unusable: empty, an empty segment, or a registered claim")]
    InvalidClaimPath(String),
    /// A required scope is empty or has a character outside RFC 6749's scope-token set
    /// (visible ASCII but `"` and `\`).
    #[error("scope `{0}` is not a scope token: printable ASCII without spaces, `\"` or `\\`")]
    InvalidScope(String),
    /// Scopes were given for an operation the OpenAPI document does not have
    /// (`openapi::OpenApiSecurity::try_modify`, feature `openapi`): the path
    /// is compared with the document's path exactly.
    #[error("OpenAPI scopes for {method} {path}: the document has no such operation")]
    UnknownOperation {
        /// The method given.
        method: http::Method,
        /// The path given.
        path: String,
    },
    /// Scopes were given for an operation that is excluded from authentication
    /// (`openapi::OpenApiSecurity::try_modify`, feature `openapi`): it has
    /// no security requirement to list them in, and the layer never checks a token there.
    #[error("OpenAPI scopes for {method} {path}: the operation is excluded from authentication")]
    ScopesOnExcludedOperation {
        /// The method given.
        method: http::Method,
        /// The path given.
        path: String,
    },
    /// The realm is not printable ASCII without quotes and backslashes.
    #[error("realm must be printable ASCII without `\"` or `\\`")]
    InvalidRealm,
    /// `strict_audience` needs exactly one accepted audience.
    #[error("strict_audience needs exactly one accepted audience, {0} configured")]
    StrictAudience(usize),
    /// A duration is out of range (zero token lifetime, leeway over a day).
    #[error("{0} is out of range")]
    DurationOutOfRange(DurationSetting),
    /// Refresh tokens need a revocation store for rotation and reuse detection.
    #[error("refresh tokens need a revocation store: call .revocation(..)")]
    RefreshNeedsStore,
    /// The refresh audience is empty or also an accepted access audience.
    #[error(
        "refresh token audience `{0}` must be non-empty and differ from every accepted audience"
    )]
    RefreshAudience(String),
    /// The auth cookie settings are invalid.
    #[error("auth cookie: {0}")]
    InvalidCookie(CookieProblem),
    /// The RFC 9728 protected resource metadata
    /// ([`ProtectedResource`](crate::flow::ProtectedResource)) is not usable.
    #[error("protected resource metadata: {0}")]
    InvalidProtectedResource(ProtectedResourceProblem),
    /// `.jwks(..)` was combined with `.secret(..)`, `.key(..)` or `.jwk_set(..)`: the keys come
    /// from one place.
    #[cfg(feature = "jwks")]
    #[error("configure either a remote JWK Set (.jwks) or local keys (.secret, .key, .jwk_set), not both")]
    JwksWithLocalKeys,
    /// An allowed algorithm cannot come from a remote JWK Set: HMAC secrets are never taken
    /// from one.
    #[cfg(feature = "jwks")]
    #[error("algorithm {0:?} is allowed, but a remote JWK Set supplies public keys only: allow RS*, PS*, ES* or EdDSA")]
    JwksAlgorithm(jsonwebtoken::Algorithm),
    /// The JWK Set URL is not usable.
    #[cfg(feature = "jwks")]
    #[error("JWK Set URL: {0}")]
    InvalidJwksUrl(JwksUrlProblem),
    /// Several remote key sets (`.jwks(..)` called more than once) that cannot be told apart
    /// by the token's `iss`.
    #[cfg(feature = "jwks")]
    #[error("remote key sets: {0}")]
    JwksIssuers(JwksIssuerProblem),
    /// The default HTTP client for the JWK Set could not be built (its TLS backend failed).
    #[cfg(feature = "jwks")]
    #[error("the HTTP client for the JWK Set could not be built")]
    JwksClient(#[source] reqwest::Error),
    /// Two backends of a [`Chain`](crate::backend::Chain) have the same OpenAPI scheme name
    /// (rename one, e.g. with `JwtAuthBuilder::openapi_scheme_name`): from `build()`, or from
    /// `OpenApiSecurity::try_modify` for names only the OpenAPI schemes carry.
    #[error("two backends name their security scheme `{0}`")]
    DuplicateScheme(String),
    /// A backend's [`challenge_scheme`](crate::AuthBackend::challenge_scheme) is not an RFC
    /// 9110 token.
    #[error("challenge scheme `{0}` is not a token (letters, digits, !#$%&'*+-.^_`|~)")]
    InvalidChallengeScheme(&'static str),
    /// The jsonwebtoken crypto backend is not usable in this process.
    #[error(
        "no usable jsonwebtoken crypto backend: enable the `aws-lc-rs` or `rust-crypto` feature"
    )]
    CryptoBackend,
}
