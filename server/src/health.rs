//! Fails fast while the database is away. The first request that finds it away waits for
//! the pool's acquire timeout (`backend::sistem::db::ACQUIRE_TIMEOUT`) and is answered 503; a probe
//! with a connection of its own then confirms the outage, and until a probe connects again
//! every request that needs the database is answered at once with "Layanan sedang
//! gangguan" (pages, server functions and file routes alike) instead of waiting in turn.
//! Static files (`/pkg`) are served throughout.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a probe waits for a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// The pause between probes while the database is away.
const PROBE_EVERY: Duration = Duration::from_millis(250);

/// Whether the database is known to be away, shared by every request.
#[derive(Clone)]
pub struct DbGate {
    inner: Arc<Inner>,
}

struct Inner {
    down: AtomicBool,
    probing: AtomicBool,
    options: PgConnectOptions,
}

impl DbGate {
    /// A gate for the database the pool connects to.
    pub fn new(options: PgConnectOptions) -> Self {
        DbGate { inner: Arc::new(Inner { down: AtomicBool::new(false), probing: AtomicBool::new(false), options }) }
    }

    /// True while the last probe could not connect.
    pub fn is_down(&self) -> bool {
        self.inner.down.load(Ordering::Acquire)
    }

    /// A request was answered 503: probe the database, unless a probe is running already,
    /// and keep probing while it is away.
    fn suspect(&self) {
        if self.inner.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            loop {
                let connected = tokio::time::timeout(PROBE_TIMEOUT, inner.options.connect()).await;
                if let Ok(Ok(conn)) = connected {
                    let _ = conn.close().await;
                    if inner.down.swap(false, Ordering::AcqRel) {
                        tracing::info!("database terjangkau kembali");
                    }
                    break;
                }
                if !inner.down.swap(true, Ordering::AcqRel) {
                    tracing::warn!("database tidak terjangkau; permintaan dijawab 503 sampai tersambung kembali");
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
            inner.probing.store(false, Ordering::Release);
        });
    }
}

/// The middleware: answers at once while the database is away, and has the gate probe
/// when an answer says the service is unavailable.
pub async fn gate(gate: DbGate, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") || crate::ops::is_probe(path) {
        return next.run(request).await;
    }
    if gate.is_down() {
        return unavailable(request.method(), path);
    }
    let (method, path) = (request.method().clone(), path.to_owned());
    let response = next.run(request).await;
    if is_session_store_failure(&response) {
        // the handler succeeded but its session could not be written: the session store is
        // the database, so the answer is the outage's (tower-sessions logged the error)
        gate.suspect();
        return unavailable(&method, &path);
    }
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        gate.suspect();
    }
    response
}

/// The session layer's own answer when it cannot save a session: a bare 500, no type, no
/// body. Every 500 of ours carries a message (a server function's JSON, a page, a text).
fn is_session_store_failure(response: &Response) -> bool {
    use axum::body::HttpBody;
    response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE)
        && response.body().size_hint().exact() == Some(0)
}

/// The 503 each kind of request understands: a server function's JSON error, a file
/// route's text, a page for a browser.
pub(crate) fn unavailable(method: &Method, path: &str) -> Response {
    let mut response = if *method == Method::POST && path.starts_with("/api/") && path != "/api/berkas" {
        // `AppError::Unavailable` as a server function sends it
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/json")], "\"Unavailable\"")
            .into_response()
    } else if path.starts_with("/api/") && *method != Method::POST {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], gangguan())
            .into_response()
    } else {
        let html = unavailable_page(path);
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What a person reads: `AppError::Unavailable`, as server functions say it.
fn gangguan() -> String {
    app::sistem::error::AppError::Unavailable.to_string()
}

/// The outage page, with a link to try the same page again (a path of this site only).
fn unavailable_page(path: &str) -> String {
    let retry = if path.starts_with('/') && !path.starts_with("//") { path } else { "/" };
    app::sistem::ssr::message_page("Layanan sedang gangguan", "Aktivasi OTP SAKTI", &gangguan(), retry, "Coba lagi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_request_gets_an_answer_it_can_read() {
        let f = unavailable(&Method::POST, "/api/pejabat_daftar");
        assert_eq!(f.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(f.headers()[header::CONTENT_TYPE], "application/json");
        let file = unavailable(&Method::GET, "/api/audit.csv");
        assert_eq!(file.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
        let page = unavailable(&Method::GET, "/pejabat");
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(page.headers()[header::RETRY_AFTER], "5");
        let upload = unavailable(&Method::POST, "/api/berkas");
        assert_eq!(upload.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    }

    #[test]
    fn only_the_session_layers_bare_500_is_taken_for_the_store_being_away() {
        let mut bare = Response::default();
        *bare.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        assert!(is_session_store_failure(&bare));
        let ours = (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], "\"Internal\"")
            .into_response();
        assert!(!is_session_store_failure(&ours));
        assert!(!is_session_store_failure(&Response::default()));
    }

    #[test]
    fn the_retry_link_cannot_break_out_of_its_attribute() {
        let page = unavailable_page("/a\"><script>");
        assert!(page.contains("href=\"/a&quot;&gt;&lt;script&gt;\""), "{page}");
        assert!(!page.contains("<script>"));
        assert!(unavailable_page("//evil.example/x").contains("href=\"/\""));
    }
}
