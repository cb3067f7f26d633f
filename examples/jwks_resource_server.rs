//! The `jwks_resource_server` reference app: a resource server that verifies tokens with the
//! keys of a remote JWK Set (RFC 7517 §5), and, with `MODE=issuer`, the other side: a small
//! issuer that publishes its public keys as a JWK Set, signs tokens and rotates its key.
//!
//! It needs the crate's `jwks` feature:
//!
//! ```text
//! # the issuer
//! MODE=issuer ADDR=127.0.0.1:4000 cargo run --features jwks --example jwks_resource_server
//! # the resource server
//! JWKS_URL=http://127.0.0.1:4000/.well-known/jwks.json \
//!     cargo run --features jwks --example jwks_resource_server
//!
//! curl -i -X POST localhost:4000/token -H 'content-type: application/json' -d '{"sub":"ada"}'
//! curl -i localhost:3000/some-path -H "authorization: Bearer <the access_token>"
//! curl -i -X POST localhost:4000/rotate   # a new key; tokens of the old one still verify
//! ```
//!
//! Resource server (the default): `GET /some-path` answers 200
//! `{"sub": .., "claims": {<the whole verified payload>}}`, anything else the layer's 401.
//! `GET /read` needs the scope `read`, `POST /write` the scope `write`, `GET /admin` the role
//! `admin` in `realm_access.roles`: each answers 200 `{"sub": ..}`, a valid token without the
//! scope or role 403 `insufficient_scope`. The OpenAPI requirement of `/read` and `/write`
//! lists its scope (`{"BearerToken": ["read"]}`). It
//! verifies only, with the keys of the JWK Set at `JWKS_URL`, or, with `OIDC_ISSUER` instead,
//! of the JWK Set that OpenID Connect discovery at `OIDC_ISSUER/.well-known/openid-configuration`
//! names (RFC 8414 metadata as fallback; the document's `issuer` must be `OIDC_ISSUER`, and so
//! must every token's `iss`). One of the two is required; plain `http` only to a loopback
//! host. Started while the issuer is down, it serves 503 to tokens until the keys load. A token whose `kid` is not in the set makes the crate fetch
//! the set again, at most once per `JWKS_MIN_REFETCH_SECS` (default 30), so a key the issuer
//! just rotated to is picked up without a restart. Every asymmetric algorithm is accepted (RS,
//! PS, ES256, ES384, EdDSA): a key whose JWK names its `alg` serves that algorithm only, a key
//! without `alg` the algorithms of its key type.
//!
//! Issuer (`MODE=issuer`): `GET /.well-known/jwks.json` publishes the public halves of the
//! current key and the one before it; `POST /token` `{"sub": ..}` (optionally with `"scope":
//! "read write"` and `"roles": ["admin"]`, stamped as `scope` and `realm_access.roles`) answers 201
//! `{"access_token": ..}` signed with the current key (its `kid` in the header); `POST /rotate`
//! answers 201 `{"kid": ..}` after switching to a new key. With `ISSUER` set, `GET
//! /.well-known/openid-configuration` names it as `issuer` with `jwks_uri`
//! `<ISSUER>/.well-known/jwks.json` (so `ISSUER` should be the issuer's own URL). Keys are generated at startup and on
//! rotation (RS256 first, then ES256, RS256, ...) and live only in memory. Anyone who can reach
//! the issuer can get a token for any subject: it is a stand-in for a real identity provider,
//! for development only.
//!
//! Environment: `ADDR` (default `127.0.0.1:3000`), `MODE` (`resource-server`, the default, or
//! `issuer`), `JWKS_URL`, `JWKS_MIN_REFETCH_SECS`, and `ISSUER` and `AUDIENCE`: when set, the
//! issuer stamps them as `iss` and `aud` and the resource server requires them. `RESOURCE`
//! (the resource server's own URL, e.g. `http://127.0.0.1:3000`): when set, the resource
//! server publishes its OAuth 2.0 protected resource metadata (RFC 9728) at
//! `/.well-known/oauth-protected-resource` (`resource` = `RESOURCE`, `authorization_servers` =
//! [`ISSUER`] when set, `scopes_supported` `["read", "write"]`, `bearer_methods_supported`
//! `["header"]`), and every 401 challenge names it with `resource_metadata="<url>"`. `JWT_SECRET`
//! is not used: no HMAC key is involved. OpenAPI at `/schema/openapi.json`, Swagger UI at
//! `/schema/swagger`, in both modes.

