//! Several backends in order on one router (FastAPI Users' authenticator; SECURITY.md 56): a
//! bearer JWT and a session cookie through `Chain`. Each alone, both (the first that finds a
//! credential decides), a refused JWT beside a good session (refused, never passed on),
//! neither (one challenge per scheme), the extensions of each, duplicate scheme names at
//! `build()`, and the OpenAPI document of a chain.
#![cfg(feature = "session")]

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::authz::RequireScopes;
use axum_jwt_layer::backend::{Chain, Either};
use axum_jwt_layer::session::{SessionBackend, UserSession};
use axum_jwt_layer::{AuthLayer, AuthUser, AuthenticatorBuilder, ConfigError, JwtAuth, Token};
use common::{capture_logs, cross_site_post, get_with, send, session_pair, SECRET};
use http::Request;

struct App {
    router: Router,
    jwt: JwtAuth<String>,
    session_cookie: String,
    /// What the resolver was given: `jwt:<sub>` or `session:<data>`.
    seen: Arc<Mutex<Vec<String>>>,
}

async fn app() -> App {
    capture_logs();
    let jwt = JwtAuth::<String>::builder().secret(SECRET).build().unwrap();
    let sessions = SessionBackend::<String>::builder().build().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&seen);
    let auth = AuthenticatorBuilder::new(Chain::new(jwt.as_backend(), sessions))
        .resolver(
            move |credential: Either<Token, UserSession<String>>, _parts| {
                let user = match credential {
                    Either::First(token) => format!("jwt:{}", token.sub),
                    Either::Second(session) => format!("session:{}", session.into_data()),
                };
                record.lock().unwrap().push(user.clone());
                async move { Ok::<_, Infallible>(Some(user)) }
            },
        )
        .build()
        .unwrap();
    let session_cookie = session_pair(auth.backend().second(), "bob").await;
    let router = Router::new()
        .route(
            "/me",
            get(
                |AuthUser(user): AuthUser<String>,
                 token: Option<Token>,
                 session: Option<UserSession<String>>| async move {
                    format!(
                        "{user} token={} session={}",
                        token.is_some(),
                        session.is_some()
                    )
                },
            ),
        )
        .route("/change", post(|| async { "changed" }))
        .route(
            "/read",
            get(|| async { "read" }).route_layer(RequireScopes::new(["read"])),
        )
        .layer(AuthLayer::new(auth));
    App {
        router,
        jwt,
        session_cookie,
        seen,
    }
}

