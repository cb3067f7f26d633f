//! WebSocket upgrades through a router served on 127.0.0.1:0, with a real client
//! (tokio-tungstenite): an upgrade is authenticated like any request, by the bearer header,
//! the token cookie or the session cookie, and one without valid credentials is refused with
//! 401 before the handshake (no 101, no socket). The opt-in sources a browser's WebSocket can
//! use, a query parameter and a `Sec-WebSocket-Protocol` entry, work the same way and never
//! reach the logs. SECURITY.md 55.

mod common;

use std::convert::Infallible;

use axum::extract::ws::{Message as ServerMessage, WebSocketUpgrade};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_jwt_layer::issue::AuthCookie;
use axum_jwt_layer::session::{SessionBackend, UserSession};
use axum_jwt_layer::{AuthLayer, AuthUser, AuthenticatorBuilder, JwtAuth, JwtAuthLayer, Token};
use common::{capture_logs, logs, session_pair, SECRET};
use futures_util::StreamExt as _;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Every log line of the test binary but those of the test's own WebSocket client, which
/// traces the requests it sends (credentials included) at TRACE.
fn server_logs() -> String {
    logs()
        .lines()
        .filter(|line| !line.contains("tungstenite::handshake::client"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `/ws`: sends the user's name once, then closes.
async fn ws(AuthUser(name): AuthUser<String>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .on_upgrade(move |mut socket| async move {
            let _ = socket.send(ServerMessage::Text(name.into())).await;
            let _ = socket.send(ServerMessage::Close(None)).await;
        })
        .into_response()
}

/// `/chat`: as `/ws`, answering with the application's subprotocol `chat` (never the entry
/// that carried the token).
async fn chat(AuthUser(name): AuthUser<String>, upgrade: WebSocketUpgrade) -> Response {
    ws(AuthUser(name), upgrade.protocols(["chat"])).await
}

/// Serves `app` on a free loopback port; its `ws://` base.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn jwt_auth() -> JwtAuth<String> {
    capture_logs();
    JwtAuth::<String>::builder()
        .secret(SECRET)
        .cookie(AuthCookie::new("token").secure(false))
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .build()
        .unwrap()
}

/// Opens `/ws` with `headers`: the first text message, or the refusal's status.
async fn open(base: &str, headers: &[(header::HeaderName, String)]) -> Result<String, StatusCode> {
    open_at(&format!("{base}/ws"), headers)
        .await
        .map(|(text, _)| text)
}

/// Opens `url` with `headers`: the first text message and the subprotocol the server chose,
/// or the refusal's status.
async fn open_at(
    url: &str,
    headers: &[(header::HeaderName, String)],
) -> Result<(String, Option<String>), StatusCode> {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut socket, response)) => {
            assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
            let protocol = response
                .headers()
                .get(header::SEC_WEBSOCKET_PROTOCOL)
                .map(|p| p.to_str().unwrap().to_owned());
            match socket.next().await {
                Some(Ok(Message::Text(text))) => Ok((text.to_string(), protocol)),
                other => panic!("expected the user's name, got {other:?}"),
            }
        }
        Err(WsError::Http(response)) => {
            assert!(
                response.headers().get(header::UPGRADE).is_none(),
                "no upgrade"
            );
            Err(response.status())
        }
        Err(other) => panic!("unexpected client error: {other}"),
    }
}

#[tokio::test]
async fn a_jwt_in_the_header_or_the_cookie_opens_the_socket_and_nothing_else_does() {
    let auth = jwt_auth();
    let token = auth.create_token("ada").sign().unwrap();
    let other = auth.create_token("bob").sign().unwrap();
    let base = serve(
        Router::new()
            .route("/ws", get(ws))
            .layer(JwtAuthLayer::new(auth)),
    )
    .await;

    let bearer = (header::AUTHORIZATION, format!("Bearer {token}"));
    assert_eq!(open(&base, &[bearer]).await, Ok("ada".to_owned()));
    let cookie = (header::COOKIE, format!("token={token}"));
    assert_eq!(open(&base, &[cookie]).await, Ok("ada".to_owned()));

    assert_eq!(open(&base, &[]).await, Err(StatusCode::UNAUTHORIZED));
    let forged = format!("{}x", &token[..token.len() - 1]);
    let bad = (header::AUTHORIZATION, format!("Bearer {forged}"));
    assert_eq!(open(&base, &[bad]).await, Err(StatusCode::UNAUTHORIZED));
    // Two different tokens: ambiguous, never guessed between.
    let both = [
        (header::AUTHORIZATION, format!("Bearer {token}")),
        (header::COOKIE, format!("token={other}")),
    ];
    assert_eq!(open(&base, &both).await, Err(StatusCode::BAD_REQUEST));
    let logs = server_logs();
    assert!(
        logs.contains("axum_jwt_layer"),
        "the layer's refusals are logged"
    );
    assert!(
        !logs.contains(&token) && !logs.contains(&forged),
        "no token in the logs"
    );
}

