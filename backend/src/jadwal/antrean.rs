//! The CSO's day: the KPPN's bookings as a queue, who has arrived, attendance and outcome,
//! and the satkers it may set a session for.

use super::baris::{Row, SELECT, one, own_kppn, wib};
use crate::Caller;
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use domain::JadwalId;
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{JadwalRow, Kehadiran};
use sqlx::{PgConnection, PgPool};

/// The bookings of the CSO's KPPN from the start of today (WIB) on, soonest first (today's
/// are its queue).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn kppn(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<JadwalRow>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} AND j.kppn_kode = $1 AND sl.mulai >= $2 ORDER BY sl.mulai, j.id LIMIT 200"))
            .bind(kppn)
            .bind(crate::wib_day_start(now))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Row::into_row).collect()
}

/// Booking `id` of the CSO's KPPN, locked: its start, satker, attendance and arrival.
#[derive(sqlx::FromRow)]
struct Locked {
    mulai: DateTime<Utc>,
    satker_kode: String,
    kehadiran: Option<String>,
    tiba_at: Option<DateTime<Utc>>,
}

async fn lock_kppn(conn: &mut PgConnection, id: JadwalId, kppn: &str) -> Result<Option<Locked>> {
    Ok(sqlx::query_as(
        "SELECT sl.mulai, j.satker_kode, j.kehadiran, j.tiba_at FROM jadwal j JOIN slot sl ON sl.id = j.slot_id
         WHERE j.id = $1 AND j.kppn_kode = $2 AND j.dibatalkan_at IS NULL FOR UPDATE OF j",
    )
    .bind(id)
    .bind(kppn)
    .fetch_optional(conn)
    .await?)
}

/// Records that the satker of booking `id` (today's queue) has arrived.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn tiba(pool: &PgPool, caller: &Caller, id: JadwalId, now: DateTime<Utc>) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::TibaJadwal).await?;
    let Some(Locked { mulai, satker_kode: satker, kehadiran, tiba_at }) = lock_kppn(attempt.tx(), id, kppn).await?
    else {
        return Err(attempt.refuse(Error::NotFound("Jadwal tidak ditemukan.".into())).await);
    };
    let checked = if wib(mulai).date() != wib(now).date() {
        Err("Kedatangan dicatat pada hari sesi.")
    } else if kehadiran.is_some() || tiba_at.is_some() {
        Err("Kedatangan satker ini sudah dicatat.")
    } else {
        Ok(())
    };
    if let Err(m) = checked {
        return Err(attempt.refuse(Error::Rule(m.into())).await);
    }
    sqlx::query("UPDATE jadwal SET tiba_at = $2 WHERE id = $1").bind(id).bind(now).execute(attempt.tx()).await?;
    let row = one(attempt.tx(), id).await?;
    attempt.done(format!("jadwal {id} satker {satker} tiba"), Some(&satker)).await?;
    Ok(row)
}

/// Records who came to a session that has started, and what came of it. A no-show frees
/// its pejabat: the satker may book again.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %jadwal_id))]
pub async fn catat(
    pool: &PgPool,
    caller: &Caller,
    jadwal_id: JadwalId,
    kehadiran: Kehadiran,
    hasil: &str,
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    const ACTION: Aksi = Aksi::CatatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let Some(Locked { mulai, satker_kode: satker, kehadiran: sudah, .. }) =
        lock_kppn(attempt.tx(), jadwal_id, kppn).await?
    else {
        return Err(attempt.refuse(Error::NotFound("Jadwal tidak ditemukan.".into())).await);
    };
    let checked = if mulai > now {
        Err("Sesi belum dimulai; kehadiran dicatat setelah sesi berlangsung.".to_string())
    } else if sudah.is_some() {
        Err("Kehadiran sesi ini sudah dicatat.".to_string())
    } else {
        domain::validate::text(hasil, "Hasil sesi", 500)
    };
    let hasil = match checked {
        Ok(h) => h,
        Err(m) => return Err(attempt.refuse(Error::Rule(m)).await),
    };
    sqlx::query("UPDATE jadwal SET kehadiran = $2, hasil = $3, dicatat_at = $4, dicatat_by = $5 WHERE id = $1")
        .bind(jadwal_id)
        .bind(kehadiran.label())
        .bind(&hasil)
        .bind(now)
        .bind(actor.user_id)
        .execute(attempt.tx())
        .await?;
    let row = one(attempt.tx(), jadwal_id).await?;
    let detail = format!("jadwal {jadwal_id} satker {satker}: {} — {hasil}", kehadiran.label());
    attempt.done(detail, Some(&satker)).await?;
    Ok(row)
}

/// The satkers of the CSO's KPPN (code, name), for the session form.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn satker_mitra(pool: &PgPool, caller: &Caller) -> Result<Vec<(String, String)>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    Ok(sqlx::query_as("SELECT kode, nama FROM satker WHERE kppn_kode = $1 ORDER BY kode LIMIT 5000")
        .bind(kppn)
        .fetch_all(pool)
        .await?)
}