async fn me(app: &App, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let reply = send(&app.router, get_with("/me", headers)).await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn each_backend_alone_and_the_first_decides_when_both_are_present() {
    let app = app().await;
    let token = app.jwt.create_token("ada").sign().unwrap();
    let bearer = format!("Bearer {token}");
    assert_eq!(
        me(&app, &[("authorization", &bearer)]).await,
        (
            StatusCode::OK,
            "jwt:ada token=true session=false".to_owned()
        )
    );
    assert_eq!(
        me(&app, &[("cookie", &app.session_cookie)]).await,
        (
            StatusCode::OK,
            "session:bob token=false session=true".to_owned()
        )
    );
    assert_eq!(
        me(
            &app,
            &[("authorization", &bearer), ("cookie", &app.session_cookie)]
        )
        .await,
        (
            StatusCode::OK,
            "jwt:ada token=true session=false".to_owned()
        )
    );
    assert_eq!(
        *app.seen.lock().unwrap(),
        vec!["jwt:ada", "session:bob", "jwt:ada"]
    );
}

#[tokio::test]
async fn a_refused_jwt_is_never_passed_on_to_the_session() {
    let app = app().await;
    let token = app.jwt.create_token("ada").sign().unwrap();
    let forged = format!("Bearer {}x", &token[..token.len() - 1]);
    let reply = send(
        &app.router,
        get_with(
            "/me",
            &[("authorization", &forged), ("cookie", &app.session_cookie)],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // One challenge, of the backend that refused.
    assert_eq!(reply.challenges().len(), 1, "{:?}", reply.challenges());
    assert!(
        reply.challenge().unwrap().starts_with("Bearer"),
        "{:?}",
        reply.challenge()
    );
    assert!(
        app.seen.lock().unwrap().is_empty(),
        "the resolver never ran"
    );
}

#[tokio::test]
async fn a_401_without_credentials_challenges_with_each_scheme_a_refusal_with_its_own() {
    let app = app().await;
    let neither = send(&app.router, get_with("/me", &[])).await;
    assert_eq!(neither.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        neither.challenges(),
        [r#"Bearer realm="api""#, r#"Session realm="api""#]
    );

    // An unknown session id is the session backend's refusal: its scheme alone, no Bearer
    // error attributes.
    let unknown = "session=AAAAAAAAAAAAAAAAAAAAAA";
    let reply = send(&app.router, get_with("/me", &[("cookie", unknown)])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenges(), [r#"Session realm="api""#]);

    let token = app.jwt.create_token("ada").sign().unwrap();
    let forged = format!("Bearer {}x", &token[..token.len() - 1]);
    let reply = send(&app.router, get_with("/me", &[("authorization", &forged)])).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let challenges = reply.challenges();
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    assert!(
        challenges[0].starts_with(r#"Bearer realm="api", error="invalid_token""#),
        "{challenges:?}"
    );
    assert!(app.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_session_makes_the_chain_ambient() {
    let app = app().await;
    let forged = cross_site_post("/change", &app.session_cookie);
    assert_eq!(
        send(&app.router, forged).await.status,
        StatusCode::FORBIDDEN
    );
    // A bearer request is not ambient: cross-site is fine.
    let token = app.jwt.create_token("ada").sign().unwrap();
    let api = Request::post("/change")
        .header("authorization", format!("Bearer {token}"))
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, api).await.status, StatusCode::OK);
}

#[test]
fn duplicate_scheme_names_fail_build() {
    let jwt = || JwtAuth::<String>::builder().secret(SECRET);
    let (a, b) = (jwt().build().unwrap(), jwt().build().unwrap());
    let twice = AuthenticatorBuilder::<_, String>::new(Chain::new(a.as_backend(), b.as_backend()))
        .build()
        .map(|_| ());
    assert!(
        matches!(&twice, Err(ConfigError::DuplicateScheme(name)) if name == "BearerToken"),
        "{twice:?}"
    );
    let renamed = jwt().openapi_scheme_name("PartnerToken").build().unwrap();
    let apart =
        AuthenticatorBuilder::<_, String>::new(Chain::new(a.as_backend(), renamed.as_backend()))
            .build();
    assert!(apart.is_ok());
}

/// A scope guard reads a token: a request the session authenticated is asked for a bearer
/// token alone, not for every scheme of the chain; a token with the scope passes.
#[tokio::test]
async fn a_scope_guard_behind_a_chain_asks_for_a_token_alone() {
    let app = app().await;
    let reply = send(
        &app.router,
        get_with("/read", &[("cookie", &app.session_cookie)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenges(), [r#"Bearer realm="api""#]);
    // The answers are built once per kind of refusal: the layer's own 401 and the guard's,
    // in turns, each keep their challenges.
    for _ in 0..2 {
        let neither = send(&app.router, get_with("/read", &[])).await;
        assert_eq!(
            neither.challenges(),
            [r#"Bearer realm="api""#, r#"Session realm="api""#]
        );
        let guarded = send(
            &app.router,
            get_with("/read", &[("cookie", &app.session_cookie)]),
        )
        .await;
        assert_eq!(guarded.challenges(), [r#"Bearer realm="api""#]);
        assert_eq!(guarded.body, neither.body);
    }
    let token = app
        .jwt
        .create_token("ada")
        .extra("scope", "read")
        .sign()
        .unwrap();
    let bearer = format!("Bearer {token}");
    let reply = send(
        &app.router,
        get_with("/read", &[("authorization", &bearer)]),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "read")
    );
}

/// The request's span names the subject whichever backend of the chain accepted: the token's
/// `sub`, or the session's subject.
#[tokio::test]
async fn the_span_names_the_subject_of_either_backend() {
    let app = app().await;
    let token = app.jwt.create_token("chain-span-ada").sign().unwrap();
    let bearer = format!("Bearer {token}");
    assert_eq!(
        me(&app, &[("authorization", &bearer)]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        me(&app, &[("cookie", &app.session_cookie)]).await.0,
        StatusCode::OK
    );
    let logs = common::plain_logs();
    let spans = |subject: &str| {
        logs.lines()
            .filter(|line| line.contains("authenticate") && line.contains(subject))
            .count()
    };
    assert!(spans(r#"subject="chain-span-ada""#) > 0, "{logs}");
    assert!(spans(r#"subject="bob""#) > 0, "{logs}");
}

/// The document of a chain: one scheme per backend, and each protected operation accepts
/// either (a list of requirements is a list of alternatives); excluded operations none.
#[cfg(feature = "openapi")]
#[test]
fn the_openapi_document_lists_one_scheme_per_backend_as_alternatives() {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::{OpenApiBuilder, PathsBuilder};

    let jwt = JwtAuth::<String>::builder().secret(SECRET).build().unwrap();
    let sessions = SessionBackend::<String>::builder().build().unwrap();
    let auth = AuthenticatorBuilder::<_, String>::new(Chain::new(jwt.as_backend(), sessions))
        .exclude(["/login"])
        .build()
        .unwrap();
    let operation = || PathItem::new(HttpMethod::Get, OperationBuilder::new().build());
    let paths = PathsBuilder::new()
        .path("/me", operation())
        .path("/login", operation())
        .build();
    let mut doc = OpenApiBuilder::new().paths(paths).build();
    auth.openapi()
        .scopes("/me", http::Method::GET, ["profile"])
        .try_modify(&mut doc)
        .unwrap();
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(
        json["components"]["securitySchemes"],
        serde_json::json!({
            "BearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "SessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        })
    );
    assert_eq!(
        json["paths"]["/me"]["get"]["security"],
        serde_json::json!([{"BearerToken": ["profile"]}, {"SessionCookie": ["profile"]}])
    );
    assert_eq!(json["paths"]["/login"]["get"].get("security"), None);
}

/// A backend of one's own whose OpenAPI scheme takes a name another backend of the chain
/// already has: the document is refused, never one scheme silently replacing the other.
#[cfg(feature = "openapi")]
#[test]
fn two_openapi_schemes_with_one_name_are_refused_by_the_document() {
    use axum_jwt_layer::openapi::{BackendScheme, OpenApiBackend};
    use axum_jwt_layer::{AuthBackend, AuthError};
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

    struct Keys;
    impl AuthBackend for Keys {
        type Credential = String;
        async fn authenticate(
            &self,
            _: &http::request::Parts,
        ) -> Result<Option<String>, AuthError> {
            Ok(None)
        }
    }
    impl OpenApiBackend for Keys {
        fn security_schemes(&self) -> Vec<BackendScheme> {
            let header = ApiKey::Header(ApiKeyValue::new("x-api-key"));
            vec![BackendScheme::new(
                "BearerToken",
                SecurityScheme::ApiKey(header),
            )]
        }
    }
    let jwt = JwtAuth::<String>::builder().secret(SECRET).build().unwrap();
    let auth = AuthenticatorBuilder::<_, String>::new(Chain::new(jwt.as_backend(), Keys))
        .build()
        .unwrap();
    let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    let refused = auth.openapi().try_modify(&mut doc);
    assert!(
        matches!(&refused, Err(ConfigError::DuplicateScheme(name)) if name == "BearerToken"),
        "{refused:?}"
    );
    assert!(doc.components.is_none(), "the document is left as it was");
}
