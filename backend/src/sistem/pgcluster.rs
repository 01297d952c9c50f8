//! A private PostgreSQL cluster run from the installed server binaries, for the demo and
//! the tests when no `DATABASE_URL` is given.
//!
//! The cluster lives in one directory that survives restarts; it listens on 127.0.0.1
//! only, on a free port, with a generated superuser password. PostgreSQL refuses to run
//! as root, so when started by root it runs as the unprivileged user `nobody`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server binaries not found (tried $PG_BIN_DIR and /usr/lib/postgresql/*/bin); install postgresql"
    )]
    NoBinaries,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{command} failed: {output}")]
    Command { command: String, output: String },
    #[error(
        "{0} is not reachable by the unprivileged user that must run PostgreSQL; set SAKTI_DATA_DIR to a directory under /var/tmp or /tmp"
    )]
    Unreachable(PathBuf),
    #[error("cannot read the port of the running cluster from {0}")]
    NoPort(PathBuf),
}

/// Speed versus durability: tests do not need fsync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    /// fsync off: for throw-away test clusters only.
    Fast,
}

/// A running private cluster.
#[derive(Debug)]
pub struct PrivateCluster {
    root: PathBuf,
    bin: PathBuf,
    owner: Option<(u32, u32)>,
    port: u16,
    password: String,
    started_here: bool,
}

/// The installed PostgreSQL client and server programs (`$PG_BIN_DIR`, else the newest
/// `/usr/lib/postgresql/*/bin`): `pg_dump` and `pg_restore` for backups.
pub fn bin_dir() -> Result<PathBuf, ClusterError> {
    find_bin_dir()
}

fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| ClusterError::NoBinaries)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or(ClusterError::NoBinaries)
}

/// The uid/gid of `nobody` from /etc/passwd, or Debian's 65534.
fn nobody() -> (u32, u32) {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let f: Vec<&str> = line.split(':').collect();
                (f.first() == Some(&"nobody") && f.len() > 3).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
            })
        })
        .unwrap_or((65534, 65534))
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn random_password() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

impl PrivateCluster {
    /// Starts the cluster under `root` (creating it on first use), or attaches to it when
    /// it is already running, e.g. after the server was killed.
    pub async fn ensure_running(root: &Path, durability: Durability) -> Result<Self, ClusterError> {
        let mut cluster = Self::open(root).await?;
        cluster.start(durability).await?;
        Ok(cluster)
    }

    /// Prepares the directory under `root`: creates and initialises the cluster on first
    /// use, without starting it.
    pub async fn open(root: &Path) -> Result<Self, ClusterError> {
        let mut cluster = Self::prepare(root)?;
        let pwfile = cluster.root.join("superuser.pw");
        if !cluster.data_dir().join("PG_VERSION").exists() {
            let password = random_password();
            cluster.write_password(&password)?;
            let data = cluster.data_dir();
            cluster
                .run(
                    "initdb",
                    &[
                        "-D".as_ref(),
                        data.as_os_str(),
                        "-U".as_ref(),
                        "postgres".as_ref(),
                        format!("--pwfile={}", pwfile.display()).as_ref(),
                        "--auth=scram-sha-256".as_ref(),
                        "-E".as_ref(),
                        "UTF8".as_ref(),
                        "--no-locale".as_ref(),
                        "--no-instructions".as_ref(),
                    ],
                )
                .await?;
        }
        cluster.password = std::fs::read_to_string(&pwfile)?.trim().to_owned();
        Ok(cluster)
    }

