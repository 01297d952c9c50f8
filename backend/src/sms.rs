//! SMS: the outbox written in the same transaction as the change that causes a message,
//! and the worker that delivers it through a gateway with retries, so none is lost.
//! Several server instances may run workers: rows are claimed with `SKIP LOCKED`.

use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgExecutor, PgPool};
use std::future::Future;

/// Writes a message to the outbox. `redacted` is the text with any code masked; it
/// replaces the text once delivered.
pub async fn enqueue<'e>(exec: impl PgExecutor<'e>, phone: &str, body: &str, redacted: &str) -> Result<()> {
    sqlx::query("INSERT INTO sms_outbox (phone, body, body_redacted) VALUES ($1, $2, $3)")
        .bind(phone)
        .bind(body)
        .bind(redacted)
        .execute(exec)
        .await?;
    Ok(())
}

/// Writes `text` to the outbox for `user_id`'s verified number — the number of an `AKTIF` OTP
/// reference of its own — when it has one (staff usually do not: nothing is sent).
pub(crate) async fn enqueue_to_user(conn: &mut sqlx::PgConnection, user_id: domain::UserId, text: &str) -> Result<()> {
    let phone: Option<String> = sqlx::query_scalar(
        "SELECT no_hp FROM pejabat WHERE user_id = $1 AND status = 'AKTIF' AND deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(phone) = phone {
        enqueue(conn, &phone, text, text).await?;
    }
    Ok(())
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
}

/// The built-in phone simulator: messages land in `sms_simulator`, read on `/hp`.
#[derive(Clone)]
pub struct Simulator {
    pub pool: PgPool,
}

impl Gateway for Simulator {
    async fn send(&self, msg: &OutMessage) -> std::result::Result<(), String> {
        sqlx::query(
            "INSERT INTO sms_simulator (outbox_id, phone, body) VALUES ($1, $2, $3) ON CONFLICT (outbox_id) DO NOTHING",
        )
        .bind(msg.id)
        .bind(&msg.phone)
        .bind(&msg.body)
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
    }
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
}

/// Wait before retry `attempts` (1, 2, 4 … 60 seconds).
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(1i64 << attempts.clamp(0, 6)).min(Duration::seconds(60))
}

/// Delivers up to `batch` due messages once. Returns how many were delivered.
pub async fn deliver_due(pool: &PgPool, gateway: &impl Gateway, now: DateTime<Utc>, batch: i64) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<(i64, String, String, i32)> = sqlx::query_as(
        "SELECT id, phone, body, attempts FROM sms_outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= $1
         ORDER BY id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut delivered = 0;
    for (id, phone, body, attempts) in due {
        match gateway.send(&OutMessage { id, phone, body }).await {
            Ok(()) => {
                sqlx::query("UPDATE sms_outbox SET delivered_at = $2, body = body_redacted, attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                delivered += 1;
            }
            Err(err) => {
                tracing::warn!(sms = id, attempts = attempts + 1, "pengiriman SMS gagal, dicoba lagi: {err}");
                sqlx::query(
                    "UPDATE sms_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(now + backoff(attempts + 1))
                .bind(err.chars().take(500).collect::<String>())
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
    gateway: impl Gateway,
    interval: std::time::Duration,
    stop: impl Future<Output = ()> + Send,
) {
    const BATCH: i64 = 20;
    tokio::pin!(stop);
    loop {
        let pause = match deliver_due(&pool, &gateway, Utc::now(), BATCH).await {
            // a full batch: more may be waiting (a deadline rush), so go on without pausing
            Ok(n) if n as i64 == BATCH => std::time::Duration::ZERO,
            Ok(_) => interval,
            Err(e) => {
                tracing::warn!("pekerja SMS: {e}");
                interval
            }
        };
        tokio::select! {
            biased;
            () = &mut stop => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
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
