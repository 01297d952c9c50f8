//! Issue 16, point 6: the fault test that `scripts/ha.sh` runs through HAProxy.
//!
//! For `SECS` seconds, `CLIENTS` clients run OTP request+verify pairs (as in `pairs`),
//! `READERS` clients read `/pejabat`, and one client holds the live-update stream
//! (`/api/events`) of a load satker open, reconnecting as a browser's EventSource does. At the
//! given seconds the faults' shell commands run (kill an app instance, crash the primary and
//! promote the standby). No error stops a client: every answer is recorded with its time.
//!
//! Printed per fault: requests failed from the fault until the next one (or the end), when the
//! last of them failed, and the seconds from the fault until the first success after that
//! last failure (the service back for good). Then: every reference whose code the server
//! acknowledged as verified must have left status BARU in the database afterwards, and live
//! updates must have arrived after the last fault. Exits non-zero when something acknowledged
//! is lost, when a request failed before the first fault, or when live updates stopped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::{call, login, pair_clients, read_code};

/// A fault: when it starts (seconds into the run), what it is, the command that causes it.
pub struct Fault {
    pub at: f64,
    pub label: String,
    pub command: String,
}

/// Parses `AT LABEL COMMAND` triples.
pub fn faults(args: &[String]) -> Result<Vec<Fault>, String> {
    if !args.len().is_multiple_of(3) {
        return Err("faults come as triples: SECONDS LABEL COMMAND".into());
    }
    let mut faults = Vec::new();
    for t in args.chunks(3) {
        let at = t[0].parse().map_err(|_| format!("{:?} is not a number of seconds", t[0]))?;
        faults.push(Fault { at, label: t[1].clone(), command: t[2].clone() });
    }
    faults.sort_by(|a, b| a.at.total_cmp(&b.at));
    Ok(faults)
}

/// One answer: seconds into the run, and whether it succeeded.
#[derive(Clone, Copy)]
struct Outcome {
    at: f64,
    ok: bool,
}

#[derive(Default)]
struct Record {
    outcomes: Vec<Outcome>,
    /// References whose code the server acknowledged as verified.
    acknowledged: Vec<i64>,
    /// Live-update events received, seconds into the run.
    events: Vec<f64>,
    errors: Vec<String>,
}

type Shared = Arc<Mutex<Record>>;

fn note(record: &Shared, start: Instant, result: Result<(), String>) {
    let at = start.elapsed().as_secs_f64();
    let mut r = record.lock().expect("record");
    if let Err(e) = &result
        && r.errors.len() < 2000
    {
        r.errors.push(format!("{at:6.2} s  {e}"));
    }
    r.outcomes.push(Outcome { at, ok: result.is_ok() });
}

pub struct HaConfig {
    pub base: String,
    pub database_url: String,
    pub clients: usize,
    pub readers: usize,
    pub secs: u64,
}

