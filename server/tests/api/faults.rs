//! Faults with real processes: the server binary started (twice) on a private PostgreSQL
//! cluster that the test stops and restarts, kills with SIGKILL and SIGTERM.
//!
//! One test, in steps, because the processes are shared: two instances on one database,
//! SIGKILL and restart, the database away for 10 s, SIGTERM with an open event stream,
//! and an instance with its own embedded cluster stopped cleanly.

use backend::sistem::pgcluster::{Durability, PrivateCluster};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const PPK_HP: &str = "+6281300000002";
/// `AppError::Unavailable` as sent; the browser shows its text (checked below).
const UNAVAILABLE: &str = "\"Unavailable\"";
const SPM_HP: &str = "+6281300000003";

struct Instance {
    child: Child,
}

async fn spawn(database_url: Option<&str>, data_dir: &Path, port: u16, log: &Path) -> Instance {
    spawn_with(database_url, data_dir, port, log, &[]).await
}

/// [`spawn`] with more environment variables.
async fn spawn_with(
    database_url: Option<&str>,
    data_dir: &Path,
    port: u16,
    log: &Path,
    env: &[(&str, &str)],
) -> Instance {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", data_dir.join("site"))
        .env("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti")
        .env("SAKTI_DATA_DIR", data_dir)
        .env("SAKTI_DEMO", "1")
        .env("SAKTI_OTP_SECRET", "kunci-uji-gangguan-yang-cukup-panjang-123")
        .envs(crate::common::KUNCI_ENV)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.envs(env.iter().copied());
    let child = cmd.spawn().unwrap();
    let instance = Instance { child };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(90) {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/login")).await
            && r.status().is_success()
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("server on port {port} did not start");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Calls server function `name` with form `body`; returns status and body.
async fn call(port: u16, name: &str, body: &str, cookie: &str) -> (u16, String) {
    let answer = call_tagged(port, name, body, cookie).await;
    (answer.status, answer.body)
}

/// One request of a fault test and its answer. The request carries its own id, which the
/// server logs with every line of the request (`server::ops::track`), so a wrong answer can
/// be shown with what the server said while answering it ([`Answer::explain`]).
#[derive(Debug, Clone)]
struct Answer {
    id: String,
    request: String,
    /// When it was sent, from the start of the test's phase.
    at: Duration,
    took: Duration,
    /// 0 when no answer came (a dropped connection).
    status: u16,
    body: String,
}

impl Answer {
    /// The request, its answer and the server's log lines around it: every line naming the
    /// request's id, with the lines just before and after each.
    fn explain(&self, log: &Path) -> String {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tag = format!("request_id={}", self.id);
        let names = |line: &str| {
            line.match_indices(&tag).any(|(at, _)| !line[at + tag.len()..].starts_with(|c: char| c.is_ascii_digit()))
        };
        let mut shown = std::collections::BTreeSet::new();
        for (i, line) in lines.iter().enumerate() {
            if names(line) {
                shown.extend(i.saturating_sub(3)..(i + 4).min(lines.len()));
            }
        }
        let around: Vec<&str> = shown.into_iter().map(|i| lines[i]).collect();
        format!(
            "{} at {:?} answered {} after {:?}: {}\nserver log around request {}:\n{}",
            self.request,
            self.at,
            self.status,
            self.took,
            self.body,
            self.id,
            around.join("\n")
        )
    }
}

static REQUESTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// [`call`], keeping the request's id, time and answer.
async fn call_tagged(port: u16, name: &str, body: &str, cookie: &str) -> Answer {
    let request = client()
        .post(format!("http://127.0.0.1:{port}/api/{name}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    tagged(request, cookie, format!("POST /api/{name} on :{port}")).await
}

/// A page `GET`, tagged like [`call_tagged`] (a page's body is kept only when it failed).
async fn get_tagged(port: u16, path: &str, cookie: &str) -> Answer {
    let answer =
        tagged(client().get(format!("http://127.0.0.1:{port}{path}")), cookie, format!("GET {path} on :{port}")).await;
    Answer { body: if answer.status == 200 { String::new() } else { answer.body }, ..answer }
}

/// Sends `request` with `cookie` and an id of its own; its answer, timed.
async fn tagged(request: reqwest::RequestBuilder, cookie: &str, what: String) -> Answer {
    let id = format!("uji-{}", REQUESTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let began = Instant::now();
    let res = request.header("cookie", cookie).header("x-request-id", &id).send().await;
    let (status, body) = match res {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    };
    Answer { id, request: what, at: Duration::ZERO, took: began.elapsed(), status, body }
}

/// The demo pejabat the sign-in clients take turns with.
const PEJABAT: [&str; 6] =
    ["apr_kpa561403", "apr_spm561403", "val_ppk561403", "apr_maulana561403", "val_putut561403", "val_ppk527010"];

/// Fails the test with [`Answer::explain`] for each answer that is neither a success (200, or
/// a sign-in's redirect) nor the outage's 503: a 500, a dropped connection, a refusal. One
/// refusal is right, not wrong: a sign-in is counted before its password is checked
/// (`backend::akses::hitung`), so one cut by the outage after its count stays a failure, and an
/// account with three of them waits ("Tunggu … detik").
fn only_success_or_503(answers: &[Answer], log: &Path) {
    let waits = |a: &Answer| a.status == 429 && a.request.contains("auth_login") && a.body.contains("Tunggu");
    let wrong: Vec<String> = answers
        .iter()
        .filter(|a| !matches!(a.status, 200 | 302 | 303 | 503) && !waits(a))
        .map(|a| a.explain(log))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} answers were a 500 or a dropped connection:\n{}",
        wrong.len(),
        answers.len(),
        wrong.join("\n\n")
    );
}

async fn login(pool: &sqlx::PgPool, port: u16, username: &str) -> String {
    let post = |path: &str, body: String, cookie: Option<String>| {
        let mut req = client()
            .post(format!("http://127.0.0.1:{port}/api/{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let session = |r: &reqwest::Response| {
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("sakti_sesi="));
        cookie.unwrap_or_else(|| panic!("login {username}: {}", r.status())).split(';').next().unwrap().to_owned()
    };
    let r = post("auth_login", format!("username={username}&password=Sakti%232026"), None).await.unwrap();
    let cookie = session(&r);
    if !backend::provisi::demo::staff().any(|u| u == username) {
        return cookie;
    }
    let code = crate::common::totp_code(pool, username, &backend::Clock::system()).await;
    let r = post("masuk_kode", format!("kode={code}"), Some(cookie)).await.unwrap();
    session(&r)
}

/// Signs a pejabat (no second factor) in with the demo password; returns the session cookie.
async fn pejabat_login(port: u16, username: &str) -> String {
    let r = client()
        .post(format!("http://127.0.0.1:{port}/api/auth_login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={username}&password=Sakti%232026"))
        .send()
        .await
        .unwrap();
    let cookie =
        r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("sakti_sesi="));
    cookie.unwrap_or_else(|| panic!("{username} not signed in: {}", r.status())).split(';').next().unwrap().to_owned()
}

/// The newest code the simulated phone received (waits for the SMS worker).
async fn code(pool: &sqlx::PgPool, phone: &str, after_id: i64) -> (String, i64) {
    for _ in 0..100 {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, body FROM sms_simulator WHERE phone = $1 AND id > $2 AND body LIKE '%Kode Otentifikasi%'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(phone)
        .bind(after_id)
        .fetch_optional(pool)
        .await
        .unwrap_or(None);
        if let Some((id, body)) = row {
            let c = body.split("Anda: ").nth(1).unwrap()[..6].to_owned();
            return (c, id);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no code SMS for {phone}");
}

async fn terminate(instance: &mut Instance, signal: &str) -> Option<i32> {
    let pid = instance.child.id().unwrap().to_string();
    std::process::Command::new("kill").args([signal, &pid]).status().unwrap();
    tokio::time::timeout(Duration::from_secs(30), instance.child.wait())
        .await
        .ok()
        .map(|s| s.unwrap().code().unwrap_or(-1))
}

fn rekam_input(nip: &str, nama: &str, hp: &str, jabatan: &str) -> domain::validate::PejabatInput {
    domain::validate::PejabatInput {
        nip: nip.into(),
        nama: nama.into(),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: "1975-06-01".into(),
        email: "p@kemenkeu.go.id".into(),
        no_hp: hp.into(),
        alamat_domisili: "Jakarta".into(),
        alamat_ktp: "Jakarta".into(),
        nomor_sk: "KEP-1/2026".into(),
        tanggal_sk: "2026-01-05".into(),
        jabatan: jabatan.into(),
        kppn_kode: "019".into(),
    }
}

#[test]
fn the_outage_answer_reads_as_a_service_disruption() {
    let shown: app::sistem::error::AppError = serde_json::from_str(UNAVAILABLE).unwrap();
    assert_eq!(shown.to_string(), "Layanan sedang gangguan. Silakan coba beberapa saat lagi.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_survives_kills_restarts_and_a_database_outage() {
    let dir: PathBuf = std::env::temp_dir().join(format!("sakti-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("servers.log");
    let mut cluster = PrivateCluster::ensure_running(&dir.join("pg"), Durability::Fast).await.unwrap();
    let url = backend::sistem::db::ensure_database(&cluster.url("postgres"), "sakti").await.unwrap();
    let (pa, pb) = (crate::common::free_port(), crate::common::free_port());
    let mut a = spawn(Some(&url), &dir.join("a"), pa, &log).await;
    let mut b = spawn(Some(&url), &dir.join("b"), pb, &log).await;
    let pool = backend::sistem::db::connect(&url).await.unwrap();
    let admin_caller = {
        let actor = backend::akses::masuk::login(&pool, None, "adm_561403", backend::provisi::demo::PASSWORD)
            .await
            .unwrap()
            .into_actor();
        backend::akses::sesi::mulai_dan_muat(&pool, &actor, None, backend::now()).await.unwrap()
    };
    let ppk = backend::aktivasi::pejabat::rekam(
        &pool,
        &admin_caller,
        &rekam_input("133209333013111001", "PPK", "081300000002", "PEJABAT PEMBUAT KOMITMEN"),
        backend::now(),
    )
    .await
    .unwrap();
    let spm = backend::aktivasi::pejabat::rekam(
        &pool,
        &admin_caller,
        &rekam_input("198807152012121002", "PPSPM", "081300000003", "PEJABAT SPM"),
        backend::now(),
    )
    .await
    .unwrap();

    // 0. pages rendered on the server answer every time: the audit page once deadlocked the
    //    whole server after a request or two (two suspense boundaries tracking one resource)
    let page_cookie = login(&pool, pa, "adm_561403").await;
    for path in ["/audit", "/pejabat", "/berkas"] {
        for _ in 0..10 {
            let r = client().get(format!("http://127.0.0.1:{pa}{path}")).header("cookie", &page_cookie).send().await;
            let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
            assert_eq!(status, 200, "{path} did not answer");
        }
    }

    // 1. two instances on one database: a code requested through A is accepted through B,
    //    and a change made through A reaches an event stream open on B
    let ppk_cookie = login(&pool, pa, "val_ppk561403").await;
    let (s, body) = call(pa, "otp_request", &format!("pejabat_id={ppk}&purpose=VerifikasiHp"), &ppk_cookie).await;
    assert_eq!(s, 200, "{body}");
    let (c, _) = code(&pool, PPK_HP, 0).await;
    let (s, body) =
        call(pb, "otp_submit", &format!("pejabat_id={ppk}&purpose=VerifikasiHp&code={c}"), &ppk_cookie).await;
    assert_eq!((s, body.as_str()), (200, "\"VerifikasiPejabat\""));
    let admin_cookie = login(&pool, pb, "adm_561403").await;
    let mut events = client()
        .get(format!("http://127.0.0.1:{pb}/api/events"))
        .header("cookie", &admin_cookie)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let spm_cookie = login(&pool, pa, "apr_spm561403").await;
    let (s, _) = call(pa, "otp_request", &format!("pejabat_id={spm}&purpose=VerifikasiHp"), &spm_cookie).await;
    assert_eq!(s, 200);
    let chunk = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            let c = events.chunk().await.unwrap().unwrap();
            if c.windows(6).any(|w| w == b"561403") {
                return c;
            }
        }
    })
    .await
    .expect("the change made through A did not reach B's event stream within 3 s");
    assert!(String::from_utf8_lossy(&chunk).contains("data:"));

    // 2. SIGKILL and restart: the session and the pending code survive
    let (spm_code, _) = code(&pool, SPM_HP, 0).await;
    assert_eq!(terminate(&mut a, "-KILL").await, Some(-1));
    a = spawn(Some(&url), &dir.join("a"), pa, &log).await;
    let (s, body) = call(pa, "auth_whoami", "", &spm_cookie).await;
    assert_eq!(s, 200, "the session did not survive: {body}");
    let (s, body) =
        call(pa, "otp_submit", &format!("pejabat_id={spm}&purpose=VerifikasiHp&code={spm_code}"), &spm_cookie).await;
    assert_eq!((s, body.as_str()), (200, "\"VerifikasiPejabat\""), "the pending code did not survive");

    // 3. the database away for 10 s while requests run
    let stop_at = Instant::now();
    let poller = {
        let cookie = admin_cookie.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(25) {
                let at = started.elapsed();
                let answer =
                    call_tagged(pb, "pejabat_daftar", "query[page]=1&query[per_page]=10&query[filter]=", &cookie).await;
                seen.push(Answer { at, ..answer });
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.stop().await.unwrap();
    let down_at = stop_at.elapsed();
    // a transition attempted while the database is away: refused within a second
    let began = Instant::now();
    let first = call_tagged(pa, "otp_request", &format!("pejabat_id={ppk}&purpose=Aktivasi"), &ppk_cookie).await;
    assert_eq!((first.status, first.body.as_str()), (503, UNAVAILABLE), "{}", first.explain(&log));
    assert!(began.elapsed() < Duration::from_secs(1), "the first answer of the outage: {}", first.explain(&log));
    // a page and a file route say so too, at once (the file route used to take the
    // unreadable session for a logged-out caller)
    for path in ["/pejabat", "/api/audit.csv", "/api/berkas/1"] {
        let began = Instant::now();
        let r =
            client().get(format!("http://127.0.0.1:{pa}{path}")).header("cookie", &admin_cookie).send().await.unwrap();
        let took = began.elapsed();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(status, 503, "{path}: {text}");
        assert!(text.contains("Layanan sedang gangguan"), "{path}: {text}");
        assert!(took < Duration::from_secs(1), "{path} answered after {took:?}");
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    // the database answers again somewhere inside `start` (which then checks it): the outage
    // ends when the start begins, and a request answered after that may already succeed
    let restart_at = stop_at.elapsed();
    cluster.start(Durability::Fast).await.unwrap();
    let up_at = stop_at.elapsed();
    let seen = poller.await.unwrap();
    only_success_or_503(&seen, &log);
    let during: Vec<_> =
        seen.iter().filter(|a| a.at > down_at + Duration::from_millis(300) && a.at + a.took < restart_at).collect();
    // the first waits at most for the pool's acquire timeout, the others are answered at once
    assert!(during.len() >= 10, "too few requests during the outage: {seen:?}");
    for a in &during {
        assert_eq!((a.status, a.body.as_str()), (503, UNAVAILABLE), "{}", a.explain(&log));
        assert!(a.took < Duration::from_secs(1), "{}", a.explain(&log));
    }
    let slowest = during.iter().map(|a| a.took).max().unwrap_or_default();
    let recovered = seen.iter().find(|a| a.at > up_at && a.status == 200).map(|a| a.at - up_at);
    let recovered = recovered.expect("no successful request after the database came back");
    assert!(recovered <= Duration::from_secs(5), "recovered after {recovered:?}");
    println!(
        "database back; first success after {recovered:?}; answers during the outage: {}, the slowest in {slowest:?}",
        during.len()
    );
    // nothing half-applied: the refused transition left no code; every SMS is delivered
    let codes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE purpose = 'aktivasi'").fetch_one(&pool).await.unwrap();
    assert_eq!(codes, 0);
    let mut undelivered: i64 = -1;
    for _ in 0..50 {
        undelivered = sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE delivered_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap_or(-1);
        if undelivered == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(undelivered, 0, "SMS left undelivered after the outage");

    // 4. SIGTERM with an event stream open: the server drains and exits cleanly
    let _open_stream = client()
        .get(format!("http://127.0.0.1:{pb}/api/events"))
        .header("cookie", &admin_cookie)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    let begun = Instant::now();
    assert_eq!(terminate(&mut b, "-TERM").await, Some(0), "SIGTERM did not end the server cleanly");
    println!("SIGTERM drained in {:?}", begun.elapsed());
    assert_eq!(terminate(&mut a, "-TERM").await, Some(0));

    // 5. an instance with its own embedded cluster stops it on SIGTERM
    let pc = crate::common::free_port();
    let mut c = spawn(None, &dir.join("c"), pc, &log).await;
    let embedded = PrivateCluster::open(&dir.join("c").join("postgres")).await.unwrap();
    assert!(embedded.is_running().await);
    assert_eq!(terminate(&mut c, "-TERM").await, Some(0));
    assert!(!embedded.is_running().await, "the embedded PostgreSQL is still running");

    pool.close().await;
    cluster.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Connections cut in the middle of statements: the server's backends terminated again and
/// again (`pg_terminate_backend`) while clients read lists, open pages and sign in, then a
/// fast shutdown of the cluster while they keep going. A statement cut that way reaches the
/// server as the database's own error (SQLSTATE 57P01) or a closed stream; every answer must
/// be 200 or 503 — once one of them was a 500 at an outage's onset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_cut_mid_statement_are_answered_200_or_503() {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let dir: PathBuf = std::env::temp_dir().join(format!("sakti-putus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("server.log");
    let mut cluster = PrivateCluster::ensure_running(&dir.join("pg"), Durability::Fast).await.unwrap();
    let url = backend::sistem::db::ensure_database(&cluster.url("postgres"), "sakti").await.unwrap();
    let port = crate::common::free_port();
    let mut server = spawn(Some(&url), &dir.join("a"), port, &log).await;
    let pool = backend::sistem::db::connect(&url).await.unwrap();
    let admin = login(&pool, port, "adm_561403").await;
    pool.close().await;

    // clients that keep the server's connections busy: lists, a page, sign-ins (a session
    // written at the end of the request)
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..6)
        .map(|i| {
            let (stop, admin) = (stop.clone(), admin.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let at = started.elapsed();
                    let answer = match i % 3 {
                        0 => {
                            call_tagged(
                                port,
                                "pejabat_daftar",
                                "query[page]=1&query[per_page]=50&query[filter]=",
                                &admin,
                            )
                            .await
                        }
                        1 => {
                            let who =
                                PEJABAT[REQUESTS.load(std::sync::atomic::Ordering::Relaxed) as usize % PEJABAT.len()];
                            let form = format!("username={who}&password=Sakti%232026");
                            call_tagged(port, "auth_login", &form, "").await
                        }
                        _ => get_tagged(port, "/pejabat", &admin).await,
                    };
                    seen.push(Answer { at, ..answer });
                }
                seen
            })
        })
        .collect();

    // the server's backends ended in the middle of statements, five times: a table the lists
    // and pages read is locked until some of them wait on it, then those are ended (so every
    // round cuts statements for certain, however loaded the machine), then the lock goes.
    // The test's own connections have a name of their own, so they are not ended.
    let options = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().application_name("uji-putus");
    let (mut locker, mut killer) = (options.connect().await.unwrap(), options.connect().await.unwrap());
    let mut terminated = 0;
    for _ in 0..5 {
        let mut tx = sqlx::Connection::begin(&mut locker).await.unwrap();
        sqlx::query("LOCK TABLE pejabat IN ACCESS EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
        let waiting = "application_name = 'aktivasi-otp-sakti' AND state = 'active' AND wait_event_type = 'Lock'";
        let began = Instant::now();
        loop {
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM pg_stat_activity WHERE {waiting}"))
                .fetch_one(&mut killer)
                .await
                .unwrap();
            if n > 0 || began.elapsed() > Duration::from_secs(10) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ended: Vec<bool> =
            sqlx::query_scalar(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {waiting}"))
                .fetch_all(&mut killer)
                .await
                .unwrap();
        terminated += ended.len();
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop((locker, killer));
    // then a fast shutdown while they run, and the cluster back after two seconds
    tokio::time::sleep(Duration::from_millis(300)).await;
    let down_at = started.elapsed();
    cluster.stop().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.start(Durability::Fast).await.unwrap();
    let up_at = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = Vec::new();
    for c in clients {
        seen.extend(c.await.unwrap());
    }
    let count = |f: &dyn Fn(&Answer) -> bool| seen.iter().filter(|a| f(a)).count();
    println!(
        "{} requests, {} active backends terminated; 503 while backends were ended: {}, during the shutdown: {}",
        seen.len(),
        terminated,
        count(&|a| a.status == 503 && a.at < down_at),
        count(&|a| a.status == 503 && a.at >= down_at),
    );
    only_success_or_503(&seen, &log);
    assert!(terminated >= 5, "only {terminated} statements were cut: a round found none waiting");
    assert!(count(&|a| a.status == 503 && a.at >= down_at && a.at < up_at) > 0, "the shutdown was never seen");
    assert!(count(&|a| a.status == 200 && a.at > up_at) > 0, "no request succeeded after the database came back");
    assert_eq!(terminate(&mut server, "-TERM").await, Some(0));
    cluster.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `SAKTI_LOG_FORMAT=json`: every line of the server's log is one JSON object; each answered
/// request has its id (the caller's `X-Request-Id`, echoed), route, status, duration and, once
/// logged in, the user; no password or code in any of it.
#[tokio::test]
async fn json_logs_carry_the_request_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("sakti-jsonlog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site")).unwrap();
    let log = dir.join("server.log");
    let port = crate::common::free_port();
    let mut instance = spawn_with(None, &dir, port, &log, &[("SAKTI_LOG_FORMAT", "json")]).await;
    let r = client()
        .get(format!("http://127.0.0.1:{port}/login"))
        .header("x-request-id", "uji-permintaan-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "uji-permintaan-1");
    let generated = client().get(format!("http://127.0.0.1:{port}/login")).send().await.unwrap();
    assert_eq!(generated.headers()["x-request-id"].len(), 16);
    let cookie = pejabat_login(port, "apr_kpa527010").await;
    let (status, _) = call(port, "auth_whoami", "", &cookie).await;
    assert_eq!(status, 200);
    terminate(&mut instance, "-TERM").await;
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 4, "{text}");
    for l in &lines {
        assert!(l["timestamp"].is_string() && l["level"].is_string() && l["target"].is_string(), "{l}");
    }
    let answered: Vec<&serde_json::Value> = lines.iter().filter(|l| l["message"] == "permintaan selesai").collect();
    let tagged =
        answered.iter().find(|l| l["span"]["request_id"] == "uji-permintaan-1").expect("the caller's request id");
    assert_eq!((tagged["span"]["route"].as_str(), tagged["status"].as_u64()), (Some("/login"), Some(200)));
    assert!(tagged["duration_ms"].is_number());
    let listed =
        answered.iter().find(|l| l["span"]["route"] == "/api/auth_whoami").expect("the server function's line");
    assert!(listed["span"]["user_id"].is_number(), "the user of a logged-in request: {listed}");
    assert!(!text.contains("Sakti#2026") && !text.contains("Sakti%232026"), "a password in the log");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Backup and restore: a database with a bundle accepted and a KPA activated is backed up with
/// `server backup`, restored into a new database with `server restore`, and a server started on
/// the copy serves the same pejabat and statuses, bundles whose checksums still match, and an
/// audit trail that verifies.
#[tokio::test]
async fn a_backup_restores_into_a_new_database_that_a_server_runs_on() {
    use backend::{aktivasi::otp, aktivasi::pejabat, dokumen::berkas};
    use domain::berkas::{Keperluan, Keputusan};
    let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL of the test cluster");
    // the lines written here carry the MAC the server's `audit verify` checks
    backend::audit::pasang_kunci_mac(crate::common::kunci().audit_mac);
    let source = backend::sistem::db::fresh_database(&admin_url, "sakti_cadangan_asal").await.unwrap();
    let pool = backend::sistem::db::connect(&source).await.unwrap();
    backend::sistem::db::MIGRATOR.run(&pool).await.unwrap();
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let user = |name: &'static str| {
        let pool = pool.clone();
        async move {
            let actor = backend::akses::masuk::login(&pool, None, name, backend::provisi::demo::PASSWORD)
                .await
                .unwrap()
                .into_actor();
            backend::akses::sesi::mulai_dan_muat(&pool, &actor, None, backend::now()).await.unwrap()
        }
    };
    let (admin, kpa, cso) = (user("adm_561403").await, user("apr_kpa561403").await, user("cso_jakarta6").await);
    let now = backend::now();
    let input = rekam_input("199109112010111001", "KPA PSIE I", "081234567890", "KUASA PENGGUNA ANGGARAN");
    let id = pejabat::rekam(&pool, &admin, &input, now).await.unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n".to_vec();
    let b = berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "b.pdf", &pdf, now).await.unwrap();
    berkas::ajukan(&pool, &admin, now).await.unwrap();
    berkas::putuskan(&pool, &cso, b.id, [true; 5], &Keputusan::Terima, now).await.unwrap();
    let key = otp::OtpKey::new(b"kunci-uji-gangguan-yang-cukup-panjang-123".to_vec());
    backend::jadwal::langsung(&pool, &cso, id, domain::upacara::DEFAULT_TOLERANSI, now).await.unwrap();
    otp::request(&pool, &key, &kpa, id, domain::otp::Purpose::Aktivasi, now).await.unwrap();
    let body: String =
        sqlx::query_scalar("SELECT body FROM sms_outbox WHERE otp_code_id IS NOT NULL").fetch_one(&pool).await.unwrap();
    let end = body.find(". Kode berlaku").unwrap();
    let dicentang = domain::upacara::Butir::untuk(domain::jadwal::Mode::Kppn).to_vec();
    let ceklis = domain::upacara::CeklisInput { dicentang, kuasa: None };
    otp::submit(&pool, &key, &cso, id, domain::otp::Purpose::Aktivasi, &body[end - 6..end], Some(&ceklis), now)
        .await
        .unwrap();
    let snapshot = |pool: sqlx::PgPool| async move {
        let pejabat: Vec<(String, String)> =
            sqlx::query_as("SELECT nama, status FROM pejabat ORDER BY id").fetch_all(&pool).await.unwrap();
        let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&pool).await.unwrap();
        let berkas: Vec<(String, bool)> = sqlx::query_as("SELECT status, sha256 = sha256(isi) FROM berkas ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        (pejabat, audit, berkas)
    };
    let before = snapshot(pool.clone()).await;
    assert!(before.0.iter().any(|(_, s)| s == "AKTIF"));
    pool.close().await;

    let dir = std::env::temp_dir().join(format!("sakti-cadangan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site")).unwrap();
    let file = dir.join("sakti.dump");
    let command = |args: &[&str], url: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATABASE_URL", url)
            .env("SAKTI_DEMO", "1")
            .env("SAKTI_DATA_DIR", &dir)
            .envs(crate::common::KUNCI_ENV)
            .env("LEPTOS_OUTPUT_NAME", "aktivasi-otp-sakti")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:3000")
            .output()
            .unwrap()
    };
    let out = command(&["backup", &file.to_string_lossy()], &source);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata(&file).unwrap().len() > 0);
    // the copy goes into a new database on the same server
    let target_name = "sakti_cadangan_pulih";
    let admin_pool = backend::sistem::db::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {target_name} WITH (FORCE)")).execute(&admin_pool).await.unwrap();
    let out = command(&["restore", &file.to_string_lossy(), target_name], &source);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let target = format!("{}/{target_name}", admin_url.rsplit_once('/').unwrap().0);
    let copy = backend::sistem::db::connect(&target).await.unwrap();
    let after = snapshot(copy.clone()).await;
    assert_eq!(after, before, "the copy holds what the original held");
    assert!(after.2.iter().all(|(_, same)| *same), "every bundle's checksum matches its content");
    copy.close().await;
    let out = command(&["audit", "verify"], &target);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // a server runs on the copy: ready, and the KPA signs in and sees itself
    let port = crate::common::free_port();
    let mut instance = spawn(Some(&target), &dir, port, &dir.join("server.log")).await;
    // ready once each worker finished its first round (the probe says so until then), as a
    // load balancer waits for it: on a busy machine that can come after `/login` answers
    let started = Instant::now();
    let ready = loop {
        let ready = client().get(format!("http://127.0.0.1:{port}/readyz")).send().await.unwrap();
        if ready.status().as_u16() == 200 || started.elapsed() > Duration::from_secs(30) {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(ready.status().as_u16(), 200, "{}", ready.text().await.unwrap_or_default());
    let cookie = pejabat_login(port, "apr_kpa561403").await;
    let (status, who) = call(port, "auth_whoami", "", &cookie).await;
    assert_eq!(status, 200);
    assert!(who.contains("apr_kpa561403"), "{who}");
    terminate(&mut instance, "-TERM").await;
    let _ = std::fs::remove_dir_all(&dir);
}
