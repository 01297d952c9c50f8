//! The server binary's command line (clap): `serve` (the default) and the administrative
//! commands — `migrate`, `check-config`, `import`, `user …`, `audit verify` — each of which
//! does one job on the database and exits. Also what every command shares: the checked
//! configuration and the database (its two roles, migrated).

use backend::config::{Config, ConfigError};
use backend::sistem::db;
use clap::{Parser, Subcommand};
use leptos::prelude::get_configuration;
use std::net::SocketAddr;
use std::process::ExitCode;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The exit code of a configuration the server refuses (sysexits' EX_CONFIG).
pub const EXIT_CONFIG: u8 = 78;

/// Aktivasi OTP SAKTI: the web server and its administrative commands.
#[derive(Parser)]
#[command(name = "server", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the app (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Check the configuration and exit (0: the server would start; 78: it would refuse). In
    /// production it also reads the database, when it can, for the demo's traces (not migrated).
    CheckConfig,
    /// Import regional offices, KPPN, satkers or users from a CSV file: one transaction, every bad row reported
    /// with its line (exit 65, nothing stored); importing the same file again changes nothing.
    Import {
        #[arg(value_enum)]
        list: List,
        file: std::path::PathBuf,
        /// Check and count, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Deactivate the users of the file's units that the file no longer lists.
        #[arg(long)]
        deactivate_missing: bool,
    },
    /// Manage one user: set-password links, deactivation, unlocking.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The signed evidence records of activations.
    Evidence {
        #[command(subcommand)]
        action: EvidenceAction,
    },
    /// Back the database up with `pg_dump` (custom format) into FILE.
    Backup { file: std::path::PathBuf },
    /// Restore a backup into a new database NAME on the same PostgreSQL server (it must not
    /// exist yet); then point `DATABASE_URL` at it.
    Restore { file: std::path::PathBuf, name: String },
}

