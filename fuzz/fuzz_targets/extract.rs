//! Token extraction and the whole layer: arbitrary header fields (names, values, repeats) and
//! paths through a `JwtAuthLayer` service, with the cookie preset (cookie or `Authorization`,
//! cross-origin protection, a revocation store that may be down) or with a list of custom
//! sources. Header values are built from raw bytes, interesting literals and real tokens so
//! that the fuzzer reaches the success path too.
//!
//! Checked for every input: no panic; a status from the allowed set; 200 on a protected path
//! only when a valid token is in the request and the handler sees its subject; no identity on
//! a skipped request; the exclude matcher agrees with a model of the configured patterns; a
//! 401 carries a `Bearer` challenge; no token ever appears in the response.

#![no_main]

use std::convert::Infallible;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::response::Response;
use axum_jwt_layer::issue::AuthCookie;
use axum_jwt_layer::jwt::TokenSource;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer};
use axum_jwt_layer_fuzz::{
    block_on, contains, measured, resolve, timed, FlakyStore, LAYER_STATUSES, LONG, SECRET,
};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use libfuzzer_sys::fuzz_target;
use tower::{Layer, ServiceExt};

/// The subject the inner service saw, if any.
#[derive(Clone)]
struct Seen(Option<String>);

async fn inner(request: Request<Body>) -> Result<Response, Infallible> {
    let user = request
        .extensions()
        .get::<AuthUser<String>>()
        .map(|AuthUser(user)| user.clone());
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(Seen(user));
    Ok(response)
}

type Inner = tower::util::ServiceFn<fn(Request<Body>) -> InnerFuture>;
type InnerFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send + 'static>,
>;
type Service = axum_jwt_layer::jwt::JwtAuthService<Inner, String>;

fn inner_boxed(request: Request<Body>) -> InnerFuture {
    Box::pin(inner(request))
}

struct Setup {
    /// The cookie preset with a revocation store, and the custom-sources configuration.
    services: [Service; 2],
    store: FlakyStore,
    /// Valid tokens by subject (`nobody` has no user: 401).
    tokens: Vec<(String, String)>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let store = FlakyStore::new(10_000);
        let preset = JwtAuth::<String>::builder()
            .secret(SECRET)
            .cookie(AuthCookie::new("token"))
            .revocation(store.clone())
            .resolver(resolve)
            .exclude(["/login", "/public/*"])
            .build()
            .expect("the cookie preset builds");
        let custom = JwtAuth::<String>::builder()
            .secret(SECRET)
            .token_sources([
                TokenSource::authorization_bearer(),
                TokenSource::header("X-Token"),
                TokenSource::header_with_scheme("X-Auth", "Token"),
                TokenSource::cookie("token"),
            ])
            .resolver(resolve)
            .exclude(["/login", "/public/*"])
            .build()
            .expect("the custom sources build");
        let tokens = ["alice", "bob", "nobody"]
            .iter()
            .map(|sub| {
                let jwt = preset
                    .create_token(*sub)
                    .expires_in(LONG)
                    .sign()
                    .expect("signs");
                (sub.to_string(), jwt)
            })
            .collect();
        let inner: Inner = tower::service_fn(inner_boxed as fn(Request<Body>) -> InnerFuture);
        Setup {
            services: [
                JwtAuthLayer::new(preset).layer(inner),
                JwtAuthLayer::new(custom).layer(inner),
            ],
            store,
            tokens,
        }
    })
}

#[derive(Arbitrary, Debug)]
enum Verb {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
}

