//! The `session_auth` reference app (Litestar's `SessionAuth` example, route for route): a
//! session cookie instead of a token, the user table and the sessions on the server,
//! passwords hashed with Argon2.
//!
//! ```text
//! cargo run --example session_auth
//! curl -i -c jar -X POST localhost:3000/signup -H 'content-type: application/json' \
//!      -d '{"name":"Ada","email":"ada@example.com","password":"correct horse"}'
//! curl -i -b jar localhost:3000/user
//! curl -i -b jar -X POST localhost:3000/logout
//! ```
//!
//! `POST /signup` `{"name", "email", "password"}` answers 201 with the user `{"id", "name",
//! "email"}` and a session cookie (an email already taken: 409). `POST /login` `{"email",
//! "password"}` answers 201 with the user and a new session id; a wrong password and an unknown
//! email get the same 401. `GET /user` answers the session's user, else 401. `POST /logout`
//! answers 204: the session is deleted on the server and the cookie expired. The session
//! cookie `session` is HttpOnly, SameSite=Lax and Secure; `SESSION_COOKIE_SECURE=false` drops
//! `Secure` for plain-HTTP tests (curl keeps Secure cookies only for https). Cross-origin
//! protection is on (the browser sends the cookie by itself).
//!
//! Environment: `ADDR` (default `127.0.0.1:3000`), `SESSION_COOKIE_SECURE`, `REDIS_URL`: when
//! set, sessions and users live in that Redis, and every instance serves every session
//! (`cargo run --features redis --example session_auth`); otherwise in this process. OpenAPI at `/schema/openapi.json`, Swagger
//! UI at `/schema/swagger`: "Try it out" on `/signup` or `/login`, then on `/user`.

mod common;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::issue::AuthCookie;
use axum_jwt_layer::session::{SessionBackend, UserSession};
use axum_jwt_layer::{AuthLayer, AuthUser, Authenticator, AuthenticatorBuilder};
use common::{AuthErrors, CrossOriginErrors, ErrorBody, Json, JsonErrors, Problem, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, OpenApi, ToSchema};
use uuid::Uuid;

/// What a session holds: whose it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct LoggedIn {
    user_id: Uuid,
}

type Auth = Authenticator<SessionBackend<LoggedIn>, User>;

/// A user and their password hash (an Argon2 PHC string).
#[derive(Clone, Serialize, Deserialize)]
struct Account {
    user: User,
    password_hash: String,
}

/// At most this many users: signups beyond it get 503.
const MAX_USERS: usize = 100_000;

/// What a signup came to.
enum Inserted {
    Created,
    Taken,
    Full,
}

/// The user table reached no answer (Redis down): 503.
#[derive(Debug)]
struct Unavailable;

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the user table is unavailable")
    }
}

impl std::error::Error for Unavailable {}

/// The user table: in this process, or in Redis (`REDIS_URL`, feature `redis`) beside the
/// sessions, so that every instance knows every user.
#[derive(Clone)]
enum Accounts {
    Memory(Arc<RwLock<Table>>),
    #[cfg(feature = "redis")]
    Redis(redis::aio::ConnectionManager),
}

/// Accounts by email, and the email of each user id.
#[derive(Default)]
struct Table {
    by_email: HashMap<String, Account>,
    email_of: HashMap<Uuid, String>,
}

