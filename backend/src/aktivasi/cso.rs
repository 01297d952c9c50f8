//! The CSO console: the satkers of the CSO's KPPN and their pejabat waiting for activation.

use crate::Caller;
use crate::akses::auth::authorize;
use crate::aktivasi::otp::KodeTerkirim;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use domain::authz::Action;
use domain::pejabat::{CONSOLE_ROWS, Console, ConsoleRow, ConsoleSatker, JenisPerhatian, Perhatian};
use domain::{Jabatan, Status};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Row {
    satker_kode: String,
    satker_nama: String,
    id: domain::PejabatId,
    nama: String,
    nip: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    status: Status,
    no_hp: String,
    sent_at: Option<DateTime<Utc>>,
    sms_phone: Option<String>,
    sms_state: Option<String>,
    sms_at: Option<DateTime<Utc>>,
    /// All rows matching, before the LIMIT (the same on every row).
    waiting: i64,
}

/// The console of the calling CSO at `now`: only satkers with a pejabat waiting, at most
/// [`CONSOLE_ROWS`] rows (pending codes first), narrowed by `search` over the satker's code
/// and name and the pejabat's name and NIP; each with its session (windows widened by
/// `toleransi`).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn console(
    pool: &PgPool,
    caller: &Caller,
    search: &str,
    toleransi: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Console> {
    let actor = authorize(pool, caller, Action::KonsolCso).await?;
    let kppn = actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))?;
    let (search, pattern) = crate::aktivasi::pejabat::search_text(search);
    // the condition of the partial index pejabat_menunggu_aktivasi, word for word, and the
    // search; the window count is taken before the LIMIT (at most one pending code per
    // pejabat and purpose, so the join adds no rows)
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.kode AS satker_kode, s.nama AS satker_nama, p.id, p.nama, p.nip, p.jabatan, p.status, p.no_hp,
                c.sent_at, o.phone AS sms_phone, o.state AS sms_state, o.created_at AS sms_at, count(*) OVER () AS waiting
         FROM pejabat p
         JOIN satker s ON s.kode = p.satker_kode
         LEFT JOIN otp_code c ON c.pejabat_id = p.id AND c.purpose = 'aktivasi' AND c.state = 'PENDING' AND c.expires_at > $4
         LEFT JOIN sms_outbox o ON o.otp_code_id = c.id
         WHERE p.kppn_kode = $1 AND p.deleted_at IS NULL
           AND ((p.jabatan = 'KUASA PENGGUNA ANGGARAN' AND p.status = 'BARU')
             OR (p.jabatan IN ('PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM') AND p.status = 'KIRIM'))
           AND ($2 = '' OR p.satker_kode LIKE $3 OR s.nama ILIKE $3 OR p.nama ILIKE $3 OR p.nip LIKE $3)
         ORDER BY c.sent_at DESC NULLS LAST, s.kode, p.nama
         LIMIT $5",
    )
    .bind(kppn)
    .bind(&search)
    .bind(&pattern)
    .bind(now)
    .bind(CONSOLE_ROWS)
    .fetch_all(pool)
    .await?;
    let waiting = rows.first().map_or(0, |r| r.waiting);
    let mut conn = pool.acquire().await?;
    let ids: Vec<domain::PejabatId> = rows.iter().map(|r| r.id).collect();
    let mut sesi = crate::aktivasi::jendela::sesi_pejabat(&mut conn, &ids, toleransi, now).await?;
    let mut out: Vec<ConsoleSatker> = Vec::new();
    for r in rows {
        // a pending code's own session comes first: it is the one its holder enters it in
        let sesi = match r.sent_at {
            Some(_) => crate::aktivasi::jendela::sesi_kode(&mut conn, r.id).await?.or_else(|| sesi.remove(&r.id)),
            None => sesi.remove(&r.id),
        };
        let row = ConsoleRow {
            id: r.id,
            nama: r.nama,
            nip: r.nip,
            jabatan: r.jabatan,
            status: r.status,
            no_hp: domain::format::masked_phone(&r.no_hp),
            pending: r.sent_at.map(|s| KodeTerkirim::from_sent(s).timing(now)),
            kiriman: crate::kirim::sms::kiriman(r.sms_phone, r.sms_state, r.sms_at)?,
            sesi,
        };
        match out.iter_mut().find(|s| s.kode == r.satker_kode) {
            Some(s) => s.rows.push(row),
            None => out.push(ConsoleSatker { kode: r.satker_kode, nama: r.satker_nama, rows: vec![row] }),
        }
    }
    Ok(Console { satkers: out, waiting })
}

