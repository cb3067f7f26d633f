//! The session backend (feature `session`, on by default): Litestar's `SessionAuth`. The
//! browser holds only a random session id in a cookie; the session data lives in a
//! tower-sessions [`SessionStore`] (the bounded [`MemoryStore`] by default, or any store of
//! the tower-sessions ecosystem, e.g. on Redis, for several instances).
//!
//! [`SessionBackend`] is an [`AuthBackend`](crate::AuthBackend): put it in an
//! [`Authenticator`](crate::Authenticator) and behind an [`AuthLayer`](crate::AuthLayer) like
//! any backend (excludes, the resolver, extractors, errors and cross-origin protection come
//! with it). The resolver receives the [`UserSession`], whose data is your type `T` (serde).
//! [`SessionBackend::login`] starts a session (a new id every time: no fixation) and answers
//! its `Set-Cookie`; [`SessionBackend::logout`] deletes it on the server and expires the
//! cookie.
//!
//! ```
//! use axum::{routing::{get, post}, Json, Router};
//! use axum::http::{header::SET_COOKIE, HeaderMap, StatusCode};
//! use axum::response::IntoResponse;
//! use axum_jwt_layer::{AuthLayer, AuthUser, AuthenticatorBuilder, session::{SessionBackend, UserSession}};
//! use serde::{Deserialize, Serialize};
//! use std::convert::Infallible;
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Login { user_id: String }
//!
//! let sessions = SessionBackend::<Login>::builder().build().unwrap();
//! let auth = AuthenticatorBuilder::new(sessions)
//!     .resolver(|session: UserSession<Login>, _parts| async move {
//!         Ok::<_, Infallible>(Some(session.into_data().user_id))
//!     })
//!     .exclude(["/login"])
//!     .build()
//!     .unwrap();
//! let login_auth = auth.clone();
//! let app: Router = Router::new()
//!     .route("/me", get(|AuthUser(id): AuthUser<String>| async move { id }))
//!     .route("/login", post(move |headers: HeaderMap| async move {
//!         // ... check the password first ...
//!         let login = Login { user_id: "alice".into() };
//!         match login_auth.backend().login(&headers, &login.user_id, &login).await {
//!             Ok(cookie) => (StatusCode::CREATED, [(SET_COOKIE, cookie)]).into_response(),
//!             Err(error) => login_auth.error_response(&error),
//!         }
//!     }))
//!     .layer(AuthLayer::new(auth));
//! # let _ = app;
//! ```

mod backend;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod subjects;

pub use self::backend::{SessionBackend, SessionBackendBuilder, UserSession};
pub use self::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisSessionStore;
pub use tower_sessions_core::session::{Id, Record};
pub use tower_sessions_core::{session_store, SessionStore};
