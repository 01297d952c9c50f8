//! Operations: `GET /healthz` (the process answers), `GET /readyz` (the database answers the
//! app role with the migrations this binary expects, and the outbox workers ran lately; 503
//! with a JSON reason otherwise), `GET /metrics` (Prometheus text, from loopback or with
//! `SAKTI_METRICS_TOKEN`), and the HTTP request metrics middleware.

use axum::Router;
use axum::extract::{Extension, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::kirim::pekerja::Heartbeat;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What the probes and the metrics endpoint need.
#[derive(Clone, Default)]
pub struct Ops {
    /// The background workers and how long each may go without a round before the instance is
    /// not ready.
    pub workers: Vec<(&'static str, Heartbeat, Duration)>,
    /// `SAKTI_METRICS_TOKEN`: a scraper from elsewhere than loopback sends it as a bearer token.
    pub metrics_token: Option<String>,
}

/// The Prometheus recorder behind the `metrics` facade, installed once per process.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("sakti_http_request_duration_seconds".into()), &buckets)
                .expect("buckets are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // a second recorder (another test app in this process) keeps the first
            let _ = metrics::set_global_recorder(recorder);
            metrics::gauge!("sakti_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

pub fn routes<S: Clone + Send + Sync + 'static>(pool: backend::PgPool, ops: Ops) -> Router<S> {
    let handle = prometheus();
    Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            "/readyz",
            axum::routing::get({
                let (pool, ops) = (pool.clone(), ops.clone());
                move || {
                    let (pool, ops) = (pool.clone(), ops.clone());
                    async move { ready(&pool, &ops).await }
                }
            }),
        )
        .route(
            "/metrics",
            axum::routing::get(move |Extension(addr): Extension<app::sistem::ssr::ClientAddr>, headers: HeaderMap| {
                let (pool, ops, handle) = (pool.clone(), ops.clone(), handle.clone());
                async move { scrape(&pool, &ops, &handle, addr, &headers).await }
            }),
        )
}

/// The paths the outage gate lets through (they say themselves what is wrong).
pub fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

async fn ready(pool: &backend::PgPool, ops: &Ops) -> Response {
    let not_ready = |reason: String| {
        let body = serde_json::json!({ "status": "unready", "reason": reason }).to_string();
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let applied = tokio::time::timeout(
        Duration::from_secs(1),
        sqlx::query_scalar::<_, Option<i64>>("SELECT max(version) FROM _sqlx_migrations WHERE success").fetch_one(pool),
    )
    .await;
    let expected = backend::sistem::db::MIGRATOR.iter().map(|m| m.version).max();
    match applied {
        Err(_) => return not_ready("database tidak menjawab dalam 1 detik".into()),
        Ok(Err(e)) => return not_ready(format!("database: {e}")),
        Ok(Ok(version)) if version != expected => {
            return not_ready(format!("migrasi database {version:?}, server ini memerlukan {expected:?}"));
        }
        Ok(Ok(_)) => {}
    }
    let now = backend::now();
    for (name, beat, within) in &ops.workers {
        let fresh = beat.last().is_some_and(|t| (now - t).to_std().unwrap_or_default() <= *within);
        if !fresh {
            return not_ready(format!("pekerja {name} tidak berjalan dalam {} detik terakhir", within.as_secs()));
        }
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], r#"{"status":"ready"}"#).into_response()
}

/// Constant-time equality of a presented token and the configured one.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn scrape(
    pool: &backend::PgPool,
    ops: &Ops,
    handle: &PrometheusHandle,
    addr: app::sistem::ssr::ClientAddr,
    headers: &HeaderMap,
) -> Response {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let by_token = matches!((bearer, &ops.metrics_token), (Some(given), Some(want)) if same(given, want));
    let from_loopback = addr.0.is_some_and(|ip| ip.is_loopback());
    if !by_token && !from_loopback {
        return (StatusCode::FORBIDDEN, "Metrik hanya dari loopback atau dengan SAKTI_METRICS_TOKEN.").into_response();
    }
    // the gauges a scrape reads now
    metrics::gauge!("sakti_db_pool_connections", "state" => "idle").set(pool.num_idle() as f64);
    metrics::gauge!("sakti_db_pool_connections", "state" => "busy")
        .set((pool.size() as usize - pool.num_idle()) as f64);
    metrics::gauge!("sakti_db_pool_max").set(f64::from(pool.options().get_max_connections()));
    // what a request waits for a connection now (a saturated pool shows here first)
    let asked = std::time::Instant::now();
    if let Ok(conn) = pool.acquire().await {
        metrics::gauge!("sakti_db_pool_acquire_seconds").set(asked.elapsed().as_secs_f64());
        drop(conn);
    }
    let oldest: Result<(Option<f64>, Option<f64>), _> = sqlx::query_as(
        "SELECT (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM sms_outbox WHERE state = 'ANTRE'),
                (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM email_outbox WHERE state = 'ANTRE')",
    )
    .fetch_one(pool)
    .await;
    if let Ok((sms, email)) = oldest {
        metrics::gauge!("sakti_sms_oldest_waiting_seconds").set(sms.unwrap_or(0.0).max(0.0));
        metrics::gauge!("sakti_email_oldest_waiting_seconds").set(email.unwrap_or(0.0).max(0.0));
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render())
        .into_response()
}

/// The route a request counts under: numbers and long tokens in the path become `:id`, the
/// static files one route, anything the app did not know (404) `unmatched` — so a scanner
/// cannot make the series grow without bound.
fn route_label(path: &str, status: StatusCode) -> String {
    if status == StatusCode::NOT_FOUND {
        return "unmatched".into();
    }
    if path.starts_with("/pkg/") {
        return "/pkg/*".into();
    }
    let segments: Vec<&str> = path
        .split('/')
        .map(|s| if !s.is_empty() && (s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 32) { ":id" } else { s })
        .collect();
    if segments.len() > 5 { "other".into() } else { segments.join("/") }
}

/// The request's id: the caller's `X-Request-Id` when it is a plain token (a proxy's), else a
/// new random one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .map_or_else(|| backend::sistem::secret::random_hex()[..16].to_owned(), str::to_owned)
}

/// Every request: its id (echoed in `X-Request-Id`), a span carrying it with the route (the
/// path without its query, which may hold a token) and the user once known, one log line
/// when it is answered (status, duration), and the metrics by route and status.
pub async fn track(mut request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let user = app::sistem::ssr::RequestUser::default();
    request.extensions_mut().insert(user.clone());
    request.extensions_mut().insert(app::sistem::ssr::RequestCaller::default());
    let path = request.uri().path().to_owned();
    let id = request_id(request.headers());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %path,
        user_id = tracing::field::Empty,
    );
    let began = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let took = began.elapsed();
    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    if let Some(id) = user.get() {
        span.record("user_id", id);
    }
    span.in_scope(|| {
        let duration_ms = took.as_secs_f64() * 1000.0;
        if path.starts_with("/pkg/") || is_probe(&path) {
            tracing::debug!(status = status.as_u16(), duration_ms, "permintaan selesai");
        } else {
            tracing::info!(status = status.as_u16(), duration_ms, "permintaan selesai");
        }
    });
    let route = route_label(&path, status);
    metrics::counter!("sakti_http_requests_total", "route" => route.clone(), "status" => status.as_u16().to_string())
        .increment(1);
    metrics::histogram!("sakti_http_request_duration_seconds", "route" => route).record(took.as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_labelled_without_unbounded_series() {
        assert_eq!(route_label("/api/berkas/123", StatusCode::OK), "/api/berkas/:id");
        assert_eq!(route_label("/api/formulir/7/AKTIVASI_OTP", StatusCode::OK), "/api/formulir/:id/AKTIVASI_OTP");
        assert_eq!(route_label("/pkg/app.abc.wasm", StatusCode::OK), "/pkg/*");
        assert_eq!(route_label("/wp-admin/x.php", StatusCode::NOT_FOUND), "unmatched");
        assert_eq!(route_label("/a/b/c/d/e/f", StatusCode::OK), "other");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("ab", "abc"));
    }
}
