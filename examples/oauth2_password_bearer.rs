//! The `oauth2_password_bearer` reference app (Litestar's `OAuth2PasswordBearerAuth`).
//!
//! `POST /login` takes a JSON user (registering it) or the RFC 6749 password-grant form that
//! Swagger UI's Authorize button sends (`username` = a registered email; this demo has no
//! passwords, any non-empty one is accepted) and answers 201 with an OAuth2 token response.
//! `POST /login_custom` answers 201 with the user as body. `GET /some-path` accepts the
//! bearer header or the `token` cookie.

mod common;

use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    issue::{OAuth2Error, PasswordGrant},
    JwtAuth,
};
use common::{
    AppState, CrossOriginErrors, FormOrJsonError, Json, JsonErrors, TokenResponse, User, Users,
};
use http::header::CONTENT_TYPE;
use serde::Serialize;
use utoipa::OpenApi;

/// The RFC 6749 §4.3 password grant, as Swagger UI's Authorize button sends it (read by
/// [`PasswordGrant`]; this type only documents it).
#[derive(Serialize, utoipa::ToSchema)]
struct PasswordForm {
    grant_type: GrantType,
    /// The email of a user registered by a JSON login.
    username: String,
    /// Any non-empty password: this demo keeps none.
    #[schema(min_length = 1)]
    password: String,
    /// Space-separated scopes (ignored here).
    scope: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // only documents the form
enum GrantType {
    Password,
}

/// The token endpoint: a JSON user or a password grant -> 201 token response.
#[utoipa::path(post, path = "/login",
    request_body(description = "A JSON user (registered, then logged in), or the password-grant form",
        content((User = "application/json"), (PasswordForm = "application/x-www-form-urlencoded"))),
    responses((status = 201, description = "OAuth2 token response", body = TokenResponse),
              JsonErrors,
              (status = 400, description = "A form: invalid_grant (unknown user, empty password), invalid_request or unsupported_grant_type (RFC 6749 §5.2). JSON: not valid JSON", body = FormOrJsonError),
              CrossOriginErrors))]
async fn login(State(state): State<AppState>, request: Request) -> Response {
    let form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let user = if form {
        let grant = match PasswordGrant::from_request(request, &state).await {
            Ok(grant) => grant,
            Err(error) => return error.into_response(),
        };
        match state.users.by_email(&grant.username) {
            Some(user) if !grant.password.is_empty() => user,
            _ => return OAuth2Error::invalid_grant().into_response(),
        }
    } else {
        match Json::<User>::from_request(request, &state).await {
            Ok(Json(user)) => user,
            Err(rejection) => return rejection.into_response(),
        }
    };
    state.login(&user).await
}

/// Like `/login` for a JSON user, with the user as the body.
#[utoipa::path(post, path = "/login_custom", request_body = User,
    responses((status = 201, description = "Logged in; the user as the body", body = User), JsonErrors, CrossOriginErrors))]
async fn login_custom(state: State<AppState>, user: Json<User>) -> Response {
    common::login(state, user).await
}

#[derive(OpenApi)]
#[openapi(
    paths(login, login_custom, common::some_path),
    components(schemas(User))
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users = Users::default();
    let auth = JwtAuth::<User>::builder()
        .secret(common::secret())
        .oauth2_password("/login")
        .resolver(users.resolver())
        .exclude(["/login", "/login_custom", "/schema/*"])
        .build()?;
    let routes = Router::new()
        .route("/login", post(login))
        .route("/login_custom", post(login_custom))
        .route("/some-path", get(common::some_path));
    let state = AppState {
        auth: auth.clone(),
        users,
    };
    common::serve_with(
        "oauth2_password_bearer",
        &auth,
        ApiDoc::openapi(),
        routes,
        state,
    )
    .await
}
