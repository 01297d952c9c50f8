//! SMS: the outbox written in the same transaction as the change that causes a message,
//! and the worker that delivers it through an ordered list of gateways, skipping one that
//! failed for [`BREAKER_SECS`], with capped retries, so none is lost and none is late: a code
//! SMS is never delivered after its code expired. Every message has a delivery state
//! (antre → terkirim → diterima HP, or gagal / kedaluwarsa) that the OTP dialog and the CSO
//! console show. Several server instances may run workers: rows are claimed with `SKIP LOCKED`.

use crate::error::Result;
use crate::pesan::pekerja::{Heartbeat, WORKER_BATCH, backoff, run_rounds};
use chrono::{DateTime, Duration, Utc};
use domain::sms::StatusKirim;
use sqlx::{PgExecutor, PgPool};
use std::future::Future;
use std::sync::Mutex;

/// A gateway that failed is skipped this long (LinOTP's failover does the same).
pub const BREAKER_SECS: i64 = 30;
/// Tries of one notice at most (about seven minutes with the backoff); then it is `GAGAL`.
/// A code SMS gets one round through the gateways that are not skipped: its code lives two
/// minutes, and the pejabat is better told "gagal" at once and asks again.
pub const MAX_ATTEMPTS: i32 = 12;

/// Writes a message to the outbox. `redacted` is the text with any code masked; it
/// replaces the text once the message left or was given up.
pub async fn enqueue<'e>(exec: impl PgExecutor<'e>, phone: &str, body: &str, redacted: &str) -> Result<()> {
    sqlx::query("INSERT INTO sms_outbox (phone, body, body_redacted) VALUES ($1, $2, $3)")
        .bind(phone)
        .bind(body)
        .bind(redacted)
        .execute(exec)
        .await?;
    metrics::counter!("sakti_sms_queued_total", "kind" => "pemberitahuan").increment(1);
    Ok(())
}

/// Writes the SMS of code `code_id` to the outbox: it counts in the number's and the
/// country's budgets from `now`, and is never delivered from `expires_at` on.
pub(crate) async fn enqueue_code<'e>(
    exec: impl PgExecutor<'e>,
    phone: &str,
    body: &str,
    redacted: &str,
    code_id: i64,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sms_outbox (phone, body, body_redacted, otp_code_id, expires_at, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(phone)
    .bind(body)
    .bind(redacted)
    .bind(code_id)
    .bind(expires_at)
    .bind(now)
    .execute(exec)
    .await?;
    metrics::counter!("sakti_sms_queued_total", "kind" => "kode").increment(1);
    Ok(())
}

