//! The CSO KPPN's slots: publishing one for any satker of its KPPN, or setting a session for
//! one satker by hand (a slot of capacity one, booked at once, with its invitation).

use super::baris::{SELECT_SLOT, SlotDb, one, own_kppn, slots, tempat, wib};
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, TimeZone, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{self, JadwalInput, JadwalRow, NewJadwal, SlotRow};
use domain::{JadwalId, SlotId};
use sqlx::{PgConnection, PgPool};

/// Checks the session form of the CSO of `kppn`; the start in UTC.
pub(super) async fn checked(
    pool: &PgPool,
    caller: &Caller,
    action: Aksi,
    kppn: &str,
    input: &JadwalInput,
    now: DateTime<Utc>,
) -> Result<(NewJadwal, DateTime<Utc>)> {
    let new = match jadwal::check(input, wib(now)) {
        Ok(n) => n,
        Err(fields) => return Err(refuse(pool, caller, action, None, Error::Invalid(fields)).await),
    };
    if let Some(satker) = &new.satker_kode {
        let partner: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM satker WHERE kode = $1 AND kppn_kode = $2)")
                .bind(satker)
                .bind(kppn)
                .fetch_one(pool)
                .await?;
        if !partner {
            let e = Error::Forbidden("Satker ini bukan mitra KPPN Anda.".into());
            return Err(refuse(pool, caller, action, None, e).await);
        }
    }
    let mulai = chrono_tz::Asia::Jakarta
        .from_local_datetime(&new.mulai_wib)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::Rule("Waktu sesi tidak valid.".into()))?;
    Ok((new, mulai))
}

async fn insert_slot(
    conn: &mut PgConnection,
    kppn: &str,
    new: &NewJadwal,
    mulai: DateTime<Utc>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SlotId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, tautan, catatan, dibuat_at, dibuat_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(kppn)
    .bind(mulai)
    .bind(new.durasi_menit)
    .bind(new.kapasitas)
    .bind(new.mode.code())
    .bind(new.tautan.as_deref())
    .bind(&new.catatan)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(conn)
    .await?)
}

/// Books slot `slot` for `satker`.
pub(super) async fn insert_jadwal(
    conn: &mut PgConnection,
    satker: &str,
    kppn: &str,
    slot: SlotId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<JadwalId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO jadwal (satker_kode, kppn_kode, slot_id, dibuat_at, dibuat_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(satker)
    .bind(kppn)
    .bind(slot)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(conn)
    .await?)
}

/// The satker's Admin Lokal receive booking `id` with a calendar invitation: `isi` makes the
/// text from the WIB time and the place.
pub(super) async fn invite(
    conn: &mut PgConnection,
    id: JadwalId,
    now: DateTime<Utc>,
    isi: impl FnOnce(&JadwalRow, &str, &str) -> domain::surel::Isi,
) -> Result<JadwalRow> {
    let row = one(&mut *conn, id).await?;
    let kppn_nama: String =
        sqlx::query_scalar("SELECT k.nama FROM kppn k JOIN slot sl ON sl.kppn_kode = k.kode WHERE sl.id = $1")
            .bind(row.slot_id)
            .fetch_one(&mut *conn)
            .await?;
    let mulai = DateTime::from_timestamp_millis(row.mulai_ms).unwrap_or(now);
    let tempat = tempat(row.mode, row.tautan.as_deref(), &kppn_nama);
    let waktu = jadwal::waktu(wib(mulai));
    let judul = format!("Sesi Aktivasi OTP SAKTI Satker {} ({kppn_nama})", row.satker_kode);
    let ics = crate::kirim::email::undangan(
        &format!("jadwal-{id}@aktivasi-otp-sakti"),
        &judul,
        mulai,
        i64::from(row.durasi_menit),
        &tempat,
        row.tautan.as_deref(),
        now,
    );
    crate::kirim::email::to_admin_lokal(&mut *conn, &row.satker_kode, &isi(&row, &waktu, &tempat), Some(&ics), now)
        .await?;
    Ok(row)
}

/// Sets a session for a satker of the CSO's KPPN by hand: a slot of capacity one, booked.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn buat(pool: &PgPool, caller: &Caller, input: &JadwalInput, now: DateTime<Utc>) -> Result<JadwalRow> {
    const ACTION: Aksi = Aksi::BuatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let (new, mulai) = checked(pool, caller, ACTION, kppn, input, now).await?;
    let Some(satker) = new.satker_kode.clone() else {
        let mut fields = domain::validate::FieldErrors::default();
        fields.add("satker_kode", "Pilih satker.");
        return Err(Error::Invalid(fields));
    };
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let slot = insert_slot(attempt.tx(), kppn, &new, mulai, actor, now).await?;
    let id = insert_jadwal(attempt.tx(), &satker, kppn, slot, actor, now).await?;
    let catatan = new.catatan.clone();
    let row = invite(attempt.tx(), id, now, |r, waktu, tempat| {
        domain::surel::jadwal(&r.satker_kode, waktu, tempat, &catatan)
    })
    .await?;
    let detail = format!("satker {satker} {} {}", jadwal::waktu(new.mulai_wib), new.mode.label());
    attempt.done(detail, Some(&satker)).await?;
    Ok(row)
}

/// Publishes an open slot of the CSO's KPPN for its satkers to book.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn terbitkan(pool: &PgPool, caller: &Caller, input: &JadwalInput, now: DateTime<Utc>) -> Result<SlotRow> {
    const ACTION: Aksi = Aksi::BuatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let (new, mulai) = checked(pool, caller, ACTION, kppn, input, now).await?;
    if new.satker_kode.is_some() {
        return Err(Error::Rule("Slot terbuka tidak memilih satker.".into()));
    }
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let id = insert_slot(attempt.tx(), kppn, &new, mulai, actor, now).await?;
    let detail = format!(
        "slot {id} {} {} menit, kapasitas {} satker, {}",
        jadwal::waktu(new.mulai_wib),
        new.durasi_menit,
        new.kapasitas,
        new.mode.label()
    );
    attempt.done(detail, None).await?;
    let row: SlotDb = sqlx::query_as(&format!("{SELECT_SLOT} WHERE sl.id = $1")).bind(id).fetch_one(pool).await?;
    Ok(row.into_row())
}

/// The slots of the CSO's KPPN from the start of today (WIB) on.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn slot_kppn(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<SlotRow>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut conn = pool.acquire().await?;
    slots(&mut conn, kppn, crate::wib_day_start(now), false).await
}
