//! Delivery: the worker claims due messages (`SKIP LOCKED`, so several instances may run),
//! hands each to the gateways in order, skipping one that failed for [`BREAKER_SECS`], retries
//! up to [`MAX_ATTEMPTS`] and never delivers a code SMS after its code expired.

use super::gateway::{Gateway, HttpGateway, OutMessage};
use super::simulator::Simulator;
use crate::error::Result;
use crate::kirim::pekerja::{Heartbeat, WORKER_BATCH, backoff, run_rounds};
use chrono::{DateTime, Duration, Utc};
use domain::sms::StatusKirim;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Mutex;

/// A gateway that failed is skipped this long (LinOTP's failover does the same).
pub const BREAKER_SECS: i64 = 30;
/// Tries of one notice at most (about seven minutes with the backoff); then it is `GAGAL`.
/// A code SMS gets one round through the gateways that are not skipped: its code lives two
/// minutes, and the pejabat is better told "gagal" at once and asks again.
pub const MAX_ATTEMPTS: i32 = 12;

/// The ordered gateways and, for each, until when it is skipped after a failure.
pub struct Relay<G> {
    gateways: Vec<(String, G)>,
    skipped_until: Mutex<Vec<Option<DateTime<Utc>>>>,
}

/// One round of a message through the relay.
#[derive(Debug, PartialEq, Eq)]
enum Round {
    /// Accepted by the named gateway.
    Sent(String),
    /// Tried `tries` gateways, all failed (the last error).
    Failed { tries: i32, error: String },
    /// Every gateway is being skipped until the time given: nothing tried.
    AllSkipped(DateTime<Utc>),
}

impl<G: Gateway> Relay<G> {
    /// Gateways in the order they are tried, each with a name for the outbox and the logs.
    pub fn new(gateways: Vec<(String, G)>) -> Self {
        let skipped_until = Mutex::new(vec![None; gateways.len()]);
        Relay { gateways, skipped_until }
    }

    /// A relay of one gateway.
    pub fn one(name: &str, gateway: G) -> Self {
        Relay::new(vec![(name.to_owned(), gateway)])
    }

    pub fn names(&self) -> Vec<&str> {
        self.gateways.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn skipped(&self, i: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.skipped_until.lock().map_or(None, |s| s[i].filter(|until| *until > now))
    }

    fn skip(&self, i: usize, until: Option<DateTime<Utc>>) {
        if let Ok(mut s) = self.skipped_until.lock() {
            s[i] = until;
        }
    }

    /// Offers `msg` to each gateway in order that is not being skipped, until one accepts;
    /// a gateway that fails is skipped for [`BREAKER_SECS`].
    async fn round(&self, msg: &OutMessage, now: DateTime<Utc>) -> Round {
        let mut tries = 0;
        let mut error = String::new();
        let mut earliest: Option<DateTime<Utc>> = None;
        for (i, (name, gateway)) in self.gateways.iter().enumerate() {
            if let Some(until) = self.skipped(i, now) {
                earliest = Some(earliest.map_or(until, |e| e.min(until)));
                continue;
            }
            tries += 1;
            match gateway.send(msg).await {
                Ok(()) => {
                    self.skip(i, None);
                    return Round::Sent(name.clone());
                }
                Err(e) => {
                    metrics::counter!("sakti_sms_gateway_failures_total", "gateway" => name.clone()).increment(1);
                    if gateway.remote() {
                        tracing::warn!(sms = msg.id, gateway = %name, "gateway SMS gagal, dilewati {BREAKER_SECS} detik: {e}");
                        self.skip(i, Some(now + Duration::seconds(BREAKER_SECS)));
                    } else {
                        tracing::warn!(sms = msg.id, gateway = %name, "gateway SMS gagal: {e}");
                    }
                    error = format!("{name}: {e}");
                }
            }
        }
        match (tries, earliest) {
            (0, Some(until)) => Round::AllSkipped(until),
            _ => Round::Failed { tries, error },
        }
    }
}

/// A due message as claimed.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    phone: String,
    body: String,
    attempts: i32,
    otp_code_id: Option<i64>,
    expires_at: Option<DateTime<Utc>>,
}

