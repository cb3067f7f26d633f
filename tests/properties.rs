//! Property tests (proptest): what goes into a token comes out of `verify`, no single-byte
//! change of a signed token is accepted, and no request path reaches a protected handler
//! without a token. Case counts are explicit in each `ProptestConfig`.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::keys::Algorithm;
use axum_jwt_layer::{AuthUser, JwtAuth, JwtAuthLayer, Token};
use common::keys::{keyed_auth, private};
use common::*;
use http::{HeaderValue, Request, StatusCode};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The claim names `Token` types itself; custom claims never use them.
const REGISTERED: [&str; 8] = ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "fid"];

/// The default size cap of a token.
const MAX_TOKEN: usize = 8 * 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

fn hs256() -> &'static JwtAuth<User> {
    static AUTH: OnceLock<JwtAuth<User>> = OnceLock::new();
    AUTH.get_or_init(|| builder().0.build().unwrap())
}

// ---------- 1. create_token -> verify round-trips ----------

/// Any Unicode text, short: cheaper to generate than a regex strategy.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter)
}

/// Any JSON value: scalars (every number kind serde_json keeps apart) and nested containers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Custom claims at the top level: any names but the registered ones.
fn extra_claims() -> impl Strategy<Value = BTreeMap<String, Value>> {
    let name = text().prop_filter("not a registered claim", |n| {
        !REGISTERED.contains(&n.as_str())
    });
    prop::collection::btree_map(name, json_value(), 0..8)
}