/// Tells user `user_id` about its own account (a lock, a factor reset): `text` by SMS to its
/// verified number — the number of an `AKTIF` OTP reference of its own — and by email to its
/// address on record, each when it has one (staff usually have an email, not a number).
pub(crate) async fn enqueue_to_user(conn: &mut sqlx::PgConnection, user_id: domain::UserId, text: &str) -> Result<()> {
    let phone: Option<String> = sqlx::query_scalar(
        "SELECT no_hp FROM pejabat WHERE user_id = $1 AND status = 'AKTIF' AND deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(phone) = phone {
        enqueue(&mut *conn, &phone, text, text).await?;
    }
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if let Some(to) = email {
        let now = crate::now();
        crate::pesan::email::enqueue(
            &mut *conn,
            &crate::pesan::email::Surat::notice(&to, domain::surel::akun(text), now),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Tells pejabat reference `pejabat_id` something about its OTP number: `text` by SMS to
/// `phone` (the number concerned) and, in the same words, by email (`subjek`) to the
/// reference's email on record.
pub(crate) async fn enqueue_to_pejabat(
    conn: &mut sqlx::PgConnection,
    pejabat_id: domain::PejabatId,
    phone: &str,
    text: &str,
    isi: fn(&str) -> domain::surel::Isi,
    now: DateTime<Utc>,
) -> Result<()> {
    enqueue(&mut *conn, phone, text, text).await?;
    let email: String =
        sqlx::query_scalar("SELECT email FROM pejabat WHERE id = $1").bind(pejabat_id).fetch_one(&mut *conn).await?;
    crate::pesan::email::enqueue(&mut *conn, &crate::pesan::email::Surat::notice(&email, isi(text), now), now).await
}

/// How a notice names KPPN `kode`: its name and, when recorded, its telephone.
pub(crate) async fn kontak_kppn(conn: &mut sqlx::PgConnection, kode: &str) -> Result<String> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT nama, telepon FROM kppn WHERE kode = $1").bind(kode).fetch_optional(&mut *conn).await?;
    Ok(row
        .map_or_else(|| "KPPN mitra satker".to_string(), |(nama, tel)| domain::sms::kontak_kppn(&nama, tel.as_deref())))
}

/// A code's SMS as the dialog and the console show it, from its outbox row's `phone`,
/// `state` and `created_at` (all `None` when a query's join found no row); a state the code
/// does not know is an error, never a message quietly left out.
pub(crate) fn kiriman(
    phone: Option<String>,
    state: Option<String>,
    created_at: Option<DateTime<Utc>>,
) -> Result<Option<domain::sms::Kiriman>> {
    let (Some(phone), Some(state), Some(created_at)) = (phone, state, created_at) else { return Ok(None) };
    Ok(Some(domain::sms::Kiriman {
        nomor: domain::format::masked_phone(&phone),
        status: StatusKirim::try_from(state)?,
        waktu_kirim_ms: created_at.timestamp_millis(),
    }))
}

/// One message to deliver.
#[derive(Debug, Clone)]
pub struct OutMessage {
    pub id: i64,
    pub phone: String,
    pub body: String,
}

/// Where messages go. Errors are retried later, so a gateway must be idempotent per `id`.
pub trait Gateway: Send + Sync + 'static {
    fn send(&self, msg: &OutMessage) -> impl Future<Output = std::result::Result<(), String>> + Send;

    /// A remote service, skipped for [`BREAKER_SECS`] after it fails. The phone simulator is
    /// not: its failures are the demo's switch for one number or the database being away,
    /// neither an outage to route the other numbers around.
    fn remote(&self) -> bool {
        true
    }
}

/// The built-in phone simulator: messages land in `sms_simulator`, read on `/hp`.
#[derive(Clone)]
pub struct Simulator {
    pub pool: PgPool,
}

impl Gateway for Simulator {
    async fn send(&self, msg: &OutMessage) -> std::result::Result<(), String> {
        // the demo's switch on /hp makes the simulator fail for a number like a gateway that is down
        let accepted: Option<bool> = sqlx::query_scalar(
            "WITH up AS (SELECT NOT EXISTS (SELECT 1 FROM sms_simulator_gagal WHERE phone = $2) AS up),
                  ins AS (INSERT INTO sms_simulator (outbox_id, phone, body)
                          SELECT $1, $2, $3 FROM up WHERE up ON CONFLICT (outbox_id) DO NOTHING)
             SELECT up FROM up",
        )
        .bind(msg.id)
        .bind(&msg.phone)
        .bind(&msg.body)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| e.to_string())?;
        if accepted == Some(false) { Err("simulator HP: gateway dimatikan di /hp".into()) } else { Ok(()) }
    }

    fn remote(&self) -> bool {
        false
    }
}

/// The phone simulator's switch for `phone`: while `gagal`, it refuses the number's messages
/// (the demo of a gateway that is down: the dialog shows "gagal").
pub async fn simulator_gagal(pool: &PgPool, phone: &str, gagal: bool) -> Result<()> {
    let sql = if gagal {
        "INSERT INTO sms_simulator_gagal (phone) VALUES ($1) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM sms_simulator_gagal WHERE phone = $1"
    };
    sqlx::query(sql).bind(phone).execute(pool).await?;
    Ok(())
}

/// Whether the phone simulator is switched to fail for `phone`.
pub async fn simulator_gagal_aktif(pool: &PgPool, phone: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sms_simulator_gagal WHERE phone = $1)")
        .bind(phone)
        .fetch_one(pool)
        .await?)
}

/// An external SMS gateway reached over HTTP: one POST per message with a bearer token
/// and a JSON body made from a template (`{{to}}`, `{{message}}`, `{{id}}`).
#[derive(Clone)]
pub struct HttpGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    template: String,
}

