//! The load generator of issue 6, point 3. `bench/load.sh` prepares the data and the server;
//! this program runs two phases against it, each with `CLIENTS` concurrent clients for `SECS`
//! seconds, and prints throughput and latency:
//!
//! - `pairs`: every client is a PPK logged in once, owning its own references in status
//!   BARU; it requests a phone-verification code, reads the SMS the way the phone would
//!   (from the simulator, or the outbox before delivery), and submits the code.
//! - `table`: every client is the demo satker's Admin Lokal and loads `/pejabat`.
//!
//! Any answer other than 200 is an error: the run prints a sample and exits non-zero.
//!
//! A third phase, `ha`, is the high-availability fault test of `scripts/ha.sh` (see `ha.rs`);
//! `pantau` times the progress board at national scale (`bench/pantau.sh`, see `pantau.rs`).

use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

mod ha;
mod pantau;

struct Config {
    base: String,
    clients: usize,
    secs: u64,
}

/// What one client measured: latencies in microseconds per kind of request, and errors.
#[derive(Default)]
struct Tally {
    request_us: Vec<u64>,
    submit_us: Vec<u64>,
    page_us: Vec<u64>,
    pairs: u64,
    errors: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.request_us.extend(other.request_us);
        self.submit_us.extend(other.submit_us);
        self.page_us.extend(other.page_us);
        self.pairs += other.pairs;
        self.errors.extend(other.errors);
    }
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() {
    let config = Config {
        base: env("BASE_URL", "http://127.0.0.1:3935"),
        clients: env("CLIENTS", "64").parse().expect("CLIENTS is a number"),
        secs: env("SECS", "30").parse().expect("SECS is a number"),
    };
    let phase = std::env::args().nth(1).unwrap_or_default();
    let db = PgPoolOptions::new()
        .max_connections(8)
        .connect(&std::env::var("DATABASE_URL").expect("DATABASE_URL"))
        .await
        .expect("database");
    let http = reqwest::Client::builder().pool_max_idle_per_host(config.clients).build().expect("HTTP client");
    if phase == "pantau" {
        pantau::run(&db).await;
        return;
    }
    // `load cookie USERNAME`: a signed-in session's cookie, for the bench's curl and Lighthouse
    if phase == "cookie" {
        let username = std::env::args().nth(2).expect("usage: load cookie USERNAME");
        println!("{}", login(&http, &db, &config.base, &username).await);
        return;
    }
    if phase == "ha" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        let faults = ha::faults(&args).unwrap_or_else(|e| {
            eprintln!("usage: load ha [SECONDS LABEL COMMAND]...   ({e})");
            std::process::exit(2);
        });
        let ha = ha::HaConfig {
            base: config.base.clone(),
            database_url: std::env::var("DATABASE_URL").expect("DATABASE_URL"),
            clients: config.clients,
            readers: env("READERS", "2").parse().expect("READERS is a number"),
            secs: config.secs,
        };
        let good = ha::run(ha, &http, &db, faults).await;
        std::process::exit(if good { 0 } else { 1 });
    }
    let tally = match phase.as_str() {
        "pairs" => pairs(&config, &http, &db).await,
        "table" => table(&config, &http, &db).await,
        _ => {
            eprintln!(
                "usage: load pairs|table|ha|pantau|cookie USERNAME   (env BASE_URL, DATABASE_URL, CLIENTS, SECS; READERS for ha)"
            );
            std::process::exit(2);
        }
    };
    let secs = config.secs as f64;
    if phase == "pairs" {
        println!(
            "pairs: {} clients, {} s: {} pairs = {:.1} pairs/s ({:.1} requests/s)",
            config.clients,
            config.secs,
            tally.pairs,
            tally.pairs as f64 / secs,
            (tally.request_us.len() + tally.submit_us.len()) as f64 / secs
        );
        print_latency("  request OTP", &mut tally.request_us.clone());
        print_latency("  verify OTP ", &mut tally.submit_us.clone());
    } else {
        println!(
            "table: {} clients, {} s: {} pages = {:.1} pages/s",
            config.clients,
            config.secs,
            tally.page_us.len(),
            tally.page_us.len() as f64 / secs
        );
        print_latency("  GET /pejabat", &mut tally.page_us.clone());
    }
    if !tally.errors.is_empty() {
        println!("  ERRORS: {}", tally.errors.len());
        for e in tally.errors.iter().take(5) {
            println!("    {e}");
        }
        std::process::exit(1);
    }
    println!("  errors: 0");
}