/// Subjects: mostly printable Unicode, sometimes anything (empty, control characters).
fn subject() -> impl Strategy<Value = String> {
    prop_oneof![3 => "\\PC{1,40}", 1 => text()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// A token carries exactly the subject, lifetime and custom claims it was created with;
    /// a subject that `sign()` refuses is one the verifier would refuse too (empty, control
    /// characters), and a token over the 8 KiB cap is refused whatever it holds.
    #[test]
    fn created_tokens_verify_to_what_was_put_in(
        sub in subject(),
        extras in extra_claims(),
        lifetime in 1u64..=400 * 24 * 3600,
        jti in proptest::option::of("\\PC{1,30}"),
    ) {
        let auth = hs256();
        let mut token = auth
            .create_token(sub.clone())
            .expires_in(Duration::from_secs(lifetime));
        for (name, value) in &extras {
            token = token.extra(name.clone(), value);
        }
        if let Some(jti) = &jti {
            token = token.jti(jti.clone());
        }
        let before = now();
        let signed = token.sign();
        let after = now();
        let valid_sub = !sub.is_empty() && !sub.chars().any(char::is_control);
        prop_assert_eq!(signed.is_ok(), valid_sub, "sign() accepts exactly the valid subjects");
        let Ok(jwt) = signed else { return Ok(()) };
        let verified = auth.verify(&jwt);
        if jwt.len() > MAX_TOKEN {
            prop_assert!(verified.is_err(), "a token over the size cap is refused");
            return Ok(());
        }
        let verified = verified.map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        prop_assert_eq!(&verified.sub, &sub);
        let expected: Map<String, Value> = extras.into_iter().collect();
        prop_assert_eq!(&verified.claims, &expected);
        let iat = verified.iat.unwrap();
        prop_assert!((before..=after).contains(&iat));
        prop_assert_eq!(verified.exp, Some(iat + lifetime as i64));
        match jti {
            Some(jti) => prop_assert_eq!(verified.jti.as_deref(), Some(jti.as_str())),
            None => prop_assert_eq!(verified.jti.map(|j| j.len()), Some(22), "128-bit jti"),
        }
        prop_assert!(verified.nbf.is_none() && verified.iss.is_none() && verified.aud.is_none());
    }

    /// A registered name given as a custom claim is refused at `sign()`, never overwritten.
    #[test]
    fn registered_names_are_refused_as_custom_claims(
        index in 0..REGISTERED.len(),
        value in json_value(),
    ) {
        let signed = hs256().create_token("alice").extra(REGISTERED[index], &value).sign();
        prop_assert!(signed.is_err());
    }
}

/// Found by the round-trip property: without serde_json's `float_roundtrip`, this float came
/// back one unit in the last place off (3.4603847389041007e-152).
#[test]
fn float_claims_read_back_exactly() {
    for float in [
        3.460384738904101e-152,
        0.1,
        1.0 / 3.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
    ] {
        let jwt = hs256()
            .create_token("alice")
            .extra("x", float)
            .sign()
            .unwrap();
        let verified = hs256().verify(&jwt).unwrap();
        assert_eq!(verified.claims["x"].as_f64(), Some(float));
    }
}

/// Found by the round-trip property: `sign()` accepted an empty `jti`, which the verifier of
/// the same configuration refuses, so the token it issued never worked. Now `sign()` refuses.
#[test]
fn an_empty_jti_is_refused_at_sign() {
    let signed = hs256().create_token("alice").jti("").sign();
    assert!(matches!(
        signed,
        Err(axum_jwt_layer::error::IssueError::EmptyJti)
    ));
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
    level: u32,
    admin: bool,
    balance: i64,
    tags: Vec<String>,
    address: Option<Address>,
    scores: BTreeMap<String, i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Address {
    city: String,
    zip: u16,
    lines: Vec<String>,
}

fn profile() -> impl Strategy<Value = Profile> {
    let address = (text(), any::<u16>(), prop::collection::vec(text(), 0..3))
        .prop_map(|(city, zip, lines)| Address { city, zip, lines });
    (
        text(),
        any::<u32>(),
        any::<bool>(),
        any::<i64>(),
        prop::collection::vec(text(), 0..4),
        proptest::option::of(address),
        prop::collection::btree_map(text(), any::<i32>(), 0..4),
    )
        .prop_map(
            |(name, level, admin, balance, tags, address, scores)| Profile {
                name,
                level,
                admin,
                balance,
                tags,
                address,
                scores,
            },
        )
}

/// A `JwtAuth<String, Profile>` and a router whose `/me` answers the `Token<Profile>` it got.
fn profile_app() -> &'static (JwtAuth<String, Profile>, Router) {
    static APP: OnceLock<(JwtAuth<String, Profile>, Router)> = OnceLock::new();
    APP.get_or_init(|| {
        let auth = JwtAuth::<String, Profile>::builder()
            .secret(SECRET)
            .resolver(|token: Token<Profile>, _parts| async move {
                Ok::<_, Infallible>(Some(token.sub))
            })
            .build()
            .unwrap();
        let app = Router::new()
            .route(
                "/me",
                get(
                    |AuthUser(sub): AuthUser<String>, token: Token<Profile>| async move {
                        axum::Json(serde_json::json!({"user": sub, "token": token}))
                    },
                ),
            )
            .layer(JwtAuthLayer::new(auth.clone()));
        (auth, app)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A custom claims type round-trips through `verify` and through the layer (`Token<C>`).
    #[test]
    fn custom_claims_type_round_trips(sub in "\\PC{1,30}", profile in profile()) {
        let (auth, app) = profile_app();
        let jwt = auth.create_token(sub.clone()).claims(&profile).sign().unwrap();
        let verified = auth.verify(&jwt).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&verified.sub, &sub);
        prop_assert_eq!(&verified.claims, &profile);

        let reply = runtime().block_on(bearer(app, "/me", &jwt));
        prop_assert_eq!(reply.status, StatusCode::OK);
        let body = reply.json();
        prop_assert_eq!(&body["user"], &Value::String(sub.clone()));
        let seen: Token<Profile> = serde_json::from_value(body["token"].clone()).unwrap();
        prop_assert_eq!(&seen.sub, &sub);
        prop_assert_eq!(&seen.claims, &profile);
    }
}

// ---------- 2. every single-byte change is refused ----------

/// `jwt` with the byte at `position` replaced by `byte`.
fn changed(jwt: &str, position: usize, byte: u8) -> Vec<u8> {
    let mut bytes = jwt.as_bytes().to_vec();
    bytes[position] = byte;
    bytes
}

/// A position and an ASCII byte different from the one there (a token is a `&str`).
fn ascii_change(jwt: &str) -> impl Strategy<Value = (usize, u8)> {
    let bytes = jwt.as_bytes().to_vec();
    (0..bytes.len(), 1u8..0x80).prop_map(move |(position, step)| {
        // Any ASCII byte but the original: step through the other 127 values.
        (position, (bytes[position] + step) % 0x80)
    })
}

fn es256() -> &'static (JwtAuth<User>, String) {
    static KEY: OnceLock<(JwtAuth<User>, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        let auth = keyed_auth([private("p256-a")], &[Algorithm::ES256]);
        let jwt = auth
            .create_token("alice")
            .extra("role", "admin")
            .sign()
            .unwrap();
        (auth, jwt)
    })
}

