//! The connection pool, the migrations, and the two database roles (the owner that migrates,
//! the app that serves).

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
    let options = tune(PgConnectOptions::from_str(url)?);
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

/// The server's connection settings: its name in `pg_stat_activity`, and no slow-statement
/// warning of sqlx's own, which prints the whole statement (a national import's `INSERT` runs
/// to megabytes, and a statement may carry personal data): each request's line has its time,
/// and slow steps say so themselves in one line (`impor`).
pub fn tune(options: PgConnectOptions) -> PgConnectOptions {
    options
        .application_name("aktivasi-otp-sakti")
        .log_slow_statements(tracing::log::LevelFilter::Off, Duration::from_secs(1))
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

/// The role the migrations run as: it owns the schema.
pub const OWNER_ROLE: &str = "sakti_owner";
/// The role the server runs as: it owns nothing, so it cannot alter a table or switch off a
/// trigger, and on the audit trail it may only add and read ([`grant_app`]).
pub const APP_ROLE: &str = "sakti_app";

/// The two ways into one database: the owner's (migrations, the administrative commands) and
/// the app's (the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    pub owner: String,
    pub app: String,
}

fn role_name(role: &str) -> Result<&str, sqlx::Error> {
    let ok = !role.is_empty()
        && role.len() <= 63
        && role.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && role.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(role) } else { Err(sqlx::Error::Configuration(format!("nama role tidak valid: {role:?}").into())) }
}

/// `url` with `user:password` in place of its credentials.
fn with_credentials(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{password}@{host}")
}

/// Sets up database `name` on the private cluster at `admin_url` (a superuser) with the owner
/// and the app role, their passwords kept under `secrets`; a database created before the roles
/// existed is handed to the owner. Returns both URLs.
pub async fn ensure_private(admin_url: &str, name: &str, secrets: &std::path::Path) -> Result<Urls, sqlx::Error> {
    let owner_password = crate::sistem::secret::kept(&secrets.join("db-owner-password"))?;
    let app_password = crate::sistem::secret::kept(&secrets.join("db-app-password"))?;
    let mut admin = PgConnectOptions::from_str(admin_url)?.connect().await?;
    for (role, password) in [(OWNER_ROLE, &owner_password), (APP_ROLE, &app_password)] {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
            .fetch_one(&mut admin)
            .await?;
        let verb = if exists { "ALTER" } else { "CREATE" };
        sqlx::query(&format!(
            "{verb} ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
        ))
        .execute(&mut admin)
        .await?;
    }
    admin.close().await?;
    let db_url = ensure_database(admin_url, name).await?;
    let mut db = PgConnectOptions::from_str(&db_url)?.connect().await?;
    sqlx::query(&format!("ALTER DATABASE \"{}\" OWNER TO {OWNER_ROLE}", name.replace('"', "\"\"")))
        .execute(&mut db)
        .await?;
    // a database from before the roles: its schema objects become the owner's
    sqlx::raw_sql(&format!(
        "DO $$
         DECLARE r record;
         BEGIN
             FOR r IN SELECT n.nspname FROM pg_namespace n
                      WHERE n.nspname = 'tower_sessions' AND pg_get_userbyid(n.nspowner) <> '{OWNER_ROLE}' LOOP
                 EXECUTE format('ALTER SCHEMA %I OWNER TO {OWNER_ROLE}', r.nspname);
             END LOOP;
             FOR r IN SELECT c.oid::regclass AS obj, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname IN ('public', 'tower_sessions') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                        AND pg_get_userbyid(c.relowner) <> '{OWNER_ROLE}'
                        AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))) LOOP
                 EXECUTE format('ALTER %s %s OWNER TO {OWNER_ROLE}',
                     CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                     r.obj);
             END LOOP;
             FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{OWNER_ROLE}' LOOP
                 EXECUTE format('ALTER FUNCTION %s OWNER TO {OWNER_ROLE}', r.f);
             END LOOP;
         END
         $$"
    ))
    .execute(&mut db)
    .await?;
    db.close().await?;
    Ok(Urls {
        owner: with_credentials(&db_url, OWNER_ROLE, &owner_password),
        app: with_credentials(&db_url, APP_ROLE, &app_password),
    })
}

/// What `app_role` may do, granted by the owner after every migration (idempotent): read and
/// write the tables, use the sequences, read the migrations; on `audit_log` only `INSERT` and
/// `SELECT`, and the demo's mark (`data_demo`) it may set but not remove. It owns nothing, so
/// `ALTER TABLE … DISABLE TRIGGER` is refused to it.
pub async fn grant_app(owner: &PgPool, app_role: &str) -> Result<(), sqlx::Error> {
    let role = role_name(app_role)?;
    sqlx::raw_sql(&format!(
        "GRANT USAGE ON SCHEMA public, tower_sessions TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, tower_sessions TO {role};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {role};
         REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role};
         REVOKE UPDATE, DELETE, TRUNCATE ON data_demo FROM {role};"
    ))
    .execute(owner)
    .await?;
    Ok(())
}

/// The user name in a PostgreSQL URL.
pub fn user_of(url: &str) -> Option<String> {
    PgConnectOptions::from_str(url).ok().map(|o| o.get_username().to_owned())
}

/// The libpq environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`) of a `postgres://` URL, so `pg_dump` and `pg_restore` connect without the
/// password on their command line (where `ps` would show it).
pub fn libpq_env(url: &str) -> Result<Vec<(&'static str, String)>, String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("DATABASE_URL tidak terbaca: {e}"))?;
    let decode = |s: &str| percent_decode(s);
    let mut env = vec![("PGHOST", url.host_str().unwrap_or("localhost").to_owned())];
    env.push(("PGPORT", url.port().unwrap_or(5432).to_string()));
    if !url.username().is_empty() {
        env.push(("PGUSER", decode(url.username())));
    }
    if let Some(p) = url.password() {
        env.push(("PGPASSWORD", decode(p)));
    }
    let database = url.path().trim_start_matches('/');
    if !database.is_empty() {
        env.push(("PGDATABASE", decode(database)));
    }
    if let Some((_, mode)) = url.query_pairs().find(|(k, _)| k == "sslmode") {
        env.push(("PGSSLMODE", mode.into_owned()));
    }
    Ok(env)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod libpq_tests {
    #[test]
    fn a_url_becomes_the_libpq_environment() {
        let env = super::libpq_env("postgres://sakti_owner:p%40ss@db.example:6432/sakti?sslmode=require").unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGHOST"), Some("db.example"));
        assert_eq!(get("PGPORT"), Some("6432"));
        assert_eq!(get("PGUSER"), Some("sakti_owner"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss"));
        assert_eq!(get("PGDATABASE"), Some("sakti"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
    }
}
