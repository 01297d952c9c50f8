//! The HTTP application as a router, so the binary serves it and the tests drive the very
//! same stack (sessions, security middleware, server functions, file routes) in-process.

pub mod assets;
pub mod commands;
pub mod health;
pub mod kuitansi;
pub mod ops;
pub mod security;

use app::sistem::ssr::AppState;
use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::config::{Config, PublicUrl};
use backend::sistem::net::TrustedProxies;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_sessions::Expiry;
use tower_sessions::SessionManagerLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions_sqlx_store::PostgresStore;

/// How the app meets the network: where users reach it (`SAKTI_PUBLIC_URL`) and which
/// proxies speak for the client (`SAKTI_TRUSTED_PROXIES`). The default is the demo's:
/// plain HTTP on loopback, no proxy.
#[derive(Debug, Clone, Default)]
pub struct Edge {
    pub public_url: Option<PublicUrl>,
    pub trusted_proxies: TrustedProxies,
    /// `SAKTI_SMS_RECEIPT_SECRET`: with it, `POST /api/sms/kuitansi` takes the gateways'
    /// signed delivery reports.
    pub receipt_secret: Option<String>,
}

impl Edge {
    pub fn of(config: &Config) -> Edge {
        Edge {
            public_url: config.public_url.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            receipt_secret: config.sms_receipt_secret.clone(),
        }
    }

    /// Served behind TLS: `__Host-` cookie, `Secure`, HSTS.
    pub fn behind_tls(&self) -> bool {
        self.public_url.as_ref().is_some_and(PublicUrl::is_https)
    }
}

/// The session cookie: `HttpOnly`, `SameSite=Strict`, `Path=/`, no `Max-Age` (it dies with
/// the browser); behind TLS named `__Host-sakti_sesi` and `Secure`, so the browser holds it
/// to this exact host. How long a session lives is `domain::sesi`, checked on every request
/// against the session's row (`backend::akses::sesi`); the store's own expiry is only its garbage
/// collection.
pub fn session_layer(store: PostgresStore, edge: &Edge) -> SessionManagerLayer<PostgresStore> {
    let tls = edge.behind_tls();
    SessionManagerLayer::new(store)
        .with_name(if tls { "__Host-sakti_sesi" } else { "sakti_sesi" })
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_secure(tls)
        .with_expiry(Expiry::OnSessionEnd)
}

/// Without the phone simulator (production, or a demo with a gateway) `/hp` and its server
/// functions do not exist: 404, as for any unknown path.
async fn without_simulator(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/hp" || path.starts_with("/hp/") || path.starts_with("/api/hp_") {
        return (StatusCode::NOT_FOUND, "Halaman tidak ditemukan.").into_response();
    }
    next.run(request).await
}

/// The pages anyone may open: the login, its second step, a set-password link, the demo's
/// phone. Every other page of the app needs a session.
pub const PUBLIC_PAGES: [&str; 4] = ["/login", "/masuk/faktor", "/sandi", "/hp"];

/// The app's pages that need a session (its routes but [`PUBLIC_PAGES`]).
pub fn protected_pages() -> Vec<String> {
    let mut pages: Vec<String> = generate_route_list(App)
        .iter()
        .map(|r| r.path().to_owned())
        .filter(|p| !PUBLIC_PAGES.contains(&p.as_str()))
        .collect();
    pages.sort();
    pages.dedup();
    pages
}

