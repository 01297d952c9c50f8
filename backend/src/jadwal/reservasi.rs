//! A satker's bookings: who may be named, taking a slot for named pejabat, moving it or
//! cancelling it up to an hour before.

use super::baris::{Row, SELECT, TERJADWAL, own_satker, slots};
use super::slot::{insert_jadwal, invite};
use crate::Caller;
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{self, Calon, JadwalRow};
use domain::{Jabatan, JadwalId, PejabatId, SlotId, Status};
use sqlx::{PgConnection, PgPool};

/// A pejabat of the satker as a booking may name it.
#[derive(sqlx::FromRow)]
struct CalonRow {
    id: PejabatId,
    nama: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Jabatan>")]
    jabatan: Jabatan,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Status>")]
    status: Status,
    berkas_diterima: bool,
    terjadwal: bool,
}

async fn calon(conn: &mut PgConnection, satker: &str, now: DateTime<Utc>) -> Result<Vec<Calon>> {
    let rows: Vec<CalonRow> = sqlx::query_as(&format!(
        "SELECT id, nama, jabatan, status, {}, {TERJADWAL}
         FROM pejabat
         WHERE satker_kode = $1 AND deleted_at IS NULL
           AND jabatan IN ('KUASA PENGGUNA ANGGARAN', 'PEJABAT PEMBUAT KOMITMEN', 'PEJABAT SPM')
         ORDER BY CASE jabatan WHEN 'KUASA PENGGUNA ANGGARAN' THEN 0 ELSE 1 END, id",
        crate::aktivasi::pejabat::berkas_diterima_column()
    ))
    .bind(satker)
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Calon {
            id: r.id,
            nama: r.nama,
            jabatan: r.jabatan,
            status: r.status,
            berkas_diterima: r.berkas_diterima,
            terjadwal: r.terjadwal,
        })
        .collect())
}

/// What the satker's page shows: its bookings from a week ago on, the open slots of its
/// KPPN still to come, and its pejabat.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn satker(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<jadwal::JadwalSatker> {
    let actor = authorize(pool, caller, Action::LihatBerkas).await?;
    let satker = actor.unit.satker().unwrap_or("");
    let mut conn = pool.acquire().await?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} AND j.satker_kode = $1 AND sl.mulai >= $2 ORDER BY sl.mulai, j.id LIMIT 50"))
            .bind(satker)
            .bind(crate::wib_day_start(now) - Duration::days(7))
            .fetch_all(&mut *conn)
            .await?;
    let sesi = rows.into_iter().map(Row::into_row).collect::<Result<Vec<_>>>()?;
    let kppn: Option<String> = sqlx::query_scalar("SELECT kppn_kode FROM satker WHERE kode = $1")
        .bind(satker)
        .fetch_optional(&mut *conn)
        .await?;
    let slot = match &kppn {
        Some(k) => slots(&mut conn, k, now + Duration::seconds(1), true).await?,
        None => Vec::new(),
    };
    let calon = calon(&mut conn, satker, now).await?;
    Ok(jadwal::JadwalSatker { sesi, slot, calon, now_ms: now.timestamp_millis() })
}

/// Takes the lock on the caller's satker (every booking change of one satker in turn) and
/// returns its KPPN.
async fn lock_satker(conn: &mut PgConnection, satker: &str) -> Result<String> {
    sqlx::query_scalar("SELECT kppn_kode FROM satker WHERE kode = $1 FOR UPDATE")
        .bind(satker)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::Forbidden("Satker tidak terdaftar.".into()))
}

/// Locks slot `slot_id` of `kppn` and checks that it has a place at `now`.
async fn take_place(conn: &mut PgConnection, slot_id: SlotId, kppn: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let slot: Option<(DateTime<Utc>, i32)> =
        sqlx::query_as("SELECT mulai, kapasitas FROM slot WHERE id = $1 AND kppn_kode = $2 FOR UPDATE")
            .bind(slot_id)
            .bind(kppn)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((mulai, kapasitas)) = slot else {
        return Err(Error::NotFound("Slot tidak ditemukan pada KPPN satker Anda.".into()));
    };
    if mulai <= now {
        return Err(Error::Rule("Slot ini sudah dimulai; pilih slot lain.".into()));
    }
    // counted after the lock: a booking that won the place before is committed and seen
    let terisi: i64 = sqlx::query_scalar("SELECT count(*) FROM jadwal WHERE slot_id = $1 AND dibatalkan_at IS NULL")
        .bind(slot_id)
        .fetch_one(&mut *conn)
        .await?;
    if terisi >= i64::from(kapasitas) {
        return Err(Error::Rule("Slot ini sudah penuh; pilih slot lain.".into()));
    }
    Ok(mulai)
}

fn dipesan_isi(r: &JadwalRow, waktu: &str, tempat: &str) -> domain::surel::Isi {
    domain::surel::jadwal_dipesan(&r.satker_kode, waktu, tempat, &r.pejabat.join(", "))
}

