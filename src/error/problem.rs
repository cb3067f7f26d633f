//! The typed details of [`ConfigError`](super::ConfigError): which key problem, which
//! exclude-pattern problem, which cookie setting, which JWK Set URL problem, which duration.
//! Each `Display`s the fixed text the message shows.

use std::fmt;

/// What is wrong with a key ([`ConfigError::InvalidKey`](super::ConfigError::InvalidKey)).
///
/// ```
/// use axum_jwt_layer::error::KeyProblem;
/// assert_eq!(KeyProblem::NotPem.to_string(), "not PEM: expected a `-----BEGIN ...-----` block");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The text: "malformed DER".
    MalformedDer,
    /// The text: "unexpected DER structure".
    UnexpectedDer,
    /// The text: "trailing data after the DER structure".
    TrailingData,
    /// The text: "RSASSA-PSS-only keys (id-RSASSA-PSS) are not supported: use an rsaEncryption key".
    RsaPssOnly,
    /// The text: "unsupported elliptic curve: only P-256 and P-384 are supported".
    UnsupportedCurve,
    /// The text: "unsupported key type: only RSA, EC P-256/P-384 and Ed25519 are supported".
    UnsupportedKeyType,
    /// The text: "SEC1 `EC PRIVATE KEY` is not supported: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)".
    Sec1,
    /// The text: "with_public pairs a private key with a public key".
    WithPublicNotPublic,
    /// The text: "the public key is of another type than the private key: one key, one family".
    PublicOfAnotherType,
    /// The text: "this private key does not carry its public key: add it with Key::with_public".
    MissingPublicHalf,
    /// The text: "this is PEM, not DER: use Key::public_pem or Key::private_pem".
    PemGivenAsDer,
    /// The text: "this is a private key: use Key::private_pem".
    PrivateGivenAsPublic,
    /// The text: "this is a public key: use Key::public_pem".
    PublicGivenAsPrivate,
    /// The text: "certificates are not supported: extract the public key (openssl x509 -pubkey)".
    Certificate,
    /// The text: "encrypted private keys are not supported: decrypt the key first".
    EncryptedKey,
    /// The text: "unsupported PEM label".
    UnsupportedPemLabel,
    /// The text: "RSA public exponent is zero".
    ZeroExponent,
    /// The text: "Ed25519 public key is not 32 bytes".
    Ed25519Length,
    /// The text: "EC public key is not an uncompressed point of its curve".
    NotAPoint,
    /// The text: "a JWK member is not base64url".
    JwkNotBase64url,
    /// The text: "JWK `use` is not `sig`".
    JwkUseNotSig,
    /// The text: "JWK `key_ops` does not include `verify`".
    JwkKeyOpsWithoutVerify,
    /// The text: "JWK `alg` is not a signature algorithm this crate supports".
    JwkAlgUnsupported,
    /// The text: "unsupported OKP curve: only Ed25519 is supported".
    UnsupportedOkpCurve,
    /// The text: "JWK `alg` does not fit its key type".
    JwkAlgMismatch,
    /// The text: "not PEM: expected a `-----BEGIN ...-----` block".
    NotPem,
    /// The text: "PEM END line does not match its BEGIN line".
    PemEndMismatch,
    /// The text: "encrypted or annotated PEM is not supported: decrypt the key first".
    PemEncrypted,
    /// The text: "PEM body is not base64".
    PemNotBase64,
    /// The text: "none of the allowed algorithms fits this key (its type or JWK `alg`)".
    NoAllowedAlgorithm,
    /// The text: "the crypto backend cannot sign with this private key".
    CannotSign,
    /// The text: "the public key does not verify what the private key signs: not a pair".
    NotAPair,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MalformedDer => "malformed DER",
            Self::UnexpectedDer => "unexpected DER structure",
            Self::TrailingData => "trailing data after the DER structure",
            Self::RsaPssOnly => "RSASSA-PSS-only keys (id-RSASSA-PSS) are not supported: use an rsaEncryption key",
            Self::UnsupportedCurve => "unsupported elliptic curve: only P-256 and P-384 are supported",
            Self::UnsupportedKeyType => "unsupported key type: only RSA, EC P-256/P-384 and Ed25519 are supported",
            Self::Sec1 => "SEC1 `EC PRIVATE KEY` is not supported: convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)",
            Self::WithPublicNotPublic => "with_public pairs a private key with a public key",
            Self::PublicOfAnotherType => "the public key is of another type than the private key: one key, one family",
            Self::MissingPublicHalf => "this private key does not carry its public key: add it with Key::with_public",
            Self::PemGivenAsDer => "this is PEM, not DER: use Key::public_pem or Key::private_pem",
            Self::PrivateGivenAsPublic => "this is a private key: use Key::private_pem",
            Self::PublicGivenAsPrivate => "this is a public key: use Key::public_pem",
            Self::Certificate => "certificates are not supported: extract the public key (openssl x509 -pubkey)",
            Self::EncryptedKey => "encrypted private keys are not supported: decrypt the key first",
            Self::UnsupportedPemLabel => "unsupported PEM label",
            Self::ZeroExponent => "RSA public exponent is zero",
            Self::Ed25519Length => "Ed25519 public key is not 32 bytes",
            Self::NotAPoint => "EC public key is not an uncompressed point of its curve",
            Self::JwkNotBase64url => "a JWK member is not base64url",
            Self::JwkUseNotSig => "JWK `use` is not `sig`",
            Self::JwkKeyOpsWithoutVerify => "JWK `key_ops` does not include `verify`",
            Self::JwkAlgUnsupported => "JWK `alg` is not a signature algorithm this crate supports",
            Self::UnsupportedOkpCurve => "unsupported OKP curve: only Ed25519 is supported",
            Self::JwkAlgMismatch => "JWK `alg` does not fit its key type",
            Self::NotPem => "not PEM: expected a `-----BEGIN ...-----` block",
            Self::PemEndMismatch => "PEM END line does not match its BEGIN line",
            Self::PemEncrypted => "encrypted or annotated PEM is not supported: decrypt the key first",
            Self::PemNotBase64 => "PEM body is not base64",
            Self::NoAllowedAlgorithm => "none of the allowed algorithms fits this key (its type or JWK `alg`)",
            Self::CannotSign => "the crypto backend cannot sign with this private key",
            Self::NotAPair => "the public key does not verify what the private key signs: not a pair",
        })
    }
}

