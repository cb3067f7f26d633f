//! One request after *skip*, top to bottom: authenticate -> revoke -> resolve -> attach the
//! credential and the user. The steps know nothing of JWT: they work for any
//! [`AuthBackend`]. Whatever refuses the request returns an [`AuthError`], which the layer
//! hands to step *reject*.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use http::request::Parts;

use super::metadata::Metadata;
use super::origin::CrossOrigin;
use super::reject::Reject;
use super::resolve::{self, Deadline, UserResolver};
use super::skip::Excludes;
use super::{attach, authenticate, revoke};
use crate::backend::AuthBackend;
use crate::error::AuthError;
use crate::revocation::ErasedStore;
use crate::token::ClaimPath;

/// Everything the flow needs, shared by every request (behind one `Arc`).
pub(crate) struct Shared<B, U> {
    pub(crate) backend: B,
    /// The RFC 9728 document the layer serves itself, when configured (before everything).
    pub(crate) metadata: Option<Metadata>,
    /// Cross-origin protection, when on (step *origin*, before *skip*).
    pub(crate) origin: Option<CrossOrigin>,
    pub(crate) skip: Excludes,
    pub(crate) revocation: Option<Arc<dyn ErasedStore>>,
    pub(crate) resolve: Arc<dyn Resolve<B, U>>,
    /// How long the resolver may take; `None`: no deadline.
    pub(crate) resolver_timeout: Option<Duration>,
    pub(crate) reject: Arc<Reject>,
    /// Where roles sit in the claims, for the authorization guards behind the layer.
    pub(crate) role_claims: Arc<[ClaimPath]>,
}

/// The steps of one authenticated request. `resolver` is `None` for a configuration that
/// attaches the credential alone.
async fn authorize<B, U, R>(
    shared: Arc<Shared<B, U>>,
    resolver: Option<Arc<WithResolver<R>>>,
    mut parts: Parts,
) -> Result<Parts, AuthError>
where
    B: AuthBackend,
    U: Clone + Send + Sync + 'static,
    R: UserResolver<U, B::Credential>,
{
    let credential = authenticate::credential(&shared.backend, &parts).await?;
    // The request's span (entered while this flow runs) names the subject; read here, from
    // the credential itself, so that a chain's (attached as its backend's own type) is too.
    // The span is at debug level: without a subscriber that wants it, no span lookup.
    if tracing::level_enabled!(tracing::Level::DEBUG) {
        let span = tracing::Span::current();
        if let Some(subject) = B::subject(&credential).filter(|_| !span.is_disabled()) {
            // Debug-formatted (quoted, escaped) for any subscriber.
            span.record("subject", tracing::field::debug(subject));
        }
    }
    if let Some(store) = &shared.revocation {
        revoke::check::<B>(store.as_ref(), &credential).await?;
    }
    // The resolver borrows the credential (a closure gets its own copy); then the credential
    // moves into the request head, with the user.
    let user = match &resolver {
        Some(resolver) => Some(resolve::user(&resolver.0, &credential, &parts).await?),
        None => None,
    };
    B::attach(credential, &mut parts.extensions);
    attach::user(&mut parts, user);
    Ok(parts)
}

/// The flow with the resolver's type erased, so that the configuration type names only the
/// backend and the user. The one boxed future of a request.
pub(crate) trait Resolve<B, U>: Send + Sync {
    fn authorize(
        self: Arc<Self>,
        shared: Arc<Shared<B, U>>,
        parts: Parts,
    ) -> BoxFuture<'static, Result<Parts, AuthError>>;
}

/// A configured resolver.
pub(crate) struct WithResolver<R>(pub(crate) R);

/// No resolver: requests carry the credential alone.
pub(crate) struct WithoutResolver;

impl<B, U, R> Resolve<B, U> for WithResolver<R>
where
    B: AuthBackend,
    U: Clone + Send + Sync + 'static,
    R: UserResolver<U, B::Credential>,
{
    fn authorize(
        self: Arc<Self>,
        shared: Arc<Shared<B, U>>,
        parts: Parts,
    ) -> BoxFuture<'static, Result<Parts, AuthError>> {
        // The deadline wraps the whole flow from the outside, so that configurations without
        // one keep the flow future as small as it is.
        match shared.resolver_timeout {
            None => Box::pin(authorize(shared, Some(self), parts)),
            Some(limit) => Box::pin(Deadline::new(limit, authorize(shared, Some(self), parts))),
        }
    }
}

impl<B, U> Resolve<B, U> for WithoutResolver
where
    B: AuthBackend,
    U: Clone + Send + Sync + 'static,
{
    fn authorize(
        self: Arc<Self>,
        shared: Arc<Shared<B, U>>,
        parts: Parts,
    ) -> BoxFuture<'static, Result<Parts, AuthError>> {
        Box::pin(authorize(shared, None::<Arc<WithResolver<Unused>>>, parts))
    }
}

/// The resolver type of [`WithoutResolver`]: never called.
struct Unused;

impl<U: Send, Cred> UserResolver<U, Cred> for Unused {
    type Error = Infallible;

    fn resolve(
        &self,
        _: &Cred,
        _: &Parts,
    ) -> impl Future<Output = Result<Option<U>, Infallible>> + Send {
        std::future::ready(Ok(None))
    }
}