    /// The directory under `root`, created and owned by the user that runs PostgreSQL.
    fn prepare(root: &Path) -> Result<Self, ClusterError> {
        let bin = find_bin_dir()?;
        std::fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let owner = running_as_root().then(nobody);
        if let Some((uid, gid)) = owner {
            for dir in root.ancestors().skip(1) {
                let mode = std::fs::metadata(dir)?.permissions().mode();
                if mode & 0o001 == 0 {
                    return Err(ClusterError::Unreachable(dir.to_path_buf()));
                }
            }
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))?;
        }
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))?;
        Ok(PrivateCluster { root, bin, owner, port: 0, password: String::new(), started_here: false })
    }

    /// Keeps the superuser's password beside the data, readable by its owner only.
    fn write_password(&self, password: &str) -> Result<(), ClusterError> {
        let pwfile = self.root.join("superuser.pw");
        std::fs::write(&pwfile, password)?;
        std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid))?;
        }
        Ok(())
    }

    /// Prepares the directory under `root` as a streaming standby of `primary` (a base
    /// backup with `pg_basebackup -R`, first use only), without starting it. The primary's
    /// default `pg_hba.conf` already admits replication from 127.0.0.1 with its password.
    pub async fn standby_of(root: &Path, primary: &PrivateCluster) -> Result<Self, ClusterError> {
        let mut cluster = Self::prepare(root)?;
        if !cluster.data_dir().join("PG_VERSION").exists() {
            let data = cluster.data_dir();
            let port = primary.port.to_string();
            let args: [&std::ffi::OsStr; 12] = [
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                // standby.signal and primary_conninfo (with the password) in postgresql.auto.conf
                "-R".as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "--checkpoint=fast".as_ref(),
            ];
            cluster.run_with("pg_basebackup", &args, &[("PGPASSWORD", &primary.password)]).await?;
            cluster.write_password(&primary.password)?;
        }
        cluster.password = std::fs::read_to_string(cluster.root.join("superuser.pw"))?.trim().to_owned();
        Ok(cluster)
    }

    /// Makes a standby the primary (`pg_ctl promote`), waiting until it accepts writes.
    pub async fn promote(&self) -> Result<(), ClusterError> {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &["-D".as_ref(), data.as_os_str(), "-w".as_ref(), "-t".as_ref(), "60".as_ref(), "promote".as_ref()],
        )
        .await
        .map(drop)
    }

    /// Stops the cluster the way a crash does (`pg_ctl stop -m immediate`: no checkpoint,
    /// recovery from the WAL at the next start), for fault tests.
    pub async fn crash(&self) -> Result<(), ClusterError> {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "immediate".as_ref(), "-w".as_ref(), "stop".as_ref()],
        )
        .await
        .map(drop)
    }

    /// Starts the cluster unless it is already running.
    pub async fn start(&mut self, durability: Durability) -> Result<(), ClusterError> {
        let cluster = self;
        if let Some(port) = cluster.running_port().await {
            cluster.port = port;
            return Ok(());
        }
        // after a stop, come back on the same port: the app's connection URL still points there
        if cluster.port == 0 {
            cluster.port = free_port()?;
        }
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k '' -c max_connections=200 -c shared_buffers=128MB",
            cluster.port
        );
        if durability == Durability::Fast {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let data = cluster.data_dir();
        let log = cluster.root.join("postgres.log");
        cluster
            .run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "start".as_ref(),
                ],
            )
            .await?;
        cluster.started_here = true;
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// True when the cluster in this directory is running.
    pub async fn is_running(&self) -> bool {
        self.running_port().await.is_some()
    }

    /// The port of a cluster already running in this directory, if any.
    async fn running_port(&self) -> Option<u16> {
        let data = self.data_dir();
        self.run("pg_ctl", &["-D".as_ref(), data.as_os_str(), "status".as_ref()]).await.ok()?;
        // line 4 of postmaster.pid is the port
        let pid = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
        pid.lines().nth(3)?.trim().parse().ok()
    }

    async fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<String, ClusterError> {
        self.run_with(program, args, &[]).await
    }

    async fn run_with(
        &self,
        program: &str,
        args: &[&std::ffi::OsStr],
        env: &[(&str, &str)],
    ) -> Result<String, ClusterError> {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.args(args).current_dir(&self.root).env("LC_ALL", "C").envs(env.iter().copied()).kill_on_drop(true);
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd.output().await?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(text)
        } else {
            Err(ClusterError::Command { command: program.to_owned(), output: text.trim().to_owned() })
        }
    }

    /// The URL of `database` on this cluster, as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// True when this process started the cluster (and so should stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Stops the cluster if it runs (fast shutdown: open transactions roll back).
    pub async fn stop(&self) -> Result<(), ClusterError> {
        if self.running_port().await.is_none() {
            return Ok(());
        }
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "fast".as_ref(), "-w".as_ref(), "stop".as_ref()],
        )
        .await
        .map(drop)
    }
}