#[derive(Arbitrary, Debug)]
enum Path {
    Protected,
    Login,
    Public(String),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Name {
    Authorization,
    Cookie,
    XToken,
    XAuth,
    Origin,
    Host,
    SecFetchSite,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Part {
    Bytes(Vec<u8>),
    Lit(Lit),
    /// A valid token, by index into the setup's tokens.
    Token(u8),
    /// A valid token with one byte changed.
    Flipped(u8, u16, u8),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Lit {
    Bearer,
    BearerLower,
    TokenScheme,
    Basic,
    Space,
    Tab,
    CookieName,
    CookieNameUpper,
    Semicolon,
    Equals,
    Quote,
    Comma,
    SameOrigin,
    CrossSite,
    None,
    Localhost,
    OriginLocalhost,
    OriginOther,
}

impl Lit {
    fn bytes(self) -> &'static [u8] {
        match self {
            Lit::Bearer => b"Bearer ",
            Lit::BearerLower => b"bearer ",
            Lit::TokenScheme => b"Token ",
            Lit::Basic => b"Basic ",
            Lit::Space => b" ",
            Lit::Tab => b"\t",
            Lit::CookieName => b"token=",
            Lit::CookieNameUpper => b"Token=",
            Lit::Semicolon => b"; ",
            Lit::Equals => b"=",
            Lit::Quote => b"\"",
            Lit::Comma => b",",
            Lit::SameOrigin => b"same-origin",
            Lit::CrossSite => b"cross-site",
            Lit::None => b"none",
            Lit::Localhost => b"localhost",
            Lit::OriginLocalhost => b"http://localhost",
            Lit::OriginOther => b"https://evil.example",
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Field {
    name: Name,
    value: Vec<Part>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    custom_sources: bool,
    store_down: bool,
    verb: Verb,
    path: Path,
    fields: Vec<Field>,
}

/// A model of the excludes `["/login", "/public/*"]` on a raw path (no router): ambiguous
/// paths never match, the rest is anchored and segment-aware.
fn excluded_by_model(path: &str) -> bool {
    let ambiguous = path.contains(['%', ';', '\\'])
        || path.contains("//")
        || path.split('/').any(|s| s == "." || s == "..");
    !ambiguous && (path == "/login" || path == "/public" || path.starts_with("/public/"))
}

fn header_value(setup: &Setup, parts: &[Part]) -> Vec<u8> {
    let mut value = Vec::new();
    for part in parts {
        match part {
            Part::Bytes(bytes) => value.extend_from_slice(bytes),
            Part::Lit(lit) => value.extend_from_slice(lit.bytes()),
            Part::Token(i) => {
                let (_, jwt) = &setup.tokens[*i as usize % setup.tokens.len()];
                value.extend_from_slice(jwt.as_bytes());
            }
            Part::Flipped(i, at, byte) => {
                let (_, jwt) = &setup.tokens[*i as usize % setup.tokens.len()];
                let mut jwt = jwt.as_bytes().to_vec();
                let at = *at as usize % jwt.len();
                jwt[at] = *byte;
                value.extend_from_slice(&jwt);
            }
        }
    }
    value
}

fuzz_target!(|input: Input| {
    let setup = setup();
    timed(&input, |input| run(setup, input));
});

fn run(setup: &Setup, input: &Input) {
    let method = match input.verb {
        Verb::Get => Method::GET,
        Verb::Head => Method::HEAD,
        Verb::Post => Method::POST,
        Verb::Put => Method::PUT,
        Verb::Delete => Method::DELETE,
        Verb::Options => Method::OPTIONS,
    };
    let path = match &input.path {
        Path::Protected => "/me".to_owned(),
        Path::Login => "/login".to_owned(),
        Path::Public(rest) => format!("/public/{rest}"),
        Path::Raw(raw) => raw.clone(),
    };
    let Ok(uri) = path.parse::<Uri>() else {
        return;
    };
    let mut request = Request::builder()
        .method(method.clone())
        .uri(uri)
        .body(Body::empty())
        .expect("method and URI are valid");
    let mut values = Vec::new();
    for field in &input.fields {
        let name = match &field.name {
            Name::Authorization => HeaderName::from_static("authorization"),
            Name::Cookie => HeaderName::from_static("cookie"),
            Name::XToken => HeaderName::from_static("x-token"),
            Name::XAuth => HeaderName::from_static("x-auth"),
            Name::Origin => HeaderName::from_static("origin"),
            Name::Host => HeaderName::from_static("host"),
            Name::SecFetchSite => HeaderName::from_static("sec-fetch-site"),
            Name::Other(name) => match HeaderName::from_bytes(name.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        let Ok(value) = HeaderValue::from_bytes(&header_value(setup, &field.value)) else {
            continue;
        };
        values.push(value.as_bytes().to_vec());
        request.headers_mut().append(name, value);
    }
    let raw_path = request.uri().path().to_owned();
    let skipped = method == Method::OPTIONS || excluded_by_model(&raw_path);

    setup.store.set_down(input.store_down);
    let service = setup.services[usize::from(input.custom_sources)].clone();
    let response =
        measured(|| block_on(service.oneshot(request))).unwrap_or_else(|never| match never {});
    let status = response.status();
    assert!(
        LAYER_STATUSES.contains(&status.as_u16()),
        "status {status} is not in the allowed set"
    );

    let seen = response.extensions().get::<Seen>().cloned();
    let present: Vec<&str> = setup
        .tokens
        .iter()
        .filter(|(_, jwt)| values.iter().any(|v| contains(v, jwt.as_bytes())))
        .map(|(sub, _)| sub.as_str())
        .collect();
    if let Some(Seen(user)) = &seen {
        assert_eq!(status, StatusCode::OK, "the inner service answers 200");
        if skipped {
            assert!(user.is_none(), "a skipped request carries no identity");
        } else {
            let user = user
                .as_deref()
                .expect("an authenticated request carries its user");
            assert!(
                present.contains(&user),
                "the user seen is the subject of a token in the request"
            );
            assert_ne!(user, "nobody", "the resolver found no user: 401");
        }
    } else {
        assert_ne!(status, StatusCode::OK, "200 only from the inner service");
    }
    if !skipped && present.is_empty() {
        assert_ne!(status, StatusCode::OK, "no valid token, no 200");
    }
    if status == StatusCode::UNAUTHORIZED {
        let challenge = response
            .headers()
            .get(http::header::WWW_AUTHENTICATE)
            .expect("a 401 carries a challenge");
        assert!(challenge.as_bytes().starts_with(b"Bearer"));
    }
    // No token, nor a signature segment, is ever echoed.
    for (_, jwt) in &setup.tokens {
        let signature = jwt.rsplit('.').next().unwrap_or_default().as_bytes();
        for value in response.headers().values() {
            assert!(!contains(value.as_bytes(), signature));
        }
    }
    let body = measured(|| block_on(axum::body::to_bytes(response.into_body(), 64 * 1024)))
        .expect("the body is small");
    for (_, jwt) in &setup.tokens {
        let signature = jwt.rsplit('.').next().unwrap_or_default().as_bytes();
        assert!(!contains(&body, signature));
    }
}