mod common;

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_jwt_layer::{
    authz::{RequireRoles, RequireScopes},
    error::IssueError,
    flow::ProtectedResource,
    keys::{Algorithm, JwksSource, Key},
    JwtAuth, JwtAuthLayer, Token,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{AuthErrors, ErrorBody, Json, JsonErrors, Problem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::OpenApi;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    // The crate logs JWK Set fetches (and their failures) through `tracing`; stdout stays for
    // the "listening on" line.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let outcome = match env("MODE").as_deref() {
        None | Some("resource-server") => resource_server().await,
        Some("issuer") => issuer().await,
        Some(other) => usage(&format!(
            "MODE is `{other}`; expected `resource-server` (the default) or `issuer`"
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A set, non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// A configuration mistake: says what is wrong and exits with status 2.
fn usage(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

// ---------------------------------------------------------------------------------------------
// Resource server

/// `GET /some-path`: the subject and the whole verified payload.
#[derive(Serialize, utoipa::ToSchema)]
struct Verified {
    /// The token's subject.
    sub: String,
    /// Every claim of the verified token.
    #[schema(value_type = Object)]
    claims: Token,
}

/// `GET /some-path`: who the token is for, and all its claims.
#[utoipa::path(get, path = "/some-path",
    responses((status = 200, description = "Who the token is for, and its claims", body = Verified), AuthErrors,
              (status = 503, description = "No trusted keys are loaded yet: the JWK Set could not be fetched", body = ErrorBody)))]
async fn some_path(token: Token) -> Json<Verified> {
    Json(Verified {
        sub: token.sub.clone(),
        claims: token,
    })
}

/// `GET /read`, `POST /write`, `GET /admin`: who the token is for.
#[derive(Serialize, utoipa::ToSchema)]
struct Subject {
    /// The token's subject.
    sub: String,
}

/// The answer of the authorization guards to a valid token without the scope or role.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only documents the response
enum Forbidden {
    /// `insufficient_scope`.
    #[response(
        status = 403,
        description = "insufficient_scope: the token lacks the scope (or role) this operation requires",
        headers(("WWW-Authenticate" = String, description = "Bearer error=\"insufficient_scope\" (RFC 6750 §3.1)"))
    )]
    Forbidden(ErrorBody),
}

/// `GET /read`: needs the scope `read`.
#[utoipa::path(get, path = "/read",
    responses((status = 200, description = "Who the token is for", body = Subject), AuthErrors, Forbidden,
              (status = 503, description = "No trusted keys are loaded yet", body = ErrorBody)))]
async fn read(token: Token) -> Json<Subject> {
    Json(Subject { sub: token.sub })
}

/// `POST /write`: needs the scope `write`.
#[utoipa::path(post, path = "/write",
    responses((status = 200, description = "Who the token is for", body = Subject), AuthErrors, Forbidden,
              (status = 503, description = "No trusted keys are loaded yet", body = ErrorBody)))]
async fn write(token: Token) -> Json<Subject> {
    Json(Subject { sub: token.sub })
}

/// `GET /admin`: needs the role `admin` in `realm_access.roles`.
#[utoipa::path(get, path = "/admin",
    responses((status = 200, description = "Who the token is for", body = Subject), AuthErrors, Forbidden,
              (status = 503, description = "No trusted keys are loaded yet", body = ErrorBody)))]
async fn admin(token: Token) -> Json<Subject> {
    Json(Subject { sub: token.sub })
}

