//! The two modes over the real binary: every configuration production refuses exits with
//! code 78 and one line naming the setting; a production server behind TLS answers with a
//! `__Host-` cookie and HSTS, has no phone simulator, checks the origin against its public
//! URL (not `Host`), and believes `X-Forwarded-For` only from a trusted proxy. Production
//! (serving or `check-config`) also refuses a database the demo has been in.

use sqlx::PgPool;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const SECRET: &str = "kunci-uji-mode-yang-cukup-panjang-12345";
const PUBLIC: &str = "https://sakti.example";

/// The binary with only the environment given (and what a process needs to run).
fn server(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.kill_on_drop(true);
    cmd
}

/// A production environment that passes every check, on `port`.
fn production(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
        ("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti".into()),
        ("SAKTI_SMS_GATEWAY_URL", "http://127.0.0.1:9/kirim".into()),
        ("SAKTI_PUBLIC_URL", PUBLIC.into()),
        ("SAKTI_OTP_SECRET", SECRET.into()),
        ("SAKTI_TRUSTED_PROXIES", "127.0.0.1".into()),
        ("SAKTI_METRICS_TOKEN", METRICS.into()),
        ("SAKTI_DATA_DIR", data_dir(port).display().to_string()),
    ]
}

/// A data directory of the test's own (the server keeps its keys and checkpoints there).
fn data_dir(port: u16) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("sakti-mode-{}-{port}", std::process::id()))
}

const METRICS: &str = "token-metrik-uji-yang-cukup-panjang-123";

/// A variable set to a value, or removed.
type Change<'a> = (&'static str, Option<&'a str>);

fn with<'a>(base: &'a [(&'static str, String)], changes: &[Change<'a>]) -> Vec<(&'a str, &'a str)> {
    let mut env: Vec<(&str, &str)> =
        base.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).map(|(k, v)| (*k, v.as_str())).collect();
    env.extend(changes.iter().filter_map(|(k, v)| v.map(|v| (*k, v))));
    env
}

