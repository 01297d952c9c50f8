//! Email: the outbox written in the transaction of the change it tells of (like the SMS) and
//! the worker that sends it over SMTP (`lettre`) when `SAKTI_SMTP_URL` is set. Each email has
//! an expiry, so one that waited (SMTP off, or down) is never sent stale; a set-password link
//! is masked in the outbox once sent or given up.

use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgExecutor, PgPool};
use std::future::Future;

/// How long a notice may wait to be sent.
pub const NOTICE_HOURS: i64 = 24;
/// Tries at most (about seven minutes with the SMS backoff); then `GAGAL`.
pub const MAX_ATTEMPTS: i32 = 12;

/// One email to queue.
#[derive(Debug, Clone)]
pub struct Surat {
    pub to: String,
    pub isi: domain::surel::Isi,
    /// The body with its secret masked, when it carries one.
    pub redacted: Option<String>,
    pub ics: Option<String>,
    /// Not sent after this.
    pub expires_at: DateTime<Utc>,
}

impl Surat {
    /// A notice to `to`, good for [`NOTICE_HOURS`] from `now`.
    pub fn notice(to: &str, isi: domain::surel::Isi, now: DateTime<Utc>) -> Self {
        Surat {
            to: to.trim().to_owned(),
            isi,
            redacted: None,
            ics: None,
            expires_at: now + Duration::hours(NOTICE_HOURS),
        }
    }
}

/// Writes `surat` to the outbox (nothing when its address cannot receive email).
pub async fn enqueue<'e>(exec: impl PgExecutor<'e>, surat: &Surat, now: DateTime<Utc>) -> Result<()> {
    if !domain::surel::alamat_sah(&surat.to) {
        tracing::warn!("email tidak diantrekan: alamat tidak sah");
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO email_outbox (to_addr, subject, body, body_redacted, ics, created_at, next_attempt_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(&surat.to)
    .bind(&surat.isi.subjek)
    .bind(&surat.isi.badan)
    .bind(surat.redacted.as_deref().unwrap_or(&surat.isi.badan))
    .bind(surat.ics.as_deref())
    .bind(now)
    .bind(surat.expires_at)
    .execute(exec)
    .await?;
    metrics::counter!("sakti_email_queued_total").increment(1);
    Ok(())
}

/// Queues `isi` for every active Admin Lokal of `satker_kode` with an email address.
pub(crate) async fn to_admin_lokal(
    conn: &mut sqlx::PgConnection,
    satker_kode: &str,
    isi: &domain::surel::Isi,
    ics: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM app_user WHERE role = 'ADMIN_LOKAL' AND satker_kode = $1 AND active AND email IS NOT NULL ORDER BY id",
    )
    .bind(satker_kode)
    .fetch_all(&mut *conn)
    .await?;
    for to in emails {
        let mut surat = Surat::notice(&to, isi.clone(), now);
        surat.ics = ics.map(str::to_owned);
        enqueue(&mut *conn, &surat, now).await?;
    }
    Ok(())
}

/// The SMTP server and the sender (`SAKTI_SMTP_URL`, `SAKTI_SMTP_FROM`).
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// `url`: `smtp://host:port` (plain, for a relay on loopback), `smtp://…?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`; `from`: `Nama <alamat>` or an address.
    pub fn new(url: &str, from: &str) -> std::result::Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SAKTI_SMTP_URL tidak terbaca: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(15)))
            .build();
        let from = from.parse::<Mailbox>().map_err(|e| format!("SAKTI_SMTP_FROM bukan alamat email: {e}"))?;
        Ok(Smtp { transport, from })
    }

    async fn send(&self, row: &Due) -> std::result::Result<(), String> {
        let to = row.to_addr.parse::<Mailbox>().map_err(|e| format!("alamat tujuan tidak sah: {e}"))?;
        let builder = Message::builder().from(self.from.clone()).to(to).subject(&row.subject);
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body.clone());
        let message = match &row.ics {
            None => builder.singlepart(text),
            Some(ics) => {
                let calendar =
                    ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH").map_err(|e| e.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(text)
                        .singlepart(Attachment::new("undangan.ics".into()).body(ics.clone(), calendar)),
                )
            }
        }
        .map_err(|e| format!("email tidak dapat disusun: {e}"))?;
        // the error never carries the body (it may hold a link)
        self.transport.send(message).await.map(drop).map_err(|e| format!("SMTP: {e}"))
    }
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    to_addr: String,
    subject: String,
    body: String,
    ics: Option<String>,
    attempts: i32,
    expires_at: DateTime<Utc>,
}