#[derive(sqlx::FromRow)]
struct PerhatianRow {
    id: domain::PejabatId,
    satker_kode: String,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    no_hp: String,
    terkunci: bool,
    dilaporkan: bool,
    at: DateTime<Utc>,
}

/// The references a CSO can activate (seed step 4: a KPA `BARU`, a PPK or PPSPM `KIRIM`),
/// over `pejabat` unaliased: the predicate of the partial index `pejabat_menunggu_aktivasi`
/// word for word, so the planner uses it. The pairs are the domain's
/// (checked against `workflow::next` in this module's tests).
pub(crate) const MENUNGGU_AKTIVASI: &str = "pejabat.deleted_at IS NULL
      AND ((pejabat.jabatan = 'KUASA PENGGUNA ANGGARAN' AND pejabat.status = 'BARU')
        OR (pejabat.jabatan IN ('PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM') AND pejabat.status = 'KIRIM'))";

/// What the CSO of the caller's KPPN should know about besides the queue: references whose
/// OTP steps locked after too many wrong codes or by their pejabat's "Bukan saya" (to unlock
/// once the pejabat is reached), and
/// `AKTIF` references the satkers removed in the last 30 days (a number unbound; a new
/// reference may bind another).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn perhatian(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<Perhatian>> {
    let actor = authorize(pool, caller, Action::KonsolCso).await?;
    let kppn = actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))?;
    // the conditions of the partial indexes pejabat_perlu_perhatian and pejabat_aktif_dihapus
    let rows: Vec<PerhatianRow> = sqlx::query_as(
        "SELECT p.id, p.satker_kode, p.nama, p.jabatan, p.no_hp, true AS terkunci,
                p.otp_dilaporkan_at IS NOT NULL AS dilaporkan, coalesce(p.otp_dilaporkan_at, p.otp_terkunci_at) AS at
         FROM pejabat p WHERE p.kppn_kode = $1 AND p.deleted_at IS NULL
           AND (p.otp_terkunci_at IS NOT NULL OR p.otp_dilaporkan_at IS NOT NULL)
         UNION ALL
         SELECT p.id, p.satker_kode, p.nama, p.jabatan, p.no_hp, false, false, p.deleted_at
         FROM pejabat p WHERE p.kppn_kode = $1 AND p.status = 'AKTIF' AND p.deleted_at > $2
         ORDER BY terkunci DESC, at DESC LIMIT 100",
    )
    .bind(kppn)
    .bind(now - chrono::Duration::days(30))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Perhatian {
            pejabat_id: r.id,
            satker_kode: r.satker_kode,
            nama: r.nama,
            jabatan: r.jabatan,
            no_hp: domain::format::masked_phone(&r.no_hp),
            jenis: match (r.terkunci, r.dilaporkan) {
                (_, true) => JenisPerhatian::Dilaporkan,
                (true, false) => JenisPerhatian::OtpTerkunci,
                (false, false) => JenisPerhatian::AktifDihapus,
            },
            sejak_ms: r.at.timestamp_millis(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (jabatan, status) pairs [`MENUNGGU_AKTIVASI`] names.
    const MENUNGGU_AKTIVASI_PAIRS: [(domain::Jabatan, domain::Status); 3] = [
        (domain::Jabatan::Kpa, domain::Status::Baru),
        (domain::Jabatan::Ppk, domain::Status::Kirim),
        (domain::Jabatan::PejabatSpm, domain::Status::Kirim),
    ];

    /// The console's and the next step's SQL condition names exactly the pairs the state
    /// machine lets a CSO activate.
    #[test]
    fn the_waiting_condition_is_the_state_machines() {
        for jabatan in domain::Jabatan::ALL {
            for status in domain::Status::ALL {
                let allowed = domain::workflow::next(jabatan, status, domain::workflow::Langkah::Aktivasi).is_ok();
                assert_eq!(MENUNGGU_AKTIVASI_PAIRS.contains(&(jabatan, status)), allowed, "{jabatan:?} {status:?}");
            }
        }
        for (jabatan, status) in MENUNGGU_AKTIVASI_PAIRS {
            assert!(MENUNGGU_AKTIVASI.contains(jabatan.label()) && MENUNGGU_AKTIVASI.contains(status.label()));
        }
    }
}