#[tokio::test]
async fn each_configuration_production_refuses_is_one_line_naming_the_setting() {
    let base = production(crate::common::free_port());
    let cases: &[(&str, &[Change], &str)] = &[
        ("no SMS gateway in production", &[("SAKTI_SMS_GATEWAY_URL", None)], "SAKTI_SMS_GATEWAY_URL"),
        ("no public URL in production", &[("SAKTI_PUBLIC_URL", None)], "SAKTI_PUBLIC_URL"),
        ("plain http in production", &[("SAKTI_PUBLIC_URL", Some("http://sakti.example"))], "SAKTI_PUBLIC_URL"),
        ("a public URL with a path", &[("SAKTI_PUBLIC_URL", Some("https://sakti.example/app"))], "SAKTI_PUBLIC_URL"),
        (
            "the demo on a public address",
            &[("SAKTI_DEMO", Some("1")), ("LEPTOS_SITE_ADDR", Some("0.0.0.0:3000"))],
            "LEPTOS_SITE_ADDR",
        ),
        (
            "a proxy that is not an address",
            &[("SAKTI_TRUSTED_PROXIES", Some("10.0.0.0/8, proxy"))],
            "SAKTI_TRUSTED_PROXIES",
        ),
        ("a short OTP key", &[("SAKTI_OTP_SECRET", Some("pendek"))], "SAKTI_OTP_SECRET"),
        ("no proxy in production", &[("SAKTI_TRUSTED_PROXIES", None)], "SAKTI_TRUSTED_PROXIES"),
        ("an open /metrics in production", &[("SAKTI_METRICS_TOKEN", None)], "SAKTI_METRICS_TOKEN"),
        (
            "a plain-text SMS gateway on another host",
            &[("SAKTI_SMS_GATEWAY_URL", Some("http://sms.example/kirim"))],
            "SAKTI_SMS_GATEWAY_URL",
        ),
        (
            "plain SMTP to another host",
            &[("SAKTI_SMTP_URL", Some("smtp://mail.example:25")), ("SAKTI_SMTP_FROM", Some("noreply@sakti.example"))],
            "SAKTI_SMTP_URL",
        ),
        ("a log format nobody reads", &[("SAKTI_LOG_FORMAT", Some("yaml"))], "SAKTI_LOG_FORMAT"),
        ("a relative data folder in production", &[("SAKTI_DATA_DIR", Some("data"))], "SAKTI_DATA_DIR"),
        ("the relative default data folder in production", &[("SAKTI_DATA_DIR", None)], "SAKTI_DATA_DIR"),
    ];
    for (what, changes, setting) in cases {
        for subcommand in [None, Some("check-config")] {
            let env = with(&base, changes);
            let mut cmd = server(&env);
            if let Some(sub) = subcommand {
                cmd.arg(sub);
            }
            let out = tokio::time::timeout(Duration::from_secs(30), cmd.stdin(Stdio::null()).output())
                .await
                .unwrap_or_else(|_| panic!("{what}: the server did not refuse, it kept running"))
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(78), "{what} ({subcommand:?}): {stderr}");
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{what}: one line, got {stderr}");
            assert!(lines[0].contains(setting), "{what}: names {setting}: {stderr}");
        }
    }
    // the good configuration passes the check, and so does the demo on loopback
    for env in [with(&base, &[]), with(&base, &[("SAKTI_DEMO", Some("1")), ("SAKTI_SMS_GATEWAY_URL", None)])] {
        let out = server(&env).arg("check-config").output().await.unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// The URL of the test's own database, for a server process.
fn url_of(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let db = pool.connect_options().get_database().unwrap_or("postgres").to_owned();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{db}")
}

async fn start(env: &[(&str, &str)], port: u16) -> Child {
    let child = server(env).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if reqwest::get(format!("http://127.0.0.1:{port}/login")).await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("server on port {port} did not start");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn production_behind_tls_holds_its_edge(pool: PgPool) {
    let port = crate::common::free_port();
    let url = url_of(&pool);
    let mut env = production(port);
    env.push(("DATABASE_URL", url));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server_process = start(&env, port).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = format!("http://127.0.0.1:{port}");

    // no demo data, no simulator
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0, "production loads no demo data");
    for path in ["/hp", "/api/hp_nomor"] {
        let res = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let res = http.post(format!("{base}/api/hp_nomor")).header("origin", PUBLIC).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // HSTS on every answer
    let res = http.get(format!("{base}/login")).send().await.unwrap();
    let hsts = res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(hsts.as_deref(), Some("max-age=31536000; includeSubDomains"));

    // a login attempt from behind the proxy: the session cookie's attributes, and the
    // audit trail and the per-address limit see the client the proxy names
    let login = |origin: &'static str, forwarded: &'static str| {
        http.post(format!("{base}/api/auth_login"))
            .header("origin", origin)
            .header("host", "10.9.8.7:3000")
            .header("x-forwarded-for", forwarded)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("username=adm_tidakada&password=salah-sekali")
    };
    let res = login(PUBLIC, "1.2.3.4, 198.51.100.23").send().await.unwrap();
    assert_eq!(res.status(), 401, "the origin is the public URL although Host is another");
    let addr: Option<String> =
        sqlx::query_scalar("SELECT client_addr FROM audit_log WHERE action = 'LOGIN' ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(addr.as_deref(), Some("198.51.100.23"), "the rightmost address the trusted proxy added");

    // an origin that is not the public URL is refused, whatever Host says
    let res = http
        .post(format!("{base}/api/auth_login"))
        .header("origin", "https://evil.example")
        .header("host", "evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=adm_x&password=y")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // the cookie a session gets: provision one user and log in
    let hash = backend::akses::sandi::hash_password("kata-sandi-yang-panjang-sekali").await.unwrap();
    sqlx::query("INSERT INTO kppn (kode, nama) VALUES ('019', 'Jakarta VI')").execute(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO app_user (username, nama, role, kppn_kode, password_hash) VALUES ('cso_uji', 'CSO Uji', 'CSO', '019', $1)",
    )
    .bind(&hash)
    .execute(&pool)
    .await
    .unwrap();
    let res = http
        .post(format!("{base}/api/auth_login"))
        .header("origin", PUBLIC)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=cso_uji&password=kata-sandi-yang-panjang-sekali")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-sakti_sesi="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");

    // at shutdown the server signs the trail's head outside the database
    let pid = server_process.id().unwrap().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), server_process.wait()).await.unwrap().unwrap();
    let titik = backend::audit::titik::baca(&data_dir(port).join("audit-checkpoint.jsonl")).unwrap();
    let last = titik.last().expect("a checkpoint at shutdown");
    let head = backend::audit::titik::kepala(&pool).await.unwrap().unwrap();
    assert_eq!((last.seq, last.id, last.jumlah), (head.seq, head.id, head.jumlah));
    let out = server(&env).args(["audit", "public-key"]).output().await.unwrap();
    let public = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(last.sah(&public), "signed with the server's key {public}");
    // and every line it wrote carries a MAC its key checks
    let out = server(&env)
        .args(["audit", "verify", "--checkpoint"])
        .arg(data_dir(port).join("audit-checkpoint.jsonl"))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("titik periksa cocok") && !stdout.contains("sebelum ada MAC"), "{stdout}");
    let _ = std::fs::remove_dir_all(data_dir(port));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_administrative_commands_do_their_job_and_say_how_it_went(pool: PgPool) {
    let url = url_of(&pool);
    let dir = std::env::temp_dir().join(format!("sakti-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (good, bad) = (dir.join("kppn.csv"), dir.join("salah.csv"));
    std::fs::write(&good, "kode,nama\n131,KPPN Uji\n").unwrap();
    std::fs::write(&bad, "kode;nama\n131;KPPN Uji\n").unwrap();
    let users = dir.join("users.csv");
    std::fs::write(&users, "username,nama,peran,unit,nip,no_hp,email\ncso_uji131,CSO Uji,CSO,131,,,\n").unwrap();
    let data = dir.join("data");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("SAKTI_DATA_DIR", data.to_str().unwrap()),
        ("SAKTI_DEMO", "1"),
        ("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
    ];
    let run = |args: Vec<&std::path::Path>| {
        let mut cmd = server(&env);
        cmd.args(args);
        async move {
            let out = cmd.output().await.unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };
    let p = std::path::Path::new;
    let (code, _, err) = run(vec![p("import"), p("kppn"), &bad]).await;
    assert_eq!(code, Some(65), "{err}");
    assert!(err.contains("baris 1") && err.contains("koma"), "{err}");
    let (code, out, err) = run(vec![p("import"), p("kppn"), &good]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 baru"), "{out}");
    let (code, out, _) = run(vec![p("import"), p("users"), &users]).await;
    assert_eq!(code, Some(0));
    assert!(out.contains("1 baru"), "{out}");
    let (code, out, err) = run(vec![p("user"), p("invite"), p("cso_uji131")]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("http://127.0.0.1:3000/sandi?token="), "{out}");
    let (code, out, err) = run(vec![p("audit"), p("verify")]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("utuh"), "{out}");
    // a checkpoint, then the newest lines deleted by the owner: the chain alone still holds,
    // the checkpoint does not
    let (code, out, err) = run(vec![p("audit"), p("checkpoint")]).await;
    assert_eq!(code, Some(0), "{err}");
    let file = data.join("audit-checkpoint.jsonl");
    assert!(out.contains(&file.display().to_string()), "{out}");
    let (code, out, err) = run(vec![p("audit"), p("verify"), p("--checkpoint"), &file]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 titik periksa cocok"), "{out}");
    sqlx::raw_sql(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
         DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log);
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (code, _, err) = run(vec![p("audit"), p("verify")]).await;
    assert_eq!(code, Some(0), "without the checkpoint a removed tail is not seen: {err}");
    let (code, _, err) = run(vec![p("audit"), p("verify"), p("--checkpoint"), &file]).await;
    assert_eq!(code, Some(65), "{err}");
    assert!(err.contains("EKOR DIHAPUS"), "{err}");
    // a line written with the app's database password alone: chained by the trigger, no MAC
    sqlx::query("INSERT INTO audit_log (action, outcome, detail) VALUES ('PALSU', 'BERHASIL', 'x')")
        .execute(&pool)
        .await
        .unwrap();
    let (code, _, err) = run(vec![p("audit"), p("verify")]).await;
    assert_eq!(code, Some(65), "{err}");
    assert!(err.contains("PALSU") && err.contains("tanpa MAC"), "{err}");
    let (code, out, _) = run(vec![p("audit"), p("public-key")]).await;
    assert_eq!(code, Some(0));
    assert_eq!(out.trim().len(), 64, "{out}");
    let (code, _, err) = run(vec![p("user"), p("unlock"), p("cso_tidakada")]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("tidak ditemukan"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Production, serving and `check-config`, on the test's database: exit 78 and one line that
/// names `DATABASE_URL`, shows `found` and says what to do.
async fn production_refuses_the_database(pool: &PgPool, found: &str) {
    let url = url_of(pool);
    let mut base = production(crate::common::free_port());
    // the owner's URL given too, as production should, so the refusal is the only line
    base.extend([("DATABASE_URL", url.clone()), ("SAKTI_MIGRATE_DATABASE_URL", url)]);
    for subcommand in [None, Some("check-config")] {
        let mut cmd = server(&with(&base, &[]));
        if let Some(sub) = subcommand {
            cmd.arg(sub);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), cmd.stdin(Stdio::null()).output())
            .await
            .unwrap_or_else(|_| {
                panic!("{subcommand:?}: production did not refuse the demo's database, it kept running")
            })
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{subcommand:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{subcommand:?}: one line, got {stderr}");
        let line = lines[0];
        assert!(line.starts_with("konfigurasi DATABASE_URL: "), "{subcommand:?}: names the setting: {line}");
        for said in ["berisi data demo", found, "basis data baru"] {
            assert!(line.contains(said), "{subcommand:?}: says {said:?}: {line}");
        }
    }
    // nothing was served or stored on the way: the refusal comes before the first request
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sesi").fetch_one(pool).await.unwrap();
    assert_eq!(sessions, 0);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn production_refuses_a_database_the_demo_seeded(pool: PgPool) {
    assert!(backend::provisi::demo::seed_if_empty(&pool).await.unwrap());
    production_refuses_the_database(&pool, "tanda demo ").await;
    // the demo itself goes on using it
    let env = [
        ("DATABASE_URL", url_of(&pool)),
        ("SAKTI_DEMO", "1".into()),
        ("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti".into()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:3000".into()),
    ];
    let out = server(&with(&env, &[])).arg("check-config").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn production_refuses_an_unmarked_database_with_a_demo_username(pool: PgPool) {
    let url = url_of(&pool);
    let mut base = production(crate::common::free_port());
    base.extend([("DATABASE_URL", url.clone()), ("SAKTI_MIGRATE_DATABASE_URL", url)]);
    sqlx::query("INSERT INTO kppn (kode, nama) VALUES ('019', 'KPPN Jakarta VI')").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO app_user (username, nama, role, kppn_kode) VALUES ('cso_nyata019', 'CSO', 'CSO', '019')")
        .execute(&pool)
        .await
        .unwrap();
    // a real user: the check reads the database and passes
    let out = server(&with(&base, &[])).arg("check-config").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("belum diperiksa"), "the database was read: {stdout}");
    // renamed to a demo username (no mark): refused
    sqlx::query("UPDATE app_user SET username = 'cso_jakarta6' WHERE username = 'cso_nyata019'")
        .execute(&pool)
        .await
        .unwrap();
    production_refuses_the_database(&pool, "pengguna demo cso_jakarta6").await;
}

/// With `SAKTI_LOG_FORMAT=json` every line the server writes — the start banner, the log, the
/// shutdown — is one JSON object, and so is a refusal of the configuration.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_json_log_mode_writes_json_only(pool: PgPool) {
    let port = crate::common::free_port();
    let (url, dir, addr) = (url_of(&pool), data_dir(port), format!("127.0.0.1:{port}"));
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("SAKTI_DEMO", "1"),
        ("SAKTI_LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
        ("SAKTI_DATA_DIR", dir.to_str().unwrap()),
        ("LEPTOS_SITE_ADDR", addr.as_str()),
        ("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti"),
    ];
    let child = server(&env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while !reqwest::get(format!("http://{addr}/login")).await.is_ok_and(|r| r.status().is_success()) {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pid = child.id().unwrap().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await.unwrap().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().chain(stderr.lines()).filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 3, "{stdout}\n{stderr}");
    for line in &lines {
        assert!(serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.is_object()), "not JSON: {line}");
    }
    assert!(lines.iter().any(|l| l.contains("berjalan di")), "the banner is there too: {lines:?}");
    // a refusal of the configuration, in JSON too
    let env = [
        ("SAKTI_LOG_FORMAT", "json"),
        ("SAKTI_DATA_DIR", dir.to_str().unwrap()),
        ("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti"),
    ];
    let refused = server(&env).output().await.unwrap();
    assert_eq!(refused.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert!(line.to_string().contains("SAKTI_SMS_GATEWAY_URL"), "{line}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `server evidence verify FILE` (issue 26): an activation's evidence record checks offline
/// under the key it names; a record changed by one byte, or checked against another key, fails
/// with exit 65.
#[tokio::test]
async fn an_evidence_record_verifies_offline_and_fails_when_one_byte_changes() {
    use backend::aktivasi::bukti::{Bukti, BuktiBertanda, BuktiJejak, BuktiPejabat, BuktiSesi, DOMAIN};
    let kunci = backend::sistem::kunci::KunciTanda::new(&[9; 32]).unwrap();
    let bukti = Bukti {
        versi: 1,
        pejabat: BuktiPejabat {
            id: domain::PejabatId(7),
            nama: "KPA PSIE I".into(),
            nip: "199109112010111001".into(),
            jabatan: "KUASA PENGGUNA ANGGARAN".into(),
            satker_kode: "561403".into(),
            kppn_kode: "019".into(),
            no_hp: "+62 812-****-7890".into(),
        },
        aktif_pada: "2026-12-08T02:31:00Z".into(),
        sesi: BuktiSesi {
            jadwal_id: domain::JadwalId(3),
            nomor: Some(47),
            mode: "VIDEO_CONFERENCE".into(),
            mulai: "2026-12-08T02:30:00Z".into(),
            selesai: "2026-12-08T03:30:00Z".into(),
            langsung: false,
            cso_id: domain::UserId(5),
            cso_nama: "CSO KPPN Jakarta VI".into(),
        },
        ceklis: domain::upacara::periksa(
            &domain::upacara::CeklisInput {
                dicentang: domain::upacara::Butir::untuk(domain::jadwal::Mode::VideoConference).to_vec(),
                kuasa: None,
            },
            domain::jadwal::Mode::VideoConference,
            domain::Jabatan::Kpa,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
        )
        .unwrap(),
        berkas: None,
        kiriman: vec![],
        jejak: BuktiJejak { audit_id: 42, seq: Some(41), hash: Some("ab".repeat(32)) },
    };
    let isi = serde_json::to_string(&bukti).unwrap();
    let signed = BuktiBertanda {
        tanda: kunci.tanda(format!("{DOMAIN}{isi}").as_bytes()),
        bukti: isi,
        kunci_publik: kunci.publik(),
    };
    let dir = std::env::temp_dir().join(format!("sakti-bukti-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env: Vec<(&str, String)> = production(1);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let verify = |file: std::path::PathBuf, key: String| {
        let mut cmd = server(&env);
        cmd.args(["evidence", "verify"]).arg(file).args(["--public-key", &key]);
        async move { cmd.output().await.unwrap() }
    };
    let good = dir.join("bukti.json");
    std::fs::write(&good, signed.berkas()).unwrap();
    let out = verify(good.clone(), kunci.publik()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("bukti sah") && stdout.contains("sesi No. 47") && stdout.contains("baris 42"), "{stdout}");
    assert!(stdout.contains("posisi di jejak audit tidak diperiksa (pakai --checkpoint)"), "{stdout}");
    // its place in the trail needs the checkpoints (backend's upacara tests check the place)
    let mut cmd = server(&env);
    cmd.args(["evidence", "verify"]).arg(&good).args(["--public-key", &kunci.publik(), "--checkpoint"]);
    let out = cmd.arg(dir.join("tidak-ada.jsonl")).output().await.unwrap();
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("titik periksa tidak terbaca"));
    // one byte of the record changed: the nomor 47 becomes 48
    let forged = BuktiBertanda { bukti: signed.bukti.replace("\"nomor\":47", "\"nomor\":48"), ..signed.clone() };
    assert_ne!(forged.bukti, signed.bukti);
    let bad = dir.join("palsu.json");
    std::fs::write(&bad, forged.berkas()).unwrap();
    let out = verify(bad, kunci.publik()).await;
    assert_eq!(out.status.code(), Some(65), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TIDAK sah"));
    // another server's key
    let other = backend::sistem::kunci::KunciTanda::new(&[10; 32]).unwrap().publik();
    assert_eq!(verify(good, other).await.status.code(), Some(65));
    std::fs::remove_dir_all(&dir).ok();
}