#[derive(OpenApi)]
#[openapi(
    paths(some_path, read, write, admin),
    components(schemas(Verified, Subject))
)]
struct ResourceDoc;

async fn resource_server() -> Result<(), Error> {
    let oidc_issuer = env("OIDC_ISSUER");
    let mut source = match (env("JWKS_URL"), &oidc_issuer) {
        (Some(url), None) => JwksSource::new(url),
        (None, Some(issuer)) => JwksSource::discover(issuer),
        (Some(_), Some(_)) => usage("set JWKS_URL or OIDC_ISSUER, not both"),
        (None, None) => usage(
            "JWKS_URL is not set: give the URL of the issuer's JWK Set, \
             e.g. http://127.0.0.1:4000/.well-known/jwks.json (or OIDC_ISSUER, the issuer's URL)",
        ),
    };
    if let Some(seconds) = env("JWKS_MIN_REFETCH_SECS") {
        let Ok(seconds) = seconds.parse() else {
            usage("JWKS_MIN_REFETCH_SECS must be a whole number of seconds")
        };
        source = source.min_refetch(Duration::from_secs(seconds));
    }
    let mut builder = JwtAuth::<String>::builder()
        .jwks(source)
        // Every asymmetric algorithm: a JWK that names its `alg` serves that one only, a JWK
        // without (Microsoft Entra publishes them so) the ones of its key type.
        .algorithms([
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ])
        // No user store here: the subject is the user.
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .role_claims(["realm_access.roles"])
        .exclude(["/schema/*"]);
    if let Some(issuer) = env("ISSUER") {
        builder = builder.accepted_issuers([issuer]);
    }
    if let Some(audience) = env("AUDIENCE") {
        builder = builder.accepted_audiences([audience]);
    }
    // RFC 9728: where clients (MCP clients among them) learn which issuer to get a token from.
    if let Some(resource) = env("RESOURCE") {
        let metadata = ProtectedResource::new(resource)
            .authorization_servers(env("ISSUER").or(oidc_issuer))
            .scopes_supported(["read", "write"]);
        builder = builder.protected_resource(metadata);
    }
    let auth = builder.build()?;
    // build() started the first fetch; wait for it so the first requests do not. If the issuer
    // is not up yet, serve anyway: requests get 503 until a fetch succeeds.
    if let Err(error) = auth.refresh_jwks().await {
        eprintln!("warning: the JWK Set could not be fetched yet ({error}); retrying");
    }
    // Each scope list is written once: the route's guard and its OpenAPI requirement.
    let read_scope = RequireScopes::new(["read"]);
    let write_scope = RequireScopes::new(["write"]);
    let security = auth
        .openapi()
        .scoped("/read", Method::GET, &read_scope)
        .scoped("/write", Method::POST, &write_scope)
        .scope_description("read", "Read access")
        .scope_description("write", "Write access");
    let mut doc = ResourceDoc::openapi();
    security.try_modify(&mut doc)?;
    let app = Router::new()
        .route("/some-path", get(some_path))
        .route("/read", get(read).route_layer(read_scope))
        .route("/write", post(write).route_layer(write_scope))
        .route(
            "/admin",
            get(admin).route_layer(RequireRoles::new(["admin"])),
        )
        .merge(common::swagger(doc))
        .layer(JwtAuthLayer::new(auth));
    common::serve("jwks_resource_server", app)
        .await
        .map_err(|error| error.to_string().into())
}

// ---------------------------------------------------------------------------------------------
// Issuer

/// One key of the issuer: the configuration that signs with it and its public JWK.
struct SigningKey {
    kid: String,
    signer: JwtAuth<String>,
    jwk: Value,
}

/// The keys: the current one signs; the one before it is still published, so tokens it signed
/// verify until they expire.
struct KeyRing {
    current: SigningKey,
    previous: Option<Value>,
    /// The number of the last key made: kids are `key-1`, `key-2`, ...
    count: u64,
}

