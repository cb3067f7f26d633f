//! `oauth2_scopes`: not one of the reference apps (DESIGN §5), a small app for the Swagger UI
//! browser test (`.ci/browser/swagger.mjs`): an oauth2 password flow whose document lists
//! each operation's scopes, so Swagger UI's Authorize dialog offers them.
//!
//! `POST /login` is the token endpoint: the RFC 6749 password-grant form, any user name and
//! any non-empty password (a demo: no user store), and the token carries exactly the scopes
//! requested (`scope` claim). `GET /reports` needs `reports:read`, `DELETE /reports` needs
//! `reports:read` and `reports:write`; each answers 200 `{"sub": ..}`, a token without the
//! scopes 403 `insufficient_scope`, no token 401. Env: `ADDR` (default `127.0.0.1:3000`),
//! `JWT_SECRET`. OpenAPI at `/schema/openapi.json`, Swagger UI at `/schema/swagger`.

mod common;

use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    authz::RequireScopes,
    issue::{OAuth2Error, PasswordGrant},
    JwtAuth, JwtAuthLayer, Token,
};
use common::{AuthErrors, ErrorBody, Json, OAuth2ErrorBody, TokenResponse};
use serde::Serialize;
use utoipa::OpenApi;

/// Who the token is for.
#[derive(Serialize, utoipa::ToSchema)]
struct Subject {
    /// The token's subject.
    sub: String,
}

/// The token endpoint: the password grant -> 201 token response with the requested scopes.
#[utoipa::path(post, path = "/login",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "grant_type=password, username, password (non-empty), scope"),
    responses((status = 201, description = "OAuth2 token response", body = TokenResponse),
              (status = 400, description = "invalid_request, invalid_grant or unsupported_grant_type", body = OAuth2ErrorBody)))]
async fn login(State(auth): State<JwtAuth<()>>, grant: PasswordGrant) -> Response {
    if grant.password.is_empty() {
        return OAuth2Error::invalid_grant().into_response();
    }
    let login = auth.login(grant.username);
    let login = match grant.scope.is_empty() {
        true => login,
        false => login.extra("scope", grant.scope.join(" ")),
    };
    login.token_response().await.into_response()
}

/// `GET /reports`: needs `reports:read`.
#[utoipa::path(get, path = "/reports",
    responses((status = 200, description = "Who the token is for", body = Subject), AuthErrors,
              (status = 403, description = "insufficient_scope", body = ErrorBody)))]
async fn reports(token: Token) -> Json<Subject> {
    Json(Subject { sub: token.sub })
}

/// `DELETE /reports`: needs `reports:read` and `reports:write`.
#[utoipa::path(delete, path = "/reports",
    responses((status = 200, description = "Who the token is for", body = Subject), AuthErrors,
              (status = 403, description = "insufficient_scope", body = ErrorBody)))]
async fn delete_reports(token: Token) -> Json<Subject> {
    Json(Subject { sub: token.sub })
}

#[derive(OpenApi)]
#[openapi(paths(login, reports, delete_reports), components(schemas(Subject)))]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = JwtAuth::<()>::builder()
        .secret(common::secret())
        .oauth2_password("/login")
        .exclude(["/login", "/schema/*"])
        .build()?;
    let read = RequireScopes::new(["reports:read"]);
    let write = RequireScopes::new(["reports:read", "reports:write"]);
    let mut doc = ApiDoc::openapi();
    auth.openapi()
        .scoped("/reports", Method::GET, &read)
        .scoped("/reports", Method::DELETE, &write)
        .scope_description("reports:read", "Read the reports")
        .scope_description("reports:write", "Delete the reports")
        .try_modify(&mut doc)?;
    let app = Router::new()
        .route("/login", post(login))
        .route(
            "/reports",
            get(reports)
                .route_layer(read)
                .merge(axum::routing::delete(delete_reports).route_layer(write)),
        )
        .with_state(auth.clone())
        .merge(common::swagger(doc))
        .layer(JwtAuthLayer::new(auth));
    common::serve("oauth2_scopes", app).await
}
