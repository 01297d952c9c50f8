//! The connection pool and the migrations.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// The schema in `migrations/`, applied at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How long a request waits for a connection. While the database is away the pool keeps
/// retrying until then, so this is how long the first request of an outage waits for its
/// "Layanan sedang gangguan" (the server answers the next ones at once: `server::health`).
/// Under load a connection comes back within milliseconds (p99 of a page: ~80 ms with 64
/// clients on the 16 connections, README "Performance"): waiting longer than this means the
/// service is overloaded, and an answer beats a queue.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(800);

/// Opens a pool. Requests fail after [`ACQUIRE_TIMEOUT`] without a connection instead of hanging.
/// At start-up the database may take a moment longer (a cluster just started).
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    const STARTUP_WAIT: Duration = Duration::from_secs(5);
    let options = PgConnectOptions::from_str(url)?.application_name("aktivasi-otp-sakti");
    let pool = PgPoolOptions::new().max_connections(16).acquire_timeout(ACQUIRE_TIMEOUT).connect_lazy_with(options);
    let started = std::time::Instant::now();
    loop {
        match pool.acquire().await {
            Ok(_) => return Ok(pool),
            Err(e) if started.elapsed() >= STARTUP_WAIT => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Applies every migration not yet applied.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Creates database `name` on the server of `admin_url` unless it exists; returns its URL.
pub async fn ensure_database(admin_url: &str, name: &str) -> Result<String, sqlx::Error> {
    let admin = PgConnectOptions::from_str(admin_url)?;
    let mut conn = admin.connect().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        // identifiers cannot be bound; `name` is ours, quoted anyway
        sqlx::query(&format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""))).execute(&mut conn).await?;
    }
    conn.close().await?;
    let (base, _) = admin_url.rsplit_once('/').unwrap_or((admin_url, ""));
    Ok(format!("{base}/{name}"))
}

/// Drops database `name` if it exists (closing its connections) and creates it empty;
/// returns its URL. For test runs that must start from nothing.
pub async fn fresh_database(admin_url: &str, name: &str) -> Result<String, sqlx::Error> {
    let mut conn = PgConnectOptions::from_str(admin_url)?.connect().await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name.replace('"', "\"\"")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    ensure_database(admin_url, name).await
}