fn rs256() -> &'static (JwtAuth<User>, String) {
    static KEY: OnceLock<(JwtAuth<User>, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        let auth = keyed_auth([private("rsa2048-a")], &[Algorithm::RS256]);
        let jwt = auth
            .create_token("alice")
            .extra("role", "admin")
            .sign()
            .unwrap();
        (auth, jwt)
    })
}

fn assert_refused(
    auth: &JwtAuth<User>,
    jwt: &str,
    position: usize,
    byte: u8,
) -> Result<(), TestCaseError> {
    let bytes = changed(jwt, position, byte);
    let text = std::str::from_utf8(&bytes).unwrap();
    prop_assert!(
        auth.verify(text).is_err(),
        "accepted with byte {} of {} changed to {:?}",
        position,
        jwt.len(),
        byte as char
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// HS256: a fresh token per case (any subject and claims), one byte changed.
    #[test]
    fn hs256_single_byte_changes_are_refused(
        (jwt, (position, byte)) in (subject(), extra_claims())
            .prop_filter_map("a signable subject", |(sub, extras)| {
                let mut token = hs256().create_token(sub);
                for (name, value) in &extras {
                    token = token.extra(name.clone(), value);
                }
                token.sign().ok().filter(|jwt| jwt.len() <= MAX_TOKEN)
            })
            .prop_flat_map(|jwt| (Just(jwt.clone()), ascii_change(&jwt))),
    ) {
        prop_assert!(hs256().verify(&jwt).is_ok());
        assert_refused(hs256(), &jwt, position, byte)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// ES256 and RS256 (fixture keys): one token each, any position, any other ASCII byte.
    #[test]
    fn es256_single_byte_changes_are_refused((position, byte) in ascii_change(&es256().1)) {
        let (auth, jwt) = es256();
        assert_refused(auth, jwt, position, byte)?;
    }

    #[test]
    fn rs256_single_byte_changes_are_refused((position, byte) in ascii_change(&rs256().1)) {
        let (auth, jwt) = rs256();
        assert_refused(auth, jwt, position, byte)?;
    }
}

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The last character of a base64url segment carries unused low bits (2 or 4): several
/// characters decode to the same bytes, and only the canonical one (those bits zero) may pass.
/// Checked exhaustively on the last character of every segment, for every algorithm here.
#[test]
fn non_canonical_last_characters_are_refused() {
    let hs = hs256().create_token("alice").sign().unwrap();
    let cases = [
        (hs256(), hs.as_str()),
        (&es256().0, es256().1.as_str()),
        (&rs256().0, rs256().1.as_str()),
    ];
    let mut same_bytes = 0;
    for (auth, jwt) in cases {
        assert!(auth.verify(jwt).is_ok());
        let mut end = 0;
        for segment in jwt.split('.') {
            end += segment.len();
            let last = end - 1;
            for &byte in B64URL.iter().filter(|&&b| b != jwt.as_bytes()[last]) {
                let bytes = changed(jwt, last, byte);
                let text = std::str::from_utf8(&bytes).unwrap();
                let lenient = base64::engine::GeneralPurpose::new(
                    &base64::alphabet::URL_SAFE,
                    base64::engine::GeneralPurposeConfig::new()
                        .with_encode_padding(false)
                        .with_decode_allow_trailing_bits(true)
                        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
                );
                let decode = |s: &str| base64::Engine::decode(&lenient, s).unwrap();
                let original = jwt
                    .split('.')
                    .nth(jwt[..last].matches('.').count())
                    .unwrap();
                let twin = text
                    .split('.')
                    .nth(jwt[..last].matches('.').count())
                    .unwrap();
                if decode(original) == decode(twin) {
                    same_bytes += 1;
                }
                assert!(
                    auth.verify(text).is_err(),
                    "last character of a segment changed"
                );
            }
            end += 1;
        }
    }
    // The check above did meet twins that a lenient decoder reads as the same bytes.
    assert!(same_bytes > 0);
}

/// Which answer a bearer token changed to `byte` at `position` gets: a byte outside RFC 6750's
/// `b64token` is a malformed request (400), unless it is whitespace the header syntax absorbs
/// (a space after the scheme's own, a space or tab at the end of the field value): then the
/// token is just one byte short.
fn expected_for(byte: u8, position: usize, len: usize) -> Expect {
    let b64token = byte.is_ascii_alphanumeric() || b"-._~+/=".contains(&byte);
    let absorbed =
        (byte == b' ' && position == 0) || ((byte == b' ' || byte == b'\t') && position + 1 == len);
    if b64token || absorbed {
        Expect::InvalidToken
    } else {
        Expect::InvalidRequest
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Through the layer: any byte (0..=255) changed in a valid token is refused before the
    /// resolver; the answer is 401 `invalid_token` or, for bytes a bearer token cannot hold,
    /// 400 `invalid_request`. Bytes a header value cannot carry at all are not sendable.
    #[test]
    fn changed_tokens_get_401_through_the_layer(
        sub in "[a-z]{1,12}",
        position in any::<prop::sample::Index>(),
        step in 1u8..=255,
    ) {
        let (app, calls, _) = default_app();
        let jwt = token(&claims(&sub));
        let position = position.index(jwt.len());
        let byte = jwt.as_bytes()[position].wrapping_add(step);
        let mut value = b"Bearer ".to_vec();
        value.extend(changed(&jwt, position, byte));
        let Ok(value) = HeaderValue::from_bytes(&value) else {
            // Control bytes: no HTTP client can send them in a header.
            prop_assert!(byte < 0x20 || byte == 0x7f);
            return Ok(());
        };
        let request = Request::get("/some-path")
            .header("authorization", value)
            .body(Body::empty())
            .unwrap();
        let reply = runtime().block_on(send(&app, request));
        assert_rejected(&reply, &calls, &jwt, expected_for(byte, position, jwt.len()));
        // The unchanged token still passes: the refusal came from the change.
        let reply = runtime().block_on(bearer(&app, "/some-path", &jwt));
        prop_assert_eq!(reply.status, StatusCode::OK);
        prop_assert_eq!(calls.count(), 1);
    }
}

// ---------- 3. no path skips a protected route ----------

const EXCLUDES: [&str; 4] = ["/login", "/schema/*", "/public/*", "/api/login"];

/// The routes of the app and whether an exclude covers them.
const ROUTES: [(&str, bool); 12] = [
    ("/login", true),
    ("/login/extra", false),
    ("/public", true),
    ("/public/{*rest}", true),
    ("/publicity", false),
    ("/schema/openapi.json", true),
    ("/schemas", false),
    ("/admin", false),
    ("/admin/{*rest}", false),
    ("/users/{id}", false),
    ("/users/{id}/public", false),
    ("/.well-known/x", false),
];

/// Nested under `/api`.
const API_ROUTES: [(&str, bool); 3] = [("/login", true), ("/admin", false), ("/{id}", false)];

/// Which handler ran, and whether it saw an identity.
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

/// A handler that records its name and whether it saw an identity, and answers its name.
/// Outside the layer (`layered` false) it asks for no identity: `AuthUser` would be a 500.
fn handler(name: String, seen: Seen, layered: bool) -> axum::routing::MethodRouter {
    if layered {
        get(move |user: Option<AuthUser<User>>| async move {
            seen.lock().unwrap().push((name.clone(), user.is_some()));
            name
        })
    } else {
        get(move || async move {
            seen.lock().unwrap().push((name.clone(), false));
            name
        })
    }
}

/// The app with every route, `/api` nested and a fallback; the layer over all of it when
/// `auth` is given. Each handler answers its own name.
fn path_app(auth: Option<JwtAuth<User>>, seen: &Seen) -> Router {
    let layered = auth.is_some();
    let mut api = Router::new();
    for (route, _) in API_ROUTES {
        api = api.route(
            route,
            handler(format!("/api{route}"), seen.clone(), layered),
        );
    }
    let mut app = Router::new();
    for (route, _) in ROUTES {
        app = app.route(route, handler(route.to_owned(), seen.clone(), layered));
    }
    let app = app.nest("/api", api).fallback_service(handler(
        "fallback".to_owned(),
        seen.clone(),
        layered,
    ));
    match auth {
        Some(auth) => app.layer(JwtAuthLayer::new(auth)),
        None => app,
    }
}

fn excluded_route(route: &str) -> bool {
    ROUTES.iter().any(|(r, excluded)| *excluded && *r == route)
        || API_ROUTES
            .iter()
            .any(|(r, excluded)| *excluded && format!("/api{r}") == route)
}

/// Whether a request for `path` that the router sent to `route` may pass without a token.
/// A route is excluded or not; the fallback has no route, so the raw path decides, and only a
/// path that every reader reads the same way (no dot segments, `//`, `%`, `;`, `\`) can
/// match an exclude, anchored and segment-aware. That is how a `ServeDir` fallback serves
/// `/public/...` without a token.
fn passes_without_token(route: &str, path: &str) -> bool {
    if route != "fallback" {
        return excluded_route(route);
    }
    let path = path.split('?').next().unwrap_or_default();
    let clean = !path.contains(['%', ';', '\\'])
        && !path.contains("//")
        && !path.split('/').any(|s| s == "." || s == "..");
    let matches = path == "/login"
        || path == "/api/login"
        || ["/schema", "/public"]
            .iter()
            .any(|base| path == *base || path.starts_with(&format!("{base}/")));
    clean && matches
}

struct PathApps {
    plain: Router,
    plain_seen: Seen,
    layered: Router,
    layered_seen: Seen,
    calls: Calls,
}

impl PathApps {
    fn new() -> Self {
        let (builder, calls) = builder();
        let auth = builder.exclude(EXCLUDES).build().unwrap();
        let plain_seen = Seen::default();
        let layered_seen = Seen::default();
        PathApps {
            plain: path_app(None, &plain_seen),
            layered: path_app(Some(auth), &layered_seen),
            plain_seen,
            layered_seen,
            calls,
        }
    }
}

thread_local! {
    /// One pair of apps per test thread: their call records are not shared between tests.
    static PATH_APPS: PathApps = PathApps::new();
}

/// Path segments built to confuse: names in other cases, dot segments plain and encoded,
/// encoded slashes, encoded letters, matrix parameters, empty segments.
fn segment() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        "login",
        "LOGIN",
        "Login",
        "login;x",
        "%6cogin",
        "%6Cogin",
        "public",
        "Public",
        "PUBLIC",
        "%70ublic",
        "publicity",
        "public%2F..%2Fadmin",
        "schema",
        "schemas",
        "openapi.json",
        "admin",
        "ADMIN",
        "%61dmin",
        "api",
        "API",
        "users",
        "7",
        "extra",
        ".well-known",
        "x",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2e%2e",
        "%2E%2E",
        ".%2e",
        "%2e.",
        "%2F",
        "%2f",
        "%5C",
        ";",
        ";x",
        "",
        "%",
        "%00",
        "~",
        "login%2F..%2Fadmin",
        "..;",
        "%252e%252e",
    ]);
    prop_oneof![
        4 => tricky.prop_map(str::to_owned),
        1 => "[A-Za-z0-9._~%;:@!$&'()*+,=-]{0,6}",
    ]
}