/// Sends up to `batch` due emails once. Returns how many were sent.
pub async fn deliver_due(pool: &PgPool, smtp: &Smtp, now: DateTime<Utc>, batch: i64) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT id, to_addr, subject, body, ics, attempts, expires_at FROM email_outbox
         WHERE state = 'ANTRE' AND next_attempt_at <= $1 ORDER BY id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for row in due {
        let outcome = if now >= row.expires_at { Err(None) } else { smtp.send(&row).await.map_err(Some) };
        let (state, error, retry) = match outcome {
            Ok(()) => ("TERKIRIM", None, None),
            Err(None) => ("KEDALUWARSA", None, None),
            Err(Some(e)) if row.attempts + 1 >= MAX_ATTEMPTS => ("GAGAL", Some(e), None),
            Err(Some(e)) => ("ANTRE", Some(e), Some(now + crate::kirim::pekerja::backoff(row.attempts + 1))),
        };
        if let Some(e) = &error {
            tracing::warn!(email = row.id, attempts = row.attempts + 1, "pengiriman email gagal: {e}");
        }
        sqlx::query(
            "UPDATE email_outbox SET state = $2, last_error = COALESCE($3, last_error),
                    attempts = attempts + CASE WHEN $2 = 'KEDALUWARSA' THEN 0 ELSE 1 END,
                    next_attempt_at = COALESCE($4, next_attempt_at),
                    sent_at = CASE WHEN $2 = 'TERKIRIM' THEN $5 END,
                    body = CASE WHEN $2 = 'ANTRE' THEN body ELSE body_redacted END
             WHERE id = $1",
        )
        .bind(row.id)
        .bind(state)
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(retry)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        metrics::counter!("sakti_email_total", "state" => state).increment(1);
        sent += usize::from(state == "TERKIRIM");
    }
    tx.commit().await?;
    Ok(sent)
}

/// Sends due emails every `interval` until `stop` resolves.
pub async fn run_worker(
    pool: PgPool,
    smtp: Smtp,
    interval: std::time::Duration,
    stop: impl Future<Output = ()> + Send,
    beat: crate::kirim::pekerja::Heartbeat,
) {
    let round = || deliver_due(&pool, &smtp, Utc::now(), crate::kirim::pekerja::WORKER_BATCH);
    crate::kirim::pekerja::run_rounds("email", interval, stop, round, beat).await;
}

/// The invitation to an activation session starting at `mulai` (`menit` long, in WIB) at
/// `tempat`, with the video link when there is one.
pub fn undangan(
    uid: &str,
    judul: &str,
    mulai: DateTime<Utc>,
    menit: i64,
    tempat: &str,
    tautan: Option<&str>,
    now: DateTime<Utc>,
) -> String {
    use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
    let wib = |t: DateTime<Utc>| CalendarDateTime::from_date_time(t.with_timezone(&chrono_tz::Asia::Jakarta));
    let mut event = Event::new();
    event
        .uid(uid)
        .summary(judul)
        .starts(wib(mulai))
        .ends(wib(mulai + Duration::minutes(menit)))
        .location(tempat)
        .timestamp(now);
    if let Some(link) = tautan {
        event.description(&format!("Tautan video conference: {link}")).url(link);
    }
    let calendar = Calendar::new().name("Aktivasi OTP SAKTI").push(event.done()).done().to_string();
    // RFC 5545 §3.2.19: a TZID a property names is defined by a VTIMEZONE of the same
    // calendar (the builder writes none); strict clients otherwise show another time or refuse
    calendar.replacen("BEGIN:VEVENT\r\n", &format!("{VTIMEZONE_WIB}BEGIN:VEVENT\r\n"), 1)
}

/// Asia/Jakarta: UTC+7 all year, no daylight saving since 1964.
const VTIMEZONE_WIB: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta\r\nBEGIN:STANDARD\r\n\
    DTSTART:19700101T000000\r\nTZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\nTZNAME:WIB\r\n\
    END:STANDARD\r\nEND:VTIMEZONE\r\n";
