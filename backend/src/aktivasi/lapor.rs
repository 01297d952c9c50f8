//! "Bukan saya" from the email notice (issue 26): as an aktivasi code goes out, a pejabat
//! with an email on record is told which session it is for, with a one-time link that reports
//! it without a login (`/lapor/{token}`). The report is the dialog's (`kunci_otp::laporkan`).
//! Only the token's SHA-256 is stored; the link works once, for [`BERLAKU_JAM`] hours.

use crate::akses::attempt::Attempt;
use crate::aktivasi::pejabat::{Target, lock_pejabat};
use crate::error::{Error, Result};
use crate::{Caller, sistem::secret};
use chrono::{DateTime, Duration, Utc};
use domain::audit::Aksi;
use domain::upacara::InfoSesi;
use domain::{Jabatan, PejabatId};
use sqlx::{PgConnection, PgPool};

/// How long a report link works: a code nobody asked for may be noticed days later.
pub const BERLAKU_JAM: i64 = 72;

/// The link's path under the site's origin.
pub fn path(token: &str) -> String {
    format!("/lapor/{token}")
}

/// Emails `target` (when it has an address) that its aktivasi code went out for `sesi`, with
/// a report link under `origin`. In the transaction that issued the code.
pub(crate) async fn kabari(
    tx: &mut PgConnection,
    origin: &str,
    target: &Target,
    sesi: &InfoSesi,
    now: DateTime<Utc>,
) -> Result<()> {
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM pejabat WHERE id = $1").bind(target.id).fetch_one(&mut *tx).await?;
    let Some(email) = email.filter(|e| domain::surel::alamat_sah(e)) else {
        return Ok(());
    };
    let token = secret::random_hex();
    let berlaku = now + Duration::hours(BERLAKU_JAM);
    sqlx::query("INSERT INTO lapor_tautan (token_hash, pejabat_id, dibuat_at, berlaku_sampai) VALUES ($1, $2, $3, $4)")
        .bind(secret::sha256(&token))
        .bind(target.id)
        .bind(now)
        .bind(berlaku)
        .execute(&mut *tx)
        .await?;
    let wib = |t: DateTime<Utc>| domain::format::wib_ms(t.timestamp_millis());
    let surat = |tautan: &str| {
        domain::surel::kode_aktivasi(
            &target.nama,
            &domain::format::masked_phone(&target.no_hp),
            &wib(now),
            sesi,
            &domain::format::wib_ms(sesi.mulai_ms),
            tautan,
            &wib(berlaku),
        )
    };
    let isi = surat(&format!("{origin}{}", path(&token)));
    let redacted = Some(surat("(tautan disamarkan)").badan);
    let surat = crate::kirim::email::Surat { to: email, isi, redacted, ics: None, expires_at: berlaku };
    crate::kirim::email::enqueue(&mut *tx, &surat, now).await
}

/// Where a report link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keadaan {
    /// It may be used: the code it tells of, for whom.
    Berlaku { nama: String, jabatan: Jabatan, satker_kode: String, dikirim: DateTime<Utc> },
    /// Used already (by this report or another).
    Terpakai,
    /// Unknown or past its time: the same answer, so a guess learns nothing.
    TidakBerlaku,
}

/// The link of `token`, as its page shows it before the pejabat confirms.
pub async fn lihat(pool: &PgPool, token: &str, now: DateTime<Utc>) -> Result<Keadaan> {
    /// The link and the reference it reports on.
    #[derive(sqlx::FromRow)]
    struct Row {
        nama: String,
        #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
        jabatan: Jabatan,
        satker_kode: String,
        dibuat_at: DateTime<Utc>,
        berlaku_sampai: DateTime<Utc>,
        dipakai: bool,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT p.nama, p.jabatan, p.satker_kode, t.dibuat_at, t.berlaku_sampai, t.dipakai_at IS NOT NULL AS dipakai
         FROM lapor_tautan t JOIN pejabat p ON p.id = t.pejabat_id
         WHERE t.token_hash = $1 AND p.deleted_at IS NULL",
    )
    .bind(secret::sha256(token))
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) if r.dipakai => Keadaan::Terpakai,
        Some(r) if r.berlaku_sampai > now => {
            Keadaan::Berlaku { nama: r.nama, jabatan: r.jabatan, satker_kode: r.satker_kode, dikirim: r.dibuat_at }
        }
        _ => Keadaan::TidakBerlaku,
    })
}

/// Reports "Bukan saya" through the link of `token`, from `addr` (nobody logged in: the token
/// is the only right to it, like a set-password link's). The link is used up; the report is
/// the dialog's.
#[tracing::instrument(skip_all)]
pub async fn lapor(pool: &PgPool, addr: Option<String>, token: &str, now: DateTime<Utc>) -> Result<()> {
    let caller = Caller::anonymous(addr, now);
    let mut attempt = Attempt::begin(pool, &caller, Aksi::LaporBukanSaya).await?;
    let gone = || Error::NotFound("Tautan laporan ini tidak berlaku lagi. Hubungi CSO KPPN Anda.".into());
    let found: Option<(PejabatId, DateTime<Utc>, bool)> = sqlx::query_as(
        "SELECT pejabat_id, berlaku_sampai, dipakai_at IS NOT NULL FROM lapor_tautan WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(secret::sha256(token))
    .fetch_optional(attempt.tx())
    .await?;
    let pejabat_id = match found {
        Some((id, berlaku, false)) if berlaku > now => id,
        _ => return Err(attempt.refuse(gone()).await),
    };
    attempt.about(pejabat_id);
    let Some(target) = lock_pejabat(attempt.tx(), pejabat_id).await? else {
        return Err(attempt.refuse(gone()).await);
    };
    // every link of the reference ends with the report: one report per code burst
    sqlx::query("UPDATE lapor_tautan SET dipakai_at = $2 WHERE pejabat_id = $1 AND dipakai_at IS NULL")
        .bind(pejabat_id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    crate::aktivasi::kunci_otp::laporkan(attempt, &target, "lewat tautan di email pemberitahuan kode", now).await
}
