//! The HTTP application as a router, so the binary serves it and the tests drive the very
//! same stack (sessions, security middleware, server functions, file routes) in-process.

pub mod assets;
pub mod health;
pub mod security;

use app::ssr::AppState;
use app::{App, shell};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_sessions::SessionManagerLayer;
use tower_sessions_sqlx_store::PostgresStore;

/// Every route of the product with its middleware. `hsts` when served behind TLS.
pub fn router(
    state: AppState,
    live: app::live::Live,
    leptos_options: LeptosOptions,
    sessions: SessionManagerLayer<PostgresStore>,
    hsts: bool,
) -> Router {
    let routes = generate_route_list(App);
    let upload_limit = app::files::UPLOAD_BODY_LIMIT;
    let state_pool = state.pool.clone();
    let db_gate = health::DbGate::new((*state.pool.connect_options()).clone());
    Router::new()
        .route("/api/events", axum::routing::get(app::live::events))
        .route("/api/formulir/{pejabat_id}/{jenis}", axum::routing::get(app::files::unduh_formulir))
        .route("/api/berkas/{id}", axum::routing::get(app::files::buka_berkas))
        .route("/api/audit.csv", axum::routing::get(app::files::audit_csv))
        .route(
            "/api/berkas",
            axum::routing::post(app::files::unggah_berkas)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
                .layer(axum::middleware::from_fn(app::files::limit_upload)),
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
            let pool = state_pool;
            move |req, next| security::same_origin(pool.clone(), req, next)
        }))
        .layer(axum::Extension(live))
        .layer(sessions)
        .layer(axum::middleware::from_fn(move |req, next| health::gate(db_gate.clone(), req, next)))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(move |req, next| security::headers(hsts, req, next)))
        .with_state(leptos_options)
}