/// What is wrong with an exclude pattern
/// ([`ConfigError::InvalidExcludePattern`](super::ConfigError::InvalidExcludePattern)).
///
/// ```
/// use axum_jwt_layer::error::PatternProblem;
/// assert_eq!(PatternProblem::DotSegment.to_string(), "dot segment");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternProblem {
    /// The text: "must start with `/`".
    NotAnchored,
    /// The text: "contains `%`, `?`, `#`, `;`, `\` or a space".
    ForbiddenCharacter,
    /// The text: "empty segment (`//`)".
    EmptySegment,
    /// The text: "dot segment".
    DotSegment,
    /// The text: "`*` only as a trailing `/*` or `{*rest}`".
    MisplacedWildcard,
    /// The text: "a `{param}` must be a whole segment".
    PartialParameter,
    /// The text: "a template cannot end in `/*`".
    TemplateWithWildcard,
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAnchored => "must start with `/`",
            Self::ForbiddenCharacter => "contains `%`, `?`, `#`, `;`, `\\` or a space",
            Self::EmptySegment => "empty segment (`//`)",
            Self::DotSegment => "dot segment",
            Self::MisplacedWildcard => "`*` only as a trailing `/*` or `{*rest}`",
            Self::PartialParameter => "a `{param}` must be a whole segment",
            Self::TemplateWithWildcard => "a template cannot end in `/*`",
        })
    }
}

/// What is wrong with the auth cookie settings
/// ([`ConfigError::InvalidCookie`](super::ConfigError::InvalidCookie)).
///
/// ```
/// use axum_jwt_layer::error::CookieProblem;
/// assert_eq!(CookieProblem::SameSiteNoneWithoutSecure.to_string(), "SameSite=None requires Secure");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieProblem {
    /// The text: "the name is not an RFC 6265 token".
    Name,
    /// The text: "the path must start with `/` and hold no `;`".
    Path,
    /// The text: "the domain is empty or holds `;`".
    Domain,
    /// The text: "SameSite=None requires Secure".
    SameSiteNoneWithoutSecure,
}

impl fmt::Display for CookieProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Name => "the name is not an RFC 6265 token",
            Self::Path => "the path must start with `/` and hold no `;`",
            Self::Domain => "the domain is empty or holds `;`",
            Self::SameSiteNoneWithoutSecure => "SameSite=None requires Secure",
        })
    }
}

/// What is wrong with the JWK Set URL
/// (`ConfigError::InvalidJwksUrl`, feature `jwks`).
///
/// ```
/// use axum_jwt_layer::error::JwksUrlProblem;
/// assert_eq!(JwksUrlProblem::NotHttps.to_string(), "the scheme must be https");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksUrlProblem {
    /// The text: "not an absolute URL".
    NotAbsolute,
    /// The text: "plain http is allowed only to a loopback host: use https, or JwksSource::allow_http".
    PlainHttp,
    /// The text: "the scheme must be https".
    NotHttps,
}

impl fmt::Display for JwksUrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAbsolute => "not an absolute URL",
            Self::PlainHttp => "plain http is allowed only to a loopback host: use https, or JwksSource::allow_http",
            Self::NotHttps => "the scheme must be https",
        })
    }
}

