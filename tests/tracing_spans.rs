//! The per-request `tracing` span (issue 14): one `authenticate` span per request that goes
//! through authentication, at debug level with target `axum_jwt_layer`, naming the subject
//! and the outcome; never the token. Excluded routes get none.

mod common;

use common::{bearer, capture_logs, default_app, plain_logs};
use http::StatusCode;

/// The captured lines that mention `marker` (each test uses its own subject).
fn lines_with(marker: &str) -> Vec<String> {
    plain_logs()
        .lines()
        .filter(|line| line.contains(marker))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn an_authenticated_request_has_a_span_with_its_subject_and_outcome() {
    capture_logs();
    let (app, _, auth) = default_app();
    let jwt = auth.create_token("span-alice").sign().unwrap();
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    let lines = lines_with("span-alice");
    assert!(
        lines.iter().any(|line| line.contains("authenticate{")
            && line.contains(r#"subject="span-alice""#)
            && line.contains(r#"outcome="authenticated""#)
            && line.contains("request authenticated")),
        "{lines:#?}"
    );
    let everything = plain_logs();
    assert!(!everything.contains(&jwt), "the token is never logged");
}

#[tokio::test]
async fn a_refused_request_has_a_span_with_the_reason_and_no_token() {
    capture_logs();
    let (app, _, auth) = default_app();
    let jwt = auth.create_token("span-bob").sign().unwrap();
    let (message, signature) = jwt.rsplit_once('.').unwrap();
    let forged = format!("{message}.{}", signature.replace(&signature[..4], "AAAA"));
    assert_eq!(
        bearer(&app, "/some-path", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    let everything = plain_logs();
    assert!(
        everything.lines().any(|line| line.contains("authenticate{")
            && line.contains("outcome=InvalidToken(BadSignature)")
            && line.contains("request rejected")),
        "{everything}"
    );
    assert!(!everything.contains(&forged), "the token is never logged");
    assert!(!everything.contains(signature), "nor its signature");
}

/// A log buffer of this thread only (the test runtime polls on the test's thread).
#[derive(Clone, Default)]
struct Local(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Local {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Local {
    fn spans(&self) -> usize {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .matches("authenticate{")
            .count()
    }
}

#[tokio::test]
async fn an_excluded_route_has_no_span() {
    capture_logs();
    let local = Local::default();
    let writer = local.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (app, _, auth) = default_app();
    let jwt = auth.create_token("span-carol").sign().unwrap();
    assert_eq!(bearer(&app, "/health", &jwt).await.status, StatusCode::OK);
    assert_eq!(local.spans(), 0, "an excluded route is not authenticated");
    // The same token on a protected route: one span.
    assert_eq!(
        bearer(&app, "/some-path", &jwt).await.status,
        StatusCode::OK
    );
    assert_eq!(local.spans(), 1);
}
