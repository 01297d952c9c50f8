//! The CSO console: the satkers of the CSO's KPPN and their pejabat waiting for activation.

use crate::Caller;
use crate::auth::authorize;
use crate::error::{Error, Result};
use crate::otp::Pending;
use chrono::{DateTime, Utc};
use domain::authz::Action;
use domain::pejabat::{CONSOLE_ROWS, Console, ConsoleRow, ConsoleSatker};
use domain::{Jabatan, Status};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Row {
    satker_kode: String,
    satker_nama: String,
    id: domain::PejabatId,
    nama: String,
    nip: String,
    #[sqlx(try_from = "crate::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::stored::Stored<Status>")]
    status: Status,
    no_hp: String,
    sent_at: Option<DateTime<Utc>>,
    /// All rows matching, before the LIMIT (the same on every row).
    waiting: i64,
}

/// The console of the calling CSO at `now`: only satkers with a pejabat waiting, at most
/// [`CONSOLE_ROWS`] rows (pending codes first), narrowed by `search` over the satker's code
/// and name and the pejabat's name and NIP.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn console(pool: &PgPool, caller: &Caller, search: &str, now: DateTime<Utc>) -> Result<Console> {
    let actor = authorize(pool, caller, Action::KonsolCso).await?;
    let kppn = actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))?;
    let (search, pattern) = crate::pejabat::search_text(search);
    // the condition of the partial index pejabat_menunggu_aktivasi, word for word, and the
    // search; the window count is taken before the LIMIT (at most one pending code per
    // pejabat and purpose, so the join adds no rows)
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.kode AS satker_kode, s.nama AS satker_nama, p.id, p.nama, p.nip, p.jabatan, p.status, p.no_hp,
                c.sent_at, count(*) OVER () AS waiting
         FROM pejabat p
         JOIN satker s ON s.kode = p.satker_kode
         LEFT JOIN otp_code c ON c.pejabat_id = p.id AND c.purpose = 'aktivasi' AND c.state = 'PENDING' AND c.expires_at > $4
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
    let mut out: Vec<ConsoleSatker> = Vec::new();
    for r in rows {
        let row = ConsoleRow {
            id: r.id,
            nama: r.nama,
            nip: r.nip,
            jabatan: r.jabatan,
            status: r.status,
            no_hp: domain::format::masked_phone(&r.no_hp),
            pending: r.sent_at.map(|s| Pending::from_sent(s).timing(now)),
        };
        match out.iter_mut().find(|s| s.kode == r.satker_kode) {
            Some(s) => s.rows.push(row),
            None => out.push(ConsoleSatker { kode: r.satker_kode, nama: r.satker_nama, rows: vec![row] }),
        }
    }
    Ok(Console { satkers: out, waiting })
}
