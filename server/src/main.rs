//! The server binary: `serve` (the default) reads the configuration, starts (or connects
//! to) PostgreSQL, applies migrations, loads demo data in demo mode (in production: refuses a
//! database with demo data), and serves the app until SIGTERM or Ctrl-C; the administrative
//! commands are `server::commands`.

use app::sistem::ssr::AppState;
use backend::config::{Config, ConfigError};
use backend::{kirim::sms, provisi::demo};
use clap::Parser;
use leptos::prelude::*;
use server::commands::{self, BoxError, Cli, Command};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;

/// mimalloc instead of glibc's malloc: see `server/Cargo.toml`; measured in bench/perf.sh.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into());
    // SAKTI_LOG_FORMAT=json: one JSON object per line, with the fields of the request's span;
    // anything else but `text` is a mistake said before anything is logged in the wrong format
    let format = std::env::var("SAKTI_LOG_FORMAT").unwrap_or_default().to_ascii_lowercase();
    if !matches!(format.as_str(), "" | "text" | "json") {
        eprintln!("SAKTI_LOG_FORMAT: {format:?} tidak dikenal; pilih \"json\" atau \"text\"");
        return ExitCode::from(commands::EXIT_CONFIG);
    }
    if format == "json" {
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    let json = format == "json";
    // a refusal is one line: plain text, or in JSON mode one JSON object like every other line
    let refuse = |line: &dyn std::fmt::Display| {
        if json {
            tracing::error!("{line}");
        } else {
            eprintln!("{line}");
        }
        ExitCode::from(commands::EXIT_CONFIG)
    };
    let config = match commands::checked_config() {
        Ok(config) => config,
        Err(e) => return refuse(&e),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing::info!("konfigurasi: {}", config.summary());
            match commands::with_database(&config, |urls| serve(&config, urls.app)).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => match e.downcast_ref::<ConfigError>() {
                    // a setting refused once the database was read (`Config::check_database`)
                    Some(refusal) => refuse(refusal),
                    None => {
                        tracing::error!("server berhenti: {e}");
                        ExitCode::FAILURE
                    }
                },
            }
        }
        command => commands::admin(&config, command).await,
    }
}