fn print_latency(label: &str, us: &mut [u64]) {
    if us.is_empty() {
        println!("{label}: no requests");
        return;
    }
    us.sort_unstable();
    let at = |q: f64| us[((us.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    println!("{label}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", at(0.5), at(0.99), at(1.0));
}

/// Logs in and returns the session cookie (`name=value`). Staff (the Admin Lokal, the CSO, …)
/// then pass their second factor as a person would: the demo's authenticator app's code of a
/// time step the server has not seen yet (a code is good once), posted to `masuk_kode`.
async fn login(http: &reqwest::Client, db: &PgPool, base: &str, username: &str) -> String {
    let res = http
        .post(format!("{base}/api/auth_login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={username}&password=Sakti%232026"))
        .send()
        .await
        .expect("login request");
    assert!(res.status().is_success(), "login {username}: {}", res.status());
    let cookie = session_cookie(&res, username);
    if !backend::provisi::demo::staff().any(|u| u == username) {
        return cookie;
    }
    let code = totp_code(db, username).await;
    let res = http
        .post(format!("{base}/api/masuk_kode"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .body(format!("kode={code}"))
        .send()
        .await
        .expect("second-factor request");
    assert!(res.status().is_success(), "second factor {username}: {}", res.status());
    session_cookie(&res, username)
}

fn session_cookie(res: &reqwest::Response, username: &str) -> String {
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sakti_sesi="))
        .unwrap_or_else(|| panic!("login {username}: no session cookie"));
    cookie.split(';').next().unwrap_or_default().to_owned()
}

/// A code of `username`'s demo authenticator app the server has not seen yet, waiting for one
/// if need be (`backend::provisi::demo::kode_authenticator`).
async fn totp_code(db: &PgPool, username: &str) -> String {
    loop {
        let code = backend::provisi::demo::kode_authenticator(db, username, chrono::Utc::now()).await;
        if let Some(code) = code.expect("the demo user's authenticator") {
            return code;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// One timed POST of a server function; `Err` holds a description of a non-200 answer.
async fn call(http: &reqwest::Client, base: &str, cookie: &str, endpoint: &str, form: String) -> Result<u64, String> {
    let start = Instant::now();
    let res = http
        .post(format!("{base}/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(form)
        .send()
        .await
        .map_err(|e| format!("{endpoint}: {e}"))?;
    let status = res.status();
    let body = res.text().await.map_err(|e| format!("{endpoint}: {e}"))?;
    let took = start.elapsed().as_micros() as u64;
    if status.is_success() { Ok(took) } else { Err(format!("{endpoint}: {status} {body}")) }
}

/// The code of the newest SMS for reference `pejabat_id`, as its phone would read it: the
/// outbox's text until the relay delivers it (then redacted), the phone simulator's after.
/// By the code's reference, through indexes: a phone costs the database nothing, and the
/// bench's own reads must not either (by phone number it was a sequential scan of the
/// outbox, 7.5 ms of the database's CPU per pair, as much as the rest of the pair's excess).
async fn read_code(db: &PgPool, pejabat_id: i64) -> Option<String> {
    for _ in 0..500 {
        let body: Option<String> = sqlx::query_scalar(
            "SELECT coalesce(s.body, o.body) FROM otp_code c JOIN sms_outbox o ON o.otp_code_id = c.id
             LEFT JOIN sms_simulator s ON s.outbox_id = o.id
             WHERE c.pejabat_id = $1 ORDER BY c.id DESC LIMIT 1",
        )
        .bind(pejabat_id)
        .fetch_optional(db)
        .await
        .ok()?;
        if let Some(code) = body.as_deref().and_then(|b| b.split("Anda: ").nth(1)).map(|r| r.chars().take(6).collect())
        {
            return Some(code);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// `clients` PPK of `bench/load.sql` logged in, each with its session cookie and its references
/// in status BARU (id, phone).
async fn pair_clients(
    clients: usize,
    base: &str,
    http: &reqwest::Client,
    db: &PgPool,
) -> Vec<(String, Vec<(i64, String)>)> {
    let mut all = Vec::new();
    for i in 0..clients {
        let username = format!("val_load_{i}");
        let cookie = login(http, db, base, &username).await;
        let refs: Vec<(i64, String)> = sqlx::query_as(
            "SELECT p.id, p.no_hp FROM pejabat p JOIN app_user u ON u.id = p.user_id
             WHERE u.username = $1 AND p.status = 'BARU' ORDER BY p.id",
        )
        .bind(&username)
        .fetch_all(db)
        .await
        .expect("load references");
        assert!(!refs.is_empty(), "{username} has no reference in status BARU: run bench/load.sql first");
        all.push((cookie, refs));
    }
    all
}

async fn pairs(config: &Config, http: &reqwest::Client, db: &PgPool) -> Tally {
    let clients = pair_clients(config.clients, &config.base, http, db).await;
    let deadline = Instant::now() + Duration::from_secs(config.secs);
    let mut tasks = Vec::new();
    for (cookie, refs) in clients {
        let (http, db, base) = (http.clone(), db.clone(), config.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            for (id, phone) in refs {
                if Instant::now() >= deadline {
                    break;
                }
                let form = format!("pejabat_id={id}&purpose=VerifikasiHp");
                match call(&http, &base, &cookie, "otp_request", form).await {
                    Ok(us) => tally.request_us.push(us),
                    Err(e) => {
                        tally.errors.push(e);
                        continue;
                    }
                }
                let Some(code) = read_code(&db, id).await else {
                    tally.errors.push(format!("no SMS reached {phone} within 5 s"));
                    continue;
                };
                let form = format!("pejabat_id={id}&purpose=VerifikasiHp&code={code}");
                match call(&http, &base, &cookie, "otp_submit", form).await {
                    Ok(us) => {
                        tally.submit_us.push(us);
                        tally.pairs += 1;
                    }
                    Err(e) => tally.errors.push(e),
                }
            }
            if Instant::now() < deadline {
                tally.errors.push("a client ran out of references before the end: load more".into());
            }
            tally
        }));
    }
    collect(tasks).await
}

async fn table(config: &Config, http: &reqwest::Client, db: &PgPool) -> Tally {
    // one sign-in, its session shared: the Admin Lokal on several tabs
    let cookie = login(http, db, &config.base, "adm_561403").await;
    let cookies = vec![cookie; config.clients];
    let deadline = Instant::now() + Duration::from_secs(config.secs);
    let mut tasks = Vec::new();
    for cookie in cookies {
        let (http, base) = (http.clone(), config.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let start = Instant::now();
                let res = http.get(format!("{base}/pejabat")).header("cookie", &cookie).send().await;
                let outcome = match res {
                    Ok(res) if res.status().is_success() => match res.text().await {
                        // the server-rendered table holds the demo satker's Kepala Kantor
                        Ok(body) if body.contains("Maulana Malik Ibrahim") => Ok(()),
                        Ok(_) => Err("GET /pejabat: 200 without the table's rows".to_owned()),
                        Err(e) => Err(format!("GET /pejabat: {e}")),
                    },
                    Ok(res) => Err(format!("GET /pejabat: {}", res.status())),
                    Err(e) => Err(format!("GET /pejabat: {e}")),
                };
                match outcome {
                    Ok(()) => tally.page_us.push(start.elapsed().as_micros() as u64),
                    Err(e) => tally.errors.push(e),
                }
            }
            tally
        }));
    }
    collect(tasks).await
}

async fn collect(tasks: Vec<tokio::task::JoinHandle<Tally>>) -> Tally {
    let mut all = Tally::default();
    for task in tasks {
        all.merge(task.await.expect("client task"));
    }
    all
}
