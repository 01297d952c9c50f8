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

/// Wait before retry `attempts` (1, 2, 4 … 60 seconds).
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(1i64 << attempts.clamp(0, 6).min(6)).min(Duration::seconds(60))
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
    tokio::pin!(stop);
    loop {
        if let Err(e) = deliver_due(&pool, &gateway, Utc::now(), 20).await {
            tracing::warn!("pekerja SMS: {e}");
        }
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(interval) => {}
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
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(1).num_seconds(), 2);
        assert_eq!(backoff(2).num_seconds(), 4);
        assert_eq!(backoff(10).num_seconds(), 60);
    }
}
