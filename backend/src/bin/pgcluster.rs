//! Starts or stops a private PostgreSQL cluster for the test scripts.
//!
//! `pgcluster start DIR [--fast]` prints the URL of its `postgres` database;
//! `pgcluster stop DIR` stops it; `pgcluster fresh-db ADMIN_URL NAME` (re)creates an
//! empty database and prints its URL. For the high-availability test (`scripts/ha.sh`):
//! `pgcluster standby PRIMARY_DIR DIR` starts a streaming standby of the running cluster in
//! PRIMARY_DIR and prints its URL; `pgcluster promote DIR` makes it the primary;
//! `pgcluster crash DIR` stops a cluster as a crash would.

use backend::sistem::pgcluster::{Durability, PrivateCluster};
use std::path::Path;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let durability = if args.iter().any(|a| a == "--fast") { Durability::Fast } else { Durability::Full };
    let result = match args.as_slice() {
        [cmd, dir, ..] if cmd == "start" => {
            PrivateCluster::ensure_running(Path::new(dir), durability).await.map(|c| println!("{}", c.url("postgres")))
        }
        [cmd, dir, ..] if cmd == "stop" => match PrivateCluster::open(Path::new(dir)).await {
            Ok(c) => c.stop().await,
            Err(e) => Err(e),
        },
        [cmd, primary, dir, ..] if cmd == "standby" => standby(Path::new(primary), Path::new(dir), durability).await,
        [cmd, dir] if cmd == "promote" => match PrivateCluster::open(Path::new(dir)).await {
            Ok(c) => c.promote().await,
            Err(e) => Err(e),
        },
        [cmd, dir] if cmd == "crash" => match PrivateCluster::open(Path::new(dir)).await {
            Ok(c) => c.crash().await,
            Err(e) => Err(e),
        },
        [cmd, url, name] if cmd == "fresh-db" => match backend::sistem::db::fresh_database(url, name).await {
            Ok(url) => {
                println!("{url}");
                Ok(())
            }
            Err(e) => {
                eprintln!("pgcluster: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!(
                "usage: pgcluster start DIR [--fast] | stop DIR | fresh-db ADMIN_URL NAME | standby PRIMARY_DIR DIR | promote DIR | crash DIR"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pgcluster: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts a streaming standby of the cluster running in `primary` and prints its URL.
async fn standby(
    primary: &Path,
    dir: &Path,
    durability: Durability,
) -> Result<(), backend::sistem::pgcluster::ClusterError> {
    let primary = PrivateCluster::ensure_running(primary, durability).await?;
    let mut standby = PrivateCluster::standby_of(dir, &primary).await?;
    standby.start(durability).await?;
    println!("{}", standby.url("postgres"));
    Ok(())
}
