//! What the files of `jadwal` share: a booking and a slot as read, the checks of who acts on
//! which unit, where a session takes place.

use crate::Actor;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use domain::jadwal::{JadwalRow, Kehadiran, Mode, SlotRow};
use domain::{Jabatan, JadwalId, SlotId};
use sqlx::PgConnection;

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: JadwalId,
    slot_id: SlotId,
    satker_kode: String,
    satker_nama: String,
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    tautan: Option<String>,
    catatan: String,
    jabatan: Vec<String>,
    nama: Vec<String>,
    tiba_at: Option<DateTime<Utc>>,
    kehadiran: Option<String>,
    hasil: Option<String>,
    dipegang_by: Option<domain::UserId>,
    pemegang_nama: Option<String>,
    nomor_sesi: Option<i16>,
    langsung: bool,
}

impl Row {
    pub(super) fn into_row(self) -> Result<JadwalRow> {
        let pejabat = self
            .jabatan
            .into_iter()
            .zip(&self.nama)
            .map(|(j, n)| Ok(format!("{} {n}", Jabatan::try_from(j)?.short())))
            .collect::<Result<Vec<String>>>()?;
        Ok(JadwalRow {
            id: self.id,
            slot_id: self.slot_id,
            satker_kode: self.satker_kode,
            satker_nama: self.satker_nama,
            mulai_ms: self.mulai.timestamp_millis(),
            durasi_menit: self.durasi_menit,
            mode: self.mode,
            tautan: self.tautan,
            catatan: self.catatan,
            pejabat,
            tiba_ms: self.tiba_at.map(|t| t.timestamp_millis()),
            kehadiran: self.kehadiran.map(Kehadiran::try_from).transpose()?,
            hasil: self.hasil,
            pemegang: self
                .dipegang_by
                .zip(self.pemegang_nama)
                .map(|(user_id, nama)| domain::jadwal::Pemegang { user_id, nama }),
            nomor_sesi: self.nomor_sesi,
            langsung: self.langsung,
        })
    }
}

/// Bookings with their slot's time and place and the pejabat they name; cancelled ones are
/// left out (they stay in the table and the audit trail).
pub(super) const SELECT: &str =
    "SELECT j.id, j.slot_id, j.satker_kode, s.nama AS satker_nama, sl.mulai, sl.durasi_menit,
        sl.mode, sl.tautan, sl.catatan, coalesce(pj.jabatan, '{}') AS jabatan, coalesce(pj.nama, '{}') AS nama,
        j.tiba_at, j.kehadiran, j.hasil, j.dipegang_by, u.nama AS pemegang_nama, j.nomor_sesi, j.langsung
    FROM jadwal j JOIN slot sl ON sl.id = j.slot_id JOIN satker s ON s.kode = j.satker_kode
    LEFT JOIN app_user u ON u.id = j.dipegang_by
    CROSS JOIN LATERAL (SELECT array_agg(p.jabatan ORDER BY p.id) AS jabatan, array_agg(p.nama ORDER BY p.id) AS nama
                        FROM jadwal_pejabat jp JOIN pejabat p ON p.id = jp.pejabat_id WHERE jp.jadwal_id = j.id) pj
    WHERE j.dibatalkan_at IS NULL";

pub(super) async fn one(conn: &mut PgConnection, id: JadwalId) -> Result<JadwalRow> {
    let row: Row = sqlx::query_as(&format!("{SELECT} AND j.id = $1")).bind(id).fetch_one(conn).await?;
    row.into_row()
}

#[derive(sqlx::FromRow)]
pub(super) struct SlotDb {
    id: SlotId,
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Mode>")]
    mode: Mode,
    catatan: String,
    kapasitas: i32,
    terisi: i64,
}

/// Slots with how many live bookings each has.
pub(super) const SELECT_SLOT: &str = "SELECT sl.id, sl.mulai, sl.durasi_menit, sl.mode, sl.catatan, sl.kapasitas,
        (SELECT count(*) FROM jadwal j WHERE j.slot_id = sl.id AND j.dibatalkan_at IS NULL) AS terisi
    FROM slot sl";

impl SlotDb {
    pub(super) fn into_row(self) -> SlotRow {
        SlotRow {
            id: self.id,
            mulai_ms: self.mulai.timestamp_millis(),
            durasi_menit: self.durasi_menit,
            mode: self.mode,
            catatan: self.catatan,
            kapasitas: self.kapasitas,
            terisi: i32::try_from(self.terisi).unwrap_or(i32::MAX),
        }
    }
}

/// The slots of `kppn` from `from` on; with `open`, only those with a place left (a satker
/// sees no other satker's session set by hand, nor its note).
pub(super) async fn slots(
    conn: &mut PgConnection,
    kppn: &str,
    from: DateTime<Utc>,
    open: bool,
) -> Result<Vec<SlotRow>> {
    let rows: Vec<SlotDb> = sqlx::query_as(&format!(
        "SELECT * FROM ({SELECT_SLOT} WHERE sl.kppn_kode = $1 AND sl.mulai >= $2) s
         WHERE NOT $3 OR s.terisi < s.kapasitas ORDER BY s.mulai, s.id LIMIT 200"
    ))
    .bind(kppn)
    .bind(from)
    .bind(open)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(SlotDb::into_row).collect())
}

pub(super) fn own_kppn(actor: &Actor) -> Result<&str> {
    actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))
}

pub(super) fn own_satker(actor: &Actor) -> Result<&str> {
    actor.unit.satker().ok_or_else(|| Error::Forbidden("Pengguna tidak terdaftar pada satker.".into()))
}

/// Where a session is, as texts name it: `di KPPN …` or `video conference <link>`.
pub(super) fn tempat(mode: Mode, tautan: Option<&str>, kppn_nama: &str) -> String {
    match (mode, tautan) {
        (Mode::VideoConference, Some(link)) => format!("video conference {link}"),
        (Mode::VideoConference, None) => "video conference".to_string(),
        (Mode::Kppn, _) => format!("di {kppn_nama}"),
    }
}

pub(super) fn wib(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&chrono_tz::Asia::Jakarta).naive_local()
}

/// The satker's pejabat as booking sees them (KPA, PPK, PPSPM that are not removed).
/// Whether a reference is named in a session still to come (at `$2`), as a column of a query
/// over `pejabat`: the booking rules and the next step read it alike. A walk-in session is
/// not an appointment: it does not count.
pub(crate) const TERJADWAL: &str = "EXISTS (SELECT 1 FROM jadwal_pejabat jp JOIN jadwal j ON j.id = jp.jadwal_id
        JOIN slot sl ON sl.id = j.slot_id
        WHERE jp.pejabat_id = pejabat.id AND j.dibatalkan_at IS NULL AND j.kehadiran IS NULL AND NOT j.langsung
          AND sl.mulai + make_interval(mins => sl.durasi_menit) > $2) AS terjadwal";