#[derive(Clone)]
struct Issuer {
    keys: Arc<RwLock<KeyRing>>,
    /// Held while a rotation generates its key, so rotations happen one after another.
    rotation: Arc<tokio::sync::Mutex<()>>,
    iss: Option<String>,
    aud: Option<String>,
}

/// `POST /token` body.
#[derive(Deserialize, utoipa::ToSchema)]
struct TokenRequest {
    /// The subject of the token: not empty, no control characters.
    #[schema(min_length = 1, pattern = r"^[^\u0000-\u001F\u007F-\u009F]+$")]
    sub: String,
    /// Optional: stamped as the `scope` claim (space-separated, e.g. `"read write"`).
    #[serde(default)]
    scope: Option<String>,
    /// Optional: stamped as `realm_access.roles` (e.g. `["admin"]`).
    #[serde(default)]
    roles: Option<Vec<String>>,
}

/// `POST /token` answer.
#[derive(Serialize, utoipa::ToSchema)]
struct AccessToken {
    /// The signed JWT.
    access_token: String,
}

/// `POST /rotate` answer.
#[derive(Serialize, utoipa::ToSchema)]
struct Rotated {
    /// The kid of the new current key.
    kid: String,
}

/// An error body in the layer's shape: `{"status_code": N, "detail": ".."}`.
fn problem(status: StatusCode, detail: &'static str) -> Response {
    Problem { status, detail }.into_response()
}

/// `GET /.well-known/jwks.json`: the public keys, current first.
#[utoipa::path(get, path = "/.well-known/jwks.json",
    responses((status = 200, description = "The JWK Set (RFC 7517 §5)", body = Object)))]
async fn jwks(State(issuer): State<Issuer>) -> impl IntoResponse {
    let keys = issuer.keys.read().unwrap_or_else(PoisonError::into_inner);
    let mut set = vec![keys.current.jwk.clone()];
    set.extend(keys.previous.clone());
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(json!({ "keys": set })),
    )
}

/// `POST /token`: a token for `sub`, signed with the current key.
#[utoipa::path(post, path = "/token", request_body = TokenRequest,
    responses((status = 201, description = "The signed token", body = AccessToken), JsonErrors,
              (status = 400, description = "Not valid JSON, or a subject that is empty or has control characters", body = ErrorBody),
              (status = 500, description = "The token could not be signed", body = ErrorBody)))]