/// Books slot `slot_id` for the caller's satker, naming `pejabat` (KPA first; PPK and PPSPM
/// once the KPA is AKTIF and has sent their data; each with its bundle accepted).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), slot_id))]
pub async fn pesan(
    pool: &PgPool,
    caller: &Caller,
    slot_id: SlotId,
    pejabat: &[PejabatId],
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::PesanJadwal).await?;
    let kppn = lock_satker(attempt.tx(), satker).await?;
    let semua = calon(attempt.tx(), satker, now).await?;
    let mut pilih = pejabat.to_vec();
    pilih.sort();
    pilih.dedup();
    if pilih.iter().any(|id| !semua.iter().any(|c| c.id == *id)) {
        let e = Error::NotFound("Pejabat tidak ditemukan pada satker Anda. Klik Refresh.".into());
        return Err(attempt.refuse(e).await);
    }
    if let Err(why) = jadwal::cek_pesan(&semua, &pilih) {
        return Err(attempt.refuse(Error::Rule(why)).await);
    }
    if let Err(e) = take_place(attempt.tx(), slot_id, &kppn, now).await {
        return Err(attempt.refuse(e).await);
    }
    let id = insert_jadwal(attempt.tx(), satker, &kppn, slot_id, actor, now).await?;
    sqlx::query("INSERT INTO jadwal_pejabat (jadwal_id, pejabat_id) SELECT $1, unnest($2::bigint[])")
        .bind(id)
        .bind(pilih.iter().map(|p| p.0).collect::<Vec<_>>())
        .execute(attempt.tx())
        .await?;
    let row = invite(attempt.tx(), id, now, dipesan_isi).await?;
    let detail =
        format!("slot {slot_id} {}: {}", jadwal::waktu(jadwal::wib_of_ms(row.mulai_ms)), row.pejabat.join(", "));
    attempt.done(detail, Some(satker)).await?;
    Ok(row)
}

/// Locks booking `id` of `satker` and checks it may still change at `now`; returns its slot.
async fn lock_own(conn: &mut PgConnection, id: JadwalId, satker: &str, now: DateTime<Utc>) -> Result<SlotId> {
    /// The booking, its slot's start and whether its attendance is recorded.
    #[derive(sqlx::FromRow)]
    struct Milik {
        slot_id: SlotId,
        mulai: DateTime<Utc>,
        kehadiran: Option<String>,
    }
    let row: Option<Milik> = sqlx::query_as(
        "SELECT j.slot_id, sl.mulai, j.kehadiran FROM jadwal j JOIN slot sl ON sl.id = j.slot_id
         WHERE j.id = $1 AND j.satker_kode = $2 AND j.dibatalkan_at IS NULL FOR UPDATE OF j",
    )
    .bind(id)
    .bind(satker)
    .fetch_optional(conn)
    .await?;
    let Some(Milik { slot_id: slot, mulai, kehadiran }) = row else {
        return Err(Error::NotFound("Jadwal tidak ditemukan atau sudah dibatalkan. Klik Refresh.".into()));
    };
    if kehadiran.is_some() || now > mulai - jadwal::BATAS_UBAH {
        return Err(Error::Rule(
            "Jadwal hanya dapat dipindah atau dibatalkan paling lambat satu jam sebelum sesi dimulai.".into(),
        ));
    }
    Ok(slot)
}

/// Moves booking `id` of the caller's satker to slot `slot_id`, up to an hour before it.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn pindah(
    pool: &PgPool,
    caller: &Caller,
    id: JadwalId,
    slot_id: SlotId,
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::PindahJadwal).await?;
    let kppn = lock_satker(attempt.tx(), satker).await?;
    let lama = match lock_own(attempt.tx(), id, satker, now).await {
        Ok(s) if s == slot_id => return Err(attempt.refuse(Error::Rule("Jadwal sudah pada slot ini.".into())).await),
        Ok(s) => s,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    if let Err(e) = take_place(attempt.tx(), slot_id, &kppn, now).await {
        return Err(attempt.refuse(e).await);
    }
    // the reminders follow the new time
    sqlx::query("UPDATE jadwal SET slot_id = $2, ingat_hari_at = NULL, ingat_jam_at = NULL WHERE id = $1")
        .bind(id)
        .bind(slot_id)
        .execute(attempt.tx())
        .await?;
    let row = invite(attempt.tx(), id, now, dipesan_isi).await?;
    let detail =
        format!("jadwal {id}: slot {lama} → slot {slot_id} {}", jadwal::waktu(jadwal::wib_of_ms(row.mulai_ms)));
    attempt.done(detail, Some(satker)).await?;
    Ok(row)
}

/// Cancels booking `id` of the caller's satker, up to an hour before it.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn batal(pool: &PgPool, caller: &Caller, id: JadwalId, now: DateTime<Utc>) -> Result<()> {
    let actor = authorize(pool, caller, Action::PesanJadwal).await?;
    let satker = own_satker(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::BatalJadwal).await?;
    lock_satker(attempt.tx(), satker).await?;
    let slot = match lock_own(attempt.tx(), id, satker, now).await {
        Ok(s) => s,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    sqlx::query("UPDATE jadwal SET dibatalkan_at = $2, dibatalkan_by = $3 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(actor.user_id)
        .execute(attempt.tx())
        .await?;
    attempt.done(format!("jadwal {id} slot {slot}"), Some(satker)).await
}