/// A path made of confusing segments.
fn random_path() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["/", "//", "/./", "/../", "///"]),
        prop::collection::vec(segment(), 0..6),
        prop::sample::select(vec!["", "/", "//", "/.", "/..", "?x=1", "/?a=%2F", "?"]),
    )
        .prop_map(|(lead, segments, tail)| format!("{lead}{}{tail}", segments.join("/")))
}

/// One way of disguising a path.
#[derive(Clone, Debug)]
enum Disguise {
    /// A confusing segment inserted before the n-th slash (or at the end).
    Segment(prop::sample::Index, String),
    /// The n-th character percent-encoded (upper or lower case hex).
    Encode(prop::sample::Index, bool),
    /// The n-th slash doubled.
    DoubleSlash(prop::sample::Index),
    /// The n-th slash after the first one encoded as `%2F` / `%2f`.
    EncodeSlash(prop::sample::Index, bool),
    /// The n-th letter in the other case.
    Case(prop::sample::Index),
    /// A trailing slash, or a query string that names another route.
    Tail(&'static str),
    /// A way up from an excluded prefix: `/public/..` + path.
    Climb(&'static str),
}

fn disguise() -> impl Strategy<Value = Disguise> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        (index(), segment()).prop_map(|(i, s)| Disguise::Segment(i, s)),
        (index(), any::<bool>()).prop_map(|(i, upper)| Disguise::Encode(i, upper)),
        index().prop_map(Disguise::DoubleSlash),
        (index(), any::<bool>()).prop_map(|(i, upper)| Disguise::EncodeSlash(i, upper)),
        index().prop_map(Disguise::Case),
        prop::sample::select(vec!["/", "?next=/login", "/.", "/..", ";"]).prop_map(Disguise::Tail),
        prop::sample::select(vec![
            "/public/..",
            "/login/..",
            "/schema/.",
            "/public/%2e%2e"
        ])
        .prop_map(Disguise::Climb),
    ]
}

