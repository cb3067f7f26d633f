//! Step *revoke*: with a [`RevocationStore`](crate::revocation::RevocationStore) configured, the checked
//! credential is looked up before the resolver runs. A credential without ids (a JWT without
//! `jti`) counts as revoked; a store that cannot answer refuses the request (503, fail closed).

use std::sync::Arc;

use crate::backend::AuthBackend;
use crate::error::{AuthError, AuthErrorKind};
use crate::revocation::ErasedStore;

/// Whether `credential` may pass: `Ok(())`, or the refusal.
pub(crate) async fn check<B: AuthBackend>(
    store: &dyn ErasedStore,
    credential: &B::Credential,
) -> Result<(), AuthError> {
    let Some(ids) = B::revocation_ids(credential) else {
        return Err(AuthError::new(AuthErrorKind::Revoked));
    };
    match store.is_revoked_dyn(ids).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(AuthError::new(AuthErrorKind::Revoked)),
        Err(error) => {
            let source = Arc::new(error);
            Err(AuthError::with_source(
                AuthErrorKind::StoreUnavailable,
                Some(source),
            ))
        }
    }
}
