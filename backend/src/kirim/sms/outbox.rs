//! The SMS outbox: a message written in the same transaction as the change that causes it
//! (to a phone, a code's pejabat, a user, a KPPN's contact), and the delivery state a page shows.

use crate::error::Result;
use chrono::{DateTime, Utc};
use domain::sms::StatusKirim;
use sqlx::PgExecutor;

/// Writes a message to the outbox, due from `now` on. `redacted` is the text with any code
/// masked; it replaces the text once the message left or was given up.
pub async fn enqueue<'e>(
    exec: impl PgExecutor<'e>,
    phone: &str,
    body: &str,
    redacted: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sms_outbox (phone, body, body_redacted, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(phone)
    .bind(body)
    .bind(redacted)
    .bind(now)
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
pub(crate) async fn enqueue_to_user(
    conn: &mut sqlx::PgConnection,
    user_id: domain::UserId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let phone: Option<String> = sqlx::query_scalar(
        "SELECT no_hp FROM pejabat WHERE user_id = $1 AND status = 'AKTIF' AND deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(phone) = phone {
        enqueue(&mut *conn, &phone, text, text, now).await?;
    }
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if let Some(to) = email {
        crate::kirim::email::enqueue(
            &mut *conn,
            &crate::kirim::email::Surat::notice(&to, domain::surel::akun(text), now),
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
    enqueue(&mut *conn, phone, text, text, now).await?;
    let email: String =
        sqlx::query_scalar("SELECT email FROM pejabat WHERE id = $1").bind(pejabat_id).fetch_one(&mut *conn).await?;
    crate::kirim::email::enqueue(&mut *conn, &crate::kirim::email::Surat::notice(&email, isi(text), now), now).await
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
}
