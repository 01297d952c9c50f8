//! The connection pool and the migrations.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// The schema in `migrations/`, applied at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Opens a pool. Requests fail after 5 s without a connection instead of hanging.
pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name("aktivasi-otp-sakti");
    PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect_with(options).await
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