/// A protected page asked for without a session is answered `303 See Other` to the login
/// page, which returns to it after login (the page itself would only say so once its
/// resources ran: a probe, a browser without JavaScript or one that has not hydrated would
/// stay on an empty page). A session that ended says so on the login page.
async fn sign_in_first(state: AppState, pages: std::sync::Arc<Vec<String>>, request: Request, next: Next) -> Response {
    let page = request.method() == axum::http::Method::GET && pages.iter().any(|p| p == request.uri().path());
    let session = request.extensions().get::<tower_sessions::Session>().cloned();
    if let (true, Some(session)) = (page, session) {
        // the page's own load (a page is the user's activity), which its render then reuses
        let addr = request.extensions().get::<app::sistem::ssr::ClientAddr>().and_then(|a| a.text());
        let once = request.extensions().get::<app::sistem::ssr::RequestCaller>().cloned();
        match app::sistem::ssr::load(&state, &session, addr, true).await {
            Ok(loaded) if loaded.caller.actor().is_none() => {
                let (parts, _) = request.into_parts();
                let path = app::sistem::ssr::current_path(&parts);
                let to = app::sistem::urls::login_url(path.as_deref(), loaded.ended);
                return axum::response::Redirect::to(&to).into_response();
            }
            // the database away: the outage's answer now, not after the page waits for it again
            Err(e) if e.is_unavailable() => return health::unavailable(request.method(), request.uri().path()),
            // signed in: the page renders with this caller
            Ok(loaded) => {
                if let Some(once) = once {
                    let _ = once.0.set(loaded);
                }
            }
            Err(_) => {}
        }
    }
    next.run(request).await
}

/// Every route of the product with its middleware.
pub fn router(
    state: AppState,
    live: app::sistem::live::Live,
    leptos_options: LeptosOptions,
    sessions: SessionManagerLayer<PostgresStore>,
    edge: Edge,
    ops: ops::Ops,
) -> Router {
    let simulator = state.simulator;
    let routes = generate_route_list(App);
    let upload_limit = app::dokumen::files::UPLOAD_BODY_LIMIT;
    let state_pool = state.pool.clone();
    let clock = state.clock.clone();
    let page_state = state.clone();
    let db_gate = health::DbGate::new((*state.pool.connect_options()).clone());
    let receipts = match &edge.receipt_secret {
        Some(secret) => kuitansi::routes(state.pool.clone(), secret.as_bytes()),
        None => Router::new(),
    };
    Router::new()
        .merge(receipts)
        .merge(ops::routes(state.pool.clone(), ops))
        .route("/api/events", axum::routing::get(app::sistem::live::events))
        .route("/api/formulir/{pejabat_id}/{jenis}", axum::routing::get(app::dokumen::files::unduh_formulir))
        .route("/api/berkas/{id}", axum::routing::get(app::dokumen::files::buka_berkas))
        .route("/api/bukti/{pejabat_id}", axum::routing::get(app::dokumen::files::unduh_bukti))
        .route("/api/bukti/{pejabat_id}/pdf", axum::routing::get(app::dokumen::files::unduh_bukti_pdf))
        .route("/lapor/{token}", axum::routing::get(app::aktivasi::lapor::lihat).post(app::aktivasi::lapor::kirim))
        .route("/api/audit.csv", axum::routing::get(app::dokumen::files::audit_csv))
        .route("/api/pantau.csv", axum::routing::get(app::dokumen::files::pantau_csv))
        .route(
            "/api/berkas",
            axum::routing::post(app::dokumen::files::unggah_berkas)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
                .layer(axum::middleware::from_fn(app::dokumen::files::limit_upload)),
        )
        .route(
            "/api/impor",
            axum::routing::post(app::provisi::unggah)
                .layer(axum::extract::DefaultBodyLimit::max(app::provisi::IMPOR_BODY_LIMIT)),
        )
        .layer(axum::Extension(state.clone()))
        .leptos_routes_with_context(&leptos_options, routes, move || provide_context(state.clone()), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(assets::routes(&leptos_options))
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::from_fn(security::unreadable_arguments))
        .layer(axum::middleware::from_fn({
            let (pool, edge) = (state_pool, edge.clone());
            move |req, next| security::same_origin(pool.clone(), clock.clone(), edge.clone(), req, next)
        }))
        .layer(axum::Extension(live))
        .layer(axum::middleware::from_fn({
            let (state, pages) = (page_state, std::sync::Arc::new(protected_pages()));
            move |req, next| sign_in_first(state.clone(), pages.clone(), req, next)
        }))
        .layer(sessions)
        .layer(axum::middleware::from_fn(move |req, next| health::gate(db_gate.clone(), req, next)))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(ops::track))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| async move {
            if simulator { next.run(req).await } else { without_simulator(req, next).await }
        }))
        .layer(axum::middleware::from_fn({
            let edge = edge.clone();
            move |req, next| security::client_addr(edge.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn(move |req, next| security::headers(edge.clone(), req, next)))
        .with_state(leptos_options)
}
