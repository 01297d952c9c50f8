//! Starts or stops a private PostgreSQL cluster for the test scripts.
//!
//! `pgcluster start DIR [--fast]` prints the URL of its `postgres` database;
//! `pgcluster stop DIR` stops it; `pgcluster fresh-db ADMIN_URL NAME` (re)creates an
//! empty database and prints its URL.

use backend::pgcluster::{Durability, PrivateCluster};
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
        [cmd, url, name] if cmd == "fresh-db" => match backend::db::fresh_database(url, name).await {
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
            eprintln!("usage: pgcluster start DIR [--fast] | pgcluster stop DIR | pgcluster fresh-db ADMIN_URL NAME");
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