/// The body sent when no template is configured.
pub const DEFAULT_BODY_TEMPLATE: &str = r#"{"to":"{{to}}","message":"{{message}}","reference":"{{id}}"}"#;

impl HttpGateway {
    pub fn new(url: String, token: Option<String>, template: Option<String>) -> std::result::Result<Self, String> {
        let template = template.unwrap_or_else(|| DEFAULT_BODY_TEMPLATE.to_owned());
        // the template must stay valid JSON once filled in
        let probe = fill(&template, &OutMessage { id: 1, phone: "+628".into(), body: "x\"y".into() });
        serde_json::from_str::<serde_json::Value>(&probe).map_err(|e| format!("template body SMS bukan JSON: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpGateway { client, url, token, template })
    }

    /// The same gateway giving up on an answer after `timeout` (10 s by default): a slow
    /// gateway counts as failing, and the next one is tried.
    pub fn with_timeout(self, timeout: std::time::Duration) -> std::result::Result<Self, String> {
        let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(HttpGateway { client, ..self })
    }
}

/// The template with each placeholder replaced by the JSON-escaped value.
fn fill(template: &str, msg: &OutMessage) -> String {
    let esc = |s: &str| {
        let quoted = serde_json::Value::String(s.to_owned()).to_string();
        quoted[1..quoted.len() - 1].to_owned()
    };
    template
        .replace("{{to}}", &esc(&msg.phone))
        .replace("{{message}}", &esc(&msg.body))
        .replace("{{id}}", &msg.id.to_string())
}

impl Gateway for HttpGateway {
    async fn send(&self, msg: &OutMessage) -> std::result::Result<(), String> {
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", format!("sakti-sms-{}", msg.id))
            .body(fill(&self.template, msg));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        // the error text never carries the message body (it may hold a code)
        let response = request.send().await.map_err(|e| format!("gateway tidak terjangkau: {}", e.without_url()))?;
        if response.status().is_success() { Ok(()) } else { Err(format!("gateway menjawab {}", response.status())) }
    }
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

/// Why a delivery report was not applied; answered to the gateway as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KuitansiError {
    /// 401: no signature, a wrong one, or a time outside [`RECEIPT_WINDOW_SECS`].
    #[error("tanda tangan kuitansi tidak sah: {0}")]
    Unauthorized(&'static str),
    /// 409: this very report was applied before.
    #[error("kuitansi ini sudah diterima sebelumnya")]
    Replayed,
    /// 400: the body is not a report.
    #[error("kuitansi tidak dapat dibaca: {0}")]
    BadRequest(String),
    /// 404: no message with that reference.
    #[error("pesan {0} tidak ditemukan")]
    NotFound(i64),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for KuitansiError {
    fn from(e: sqlx::Error) -> Self {
        KuitansiError::Internal(e.to_string())
    }
}

/// How far a report's time may be from the server's, in seconds (either way).
pub const RECEIPT_WINDOW_SECS: i64 = 300;

fn receipt_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature a gateway puts in `X-Sakti-Signature`: hex HMAC-SHA256 under the shared
/// secret of `"{timestamp}.{body}"`, `timestamp` being `X-Sakti-Timestamp` (Unix seconds).
pub fn receipt_signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    use hmac::Mac;
    receipt_mac(secret, timestamp, body).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A gateway's delivery report: `{"reference": <outbox id>, "status": "delivered" | "failed"}`
/// (the reference as the body template's `{{id}}` sent it, number or text).
#[derive(serde::Deserialize)]
struct Report {
    reference: serde_json::Value,
    status: String,
}

/// Applies a delivery report after checking its signature and time, once: a report seen
/// before is refused ([`KuitansiError::Replayed`]). "delivered" moves a sent message to
/// "diterima HP", "failed" to "gagal"; a message already final stays as it is.
pub async fn kuitansi(
    pool: &PgPool,
    secret: &[u8],
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> std::result::Result<StatusKirim, KuitansiError> {
    use hmac::Mac;
    let hex = signature.trim().trim_start_matches("sha256=");
    let given: Option<Vec<u8>> = (hex.len() == 64)
        .then(|| (0..32).map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect())
        .flatten();
    // constant-time comparison
    let Some(mac) = given.filter(|g| receipt_mac(secret, timestamp, body).verify_slice(g).is_ok()) else {
        return Err(KuitansiError::Unauthorized("tanda tangan salah"));
    };
    let at = timestamp.trim().parse::<i64>().map_err(|_| KuitansiError::Unauthorized("waktu tidak terbaca"))?;
    if (now.timestamp() - at).abs() > RECEIPT_WINDOW_SECS {
        return Err(KuitansiError::Unauthorized("waktu kuitansi di luar jendela 5 menit"));
    }
    let report: Report = serde_json::from_slice(body).map_err(|e| KuitansiError::BadRequest(e.to_string()))?;
    let id = match &report.reference {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| KuitansiError::BadRequest("reference bukan nomor pesan".into()))?;
    let to = match report.status.trim().to_ascii_lowercase().as_str() {
        "delivered" | "diterima" => StatusKirim::Diterima,
        "failed" | "gagal" | "undelivered" => StatusKirim::Gagal,
        other => return Err(KuitansiError::BadRequest(format!("status tidak dikenal {other:?}"))),
    };
    let mut tx = pool.begin().await?;
    let fresh = sqlx::query("INSERT INTO sms_kuitansi (mac, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(&mac)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if fresh == 0 {
        return Err(KuitansiError::Replayed);
    }
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, otp_code_id FROM sms_outbox WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((state, code_id)) = row else { return Err(KuitansiError::NotFound(id)) };
    let state = StatusKirim::from_code(&state).ok_or_else(|| KuitansiError::Internal(format!("status {state}")))?;
    let now_state = if state == StatusKirim::Terkirim {
        sqlx::query(
            "UPDATE sms_outbox SET state = $2, received_at = CASE WHEN $2 = 'DITERIMA' THEN $3 END, body = body_redacted
             WHERE id = $1",
        )
        .bind(id)
        .bind(to.code())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(code_id) = code_id {
            crate::sistem::events::notify_code(&mut *tx, code_id)
                .await
                .map_err(|e| KuitansiError::Internal(e.to_string()))?;
        }
        metrics::counter!("sakti_sms_total", "state" => to.code()).increment(1);
        to
    } else {
        state
    };
    tx.commit().await?;
    Ok(now_state)
}

/// One message as the phone simulator shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Received {
    pub id: i64,
    pub phone: String,
    pub body: String,
    pub received_at: DateTime<Utc>,
}

/// The messages `phone` received, newest first.
pub async fn inbox(pool: &PgPool, phone: &str, limit: i64) -> Result<Vec<Received>> {
    Ok(sqlx::query_as(
        "SELECT id, phone, body, received_at FROM sms_simulator WHERE phone = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(phone)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The numbers that have received messages, most recent first.
pub async fn phones(pool: &PgPool) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT phone FROM sms_simulator GROUP BY phone ORDER BY max(id) DESC LIMIT 200")
        .fetch_all(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_delivery_state_is_an_error_not_a_missing_sms() {
        let (phone, at) = (Some("+6281234567890".to_owned()), Some(Utc::now()));
        assert!(kiriman(phone.clone(), Some("ENTAH".into()), at).is_err());
        assert!(kiriman(None, None, None).unwrap().is_none());
        let sent = kiriman(phone, Some("TERKIRIM".into()), at).unwrap().unwrap();
        assert_eq!(sent.status, StatusKirim::Terkirim);
    }

    #[test]
    fn the_template_is_filled_with_json_escaped_values() {
        let msg = OutMessage { id: 7, phone: "+6281234567890".into(), body: "Kode \"1\"\nbaris".into() };
        let body = fill(DEFAULT_BODY_TEMPLATE, &msg);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["to"], "+6281234567890");
        assert_eq!(v["message"], "Kode \"1\"\nbaris");
        assert_eq!(v["reference"], "7");
    }

    #[test]
    fn a_template_that_is_not_json_is_refused() {
        assert!(HttpGateway::new("http://127.0.0.1:9/".into(), None, Some("{to: {{to}}".into())).is_err());
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(1).num_seconds(), 2);
        assert_eq!(backoff(2).num_seconds(), 4);
        assert_eq!(backoff(10).num_seconds(), 60);
    }
}