/// Why several remote key sets cannot be told apart
/// (`ConfigError::JwksIssuers`, feature `jwks`).
///
/// ```
/// use axum_jwt_layer::error::JwksIssuerProblem;
/// assert_eq!(
///     JwksIssuerProblem::Missing.to_string(),
///     "with several key sources, each names its issuer: JwksSource::discover or JwksSource::for_issuer"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksIssuerProblem {
    /// The text: "with several key sources, each names its issuer: JwksSource::discover or JwksSource::for_issuer".
    Missing,
    /// The text: "two key sources name the same issuer".
    Duplicate,
    /// The text: "a key source names an issuer that accepted_issuers does not list".
    NotAccepted,
    /// The text: "JwksSource::for_issuer differs from the issuer given to JwksSource::discover".
    Conflicting,
}

impl fmt::Display for JwksIssuerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "with several key sources, each names its issuer: JwksSource::discover or JwksSource::for_issuer",
            Self::Duplicate => "two key sources name the same issuer",
            Self::NotAccepted => "a key source names an issuer that accepted_issuers does not list",
            Self::Conflicting => "JwksSource::for_issuer differs from the issuer given to JwksSource::discover",
        })
    }
}

/// What is wrong with the RFC 9728 protected resource metadata
/// ([`ConfigError::InvalidProtectedResource`](super::ConfigError::InvalidProtectedResource)).
///
/// ```
/// use axum_jwt_layer::error::ProtectedResourceProblem;
/// assert_eq!(
///     ProtectedResourceProblem::ResourceQuery.to_string(),
///     "the resource identifier must have no query component (RFC 8707 section 2)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtectedResourceProblem {
    /// The text: "the resource identifier must be an absolute https URL: `https://host[:port][/path]`, visible ASCII, without user info".
    ResourceNotUrl,
    /// The text: "the resource identifier must have no query component (RFC 8707 section 2)".
    ResourceQuery,
    /// The text: "the resource identifier must have no fragment component (RFC 9728 section 1.2)".
    ResourceFragment,
    /// The text: "an authorization server must be an issuer identifier: an absolute https URL without query or fragment (RFC 8414 section 2)".
    AuthorizationServer,
    /// The text: "plain http is allowed only to a loopback host: use https, or ProtectedResource::allow_http".
    PlainHttp,
    /// The text: "a supported scope must be a scope token: printable ASCII without spaces, `"` or `\` (RFC 6749 section 3.3)".
    Scope,
}

impl fmt::Display for ProtectedResourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ResourceNotUrl => "the resource identifier must be an absolute https URL: `https://host[:port][/path]`, visible ASCII, without user info",
            Self::ResourceQuery => "the resource identifier must have no query component (RFC 8707 section 2)",
            Self::ResourceFragment => "the resource identifier must have no fragment component (RFC 9728 section 1.2)",
            Self::AuthorizationServer => "an authorization server must be an issuer identifier: an absolute https URL without query or fragment (RFC 8414 section 2)",
            Self::PlainHttp => "plain http is allowed only to a loopback host: use https, or ProtectedResource::allow_http",
            Self::Scope => "a supported scope must be a scope token: printable ASCII without spaces, `\"` or `\\` (RFC 6749 section 3.3)",
        })
    }
}

/// Which duration is out of range
/// ([`ConfigError::DurationOutOfRange`](super::ConfigError::DurationOutOfRange)).
///
/// ```
/// use axum_jwt_layer::error::DurationSetting;
/// assert_eq!(DurationSetting::Leeway.to_string(), "leeway");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DurationSetting {
    /// `leeway`.
    Leeway,
    /// `token_expiration`.
    TokenExpiration,
    /// `max_lifetime`.
    MaxLifetime,
    /// `refresh token lifetime`.
    RefreshLifetime,
    /// `jwks refresh_interval`.
    JwksRefreshInterval,
    /// `jwks min_refetch`.
    JwksMinRefetch,
    /// `jwks cache_control_bounds`.
    JwksCacheControlBounds,
    /// `jwks timeout`.
    JwksTimeout,
    /// `resolver_timeout`.
    ResolverTimeout,
    /// `session lifetime` (1 second ..= 400 days, the longest `Max-Age` browsers keep).
    SessionLifetime,
    /// `session store_timeout`.
    SessionStoreTimeout,
}

impl fmt::Display for DurationSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Leeway => "leeway",
            Self::TokenExpiration => "token_expiration",
            Self::MaxLifetime => "max_lifetime",
            Self::RefreshLifetime => "refresh token lifetime",
            Self::JwksRefreshInterval => "jwks refresh_interval",
            Self::JwksMinRefetch => "jwks min_refetch",
            Self::JwksCacheControlBounds => "jwks cache_control_bounds",
            Self::JwksTimeout => "jwks timeout",
            Self::ResolverTimeout => "resolver_timeout",
            Self::SessionLifetime => "session lifetime",
            Self::SessionStoreTimeout => "session store_timeout",
        })
    }
}
