//! Step *reject*: every refusal of the flow becomes a response in one place, the
//! [`ErrorHandler`] (the default one answers `{"status_code": N, "detail": ".."}` with an
//! RFC 6750 challenge). Client errors are logged at `debug`, server-side failures at `error`;
//! never a credential.

use std::sync::{Arc, PoisonError};

use std::sync::RwLock;

use axum::body::Bytes;
use axum::response::Response;
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};

use crate::error::{AuthError, AuthErrorKind};
use crate::response::{json_error_body, json_response_with};

/// Turns a rejection into a response. Replace the default with
/// [`JwtAuthBuilder::error_handler`](crate::JwtAuthBuilder::error_handler); any `Fn(&AuthError) -> Response` is a handler.
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use axum_jwt_layer::{AuthError, flow::ErrorHandler};
///
/// fn plain(error: &AuthError) -> Response {
///     (error.status(), error.detail()).into_response()
/// }
/// let response = plain.handle(&AuthError::new(axum_jwt_layer::error::AuthErrorKind::MissingToken), "api");
/// assert_eq!(response.status(), 401);
/// ```
pub trait ErrorHandler: Send + Sync + 'static {
    /// The response for `error`; `realm` is the configured realm.
    fn handle(&self, error: &AuthError, realm: &str) -> Response;
}

impl<F> ErrorHandler for F
where
    F: Fn(&AuthError) -> Response + Send + Sync + 'static,
{
    fn handle(&self, error: &AuthError, _realm: &str) -> Response {
        self(error)
    }
}

/// The default response: `{"status_code": N, "detail": ".."}` and, on 400 and 401, a
/// `WWW-Authenticate: Bearer realm=".."` challenge with the RFC 6750 `error` attribute when
/// a token was presented. A 403 of an authorization guard (scope, role or predicate) carries
/// `error="insufficient_scope"` (RFC 6750 §3.1), with `scope=".."` when scopes were
/// required; the cross-origin 403 carries no challenge. With a
/// [`ProtectedResource`](super::ProtectedResource) configured, the 401 and
/// `insufficient_scope` challenges also carry `resource_metadata="<url>"` (RFC 9728 section
/// 5.1).
///
/// A backend with another scheme ([`AuthBackend::challenge_scheme`](crate::AuthBackend::challenge_scheme):
/// `Session`, `ApiKey`) gets `<scheme> realm=".."` on a 401 only, without RFC 6750's
/// attributes. A 401 without any credential behind a [`Chain`](crate::backend::Chain) carries
/// one `WWW-Authenticate` field per scheme ([`AuthError::challenge_schemes`]).
///
/// ```
/// use axum_jwt_layer::{AuthError, error::AuthErrorKind, flow::{DefaultErrorHandler, ErrorHandler}};
///
/// let response = DefaultErrorHandler.handle(&AuthError::new(AuthErrorKind::MissingToken), "api");
/// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
/// let response = DefaultErrorHandler.handle(&AuthError::new(AuthErrorKind::MissingRole), "api");
/// assert_eq!(response.status(), 403);
/// assert_eq!(
///     response.headers()["www-authenticate"],
///     r#"Bearer realm="api", error="insufficient_scope", error_description="Required role missing""#
/// );
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultErrorHandler;

impl ErrorHandler for DefaultErrorHandler {
    fn handle(&self, error: &AuthError, realm: &str) -> Response {
        Answer::new(error, realm).response()
    }
}

/// The default response, in parts: the same for every refusal of one kind, so the flow
/// builds it once per kind and then only copies handles to it.
#[derive(Clone)]
struct Answer {
    status: StatusCode,
    body: Bytes,
    /// One challenge per scheme: several only for a 401 without any credential behind a
    /// chain of backends (RFC 9110 §11.6.1 allows a challenge list).
    challenges: Vec<HeaderValue>,
}

