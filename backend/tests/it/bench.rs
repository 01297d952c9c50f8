//! The bench's pgbench scripts (bench/pgbench/*.sql, written by bench/perf.sh from the
//! statements the server ran) against the migrated schema: each runs for a second, as
//! bench/pgbench.sh runs it, on the demo data and the load data. A column renamed or a table
//! dropped since the last capture fails here, in the test run, not months later in a bench
//! that prints 0 pairs/s.

use sqlx::PgPool;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The newest pgbench of the installed PostgreSQL.
fn pgbench() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin/pgbench")))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().expect("pgbench is installed with the PostgreSQL server")
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_pgbench_scripts_run_against_the_migrated_schema(pool: PgPool) {
    // the demo data, the load data, and a signed-in session of each user the scripts act as
    crate::common::login(&pool, "adm_561403").await;
    let load = std::fs::read_to_string(root().join("bench/load.sql")).unwrap();
    sqlx::raw_sql(&load).execute(&pool).await.unwrap();
    for user in ["val_load_0", "adm_561403"] {
        crate::common::login(&pool, user).await;
    }
    sqlx::query(
        "INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES ('bench', '\\x', now() + interval '1 hour')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let q = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let v: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
            v.to_string()
        }
    };
    let vars = [
        ("lo", q("SELECT min(id) FROM pejabat WHERE satker_kode BETWEEN '790000' AND '790063'").await),
        ("hi", q("SELECT max(id) FROM pejabat WHERE satker_kode BETWEEN '790000' AND '790063'").await),
        ("uid", q("SELECT id FROM app_user WHERE username = 'val_load_0'").await),
        ("adm", q("SELECT id FROM app_user WHERE username = 'adm_561403'").await),
        (
            "sesi",
            q("SELECT max(s.id) FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE u.username = 'val_load_0'").await,
        ),
        (
            "sesi_adm",
            q("SELECT max(s.id) FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE u.username = 'adm_561403'").await,
        ),
        ("sid", "bench".to_string()),
    ];
    let options = pool.connect_options();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let url = format!("{}/{}", base.rsplit_once('/').unwrap().0, options.get_database().unwrap());
    for script in ["pair", "table"] {
        let file = root().join(format!("bench/pgbench/{script}.sql"));
        assert!(std::fs::read_to_string(&file).unwrap().contains("capture"), "{script}.sql is the capture's");
        let mut cmd = tokio::process::Command::new(pgbench());
        cmd.args(["-n", "-M", "prepared", "-c", "2", "-j", "1", "-T", "1"]);
        for (name, value) in &vars {
            cmd.arg("-D").arg(format!("{name}={value}"));
        }
        let out = cmd.arg("-f").arg(&file).arg(&url).output().await.unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "pgbench {script}.sql: {stderr}\n{stdout}");
        let done = stdout
            .lines()
            .find_map(|l| l.strip_prefix("number of transactions actually processed: "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0);
        assert!(done > 0, "pgbench {script}.sql ran no transaction: {stdout}");
        assert!(
            !stdout.contains("number of failed transactions: ") || stdout.contains("number of failed transactions: 0 "),
            "{stdout}"
        );
    }
}

/// The captured page runs each of its queries once. A page whose resources are built again
/// while it renders (a reactive closure around a `Suspend` that creates them) ran the Tabel
/// Pejabat's queries one to three times per GET, at random; the capture of the next bench
/// run shows it here.
#[test]
fn the_captured_page_runs_each_query_once() {
    let script = std::fs::read_to_string(root().join("bench/pgbench/table.sql")).unwrap();
    let mut seen = std::collections::HashSet::new();
    for statement in script.lines().filter(|l| !l.starts_with("--") && !l.starts_with('\\')) {
        assert!(seen.insert(statement), "run twice by one GET /pejabat: {statement}");
    }
    assert!(seen.len() >= 4, "the capture holds the page's statements: {seen:?}");
}