impl Disguise {
    fn apply(&self, path: &mut String) {
        let slashes: Vec<usize> = path.match_indices('/').map(|(i, _)| i).collect();
        match self {
            Self::Segment(i, segment) => {
                let at = *slashes
                    .get(i.index(slashes.len() + 1))
                    .unwrap_or(&path.len());
                path.insert_str(at, &format!("/{segment}"));
            }
            Self::Encode(i, upper) => {
                // Never the leading slash: that is no longer a path.
                let at = 1 + i.index(path.len() - 1);
                let encoded = format!("%{:02x}", path.as_bytes()[at]);
                let encoded = if *upper {
                    encoded.to_uppercase()
                } else {
                    encoded
                };
                path.replace_range(at..=at, &encoded);
            }
            Self::DoubleSlash(i) => path.insert(slashes[i.index(slashes.len())], '/'),
            Self::EncodeSlash(i, upper) => {
                if slashes.len() > 1 {
                    let at = slashes[1 + i.index(slashes.len() - 1)];
                    path.replace_range(at..=at, if *upper { "%2F" } else { "%2f" });
                }
            }
            Self::Case(i) => {
                let letters: Vec<usize> = path
                    .char_indices()
                    .filter(|(_, c)| c.is_ascii_alphabetic())
                    .map(|(i, _)| i)
                    .collect();
                if !letters.is_empty() {
                    let at = letters[i.index(letters.len())];
                    let flipped = match path.as_bytes()[at] {
                        b if b.is_ascii_lowercase() => b.to_ascii_uppercase(),
                        b => b.to_ascii_lowercase(),
                    };
                    path.replace_range(at..=at, &(flipped as char).to_string());
                }
            }
            Self::Tail(tail) => path.push_str(tail),
            Self::Climb(up) => path.insert_str(0, up),
        }
    }
}