#[derive(Subcommand)]
pub enum AuditAction {
    /// Recompute the trail's hash chain and every line's MAC and, with `--checkpoint`, check
    /// the trail against the signed checkpoints; exit 65 naming the first line changed,
    /// removed or inserted, the removed tail, the rewritten chain or the forged checkpoint.
    Verify {
        /// The checkpoint file (the server's `SAKTI_AUDIT_CHECKPOINT_FILE`, shipped elsewhere).
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        /// The public key (hex) the checkpoints must be signed with; default: this server's.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Write a checkpoint of the chain's head now (before a backup, say), as the server does
    /// every few minutes and at shutdown.
    Checkpoint,
    /// Print the public key that signs the checkpoints, for the auditor who checks them.
    PublicKey,
}

#[derive(Subcommand)]
pub enum EvidenceAction {
    /// Check a downloaded evidence record (`bukti-aktivasi-N.json`) offline: its Ed25519
    /// signature under the server's key, and print what it records; with `--checkpoint`, also
    /// its place in the audit trail (the database, or a restored backup of it): the chain
    /// whole, the line it names at its place with its hash, sealed by a signed checkpoint.
    /// Exit 65 when anything fails (a record changed by one byte does).
    Verify {
        file: std::path::PathBuf,
        /// The public key (hex) it must be signed with; default: this server's
        /// (`server audit public-key`).
        #[arg(long)]
        public_key: Option<String>,
        /// The checkpoint file (`SAKTI_AUDIT_CHECKPOINT_FILE`, shipped elsewhere).
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum List {
    Kanwil,
    Kppn,
    Satker,
    Users,
}

#[derive(Subcommand)]
pub enum UserAction {
    /// A one-time set-password link (valid 72 h): an invitation for a user without a password,
    /// a reset for anyone else. Emailed when the user has an address and SMTP is set, else printed.
    Invite { username: String },
    /// The same as `invite` (a user with a password gets a reset either way: its current
    /// password stops working at once).
    Reset { username: String },
    /// The user can no longer log in (and is logged out at its next request).
    Deactivate { username: String },
    /// Lifts the lock after wrong passwords or codes.
    Unlock { username: String },
    /// Removes the user's second factors and recovery codes and ends its sessions: it enrols
    /// again at its next login (a lost phone).
    ResetMfa { username: String },
}

/// The exit code of an import with bad rows (sysexits' EX_DATAERR).
pub const EXIT_DATA: u8 = 65;

/// Runs an administrative command (every one but `serve`) and says how it ended.
pub async fn admin(config: &Config, command: Command) -> ExitCode {
    // the commands that write the trail sign each line like the server
    if matches!(command, Command::Import { .. } | Command::User { .. }) {
        match backend::sistem::kunci::Kunci::muat(&config.data_dir) {
            Ok(kunci) => backend::audit::pasang_kunci_mac(kunci.audit_mac),
            Err(e) => {
                eprintln!("kunci server tidak terbaca: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        }
    }
    let result = match command {
        // the binary's own job (`main`), never handed here
        Command::Serve => Err("serve bukan perintah administratif".into()),
        Command::CheckConfig => {
            // the rule that needs the database, when it can be read (production only: the
            // demo takes any database)
            let unread = if config.demo {
                None
            } else {
                match database::demo_traces(config).await {
                    Ok(traces) => {
                        if let Err(refusal) = config.check_database(&traces) {
                            eprintln!("{refusal}");
                            return ExitCode::from(EXIT_CONFIG);
                        }
                        None
                    }
                    Err(e) => Some(e),
                }
            };
            println!("konfigurasi dapat dipakai: {}", config.summary());
            if let Some(e) = unread {
                println!("data demo di basis data belum diperiksa: basis data tidak terbaca ({e})");
            }
            Ok(())
        }
        Command::Migrate => {
            with_database(config, |_| async move {
                println!("migrasi basis data selesai");
                Ok(())
            })
            .await
        }
        Command::Import { list, file, dry_run, deactivate_missing } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return ExitCode::from(EXIT_DATA);
                }
            };
            let list = match list {
                List::Kanwil => backend::provisi::impor::Daftar::Kanwil,
                List::Kppn => backend::provisi::impor::Daftar::Kppn,
                List::Satker => backend::provisi::impor::Daftar::Satker,
                List::Users => backend::provisi::impor::Daftar::Pengguna,
            };
            let pilihan = backend::provisi::impor::Pilihan { dry_run, deactivate_missing };
            let done = with_database(config, |urls| async move {
                let pool = db::connect(&urls.owner).await?;
                let cli = backend::Caller::command_line();
                Ok(backend::provisi::impor::impor(&pool, &cli, list, &bytes, pilihan, backend::now()).await?)
            })
            .await;
            match done {
                Ok(laporan) if laporan.jumlah_salah > 0 => {
                    eprintln!("{laporan}");
                    return ExitCode::from(EXIT_DATA);
                }
                Ok(laporan) => {
                    println!("{laporan}");
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Command::User { action } => with_database(config, |urls| user(config, urls.owner, action)).await,
        Command::Backup { file } => {
            with_database(config, |urls| async move {
                database::pg_tool("pg_dump", &urls.owner, &["--format=custom", "--file", &file.to_string_lossy()])?;
                println!("cadangan tersimpan di {}", file.display());
                Ok(())
            })
            .await
        }
        Command::Restore { file, name } => {
            with_database(config, |urls| async move {
                let ok = !name.is_empty()
                    && name.len() <= 63
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err("nama basis data: huruf, angka dan _ saja".into());
                }
                let pool = db::connect(&urls.owner).await?;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await?;
                pool.close().await;
                let target = database::with_database_name(&urls.owner, &name);
                database::pg_tool(
                    "pg_restore",
                    &target,
                    &["--exit-on-error", "--dbname", &name, &file.to_string_lossy()],
                )?;
                println!("cadangan dipulihkan ke basis data {name}");
                Ok(())
            })
            .await
        }
        Command::Audit { action } => return jejak::audit(config, action).await,
        Command::Evidence { action: EvidenceAction::Verify { file, public_key, checkpoint } } => {
            return jejak::evidence_verify(config, &file, public_key.as_deref(), checkpoint.as_deref()).await;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gagal: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn user(config: &Config, url: String, action: UserAction) -> Result<(), BoxError> {
    use backend::akses::pengguna::{self, Jalan, Kirim, Tujuan};
    let pool = db::connect(&url).await?;
    let caller = backend::Caller::command_line();
    let now = backend::now();
    let username = match action {
        UserAction::Invite { username } | UserAction::Reset { username } => username,
        UserAction::Deactivate { username } => {
            pengguna::nonaktifkan(&pool, &caller, &username, now).await?;
            println!("{username} dinonaktifkan");
            return Ok(());
        }
        UserAction::Unlock { username } => {
            pengguna::buka_kunci(&pool, &caller, &username, now).await?;
            println!("kunci {username} dibuka");
            return Ok(());
        }
        UserAction::ResetMfa { username } => {
            backend::akses::pengguna::reset_faktor(&pool, &caller, &username, now).await?;
            println!("faktor kedua {username} direset; ia mendaftar lagi saat masuk berikutnya");
            return Ok(());
        }
    };
    let base = match &config.public_url {
        Some(url) => url.origin().to_owned(),
        None => format!("http://{}", listen_addr()?),
    };
    let kirim = Kirim { base: &base, surel: config.smtp()?.is_some() };
    let tautan = pengguna::tautan(&pool, &caller, &username, kirim, now).await?;
    let jenis = match tautan.tujuan {
        Tujuan::Undangan => "Undangan",
        Tujuan::Reset => "Reset (kata sandi lama tidak berlaku lagi)",
    };
    let sampai = tautan.expires_at.format("%Y-%m-%d %H:%M");
    match (&tautan.jalan, tautan.url(&base)) {
        (Jalan::Surel { ke }, _) => {
            println!("{jenis}: tautan untuk {} dikirim ke {ke} (berlaku sampai {sampai} UTC)", tautan.username)
        }
        (_, Some(url)) => {
            println!("{jenis}: tautan untuk {} (sekali pakai, berlaku sampai {sampai} UTC):", tautan.username);
            println!("{url}");
        }
        (Jalan::Tampil { .. }, None) => {}
    }
    Ok(())
}

/// The configuration from the environment, with the rules of its mode checked against the
/// address the server would listen on.
pub fn checked_config() -> Result<Config, ConfigError> {
    let config = Config::from_env()?;
    let listen = listen_addr().map_err(|message| ConfigError { setting: "LEPTOS_SITE_ADDR", message })?;
    config.check(listen)?;
    Ok(config)
}

pub fn listen_addr() -> Result<SocketAddr, String> {
    get_configuration(None).map(|c| c.leptos_options.site_addr).map_err(|e| e.to_string())
}

mod database;
mod jejak;
pub use database::with_database;
