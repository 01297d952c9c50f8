//! The server binary: reads the configuration, starts (or connects to) PostgreSQL,
//! applies migrations, loads demo data, and serves the app until SIGTERM or Ctrl-C.

use app::ssr::AppState;
use backend::config::Config;
use backend::pgcluster::{Durability, PrivateCluster};
use backend::{db, demo, sms};
use leptos::prelude::*;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a session lives without activity.
const SESSION_IDLE_HOURS: i64 = 8;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server berhenti: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let config = Config::from_env();
    tracing::info!("konfigurasi: {}", config.summary());

    let (url, cluster) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let cluster = PrivateCluster::ensure_running(&config.data_dir.join("postgres"), Durability::Full).await?;
            tracing::info!("PostgreSQL pribadi di 127.0.0.1:{}", cluster.port());
            let url = db::ensure_database(&cluster.url("postgres"), "sakti").await?;
            (url, Some(cluster))
        }
    };
    let served = serve(&config, &url).await;
    if let Some(cluster) = cluster.filter(PrivateCluster::started_here) {
        tracing::info!("menghentikan PostgreSQL pribadi");
        cluster.stop().await?;
    }
    served
}

async fn serve(config: &Config, url: &str) -> Result<(), BoxError> {
    let pool = db::connect(url).await?;
    db::migrate(&pool).await?;
    if config.demo && demo::seed_if_empty(&pool).await? {
        tracing::info!("data demo dimuat (user dan password demo: lihat README)");
    }

    let store = PostgresStore::new(pool.clone());
    let deletion = tokio::spawn(store.clone().continuously_delete_expired(Duration::from_secs(600)));
    let sessions = SessionManagerLayer::new(store)
        .with_name("sakti_sesi")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(config.secure_cookie)
        .with_expiry(Expiry::OnInactivity(CookieDuration::hours(SESSION_IDLE_HOURS)));

    let leptos_options = server::assets::with_hashed_names(get_configuration(None)?.leptos_options);
    let addr = leptos_options.site_addr;
    let otp_key = config.otp_key()?;
    let gateway = config.sms_gateway(&pool)?;
    let simulator = matches!(gateway, sms::AnyGateway::Simulator(_));
    let state = AppState { pool: pool.clone(), otp_key, simulator };
    let (stop_sms, sms_stopped) = tokio::sync::oneshot::channel::<()>();
    let sms_worker = tokio::spawn(sms::run_worker(pool.clone(), gateway, Duration::from_millis(500), async move {
        let _ = sms_stopped.await;
    }));
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let live = app::live::Live { pool: pool.clone(), hub: backend::events::Hub::start(&pool).await?, closing };
    let app = server::router(state, live, leptos_options, sessions, config.secure_cookie);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("Aktivasi OTP SAKTI berjalan di http://{addr}/  (user demo: lihat README)");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // end the open event streams, or the drain would wait for them forever
            let _ = closing_tx.send(true);
        })
        .await?;
    let _ = stop_sms.send(());
    let _ = sms_worker.await;
    deletion.abort();
    pool.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("sinyal berhenti diterima; menyelesaikan permintaan yang berjalan");
}