async fn serve(config: &Config, url: String) -> Result<(), BoxError> {
    let pool = backend::sistem::db::connect(&url).await?;
    // before the first line of the trail: each carries its MAC
    let kunci = backend::sistem::kunci::Kunci::muat(&config.data_dir)?;
    backend::audit::pasang_kunci_mac(kunci.audit_mac.clone());
    if !config.demo {
        // before anything is served: production never runs on a database the demo has been in
        config.check_database(&demo::traces(&pool).await?)?;
    } else {
        if demo::seed_if_empty(&pool).await? {
            tracing::info!("data demo dimuat (user dan password demo: lihat README)");
        }
        // a second region at every stage, so the board, the desk and the queue have a story
        if demo::cerita(&pool).await? {
            tracing::info!("cerita demo dimuat: {} dengan 200 satker", demo::CERITA_KANWIL.1);
        }
    }

    let edge = server::Edge::of(config);
    let store = PostgresStore::new(pool.clone());
    let deletion = tokio::spawn(store.clone().continuously_delete_expired(Duration::from_secs(600)));
    let sessions = server::session_layer(store, &edge);

    let leptos_options = server::assets::with_hashed_names(get_configuration(None)?.leptos_options);
    let addr = leptos_options.site_addr;
    // the links in notices point at the public address, or at the one the server listens on
    let origin = config.public_url.as_ref().map_or_else(|| format!("http://{addr}"), |u| u.origin().to_owned());
    let otp_key = config.otp_key()?.with_tautan_dasar(origin);
    // an activation whose evidence record a crash kept from being written gets it now
    let susulan = backend::aktivasi::bukti::susulkan(&pool, &kunci.tanda, backend::now()).await?;
    if susulan > 0 {
        tracing::warn!(
            "{susulan} bukti aktivasi yang belum tertulis (server berhenti sebelum menulisnya) ditulis sekarang"
        );
    }
    let sealed = backend::sistem::kunci::segel_ulang(&pool, &kunci.faktor).await?;
    if sealed > 0 {
        tracing::info!("{sealed} rahasia aplikasi autentikator disegel dengan kunci faktor sekarang");
    }
    let relay = config.sms_relay(&pool)?;
    let simulator = config.sms_gateways.is_empty();
    tracing::info!("gateway SMS: {}", relay.names().join(", "));
    let state = AppState {
        pool: pool.clone(),
        otp_key,
        kunci: kunci.clone(),
        simulator,
        public_url: config.public_url.clone(),
        limits: config.session_limits,
        clock: backend::Clock::system(),
        nomor_wait: config.nomor_wait,
        pantau: config.pantau,
        email: config.smtp()?.is_some(),
    };
    // the readiness probe expects each worker to finish a round within a minute
    let mut ops = server::ops::Ops { workers: Vec::new(), metrics_token: config.metrics_token.clone() };
    let sms_beat = backend::kirim::pekerja::Heartbeat::default();
    ops.workers.push(("SMS", sms_beat.clone(), Duration::from_secs(60)));
    let (stop_sms, sms_stopped) = tokio::sync::oneshot::channel::<()>();
    let sms_worker = tokio::spawn(sms::run_worker(
        pool.clone(),
        relay,
        Duration::from_millis(500),
        async move {
            let _ = sms_stopped.await;
        },
        sms_beat,
    ));
    let (stop_email, email_stopped) = tokio::sync::oneshot::channel::<()>();
    let email_worker = match config.smtp()? {
        Some(smtp) => {
            let beat = backend::kirim::pekerja::Heartbeat::default();
            ops.workers.push(("email", beat.clone(), Duration::from_secs(60)));
            let stop = async move {
                let _ = email_stopped.await;
            };
            Some(tokio::spawn(backend::kirim::email::run_worker(
                pool.clone(),
                smtp,
                Duration::from_secs(2),
                stop,
                beat,
            )))
        }
        None => {
            tracing::info!("email mati (SAKTI_SMTP_URL tidak diisi): email menunggu di antrean sampai kedaluwarsa");
            None
        }
    };
    let (stop_retention, retention_stopped) = tokio::sync::oneshot::channel::<()>();
    let retention = tokio::spawn(backend::sistem::retensi::run_worker(
        pool.clone(),
        config.retention,
        config.session_limits.absolute,
        Duration::from_secs(3600),
        async move {
            let _ = retention_stopped.await;
        },
    ));
    // session reminders (the day before at 08:00 WIB, an hour before) into the outbox
    let (stop_reminders, reminders_stopped) = tokio::sync::oneshot::channel::<()>();
    let reminders = tokio::spawn(backend::jadwal::run_worker(pool.clone(), Duration::from_secs(15), async move {
        let _ = reminders_stopped.await;
    }));
    // anonymous refusals, counted per address and minute, into the trail once each minute is over
    let (stop_hitungan, hitungan_stopped) = tokio::sync::oneshot::channel::<()>();
    let hitungan = tokio::spawn(backend::audit::run_worker(pool.clone(), Duration::from_secs(20), async move {
        let _ = hitungan_stopped.await;
    }));
    // the lines written since, linked into the trail's chain after they committed
    let (stop_penyambung, penyambung_stopped) = tokio::sync::oneshot::channel::<()>();
    let penyambung = tokio::spawn(backend::audit::run_penyambung(pool.clone(), backend::audit::SELANG, async move {
        let _ = penyambung_stopped.await;
    }));
    // the trail's head, signed, outside the database: every few minutes and at shutdown
    let (stop_titik, titik_stopped) = tokio::sync::oneshot::channel::<()>();
    let titik = tokio::spawn(backend::audit::titik::run_worker(
        pool.clone(),
        kunci.tanda.clone(),
        backend::audit::titik::Tujuan::dari_lingkungan(&config.data_dir),
        backend::audit::titik::selang(),
        async move {
            let _ = titik_stopped.await;
        },
    ));
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let live = app::sistem::live::Live {
        pool: pool.clone(),
        hub: backend::sistem::events::Hub::start(&pool).await?,
        closing,
        session_check: app::sistem::live::SESSION_CHECK,
    };
    let app = server::router(state, live, leptos_options, sessions, edge, ops);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    let banner = match (&config.public_url, config.demo) {
        (Some(url), _) => format!("Aktivasi OTP SAKTI berjalan di {addr}, dibuka di {}/", url.origin()),
        // by name, not 127.0.0.1: passkeys belong to a host name
        (None, true) => {
            format!(
                "Aktivasi OTP SAKTI (demo) berjalan di http://localhost:{}/  (user demo: lihat README)",
                addr.port()
            )
        }
        (None, false) => format!("Aktivasi OTP SAKTI berjalan di {addr}"),
    };
    // on stdout for the person who started it; in JSON mode a log line like the others
    if std::env::var("SAKTI_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing::info!(addr = %addr, "{banner}");
    } else {
        println!("{banner}");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // end the open event streams, or the drain would wait for them forever
            let _ = closing_tx.send(true);
        })
        .await?;
    let _ = stop_sms.send(());
    let _ = sms_worker.await;
    let _ = stop_retention.send(());
    let _ = retention.await;
    let _ = stop_reminders.send(());
    let _ = reminders.await;
    let _ = stop_hitungan.send(());
    let _ = hitungan.await;
    let _ = stop_penyambung.send(());
    let _ = penyambung.await;
    // last: the refusals counted above are in the trail the checkpoint signs
    let _ = stop_titik.send(());
    let _ = titik.await;
    let _ = stop_email.send(());
    if let Some(worker) = email_worker {
        let _ = worker.await;
    }
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