/// The real paths of the app (and a few next to them), disguised zero to three times.
fn disguised_path() -> impl Strategy<Value = String> {
    let real = prop::sample::select(vec![
        "/login",
        "/login/extra",
        "/public",
        "/public/x",
        "/public/a/b",
        "/publicity",
        "/schema",
        "/schema/openapi.json",
        "/schema/x",
        "/schemas",
        "/admin",
        "/admin/x",
        "/users/7",
        "/users/7/public",
        "/.well-known/x",
        "/api/login",
        "/api/admin",
        "/api/7",
    ]);
    (real, prop::collection::vec(disguise(), 0..4)).prop_map(|(real, disguises)| {
        let mut path = real.to_owned();
        for disguise in disguises {
            disguise.apply(&mut path);
        }
        path
    })
}

fn request_path() -> impl Strategy<Value = String> {
    prop_oneof![3 => disguised_path(), 1 => random_path()]
}

/// What the router routes `path` to, without the layer: the name of the handler that ran.
fn routed(apps: &PathApps, path: &str) -> String {
    apps.plain_seen.lock().unwrap().clear();
    let reply = runtime().block_on(send(&apps.plain, get_with(path, &[])));
    let seen = std::mem::take(&mut *apps.plain_seen.lock().unwrap());
    assert_eq!(reply.status, StatusCode::OK, "{path}");
    assert_eq!(seen.len(), 1, "{path}");
    assert_eq!(seen[0].0, reply.body);
    reply.body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Without a token, a request gets past the layer only if the handler the router sends it
    /// to is an excluded route, or the fallback for a clean path under an exclude (and then
    /// carries no identity); every other path gets 401 with no handler run. With a valid token
    /// every path reaches the same handler as without the layer, with the identity attached
    /// exactly when the request is not excluded.
    #[test]
    fn no_path_reaches_a_protected_handler_without_a_token(path in request_path()) {
        PATH_APPS.with(|apps| check_path(apps, &path))?;
    }
}