async fn token(State(issuer): State<Issuer>, Json(request): Json<TokenRequest>) -> Response {
    let signed = {
        let keys = issuer.keys.read().unwrap_or_else(PoisonError::into_inner);
        let mut token = keys.current.signer.create_token(request.sub);
        if let Some(iss) = &issuer.iss {
            token = token.issuer(iss);
        }
        if let Some(aud) = &issuer.aud {
            token = token.audience(aud);
        }
        if let Some(scope) = &request.scope {
            token = token.extra("scope", scope);
        }
        if let Some(roles) = &request.roles {
            token = token.extra("realm_access", json!({ "roles": roles }));
        }
        token.sign()
    };
    match signed {
        Ok(access_token) => (
            StatusCode::CREATED,
            [(header::CACHE_CONTROL, "no-store")],
            Json(AccessToken { access_token }),
        )
            .into_response(),
        Err(IssueError::InvalidSubject) => problem(
            StatusCode::BAD_REQUEST,
            "sub must be non-empty and free of control characters",
        ),
        Err(error) => {
            eprintln!("error: signing failed: {error}");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

/// `POST /rotate`: a new current key; the old one stays published.
#[utoipa::path(post, path = "/rotate",
    responses((status = 201, description = "The new current key", body = Rotated),
              (status = 500, description = "The new key could not be generated", body = ErrorBody)))]
async fn rotate(State(issuer): State<Issuer>) -> Response {
    let _rotation = issuer.rotation.lock().await;
    let number = issuer
        .keys
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .count
        + 1;
    // Generating an RSA key takes a while: not on the async workers.
    let generated = match tokio::task::spawn_blocking(move || SigningKey::generate(number)).await {
        Ok(generated) => generated,
        Err(task) => Err(task.into()),
    };
    match generated {
        Ok(key) => {
            let kid = key.kid.clone();
            let mut keys = issuer.keys.write().unwrap_or_else(PoisonError::into_inner);
            let old = std::mem::replace(&mut keys.current, key);
            keys.previous = Some(old.jwk);
            keys.count = number;
            eprintln!("rotated: signing with {kid}, {} still published", old.kid);
            (StatusCode::CREATED, Json(Rotated { kid })).into_response()
        }
        Err(error) => {
            eprintln!("error: key rotation failed: {error}");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(jwks, openid_configuration, token, rotate),
    components(schemas(TokenRequest, AccessToken, Rotated))
)]
struct IssuerDoc;

impl SigningKey {
    /// Key number `number`: RS256 when it is odd, ES256 when it is even.
    fn generate(number: u64) -> Result<Self, Error> {
        let kid = format!("key-{number}");
        let (pkcs8, algorithm, jwk) = if number % 2 == 1 {
            let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| "RSA key generation failed")?;
            let pkcs8 = pair.as_der().map_err(|_| "RSA key encoding failed")?;
            let public = pair.public_key();
            let jwk = json!({
                "kty": "RSA",
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
                "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            });
            (pkcs8.as_ref().to_vec(), Algorithm::RS256, jwk)
        } else {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| "P-256 key generation failed")?;
            let pkcs8 = pair.to_pkcs8v1().map_err(|_| "P-256 key encoding failed")?;
            // The uncompressed point: 0x04 || x || y, 32 bytes each.
            let point = pair.public_key().as_ref();
            let (x, y) = match point {
                [4, xy @ ..] if xy.len() == 64 => xy.split_at(32),
                _ => return Err("unexpected P-256 public key encoding".into()),
            };
            let jwk = json!({
                "kty": "EC",
                "kid": kid,
                "use": "sig",
                "alg": "ES256",
                "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(x),
                "y": URL_SAFE_NO_PAD.encode(y),
            });
            (pkcs8.as_ref().to_vec(), Algorithm::ES256, jwk)
        };
        let signer = JwtAuth::<String>::builder()
            .key(Key::private_der(pkcs8).with_kid(&kid))
            .algorithms([algorithm])
            // Required by build(); this configuration only signs.
            .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
            .build()?;
        Ok(Self { kid, signer, jwk })
    }
}

/// OpenID Connect discovery (only the members a resource server reads, and the token
/// endpoint), when `ISSUER` names this issuer; 404 otherwise: tokens carry no `iss` then.
#[utoipa::path(get, path = "/.well-known/openid-configuration",
    responses((status = 200, description = "OpenID Connect discovery: issuer and jwks_uri", body = Object),
              (status = 404, description = "ISSUER is not set")))]
async fn openid_configuration(State(issuer): State<Issuer>) -> Response {
    let Some(iss) = &issuer.iss else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let base = iss.trim_end_matches('/');
    Json(json!({
        "issuer": iss,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "token_endpoint": format!("{base}/token"),
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    }))
    .into_response()
}

async fn issuer() -> Result<(), Error> {
    let first = SigningKey::generate(1)?;
    eprintln!(
        "issuer mode: signing with {}; /token and /rotate are open to anyone (development only)",
        first.kid
    );
    let state = Issuer {
        keys: Arc::new(RwLock::new(KeyRing {
            current: first,
            previous: None,
            count: 1,
        })),
        rotation: Arc::default(),
        iss: env("ISSUER"),
        aud: env("AUDIENCE"),
    };
    let app = Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/token", post(token))
        .route("/rotate", post(rotate))
        .merge(common::swagger(IssuerDoc::openapi()))
        .with_state(state);
    common::serve("jwks_resource_server", app)
        .await
        .map_err(|error| error.to_string().into())
}
