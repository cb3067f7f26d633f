//! Step *authenticate*: the backend finds its credential in the request head and checks it.
//! No credential at all is a 401 with a bare challenge.

use http::request::Parts;

use crate::backend::AuthBackend;
use crate::error::{AuthError, AuthErrorKind};

/// The checked credential, or why the request is refused.
pub(crate) async fn credential<B: AuthBackend>(
    backend: &B,
    parts: &Parts,
) -> Result<B::Credential, AuthError> {
    match backend.authenticate(parts).await? {
        Some(credential) => Ok(credential),
        None => Err(AuthError::new(AuthErrorKind::MissingToken)),
    }
}
