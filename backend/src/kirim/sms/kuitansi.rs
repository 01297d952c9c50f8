//! Delivery reports: a gateway's signed receipt moves a message to "diterima HP".

use chrono::{DateTime, Utc};
use domain::sms::StatusKirim;
use sqlx::PgPool;

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
    // with the satker of its code, whose open pages show the delivery
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT o.state, p.satker_kode FROM sms_outbox o
         LEFT JOIN otp_code c ON c.id = o.otp_code_id LEFT JOIN pejabat p ON p.id = c.pejabat_id
         WHERE o.id = $1 FOR UPDATE OF o",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((state, satker)) = row else { return Err(KuitansiError::NotFound(id)) };
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
        metrics::counter!("sakti_sms_total", "state" => to.code()).increment(1);
        to
    } else {
        state
    };
    tx.commit().await?;
    if let Some(satker) = satker.filter(|_| now_state != state) {
        crate::sistem::events::umumkan(pool, &satker);
    }
    Ok(now_state)
}