#[tokio::test]
async fn a_session_cookie_opens_the_socket_and_a_stale_one_does_not() {
    capture_logs();
    let sessions = SessionBackend::<String>::builder()
        .cookie(AuthCookie::new("session").secure(false))
        .build()
        .unwrap();
    let auth = AuthenticatorBuilder::new(sessions)
        .resolver(|session: UserSession<String>, _parts| async move {
            Ok::<_, Infallible>(Some(session.into_data()))
        })
        .build()
        .unwrap();
    let cookie = session_pair(auth.backend(), "ada").await;
    let base = serve(
        Router::new()
            .route("/ws", get(ws))
            .layer(AuthLayer::new(auth)),
    )
    .await;

    let with_session = (header::COOKIE, cookie.clone());
    assert_eq!(open(&base, &[with_session]).await, Ok("ada".to_owned()));
    let stale = (header::COOKIE, "session=AAAAAAAAAAAAAAAAAAAAAA".to_owned());
    assert_eq!(open(&base, &[stale]).await, Err(StatusCode::UNAUTHORIZED));
    assert_eq!(open(&base, &[]).await, Err(StatusCode::UNAUTHORIZED));
    assert!(!server_logs().contains(&cookie["session=".len()..]));
}

#[tokio::test]
async fn a_query_or_subprotocol_token_opens_the_socket_when_configured_and_is_never_logged() {
    use axum_jwt_layer::jwt::TokenSource;
    capture_logs();
    let auth = JwtAuth::<String>::builder()
        .secret(SECRET)
        .token_sources([
            TokenSource::authorization_bearer(),
            TokenSource::query("access_token"),
            TokenSource::websocket_protocol("access_token."),
        ])
        .resolver(|token: Token, _parts| async move { Ok::<_, Infallible>(Some(token.sub)) })
        .build()
        .unwrap();
    let token = auth.create_token("ada").sign().unwrap();
    let forged = format!("{}x", &token[..token.len() - 1]);
    let app = Router::new()
        .route("/ws", get(ws))
        .route("/chat", get(chat))
        .layer(JwtAuthLayer::new(auth));
    let base = serve(app).await;

    let (text, _) = open_at(&format!("{base}/ws?access_token={token}"), &[])
        .await
        .unwrap();
    assert_eq!(text, "ada");
    let offer = (
        header::SEC_WEBSOCKET_PROTOCOL,
        format!("chat, access_token.{token}"),
    );
    let (text, chosen) = open_at(&format!("{base}/chat"), &[offer]).await.unwrap();
    assert_eq!(text, "ada");
    assert_eq!(
        chosen.as_deref(),
        Some("chat"),
        "the token entry is never echoed"
    );

    for url in [
        format!("{base}/ws?access_token={forged}"),
        format!("{base}/ws?access_token={token}&access_token={forged}"),
    ] {
        assert!(open_at(&url, &[]).await.is_err(), "refused");
    }
    assert_eq!(
        open_at(&format!("{base}/ws?access_token={forged}"), &[]).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let bad_offer = (
        header::SEC_WEBSOCKET_PROTOCOL,
        format!("chat, access_token.{forged}"),
    );
    assert_eq!(
        open_at(&format!("{base}/chat"), &[bad_offer]).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let logs = server_logs();
    assert!(logs.contains("axum_jwt_layer"));
    assert!(
        !logs.contains(&token) && !logs.contains(&forged),
        "never logged"
    );
}

#[tokio::test]
async fn the_query_and_subprotocol_sources_are_opt_in() {
    let auth = jwt_auth();
    let token = auth.create_token("ada").sign().unwrap();
    let app = Router::new()
        .route("/ws", get(ws))
        .route("/chat", get(chat))
        .layer(JwtAuthLayer::new(auth));
    let base = serve(app).await;
    assert_eq!(
        open_at(&format!("{base}/ws?access_token={token}"), &[]).await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let offer = (
        header::SEC_WEBSOCKET_PROTOCOL,
        format!("chat, access_token.{token}"),
    );
    assert_eq!(
        open_at(&format!("{base}/chat"), &[offer]).await,
        Err(StatusCode::UNAUTHORIZED)
    );
}
