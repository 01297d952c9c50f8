//! Activation sessions: the CSO KPPN schedules them for a satker of its KPPN, the
//! satker's users see them, and the CSO records attendance and outcome afterwards.

use crate::attempt::Attempt;
use crate::audit::refuse;
use crate::auth::authorize;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::JadwalId;
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{self, JadwalInput, JadwalRow, Kehadiran, Mode};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Row {
    id: JadwalId,
    satker_kode: String,
    satker_nama: String,
    mulai: DateTime<Utc>,
    #[sqlx(try_from = "crate::stored::Stored<Mode>")]
    mode: Mode,
    tautan: Option<String>,
    catatan: String,
    kehadiran: Option<String>,
    hasil: Option<String>,
}

impl Row {
    fn into_row(self) -> Result<JadwalRow> {
        Ok(JadwalRow {
            id: self.id,
            satker_kode: self.satker_kode,
            satker_nama: self.satker_nama,
            mulai_ms: self.mulai.timestamp_millis(),
            mode: self.mode,
            tautan: self.tautan,
            catatan: self.catatan,
            kehadiran: self.kehadiran.map(Kehadiran::try_from).transpose()?,
            hasil: self.hasil,
        })
    }
}

const SELECT: &str = "SELECT j.id, j.satker_kode, s.nama AS satker_nama, j.mulai, j.mode, j.tautan, j.catatan,
        j.kehadiran, j.hasil
    FROM jadwal j JOIN satker s ON s.kode = j.satker_kode";

fn own_kppn(actor: &Actor) -> Result<&str> {
    actor.unit.kppn().ok_or_else(|| Error::Forbidden("CSO tidak terdaftar pada KPPN.".into()))
}

/// Schedules a session for a satker of the CSO's KPPN.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn buat(pool: &PgPool, caller: &Caller, input: &JadwalInput, now: DateTime<Utc>) -> Result<JadwalRow> {
    const ACTION: Aksi = Aksi::BuatJadwal;
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let now_wib = now.with_timezone(&chrono_tz::Asia::Jakarta).naive_local();
    let new = match jadwal::check(input, now_wib) {
        Ok(n) => n,
        Err(fields) => return Err(refuse(pool, caller, ACTION, None, Error::Invalid(fields)).await),
    };
    let partner: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM satker WHERE kode = $1 AND kppn_kode = $2)")
        .bind(&new.satker_kode)
        .bind(kppn)
        .fetch_one(pool)
        .await?;
    if !partner {
        let e = Error::Forbidden("Satker ini bukan mitra KPPN Anda.".into());
        return Err(refuse(pool, caller, ACTION, None, e).await);
    }
    let mulai = chrono_tz::Asia::Jakarta
        .from_local_datetime(&new.mulai_wib)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::Rule("Waktu sesi tidak valid.".into()))?;
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let id: JadwalId = sqlx::query_scalar(
        "INSERT INTO jadwal (satker_kode, kppn_kode, mulai, mode, tautan, catatan, dibuat_at, dibuat_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&new.satker_kode)
    .bind(kppn)
    .bind(mulai)
    .bind(new.mode.code())
    .bind(new.tautan.as_deref())
    .bind(&new.catatan)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(attempt.tx())
    .await?;
    // the satker's Admin Lokal receive it with a calendar invitation
    let kppn_nama: String =
        sqlx::query_scalar("SELECT nama FROM kppn WHERE kode = $1").bind(kppn).fetch_one(attempt.tx()).await?;
    let tempat = match (new.mode, new.tautan.as_deref()) {
        (Mode::VideoConference, Some(link)) => format!("video conference {link}"),
        (Mode::VideoConference, None) => "video conference".to_string(),
        _ => format!("di {kppn_nama}"),
    };
    let waktu = jadwal::waktu(new.mulai_wib);
    let isi = domain::surel::jadwal(&new.satker_kode, &waktu, &tempat, &new.catatan);
    let judul = format!("Sesi Aktivasi OTP SAKTI Satker {} ({kppn_nama})", new.satker_kode);
    let ics = crate::email::undangan(
        &format!("jadwal-{id}@aktivasi-otp-sakti"),
        &judul,
        mulai,
        &tempat,
        new.tautan.as_deref(),
        now,
    );
    crate::email::to_admin_lokal(attempt.tx(), &new.satker_kode, &isi, Some(&ics), now).await?;
    let detail = format!("satker {} {} {}", new.satker_kode, waktu, new.mode.label());
    attempt.done(detail, Some(&new.satker_kode)).await?;
    let row: Row = sqlx::query_as(&format!("{SELECT} WHERE j.id = $1")).bind(id).fetch_one(pool).await?;
    row.into_row()
}

/// The sessions of the caller's satker: from a week ago on, soonest first.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn satker(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<JadwalRow>> {
    let actor = authorize(pool, caller, Action::LihatBerkas).await?;
    let satker = actor.unit.satker().unwrap_or("");
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE j.satker_kode = $1 AND j.mulai >= $2 ORDER BY j.mulai, j.id LIMIT 50"))
            .bind(satker)
            .bind(crate::wib_day_start(now) - Duration::days(7))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Row::into_row).collect()
}

/// The sessions of the CSO's KPPN from the start of today (WIB) on, soonest first.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn kppn(pool: &PgPool, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<JadwalRow>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE j.kppn_kode = $1 AND j.mulai >= $2 ORDER BY j.mulai, j.id LIMIT 200"))
            .bind(kppn)
            .bind(crate::wib_day_start(now))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Row::into_row).collect()
}

/// Records who came to a session that has started, and what came of it.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0), jadwal_id = %jadwal_id))]
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
    let row: Option<(DateTime<Utc>, String, Option<String>)> =
        sqlx::query_as("SELECT mulai, satker_kode, kehadiran FROM jadwal WHERE id = $1 AND kppn_kode = $2 FOR UPDATE")
            .bind(jadwal_id)
            .bind(kppn)
            .fetch_optional(attempt.tx())
            .await?;
    let Some((mulai, satker, sudah)) = row else {
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
    let detail = format!("jadwal {jadwal_id} satker {satker}: {} — {hasil}", kehadiran.label());
    attempt.done(detail, Some(&satker)).await?;
    let row: Row = sqlx::query_as(&format!("{SELECT} WHERE j.id = $1")).bind(jadwal_id).fetch_one(pool).await?;
    row.into_row()
}

/// The satkers of the CSO's KPPN (code, name), for the session form.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn satker_mitra(pool: &PgPool, caller: &Caller) -> Result<Vec<(String, String)>> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    Ok(sqlx::query_as("SELECT kode, nama FROM satker WHERE kppn_kode = $1 ORDER BY kode LIMIT 5000")
        .bind(kppn)
        .fetch_all(pool)
        .await?)
}
