//! A backend of the test's own (an `X-API-Key` header) through the general layer: excludes,
//! the resolver, `AuthUser<U>` and the credential as extractors, the 401/400/500 mapping,
//! optional auth on excluded routes, revocation by the backend's ids, and a configuration
//! without a resolver.

use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::routing::get;
use axum::{Extension, Router};
use axum_jwt_layer::{
    error::{AuthErrorKind, InvalidRequestReason},
    revocation::{MemoryRevocationStore, Revocation, RevocationStore, TokenIds},
    AuthBackend, AuthError, AuthLayer, AuthUser, AuthenticatorBuilder,
};
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// A checked API key: the key's id and its owner.
#[derive(Clone, Debug, PartialEq)]
struct ApiKey {
    id: String,
    owner: String,
}

/// Keys `key-alice` and `key-bob`; anything else in `X-API-Key` is refused.
struct ApiKeys;

impl AuthBackend for ApiKeys {
    type Credential = ApiKey;

    fn authenticate(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<ApiKey>, AuthError>> + Send {
        let mut values = parts.headers.get_all("x-api-key").iter();
        let found = match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(AuthError::new(AuthErrorKind::InvalidRequest(
                InvalidRequestReason::DuplicateHeader,
            ))),
            (Some(value), None) => match value.to_str() {
                Ok("key-alice") => Ok(Some(ApiKey {
                    id: "k1".to_owned(),
                    owner: "alice".to_owned(),
                })),
                Ok("key-bob") => Ok(Some(ApiKey {
                    id: "k2".to_owned(),
                    owner: "bob".to_owned(),
                })),
                _ => Err(AuthError::new(AuthErrorKind::CredentialRefused)),
            },
        };
        async move { found }
    }

    fn revocation_ids(key: &ApiKey) -> Option<TokenIds<'_>> {
        Some(TokenIds::new(&key.id, &key.owner))
    }
}

#[derive(Clone, Debug, PartialEq)]
struct User {
    name: String,
}

/// What the resolver saw: the key and the request path, per call.
type Seen = Arc<Mutex<Vec<(ApiKey, String)>>>;

fn builder(seen: &Seen) -> AuthenticatorBuilder<ApiKeys, User> {
    let seen = Arc::clone(seen);
    AuthenticatorBuilder::new(ApiKeys)
        .resolver(move |key: ApiKey, parts: &Parts| {
            seen.lock()
                .unwrap()
                .push((key.clone(), parts.uri.path().to_owned()));
            async move {
                // bob's key is valid, but bob is no user (any more).
                Ok::<_, Infallible>((key.owner == "alice").then(|| User {
                    name: key.owner.clone(),
                }))
            }
        })
        .exclude(["/public"])
}

fn app(builder: AuthenticatorBuilder<ApiKeys, User>) -> Router {
    Router::new()
        .route(
            "/me",
            get(
                |AuthUser(user): AuthUser<User>, Extension(key): Extension<ApiKey>| async move {
                    format!("{} with {}", user.name, key.id)
                },
            ),
        )
        .route(
            "/public",
            get(|user: Option<AuthUser<User>>| async move {
                format!("public, user: {}", user.is_some())
            }),
        )
        .layer(AuthLayer::new(builder.build().unwrap()))
}

