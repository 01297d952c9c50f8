//! The session an aktivasi code belongs to (issue 26), as the OTP steps and the CSO console
//! read it: a booking naming the pejabat (or a session set by hand for its satker, naming
//! none), or a walk-in session. `jadwal` books, takes and opens sessions; the query lives here
//! because the steps need it and `jadwal` already uses `aktivasi` (ARCHITECTURE.md: the piece
//! both need moves down).

use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use domain::jadwal::Mode;
use domain::jadwal::Pemegang;
use domain::upacara::{InfoSesi, Posisi, posisi};
use domain::{JadwalId, PejabatId, UserId};
use sqlx::PgConnection;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct Row {
    pejabat_id: PejabatId,
    jadwal_id: JadwalId,
    nomor_sesi: Option<i16>,
    dipegang_by: Option<UserId>,
    pemegang_nama: Option<String>,
    kppn_nama: String,
    telepon: Option<String>,
    email: Option<String>,
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    langsung: bool,
}

impl Row {
    fn into_info(self) -> (PejabatId, InfoSesi) {
        let pemegang = self.dipegang_by.zip(self.pemegang_nama).map(|(user_id, nama)| Pemegang { user_id, nama });
        let selesai = self.mulai + Duration::minutes(i64::from(self.durasi_menit));
        let info = InfoSesi {
            jadwal_id: self.jadwal_id,
            nomor: self.nomor_sesi,
            pemegang,
            kppn_nama: self.kppn_nama,
            kppn_telepon: self.telepon,
            kppn_email: self.email,
            mulai_ms: self.mulai.timestamp_millis(),
            selesai_ms: selesai.timestamp_millis(),
            mode: self.mode,
            langsung: self.langsung,
        };
        (self.pejabat_id, info)
    }
}

/// A session as both screens see it; `$1` … are the caller's.
const COLUMNS: &str = "j.id AS jadwal_id, j.nomor_sesi, j.dipegang_by, u.nama AS pemegang_nama,
        k.nama AS kppn_nama, k.telepon, k.email, sl.mulai, sl.durasi_menit, sl.mode, j.langsung
    FROM jadwal j JOIN slot sl ON sl.id = j.slot_id JOIN kppn k ON k.kode = j.kppn_kode
    LEFT JOIN app_user u ON u.id = j.dipegang_by";

/// A session still counts until it is cancelled or the pejabat were recorded absent.
const HIDUP: &str = "j.dibatalkan_at IS NULL AND (j.kehadiran IS NULL OR j.kehadiran = 'HADIR')";

/// The session of each of `pejabat` that matters at `now`: the one in its window (held first),
/// else the next to come, else the last that ended.
pub async fn sesi_pejabat(
    conn: &mut PgConnection,
    pejabat: &[PejabatId],
    toleransi: Duration,
    now: DateTime<Utc>,
) -> Result<HashMap<PejabatId, InfoSesi>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT p.id AS pejabat_id, {COLUMNS}
         JOIN pejabat p ON p.satker_kode = j.satker_kode
         WHERE p.id = ANY($1) AND {HIDUP} AND sl.mulai > $2 - interval '7 days'
           AND (EXISTS (SELECT 1 FROM jadwal_pejabat jp WHERE jp.jadwal_id = j.id AND jp.pejabat_id = p.id)
                OR NOT EXISTS (SELECT 1 FROM jadwal_pejabat jp WHERE jp.jadwal_id = j.id))
         ORDER BY sl.mulai, j.id"
    ))
    .bind(pejabat.iter().map(|p| p.0).collect::<Vec<i64>>())
    .bind(now)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<PejabatId, (u8, InfoSesi)> = HashMap::new();
    for row in rows {
        let mulai = row.mulai;
        let durasi = row.durasi_menit;
        let (id, info) = row.into_info();
        // lower is better: held in its window, in its window, to come, ended (the latest)
        let rank = match (posisi(mulai, durasi, toleransi, now), info.pemegang.is_some()) {
            (Posisi::Dalam, true) => 0,
            (Posisi::Dalam, false) => 1,
            (Posisi::Belum, _) => 2,
            (Posisi::Lewat, _) => 3,
        };
        let better = match out.get(&id) {
            None => true,
            // ordered by start: among ended ones the later wins; otherwise the first found
            Some((r, _)) => rank < *r || (rank == 3 && *r == 3),
        };
        if better {
            out.insert(id, (rank, info));
        }
    }
    Ok(out.into_iter().map(|(id, (_, info))| (id, info)).collect())
}

/// The session the pending aktivasi code of `pejabat` was requested in (expired or not: its
/// check says which), if one is pending.
pub async fn sesi_kode(conn: &mut PgConnection, pejabat: PejabatId) -> Result<Option<InfoSesi>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT c.pejabat_id, {COLUMNS}
         JOIN otp_code c ON c.jadwal_id = j.id
         WHERE c.pejabat_id = $1 AND c.purpose = 'aktivasi' AND c.state = 'PENDING'"
    ))
    .bind(pejabat)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.into_info().1))
}
