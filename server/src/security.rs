//! Web security at the edge: who the client is (behind a trusted proxy), response headers
//! for every answer, and the refusal of state-changing requests that come from another site.

use crate::Edge;
use app::sistem::ssr::ClientAddr;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::config::PublicUrl;
use std::net::SocketAddr;

/// Adds the headers every response carries. The Content-Security-Policy, which needs the
/// page's nonce, is set by the page shell (`app::shell`).
pub async fn headers(edge: Edge, request: Request, next: Next) -> Response {
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
    if edge.behind_tls() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    // pages and answers carry NIP, birth dates and phone numbers: no cache, shared or the
    // browser's own, keeps them (the static files say how long they keep themselves)
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Works out the client's address once for everything after it (the audit trail, the
/// per-address login limit): the peer, or the client a trusted proxy names in
/// `X-Forwarded-For` (`backend::sistem::net`).
pub async fn client_addr(edge: Edge, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip());
    let forwarded: Vec<&str> =
        request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let client = peer.map(|peer| edge.trusted_proxies.client(peer, &forwarded));
    request.extensions_mut().insert(ClientAddr(client));
    next.run(request).await
}

/// True when the browser says the request comes from another site. With a public URL the
/// `Origin` must be exactly it; without one (the demo) its host must be the `Host` asked for.
fn cross_site(headers: &HeaderMap, public: Option<&PublicUrl>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
    match public {
        Some(url) => origin != url.origin(),
        None => {
            let origin_host = origin.split_once("://").map_or(origin.as_str(), |(_, rest)| rest);
            Some(origin_host)
                != headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase).as_deref()
        }
    }
}

/// Refuses any request that could change something (not GET/HEAD/OPTIONS) when it
/// comes from another site: the session cookie is SameSite=Strict already, this holds
/// even where a browser ignores that.
/// Each refusal is counted for the audit trail (anonymous, per client address and minute of
/// `clock`: `backend::audit::record`).
pub async fn same_origin(
    pool: backend::PgPool,
    clock: backend::Clock,
    edge: Edge,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && cross_site(request.headers(), edge.public_url.as_ref()) {
        let path = request.uri().path().chars().take(200).collect::<String>();
        tracing::warn!(path = %path, "permintaan lintas situs ditolak");
        let addr = request.extensions().get::<ClientAddr>().and_then(|a| a.text());
        let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let origin: String = origin.chars().take(200).collect();
        let caller = backend::Caller::anonymous(addr, clock.now());
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
        let refusal = app::sistem::error::AppError::Refused(
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
        let demo = None;
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")]), demo));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")]), demo));
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin")]), demo));
        assert!(cross_site(&h(&[("origin", "https://evil.example"), ("host", "sakti.example")]), demo));
        assert!(!cross_site(&h(&[("origin", "https://sakti.example"), ("host", "sakti.example")]), demo));
        assert!(!cross_site(&h(&[("host", "sakti.example")]), demo), "no Origin: not a browser form");
    }

    #[test]
    fn with_a_public_url_the_origin_must_be_it_whatever_the_host_says() {
        let url = PublicUrl::parse("https://sakti.example").unwrap();
        let public = Some(&url);
        assert!(!cross_site(&h(&[("origin", "https://sakti.example"), ("host", "10.0.0.7:3000")]), public));
        // a forged Host no longer makes a foreign origin look local
        assert!(cross_site(&h(&[("origin", "https://evil.example"), ("host", "evil.example")]), public));
        assert!(cross_site(&h(&[("origin", "http://sakti.example"), ("host", "sakti.example")]), public));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")]), public));
    }
}
