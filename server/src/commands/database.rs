//! The database every command works on: `DATABASE_URL` or the private cluster, migrated.

use super::BoxError;
use backend::config::Config;
use backend::sistem::db;
use backend::sistem::pgcluster::{Durability, PrivateCluster};

/// Runs `job` with the database's two URLs (`db::Urls`: the owner's, the app's), after the
/// migrations and the app role's grants: `DATABASE_URL` (and `SAKTI_MIGRATE_DATABASE_URL`), or
/// the private cluster, started for the job and stopped after it when it was not already
/// running.
pub async fn with_database<T, F, Fut>(config: &Config, job: F) -> Result<T, BoxError>
where
    F: FnOnce(db::Urls) -> Fut,
    Fut: std::future::Future<Output = Result<T, BoxError>>,
{
    on_database(config, true, job).await
}

/// The demo's traces (`backend::provisi::demo::traces`) in the database the server would use, read as
/// the schema owner without migrating it. No private cluster yet: none (the one the server
/// would create starts empty).
pub(super) async fn demo_traces(config: &Config) -> Result<backend::provisi::demo::Traces, BoxError> {
    if config.database_url.is_none() && !config.data_dir.join("postgres").exists() {
        return Ok(backend::provisi::demo::Traces::default());
    }
    on_database(config, false, |urls| async move {
        let pool = db::connect(&urls.owner).await?;
        let traces = backend::provisi::demo::traces(&pool).await?;
        pool.close().await;
        Ok(traces)
    })
    .await
}

/// [`with_database`], with the migrations and grants before `job` or without them.
async fn on_database<T, F, Fut>(config: &Config, migrate: bool, job: F) -> Result<T, BoxError>
where
    F: FnOnce(db::Urls) -> Fut,
    Fut: std::future::Future<Output = Result<T, BoxError>>,
{
    let (urls, cluster) = match &config.database_url {
        Some(app) => {
            let owner = config.migrate_database_url.clone().unwrap_or_else(|| {
                tracing::warn!(
                    "SAKTI_MIGRATE_DATABASE_URL tidak diisi: server memakai role pemilik skema; \
                     pakai role terpisah agar server tidak dapat mengubah skema atau jejak audit"
                );
                app.clone()
            });
            (db::Urls { owner, app: app.clone() }, None)
        }
        None => {
            let cluster = PrivateCluster::ensure_running(&config.data_dir.join("postgres"), Durability::Full).await?;
            tracing::info!("PostgreSQL pribadi di 127.0.0.1:{}", cluster.port());
            let urls = db::ensure_private(&cluster.url("postgres"), "sakti", &config.data_dir).await?;
            (urls, Some(cluster))
        }
    };
    let done = async {
        if migrate {
            prepare(&urls).await?;
        }
        job(urls).await
    }
    .await;
    if let Some(cluster) = cluster.filter(PrivateCluster::started_here) {
        tracing::info!("menghentikan PostgreSQL pribadi");
        cluster.stop().await?;
    }
    done
}

/// Migrations as the owner, then the app role's grants (when it is another role).
async fn prepare(urls: &db::Urls) -> Result<(), BoxError> {
    let owner = db::connect(&urls.owner).await?;
    db::migrate(&owner).await?;
    let (owner_role, app_role) = (db::user_of(&urls.owner), db::user_of(&urls.app));
    if let (Some(app_role), true) = (&app_role, owner_role != app_role) {
        db::grant_app(&owner, app_role).await?;
    }
    owner.close().await;
    Ok(())
}

/// Runs PostgreSQL's `tool` against the database of `url` (credentials through the libpq
/// environment, never on the command line).
pub(super) fn pg_tool(tool: &str, url: &str, args: &[&str]) -> Result<(), BoxError> {
    let bin = backend::sistem::pgcluster::bin_dir()?.join(tool);
    let status = std::process::Command::new(&bin).args(args).envs(db::libpq_env(url)?).status()?;
    if status.success() { Ok(()) } else { Err(format!("{tool} gagal ({status})").into()) }
}

/// `url` with its database replaced by `name`.
pub(super) fn with_database_name(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(slash) if slash > url.find("://").map_or(0, |s| s + 2) => {
            let query = url[slash..].find('?').map_or("", |q| &url[slash + q..]);
            format!("{}/{name}{query}", &url[..slash])
        }
        _ => format!("{url}/{name}"),
    }
}