pub async fn run(config: HaConfig, http: &reqwest::Client, db: &PgPool, faults: Vec<Fault>) -> bool {
    let record: Shared = Arc::default();
    let sessions = pair_clients(config.clients, &config.base, http, db).await;
    // a satker's PPK reads its own table (staff would need their second factor to sign in)
    let reader_cookie = login(http, db, &config.base, "val_load_0").await;
    // val_load_0's satker changes with every pair its client verifies
    let stream_cookie = login(http, db, &config.base, "val_load_0").await;

    let start = Instant::now();
    let deadline = start + Duration::from_secs(config.secs);
    let mut tasks = Vec::new();
    for (cookie, refs) in sessions {
        let (http, db, base, record) = (http.clone(), db.clone(), config.base.clone(), record.clone());
        tasks.push(tokio::spawn(async move {
            for (id, phone) in refs {
                if Instant::now() >= deadline {
                    break;
                }
                let form = format!("pejabat_id={id}&purpose=VerifikasiHp");
                let asked = call(&http, &base, &cookie, "otp_request", form).await.map(drop);
                let failed = asked.is_err();
                note(&record, start, asked);
                if failed {
                    // as a person would: try again a moment later (with the next reference)
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                let Some(code) = read_code(&db, id).await else {
                    note(&record, start, Err(format!("no SMS reached {phone} within 5 s")));
                    continue;
                };
                let form = format!("pejabat_id={id}&purpose=VerifikasiHp&code={code}");
                let verified = call(&http, &base, &cookie, "otp_submit", form).await.map(drop);
                if verified.is_ok() {
                    record.lock().expect("record").acknowledged.push(id);
                } else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                note(&record, start, verified);
            }
        }));
    }
    for _ in 0..config.readers {
        let (http, base, cookie, record) = (http.clone(), config.base.clone(), reader_cookie.clone(), record.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let read = page(&http, &base, &cookie).await;
                let failed = read.is_err();
                note(&record, start, read);
                if failed {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }));
    }
    {
        let (http, base, record) = (http.clone(), config.base.clone(), record.clone());
        tasks.push(tokio::spawn(async move { stream(&http, &base, &stream_cookie, &record, start, deadline).await }));
    }
    let mut started = Vec::new();
    for fault in &faults {
        tokio::time::sleep_until((start + Duration::from_secs_f64(fault.at)).into()).await;
        let at = start.elapsed().as_secs_f64();
        let out = tokio::process::Command::new("sh").arg("-c").arg(&fault.command).output().await;
        let took = start.elapsed().as_secs_f64() - at;
        match out {
            Ok(out) if out.status.success() => println!("{at:6.2} s  fault: {} ({took:.1} s)", fault.label),
            Ok(out) => {
                println!(
                    "{at:6.2} s  fault command failed: {} — {}",
                    fault.command,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                return false;
            }
            Err(e) => {
                println!("fault command {}: {e}", fault.command);
                return false;
            }
        }
        started.push(at);
    }
    for task in tasks {
        task.await.expect("client task");
    }
    let record = Arc::try_unwrap(record).map_err(|_| ()).expect("tasks done").into_inner().expect("record");
    report(&config, &faults, &started, &record).await
}

async fn page(http: &reqwest::Client, base: &str, cookie: &str) -> Result<(), String> {
    let res = http.get(format!("{base}/pejabat")).header("cookie", cookie).send().await;
    match res {
        Ok(res) if res.status().is_success() => match res.text().await {
            Ok(body) if body.contains("PPK Beban 0-") => Ok(()),
            Ok(_) => Err("GET /pejabat: 200 without the table's rows".to_owned()),
            Err(e) => Err(format!("GET /pejabat: {e}")),
        },
        Ok(res) => Err(format!("GET /pejabat: {}", res.status())),
        Err(e) => Err(format!("GET /pejabat: {e}")),
    }
}

/// Holds `/api/events` open until `deadline`, recording each event; reconnects a second after
/// the stream ends or fails, as a browser's EventSource does.
async fn stream(http: &reqwest::Client, base: &str, cookie: &str, record: &Shared, start: Instant, deadline: Instant) {
    while Instant::now() < deadline {
        let res = http.get(format!("{base}/api/events")).header("cookie", cookie).send().await;
        if let Ok(mut res) = res.and_then(|r| r.error_for_status()) {
            loop {
                let chunk = tokio::time::timeout_at(deadline.into(), res.chunk()).await;
                let Ok(Ok(Some(bytes))) = chunk else { break };
                let events = String::from_utf8_lossy(&bytes).lines().filter(|l| l.starts_with("data:")).count();
                let at = start.elapsed().as_secs_f64();
                record.lock().expect("record").events.extend(std::iter::repeat_n(at, events));
            }
        }
        tokio::time::sleep_until((Instant::now() + Duration::from_secs(1)).min(deadline).into()).await;
    }
}

async fn report(config: &HaConfig, faults: &[Fault], started: &[f64], record: &Record) -> bool {
    let mut good = true;
    let oks = record.outcomes.iter().filter(|o| o.ok).count();
    println!(
        "ha: {} pair clients + {} page readers + 1 live stream, {} s: {} requests, {} failed, {} activations acknowledged",
        config.clients,
        config.readers,
        config.secs,
        record.outcomes.len(),
        record.outcomes.len() - oks,
        record.acknowledged.len()
    );
    let first_fault = started.first().copied().unwrap_or(f64::MAX);
    let before = record.outcomes.iter().filter(|o| !o.ok && o.at < first_fault).count();
    let events = record.events.iter().filter(|&&e| e < first_fault).count();
    println!("  before the first fault: {before} requests failed; {events} live updates");
    if before > 0 {
        good = false;
    }
    for (i, (fault, &at)) in faults.iter().zip(started).enumerate() {
        let until = started.get(i + 1).copied().unwrap_or(f64::MAX);
        let window: Vec<Outcome> = record.outcomes.iter().copied().filter(|o| o.at >= at && o.at < until).collect();
        let failed: Vec<f64> = window.iter().filter(|o| !o.ok).map(|o| o.at).collect();
        let last_failure = failed.iter().copied().fold(at, f64::max);
        let back = window.iter().find(|o| o.ok && o.at >= last_failure).map(|o| o.at - at);
        let events = record.events.iter().filter(|&&e| e >= at && e < until).count();
        match back {
            Some(back) if failed.is_empty() => {
                println!(
                    "  {}: 0 requests failed; served throughout ({back:.2} s to the first success); {events} live updates",
                    fault.label
                )
            }
            Some(back) => println!(
                "  {}: {} requests failed, the last {:.2} s after the fault; {back:.2} s until the first success after it; {events} live updates",
                fault.label,
                failed.len(),
                last_failure - at
            ),
            None => {
                println!("  {}: {} requests failed and none succeeded afterwards", fault.label, failed.len());
                good = false;
            }
        }
    }
    let after_last = started.last().copied().unwrap_or(0.0);
    let late_events = record.events.iter().filter(|&&e| e >= after_last).count();
    if late_events == 0 {
        println!("  no live update arrived after the last fault");
        good = false;
    }
    // nothing acknowledged is lost: read back from the database that survived
    let db = connect_again(&config.database_url).await;
    let lost: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM pejabat WHERE id = ANY($1) AND status = 'BARU' ORDER BY id")
            .bind(&record.acknowledged)
            .fetch_all(&db)
            .await
            .expect("read back the acknowledged activations");
    println!(
        "  acknowledged activations present afterwards: {} of {} ({} lost)",
        record.acknowledged.len() - lost.len(),
        record.acknowledged.len(),
        lost.len()
    );
    if !lost.is_empty() {
        println!("  LOST: {lost:?}");
        good = false;
    }
    if !good {
        println!("  failures, first 20:");
        for e in record.errors.iter().take(20) {
            println!("    {e}");
        }
    }
    good
}

/// A new pool on `url`, retried for up to 30 s (the database may still be failing over).
async fn connect_again(url: &str) -> PgPool {
    for _ in 0..60 {
        if let Ok(pool) = PgPoolOptions::new().max_connections(1).connect(url).await {
            return pool;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the database did not come back within 30 s");
}