fn check_path(apps: &PathApps, path: &str) -> Result<(), TestCaseError> {
    let uri: Result<http::Uri, _> = path.parse();
    prop_assert!(uri.is_ok(), "not a request target: {path:?}");
    let route = routed(apps, path);
    let resolved = apps.calls.count();

    apps.layered_seen.lock().unwrap().clear();
    let reply = runtime().block_on(send(&apps.layered, get_with(path, &[])));
    let seen = std::mem::take(&mut *apps.layered_seen.lock().unwrap());
    let public = passes_without_token(&route, path);
    if public {
        prop_assert_eq!(reply.status, StatusCode::OK, "{} -> {}", path, route);
        prop_assert_eq!(&reply.body, &route);
        prop_assert_eq!(seen, vec![(route.clone(), false)]);
    } else {
        prop_assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{} -> {}",
            path,
            route
        );
        prop_assert!(seen.is_empty(), "{} ran a handler: {:?}", path, seen);
    }
    prop_assert_eq!(apps.calls.count(), resolved, "resolver ran without a token");

    let jwt = token(&claims("alice"));
    let reply = runtime().block_on(bearer(&apps.layered, path, &jwt));
    let seen = std::mem::take(&mut *apps.layered_seen.lock().unwrap());
    prop_assert_eq!(reply.status, StatusCode::OK, "{}", path);
    prop_assert_eq!(
        &reply.body,
        &route,
        "the layer changed the routing of {}",
        path
    );
    prop_assert_eq!(seen, vec![(route.clone(), !public)]);
    prop_assert_eq!(apps.calls.count(), resolved + usize::from(!public));
    Ok(())
}

/// Known tricks route where axum sends them (it normalises neither dot segments nor
/// percent-encoding), and the generator reaches every kind of outcome often.
#[test]
fn the_path_generator_reaches_every_kind_of_outcome() {
    use proptest::strategy::ValueTree as _;
    use proptest::test_runner::{Config, TestRng, TestRunner};

    let apps = PathApps::new();
    let apps = &apps;
    for (path, route) in [
        ("/public//../admin", "/public/{*rest}"),
        ("/public/../admin", "/public/{*rest}"),
        ("/login/../admin", "fallback"),
        ("/%6cogin", "fallback"),
        ("/LOGIN", "fallback"),
        ("/login/", "fallback"),
        ("//login", "fallback"),
        ("/./admin", "fallback"),
        ("/api/%6cogin", "/api/{id}"),
        ("/api/login", "/api/login"),
        ("/Public/x", "fallback"),
        ("/schema/x", "fallback"),
    ] {
        assert_eq!(routed(apps, path), route, "{path}");
    }

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    // [excluded route, public fallback, protected route, protected fallback]
    let mut kinds = [0; 4];
    for _ in 0..1000 {
        let path = request_path().new_tree(&mut runner).unwrap().current();
        assert!(path.parse::<http::Uri>().is_ok(), "{path:?}");
        let route = routed(apps, &path);
        let public = passes_without_token(&route, &path);
        let kind = match (route == "fallback", public) {
            (false, true) => 0,
            (true, true) => 1,
            (false, false) => 2,
            (true, false) => 3,
        };
        kinds[kind] += 1;
    }
    assert!(kinds.iter().all(|&n| n >= 20), "{kinds:?}");
}
