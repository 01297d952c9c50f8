//! Web security at the edge: response headers for every answer, and the refusal of
//! state-changing requests that come from another site.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Adds the headers every response carries. The Content-Security-Policy, which needs the
/// page's nonce, is set by the page shell (`app::shell`).
pub async fn headers(hsts: bool, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // files and server-function answers: nothing may frame or run them
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    if hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// True when the browser says the request comes from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    // older browsers: compare Origin with Host
    match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin_host != host.to_str().unwrap_or("")
        }
        _ => false,
    }
}

/// Refuses any request that could change something (not GET/HEAD/OPTIONS) when it
/// comes from another site: the session cookie is SameSite=Strict already, this holds
/// even where a browser ignores that.
/// Each refusal is written to the audit trail (anonymous, with the client address).
pub async fn same_origin(pool: backend::PgPool, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && cross_site(request.headers()) {
        let path = request.uri().path().chars().take(200).collect::<String>();
        tracing::warn!(path = %path, "permintaan lintas situs ditolak");
        let addr = request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(a)| a.ip().to_string());
        let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let origin: String = origin.chars().take(200).collect();
        let caller = backend::Caller::anonymous(addr);
        let entry = backend::audit::Entry::new(
            &caller,
            backend::audit::Aksi::PermintaanLintasSitus,
            backend::audit::Outcome::Ditolak,
        )
        .detail(format!("{path} dari {origin}"));
        if let Err(e) = backend::audit::record(&pool, entry).await {
            tracing::warn!("jejak audit tidak tertulis: {e}");
        }
        return (StatusCode::FORBIDDEN, "Permintaan lintas situs ditolak.").into_response();
    }
    next.run(request).await
}

/// A server-function call whose arguments cannot be read (wrong type, missing field)
/// is the caller's mistake: answer 400 with a message, not the framework's 500.
pub async fn unreadable_arguments(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/") && request.method() == Method::POST;
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Terjadi kesalahan pada server.").into_response();
    };
    // `Transport` is what the framework's own errors (arguments, encoding) become
    if bytes.starts_with(b"{\"Transport\"") {
        tracing::info!("argumen server function tidak terbaca: {}", String::from_utf8_lossy(&bytes));
        let refusal = app::error::AppError::Refused(
            "Permintaan tidak sesuai format yang diharapkan. Muat ulang halaman lalu coba lagi.".into(),
        );
        let text = serde_json::to_string(&refusal).unwrap_or_default();
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], text).into_response();
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&h(&[("origin", "https://evil.example"), ("host", "sakti.example")])));
        assert!(!cross_site(&h(&[("origin", "https://sakti.example"), ("host", "sakti.example")])));
        assert!(!cross_site(&h(&[("host", "sakti.example")])), "no Origin: not a browser form");
    }
}