/// Moves message `id` to `state` (redacting its text: it left or was given up, with `error`
/// kept as the reason), and tells the open pages of its code's satker.
#[allow(clippy::too_many_arguments)]
async fn settle(
    tx: &mut sqlx::PgConnection,
    due: &Due,
    state: StatusKirim,
    gateway: Option<&str>,
    tries: i32,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE sms_outbox SET state = $2, gateway = $3, attempts = attempts + $4, body = body_redacted,
                delivered_at = CASE WHEN $2 = 'TERKIRIM' THEN $5 ELSE delivered_at END,
                last_error = COALESCE($6, last_error)
         WHERE id = $1",
    )
    .bind(due.id)
    .bind(state.code())
    .bind(gateway)
    .bind(tries)
    .bind(now)
    .bind(error.map(|e| e.chars().take(500).collect::<String>()))
    .execute(&mut *tx)
    .await?;
    if let Some(code_id) = due.otp_code_id {
        crate::sistem::events::notify_code(&mut *tx, code_id).await?;
    }
    metrics::counter!("sakti_sms_total", "state" => state.code()).increment(1);
    Ok(())
}

/// Delivers up to `batch` due messages once. Returns how many were delivered.
pub async fn deliver_due(pool: &PgPool, relay: &Relay<impl Gateway>, now: DateTime<Utc>, batch: i64) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT id, phone, body, attempts, otp_code_id, expires_at FROM sms_outbox
         WHERE state = 'ANTRE' AND next_attempt_at <= $1
         ORDER BY id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut delivered = 0;
    for due in due {
        if due.expires_at.is_some_and(|e| now >= e) {
            settle(&mut tx, &due, StatusKirim::Kedaluwarsa, None, 0, None, now).await?;
            continue;
        }
        let msg = OutMessage { id: due.id, phone: due.phone.clone(), body: due.body.clone() };
        match relay.round(&msg, now).await {
            Round::Sent(gateway) => {
                settle(&mut tx, &due, StatusKirim::Terkirim, Some(&gateway), 1, None, now).await?;
                delivered += 1;
            }
            // a code is told "gagal" at once; a notice is retried until the cap
            Round::Failed { tries, error } if due.otp_code_id.is_some() || due.attempts + tries >= MAX_ATTEMPTS => {
                tracing::warn!(
                    sms = due.id,
                    attempts = due.attempts + tries,
                    "SMS tidak terkirim, dihentikan: {error}"
                );
                settle(&mut tx, &due, StatusKirim::Gagal, None, tries, Some(&error), now).await?;
            }
            Round::Failed { tries, error } => {
                sqlx::query(
                    "UPDATE sms_outbox SET attempts = attempts + $2, next_attempt_at = $3, last_error = $4 WHERE id = $1",
                )
                .bind(due.id)
                .bind(tries)
                .bind(now + backoff(due.attempts + tries))
                .bind(error.chars().take(500).collect::<String>())
                .execute(&mut *tx)
                .await?;
            }
            Round::AllSkipped(_) if due.otp_code_id.is_some() => {
                let error = Some("semua gateway sedang dilewati");
                settle(&mut tx, &due, StatusKirim::Gagal, None, 0, error, now).await?;
            }
            Round::AllSkipped(until) => {
                sqlx::query("UPDATE sms_outbox SET next_attempt_at = $2 WHERE id = $1")
                    .bind(due.id)
                    .bind(until)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(delivered)
}

/// Delivers due messages every `interval` until `stop` resolves.
pub async fn run_worker(
    pool: PgPool,
    relay: Relay<impl Gateway>,
    interval: std::time::Duration,
    stop: impl Future<Output = ()> + Send,
    beat: Heartbeat,
) {
    let round = || deliver_due(&pool, &relay, Utc::now(), WORKER_BATCH);
    run_rounds("SMS", interval, stop, round, beat).await;
}

/// The gateway the server runs with: the simulator unless an HTTP gateway is configured.
#[derive(Clone)]
pub enum AnyGateway {
    Simulator(Simulator),
    Http(HttpGateway),
}

impl Gateway for AnyGateway {
    async fn send(&self, msg: &OutMessage) -> std::result::Result<(), String> {
        match self {
            AnyGateway::Simulator(g) => g.send(msg).await,
            AnyGateway::Http(g) => g.send(msg).await,
        }
    }

    fn remote(&self) -> bool {
        match self {
            AnyGateway::Simulator(g) => g.remote(),
            AnyGateway::Http(g) => g.remote(),
        }
    }
}