impl Answer {
    fn new(error: &AuthError, realm: &str) -> Self {
        let challenges = error.challenge_schemes();
        Self {
            status: error.status(),
            body: json_error_body(error.status(), error.detail()),
            challenges: challenges
                .filter_map(|scheme| challenge(error, scheme, realm))
                .collect(),
        }
    }

    fn response(&self) -> Response {
        let mut response = json_response_with(self.status, self.body.clone());
        let headers = response.headers_mut();
        for challenge in &self.challenges {
            headers.append(WWW_AUTHENTICATE, challenge.clone());
        }
        response
    }
}

/// The challenge of `scheme` for `error`, when its status calls for one: a challenge asks
/// for credentials (400 and 401) or for a token with more privileges (403
/// `insufficient_scope`); a cross-origin 403 is about neither.
fn challenge(error: &AuthError, scheme: &str, realm: &str) -> Option<HeaderValue> {
    let status = error.status().as_u16();
    let detail = error.detail();
    let code = error.rfc6750_error();
    let mut challenge = format!(r#"{scheme} realm="{realm}""#);
    if scheme != "Bearer" {
        // Another scheme: its name, the realm and the RFC 9728 metadata on a 401; RFC 6750's
        // error attributes are Bearer's.
        if status != 401 {
            return None;
        }
    } else {
        if !matches!(status, 400 | 401) && code != Some("insufficient_scope") {
            return None;
        }
        if let Some(code) = code {
            challenge += &format!(r#", error="{code}", error_description="{detail}""#);
        }
        if let Some(scope) = error.required_scope() {
            challenge += &format!(r#", scope="{scope}""#);
        }
    }
    // RFC 9728 section 5.1: where a client learns how to get a token; not on a 400.
    if let Some(url) = error.resource_metadata().filter(|_| status != 400) {
        challenge += &format!(r#", resource_metadata="{url}""#);
    }
    // The realm was checked at build(), the schemes too, the scopes when their requirement
    // was built, the metadata URL by build(); the rest is from a fixed ASCII set.
    HeaderValue::from_str(&challenge).ok()
}

/// How the flow answers a refusal: the handler, the realm of the challenge and the URL of the
/// protected resource metadata, when configured.
pub(crate) struct Reject {
    pub(crate) handler: Box<dyn ErrorHandler>,
    pub(crate) realm: String,
    pub(crate) resource_metadata: Option<Arc<str>>,
    /// The backend's challenge scheme, when it is not `Bearer`.
    pub(crate) scheme: Option<&'static str>,
    /// Every challenge scheme of a backend that has several (a chain), for a 401 without
    /// any credential.
    pub(crate) schemes: Option<Arc<[&'static str]>>,
    /// With the default handler: its answers, built at the first refusal of each kind
    /// (finitely many: kinds times the backend's schemes), so that a refusal costs no
    /// formatting. `None` with a custom handler, which sees every error.
    answers: Option<RwLock<Vec<(AnswerKey, Answer)>>>,
}

/// What the default answer depends on besides the configuration: the kind, and the scheme
/// or schemes it challenges with. Refusals with scopes (a guard's) are built each time.
#[derive(Clone, Copy, PartialEq)]
struct AnswerKey {
    kind: AuthErrorKind,
    scheme: &'static str,
    several: bool,
}

impl Reject {
    /// How a configuration answers: `handler`, or the default one (with its answers built
    /// once per kind).
    pub(crate) fn new(
        handler: Option<Box<dyn ErrorHandler>>,
        realm: String,
        resource_metadata: Option<Arc<str>>,
        scheme: &'static str,
        schemes: Vec<&'static str>,
    ) -> Self {
        let answers = handler.is_none().then(RwLock::default);
        Self {
            handler: handler.unwrap_or_else(|| Box::new(DefaultErrorHandler)),
            realm,
            resource_metadata,
            scheme: Some(scheme).filter(|s| *s != "Bearer"),
            schemes: (schemes.len() > 1).then(|| schemes.into()),
            answers,
        }
    }

    /// The response for `error`, without logging.
    pub(crate) fn response(&self, error: &AuthError) -> Response {
        if let Some(answers) = &self.answers {
            if error.required_scope().is_none() {
                return self.prebuilt(answers, error);
            }
        }
        let (scheme, several) = self.challenge_of(error);
        if self.resource_metadata.is_none() && scheme.is_none() && several.is_none() {
            return self.handler.handle(error, &self.realm);
        }
        self.handler
            .handle(&self.with_configuration(error), &self.realm)
    }

    /// `error` with what the configuration adds: the metadata URL and the scheme or schemes
    /// of its challenge.
    fn with_configuration(&self, error: &AuthError) -> AuthError {
        let (scheme, several) = self.challenge_of(error);
        let mut error = error.clone();
        if let Some(url) = &self.resource_metadata {
            error = error.with_resource_metadata(Arc::clone(url));
        }
        if let Some(scheme) = scheme {
            error = error.with_challenge_scheme(scheme);
        }
        if let Some(schemes) = several {
            error = error.with_challenge_schemes(Arc::clone(schemes));
        }
        error
    }

    /// What the configuration adds to `error`'s challenge, unless a backend of a chain
    /// already named the scheme that refused: its scheme when that is not `Bearer`, and
    /// every scheme of a chain for a 401 without any credential.
    fn challenge_of(
        &self,
        error: &AuthError,
    ) -> (Option<&'static str>, Option<&Arc<[&'static str]>>) {
        if error.has_challenge_scheme() {
            return (None, None);
        }
        let several = match error.kind() {
            AuthErrorKind::MissingToken => self.schemes.as_ref(),
            _ => None,
        };
        (self.scheme, several)
    }

    /// The default handler's answer to `error`, built once per [`AnswerKey`].
    fn prebuilt(&self, answers: &RwLock<Vec<(AnswerKey, Answer)>>, error: &AuthError) -> Response {
        let (scheme, several) = self.challenge_of(error);
        let scheme = scheme.unwrap_or_else(|| error.challenge_scheme_static());
        // The scheme is one of the configuration's (or a chain's backends', tagged on the
        // way): anything else is answered without the table, which stays bounded.
        let known = scheme == "Bearer"
            || self.scheme == Some(scheme)
            || self
                .schemes
                .as_ref()
                .is_some_and(|all| all.contains(&scheme));
        if !known {
            return self
                .handler
                .handle(&self.with_configuration(error), &self.realm);
        }
        let key = AnswerKey {
            kind: error.kind(),
            scheme,
            several: several.is_some(),
        };
        let read = answers.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, answer)) = read.iter().find(|(k, _)| *k == key) {
            return answer.response();
        }
        drop(read);
        let answer = Answer::new(&self.with_configuration(error), &self.realm);
        let mut write = answers.write().unwrap_or_else(PoisonError::into_inner);
        if !write.iter().any(|(k, _)| *k == key) {
            write.push((key, answer.clone()));
        }
        answer.response()
    }

    /// Logs why the request was refused (never the credential), then answers.
    pub(crate) fn refuse(&self, error: &AuthError) -> Response {
        log(error);
        self.response(error)
    }
}

fn log(error: &AuthError) {
    let source = std::error::Error::source(error);
    match error.kind() {
        AuthErrorKind::ResolverFailed => match source {
            Some(source) => tracing::error!(error = %source, "user resolver failed"),
            None => tracing::error!("user resolver panicked"),
        },
        AuthErrorKind::StoreUnavailable => match source {
            Some(source) => {
                tracing::error!(error = %source, "revocation store failed; refusing the request")
            }
            None => tracing::error!("revocation store failed; refusing the request"),
        },
        AuthErrorKind::ResolverTimedOut => {
            tracing::error!("user resolver did not answer in time; refusing the request")
        }
        AuthErrorKind::UserNotFound => {
            tracing::debug!("request rejected: resolver found no user")
        }
        AuthErrorKind::Revoked => tracing::debug!("request rejected: token revoked"),
        _ => tracing::debug!(%error, "request rejected"),
    }
}