impl Accounts {
    async fn by_email(&self, email: &str) -> Result<Option<Account>, Unavailable> {
        match self {
            Accounts::Memory(table) => {
                let table = table.read().unwrap_or_else(PoisonError::into_inner);
                Ok(table.by_email.get(email).cloned())
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(connection) => {
                let json: Option<String> = redis::cmd("GET")
                    .arg(format!("user:email:{email}"))
                    .query_async(&mut connection.clone())
                    .await
                    .map_err(|_| Unavailable)?;
                Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
            }
        }
    }

    async fn by_id(&self, id: Uuid) -> Result<Option<User>, Unavailable> {
        let email = match self {
            Accounts::Memory(table) => {
                let table = table.read().unwrap_or_else(PoisonError::into_inner);
                table.email_of.get(&id).cloned()
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(connection) => redis::cmd("GET")
                .arg(format!("user:id:{id}"))
                .query_async(&mut connection.clone())
                .await
                .map_err(|_| Unavailable)?,
        };
        match email {
            Some(email) => Ok(self.by_email(&email).await?.map(|account| account.user)),
            None => Ok(None),
        }
    }

    async fn insert(&self, account: Account) -> Result<Inserted, Unavailable> {
        match self {
            Accounts::Memory(table) => {
                let mut table = table.write().unwrap_or_else(PoisonError::into_inner);
                if table.by_email.contains_key(&account.user.email) {
                    return Ok(Inserted::Taken);
                }
                if table.by_email.len() >= MAX_USERS {
                    return Ok(Inserted::Full);
                }
                let email = account.user.email.clone();
                table.email_of.insert(account.user.id, email.clone());
                table.by_email.insert(email, account);
                Ok(Inserted::Created)
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(connection) => {
                // One script, so that a signup is all or nothing: the account, its id's entry
                // and the count, or none of them.
                let script = redis::Script::new(
                    r"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
                      if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[3]) then
                        return 2
                      end
                      redis.call('SET', KEYS[1], ARGV[1])
                      redis.call('SET', KEYS[2], ARGV[2])
                      redis.call('INCR', KEYS[3])
                      return 1",
                );
                let json = serde_json::to_string(&account).map_err(|_| Unavailable)?;
                let outcome: i64 = script
                    .key(format!("user:email:{}", account.user.email))
                    .key(format!("user:id:{}", account.user.id))
                    .key("user:count")
                    .arg(json)
                    .arg(&account.user.email)
                    .arg(MAX_USERS)
                    .invoke_async(&mut connection.clone())
                    .await
                    .map_err(|_| Unavailable)?;
                Ok(match outcome {
                    1 => Inserted::Created,
                    0 => Inserted::Taken,
                    _ => Inserted::Full,
                })
            }
        }
    }
}

#[derive(Clone)]
struct AppState {
    auth: Auth,
    accounts: Accounts,
    /// A hash to verify against when the email is unknown, so that both refusals take the
    /// same time.
    decoy: Arc<str>,
}

#[derive(Deserialize, ToSchema)]
struct Signup {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(min_length = 3, max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
struct Credentials {
    email: String,
    password: String,
}

/// What `POST /signup` can refuse with (for the document: the handler answers through
/// [`Problem`]).
#[allow(dead_code)]
#[derive(IntoResponses)]
enum SignupErrors {
    #[response(
        status = 400,
        description = "A field is shorter or longer than the schema allows"
    )]
    Invalid(ErrorBody),
    #[response(status = 409, description = "The email is already taken")]
    Taken(ErrorBody),
    #[response(
        status = 503,
        description = "The user table or the session store is full or unavailable"
    )]
    Unavailable(ErrorBody),
}

/// What `POST /login` can refuse with: a wrong password and an unknown email get one answer.
#[allow(dead_code)]
#[derive(IntoResponses)]
enum LoginErrors {
    #[response(status = 401, description = "Wrong email or password")]
    Refused(ErrorBody),
    #[response(status = 503, description = "The session store is full or unavailable")]
    Unavailable(ErrorBody),
}

fn problem(status: StatusCode, detail: &'static str) -> Response {
    Problem { status, detail }.into_response()
}

/// 201 with the user and the cookie of a new session.
async fn start_session(state: &AppState, headers: &HeaderMap, user: User) -> Response {
    let session = LoggedIn { user_id: user.id };
    match state
        .auth
        .backend()
        .login(headers, &user.id.to_string(), &session)
        .await
    {
        Ok(cookie) => (
            StatusCode::CREATED,
            [(header::SET_COOKIE, cookie)],
            Json(user),
        )
            .into_response(),
        Err(error) => state.auth.error_response(&error),
    }
}

/// Hashing is deliberately slow: off the async workers.
async fn hash(password: String) -> Option<String> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .ok()
}

async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .unwrap_or(false)
}

#[utoipa::path(post, path = "/signup", request_body = Signup,
    responses((status = 201, description = "The new user; the session cookie is set", body = User,
               headers(("Set-Cookie" = String, description = "The session cookie"))),
              SignupErrors, JsonErrors, CrossOriginErrors))]
