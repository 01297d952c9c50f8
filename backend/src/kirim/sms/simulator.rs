//! The built-in gateway of the demo and the tests: what each number received (`/hp`), and a
//! number whose delivery is switched off there.

use super::gateway::{Gateway, OutMessage};
use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

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
