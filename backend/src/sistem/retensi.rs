//! Retention: what the app keeps only for a while is purged by a background job, one
//! instance at a time (a transaction-scoped advisory lock: the others skip the round). The
//! audit trail is never purged by the app — how long to keep it is the operator's decision.

use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// How long messages, closed codes and used links are kept by default (`SAKTI_RETENTION`).
pub const DEFAULT_KEEP: Duration = Duration::days(90);
/// A known device not seen for this long is forgotten.
pub const DEVICE_DAYS: i64 = 365;
/// An import's dry run is kept this long for its "Simpan".
pub const DRAFT_DAYS: i64 = 7;

/// The advisory lock key of the job (any constant; `hashtext` keeps it readable).
const LOCK: &str = "SELECT pg_try_advisory_xact_lock(hashtext('aktivasi-otp-sakti retensi'))";

/// Rows removed per table in one round; empty when another instance held the lock.
pub type Purged = Vec<(&'static str, u64)>;

/// One round at `now`: sessions past `session_max` since login, login failures older than a
/// day, delivery reports older than a day, messages (SMS and email) done and older than
/// `keep`, closed codes and used or expired set-password links older than `keep`, devices
/// not seen for a year, import drafts older than a week.
pub async fn run_once(pool: &PgPool, now: DateTime<Utc>, keep: Duration, session_max: Duration) -> Result<Purged> {
    let mut tx = pool.begin().await?;
    let mine: bool = sqlx::query_scalar(LOCK).fetch_one(&mut *tx).await?;
    if !mine {
        return Ok(Vec::new());
    }
    let old = now - keep;
    let day = now - Duration::days(1);
    let statements: [(&'static str, &str, DateTime<Utc>); 11] = [
        ("sesi", "DELETE FROM sesi WHERE created_at < $1", now - session_max),
        ("login_failure", "DELETE FROM login_failure WHERE at < $1", day),
        ("sms_kuitansi", "DELETE FROM sms_kuitansi WHERE received_at < $1", day),
        // the demo phone's copies go with their messages
        (
            "sms_simulator",
            "DELETE FROM sms_simulator WHERE outbox_id IN
               (SELECT id FROM sms_outbox WHERE state <> 'ANTRE' AND created_at < $1)",
            old,
        ),
        ("sms_outbox", "DELETE FROM sms_outbox WHERE state <> 'ANTRE' AND created_at < $1", old),
        (
            "email_outbox",
            "DELETE FROM email_outbox WHERE (state <> 'ANTRE' OR expires_at < $1) AND created_at < $1",
            old,
        ),
        (
            "otp_code",
            "DELETE FROM otp_code c WHERE c.state <> 'PENDING' AND c.sent_at < $1
               AND NOT EXISTS (SELECT 1 FROM sms_outbox o WHERE o.otp_code_id = c.id)",
            old,
        ),
        (
            "password_link",
            "DELETE FROM password_link WHERE (used_at IS NOT NULL OR expires_at < $1) AND created_at < $1",
            old,
        ),
        (
            "lapor_tautan",
            "DELETE FROM lapor_tautan WHERE (dipakai_at IS NOT NULL OR berlaku_sampai < $1) AND dibuat_at < $1",
            old,
        ),
        ("perangkat", "DELETE FROM perangkat WHERE seen_at < $1", now - Duration::days(DEVICE_DAYS)),
        ("impor_draf", "DELETE FROM impor_draf WHERE created_at < $1", now - Duration::days(DRAFT_DAYS)),
    ];
    let mut purged = Vec::with_capacity(statements.len());
    for (table, sql, before) in statements {
        let n = sqlx::query(sql).bind(before).execute(&mut *tx).await?.rows_affected();
        metrics::counter!("sakti_retention_purged_total", "table" => table).increment(n);
        purged.push((table, n));
    }
    tx.commit().await?;
    Ok(purged)
}

/// Runs a round every `every` until `stop` resolves (the first one a minute after start).
pub async fn run_worker(
    pool: PgPool,
    keep: Duration,
    session_max: Duration,
    every: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut pause = std::time::Duration::from_secs(60).min(every);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => break,
            () = tokio::time::sleep(pause) => {}
        }
        pause = every;
        match run_once(&pool, crate::now(), keep, session_max).await {
            Ok(purged) => {
                let total: u64 = purged.iter().map(|(_, n)| n).sum();
                if total > 0 {
                    tracing::info!(?purged, "retensi: {total} baris dihapus");
                }
            }
            Err(e) => tracing::warn!("retensi: {e}"),
        }
    }
}