async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Signup>,
) -> Response {
    // The limits of the schema above, counted in characters as JSON Schema counts them.
    let within = |s: &str, min: usize, max: usize| (min..=max).contains(&s.chars().count());
    if !within(&body.name, 1, 100)
        || !within(&body.email, 3, 254)
        || !within(&body.password, 1, 1024)
    {
        return problem(
            StatusCode::BAD_REQUEST,
            "Name, email or password is empty or too long",
        );
    }
    let Some(password_hash) = hash(body.password).await else {
        return problem(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let user = User {
        id: Uuid::new_v4(),
        name: body.name,
        email: body.email.clone(),
    };
    let account = Account {
        user: user.clone(),
        password_hash,
    };
    match state.accounts.insert(account).await {
        Ok(Inserted::Created) => start_session(&state, &headers, user).await,
        Ok(Inserted::Taken) => problem(StatusCode::CONFLICT, "Email already registered"),
        Ok(Inserted::Full) | Err(Unavailable) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable",
        ),
    }
}

#[utoipa::path(post, path = "/login", request_body = Credentials,
    responses((status = 201, description = "The user; a new session cookie is set", body = User,
               headers(("Set-Cookie" = String, description = "The session cookie, with a new session id"))),
              LoginErrors, JsonErrors, CrossOriginErrors))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Credentials>,
) -> Response {
    let account = match state.accounts.by_email(&body.email).await {
        Ok(account) => account,
        Err(Unavailable) => {
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            )
        }
    };
    let hash = match &account {
        Some(account) => account.password_hash.clone(),
        None => state.decoy.to_string(),
    };
    let matches = verify(body.password, hash).await;
    match account {
        Some(account) if matches => start_session(&state, &headers, account.user).await,
        _ => problem(StatusCode::UNAUTHORIZED, "Invalid email or password"),
    }
}

#[utoipa::path(get, path = "/user",
    responses((status = 200, description = "The user of the session", body = User), AuthErrors))]
async fn user(AuthUser(user): AuthUser<User>) -> Json<User> {
    Json(user)
}

#[utoipa::path(post, path = "/logout",
    responses((status = 204, description = "The session is deleted and the cookie expired",
               headers(("Set-Cookie" = String, description = "The expired session cookie"))),
              AuthErrors, CrossOriginErrors,
              (status = 503, description = "The session store is unavailable", body = ErrorBody)))]
async fn logout(State(state): State<AppState>, session: UserSession<LoggedIn>) -> Response {
    match state.auth.backend().logout(&session).await {
        Ok(cookie) => (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response(),
        Err(error) => state.auth.error_response(&error),
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(signup, login, user, logout),
    components(schemas(User, Signup, Credentials))
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> ExitCode {
    let secure = match std::env::var("SESSION_COOKIE_SECURE").as_deref() {
        Err(_) | Ok("true") => true,
        Ok("false") => false,
        Ok(_) => {
            eprintln!("SESSION_COOKIE_SECURE must be `true` or `false`");
            return ExitCode::from(2);
        }
    };
    match run(secure).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(secure: bool) -> Result<(), Box<dyn std::error::Error>> {
    let sessions =
        SessionBackend::<LoggedIn>::builder().cookie(AuthCookie::new("session").secure(secure));
    let (sessions, accounts) = match std::env::var("REDIS_URL").ok() {
        None => (sessions, Accounts::Memory(Arc::default())),
        #[cfg(feature = "redis")]
        Some(url) => {
            use axum_jwt_layer::session::RedisSessionStore;
            let store = RedisSessionStore::connect(&url).await?;
            let client = redis::Client::open(url.as_str())?;
            let connection = redis::aio::ConnectionManager::new(client).await?;
            (sessions.store(store), Accounts::Redis(connection))
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => return Err("REDIS_URL needs `--features redis`".into()),
    };
    let sessions = sessions.build()?;
    let lookup = accounts.clone();
    let auth = AuthenticatorBuilder::new(sessions)
        .resolver(move |session: UserSession<LoggedIn>, _parts| {
            let lookup = lookup.clone();
            let id = session.data().user_id;
            async move { lookup.by_id(id).await }
        })
        .exclude(["/login", "/signup", "/schema/*"])
        .build()?;
    let mut doc = ApiDoc::openapi();
    auth.openapi().try_modify(&mut doc)?;
    let state = AppState {
        auth: auth.clone(),
        accounts,
        decoy: hash("not anyone's password".to_owned())
            .await
            .ok_or("hashing failed")?
            .into(),
    };
    let app = Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/user", get(user))
        .route("/logout", post(logout))
        .merge(common::swagger(doc))
        .layer(AuthLayer::new(auth))
        .with_state(state);
    common::serve("session_auth", app).await
}