struct Reply {
    status: StatusCode,
    challenge: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn send(app: &Router, path: &str, keys: &[&str]) -> Reply {
    let mut request = Request::get(path);
    for key in keys {
        request = request.header("x-api-key", *key);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        challenge,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[tokio::test]
async fn a_valid_key_reaches_the_handler_with_the_user_and_the_credential() {
    let seen = Seen::default();
    let app = app(builder(&seen));
    let reply = send(&app, "/me", &["key-alice"]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "alice with k1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "the resolver runs once per request");
    assert_eq!(seen[0].0.owner, "alice");
    assert_eq!(seen[0].1, "/me", "the resolver sees the request head");
}

#[tokio::test]
async fn missing_refused_and_unknown_user_map_to_401_without_running_the_handler() {
    let seen = Seen::default();
    let app = app(builder(&seen));

    let missing = send(&app, "/me", &[]).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.challenge.as_deref(), Some(r#"Bearer realm="api""#));
    assert_eq!(
        missing.json(),
        json!({"status_code": 401, "detail": "Authentication required"})
    );

    let refused = send(&app, "/me", &["key-mallory"]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused
        .challenge
        .as_deref()
        .unwrap()
        .contains(r#"error="invalid_token""#));
    assert_eq!(refused.json()["detail"], "Invalid credentials");
    assert!(!refused.body.contains("key-mallory"));
    assert!(
        seen.lock().unwrap().is_empty(),
        "a refused key never reaches the resolver"
    );

    let no_user = send(&app, "/me", &["key-bob"]).await;
    assert_eq!(no_user.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_user.json()["detail"], "Invalid or expired token");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_malformed_request_is_a_400_from_the_backend() {
    let seen = Seen::default();
    let app = app(builder(&seen));
    let reply = send(&app, "/me", &["key-alice", "key-bob"]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply
        .challenge
        .as_deref()
        .unwrap()
        .contains(r#"error="invalid_request""#));
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn excluded_routes_skip_the_backend_and_carry_no_identity() {
    let seen = Seen::default();
    let app = app(builder(&seen));
    for keys in [&[][..], &["key-alice"][..], &["key-mallory"][..]] {
        let reply = send(&app, "/public", keys).await;
        assert_eq!(reply.status, StatusCode::OK, "{keys:?}");
        assert_eq!(reply.body, "public, user: false");
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_error_handler_and_realm_apply_to_a_custom_backend() {
    let seen = Seen::default();
    let app = app(builder(&seen)
        .realm("keys")
        .error_handler(|error: &AuthError| {
            axum::response::IntoResponse::into_response((error.status(), "custom"))
        }));
    let reply = send(&app, "/me", &["key-mallory"]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, "custom");
}

#[tokio::test]
async fn a_revoked_key_is_refused_by_the_ids_the_backend_gives() {
    let seen = Seen::default();
    let store = MemoryRevocationStore::new(100);
    store
        .revoke(
            Revocation::Token {
                jti: "k1",
                subject: "alice",
            },
            i64::MAX,
        )
        .await
        .unwrap();
    let app = app(builder(&seen).revocation(store));
    let reply = send(&app, "/me", &["key-alice"]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["detail"], "Invalid or expired token");
    assert!(
        seen.lock().unwrap().is_empty(),
        "revocation runs before the resolver"
    );
}

#[tokio::test]
async fn without_a_resolver_the_credential_is_attached_alone() {
    let auth = AuthenticatorBuilder::<ApiKeys, User>::new(ApiKeys)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/key",
            get(|Extension(key): Extension<ApiKey>| async move { key.owner }),
        )
        .route(
            "/me",
            get(|AuthUser(user): AuthUser<User>| async move { user.name }),
        )
        .layer(AuthLayer::new(auth));
    let reply = send(&app, "/key", &["key-bob"]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "bob");
    let reply = send(&app, "/me", &["key-bob"]).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let reply = send(&app, "/key", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// A backend that never finds a credential, challenging with `scheme`.
struct Named(&'static str);

impl AuthBackend for Named {
    type Credential = ();

    async fn authenticate(&self, _: &Parts) -> Result<Option<()>, AuthError> {
        Ok(None)
    }

    fn challenge_scheme(&self) -> &'static str {
        self.0
    }
}

#[tokio::test]
async fn a_backend_of_another_scheme_challenges_with_its_own_name() {
    use axum_jwt_layer::flow::ProtectedResource;
    let challenge = |builder: AuthenticatorBuilder<Named, ()>| async move {
        let app: Router = Router::new()
            .route("/x", get(|| async { "x" }))
            .layer(AuthLayer::new(builder.build().unwrap()));
        let request = Request::get("/x").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let all: Vec<_> = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .collect();
        assert_eq!(all.len(), 1, "one challenge");
        all[0].to_str().unwrap().to_owned()
    };
    let plain = AuthenticatorBuilder::new(Named("ApiKey"));
    assert_eq!(challenge(plain).await, r#"ApiKey realm="api""#);
    let published = AuthenticatorBuilder::new(Named("ApiKey"))
        .protected_resource(ProtectedResource::new("https://api.example.com"));
    assert_eq!(
        challenge(published).await,
        r#"ApiKey realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
    );
    let refused = AuthenticatorBuilder::<Named, ()>::new(Named("Api Key")).build();
    assert!(matches!(
        refused,
        Err(axum_jwt_layer::ConfigError::InvalidChallengeScheme(
            "Api Key"
        ))
    ));
}
