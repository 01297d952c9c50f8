//! Who holds a session (issue 26): the CSO takes a booked session on `/meja` ("Ambil sesi")
//! and holds it alone under a new short number; taking it from another CSO is audited and
//! voids the codes requested under the other's name. A walk-in session ("sesi langsung") is
//! opened by the CSO with the pejabat in front of it, held at once.

use super::baris::{one, own_kppn, wib};
use super::slot::insert_jadwal;
use crate::Caller;
use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::jadwal::{JadwalRow, Mode};
use domain::upacara::{NOMOR, SESI_LANGSUNG_MENIT};
use domain::workflow::{self, Langkah};
use domain::{JadwalId, PejabatId, UserId};
use rand::Rng;
use sqlx::{PgConnection, PgPool};

/// `user` holds session `id` from `now` under a new number (not the one it had, `lama`),
/// which it returns.
async fn pegang(
    conn: &mut PgConnection,
    id: JadwalId,
    user: UserId,
    lama: Option<i16>,
    now: DateTime<Utc>,
) -> Result<i16> {
    let nomor = loop {
        let n = rand::rngs::OsRng.gen_range(NOMOR);
        if Some(n) != lama {
            break n;
        }
    };
    sqlx::query("UPDATE jadwal SET dipegang_by = $2, dipegang_at = $3, nomor_sesi = $4 WHERE id = $1")
        .bind(id)
        .bind(user)
        .bind(now)
        .bind(nomor)
        .execute(conn)
        .await?;
    Ok(nomor)
}

/// Session `id` of the CSO's KPPN, locked, with its holder.
#[derive(sqlx::FromRow)]
struct Locked {
    mulai: DateTime<Utc>,
    durasi_menit: i32,
    satker_kode: String,
    kehadiran: Option<String>,
    dipegang_by: Option<UserId>,
    pemegang_nama: Option<String>,
    nomor_sesi: Option<i16>,
}

/// The calling CSO takes session `id` of its KPPN, today, before it ends: from now on only it
/// enters the aktivasi codes requested in it, and both screens show the new number.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), jadwal_id = %id))]
pub async fn ambil(pool: &PgPool, caller: &Caller, id: JadwalId, now: DateTime<Utc>) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::AmbilSesi).await?;
    let found: Option<Locked> = sqlx::query_as(
        "SELECT sl.mulai, sl.durasi_menit, j.satker_kode, j.kehadiran, j.dipegang_by, u.nama AS pemegang_nama,
                j.nomor_sesi
         FROM jadwal j JOIN slot sl ON sl.id = j.slot_id LEFT JOIN app_user u ON u.id = j.dipegang_by
         WHERE j.id = $1 AND j.kppn_kode = $2 AND j.dibatalkan_at IS NULL FOR UPDATE OF j",
    )
    .bind(id)
    .bind(kppn)
    .fetch_optional(attempt.tx())
    .await?;
    let Some(s) = found else {
        return Err(attempt.refuse(Error::NotFound("Jadwal tidak ditemukan.".into())).await);
    };
    let selesai = s.mulai + Duration::minutes(i64::from(s.durasi_menit));
    let checked = if wib(s.mulai).date() != wib(now).date() {
        Err("Sesi diambil pada hari sesi.")
    } else if now > selesai {
        Err("Sesi ini telah berakhir.")
    } else if s.kehadiran.as_deref() == Some("TIDAK HADIR") {
        Err("Satker sesi ini dicatat tidak hadir.")
    } else if s.dipegang_by == Some(actor.user_id) {
        Err("Sesi ini sudah Anda pegang.")
    } else {
        Ok(())
    };
    if let Err(m) = checked {
        return Err(attempt.refuse(Error::Rule(m.into())).await);
    }
    let nomor = pegang(attempt.tx(), id, actor.user_id, s.nomor_sesi, now).await?;
    let satker = &s.satker_kode;
    let detail = match &s.pemegang_nama {
        None => format!("sesi jadwal {id} satker {satker} diambil, nomor sesi {nomor}"),
        Some(lama) => {
            let void = crate::aktivasi::otp::batalkan_kode_sesi(attempt.tx(), id, now).await?;
            format!(
                "sesi jadwal {id} satker {satker} diambil alih dari {lama}, nomor sesi {nomor}; {void} kode aktivasi menunggu dibatalkan"
            )
        }
    };
    let row = one(attempt.tx(), id).await?;
    attempt.done(detail, Some(&s.satker_kode)).await?;
    Ok(row)
}

/// The calling CSO opens a walk-in session for pejabat `pejabat_id` of its KPPN, who waits for
/// activation and stands in front of it: a session at the KPPN from now, held by the CSO.
/// Refused while the pejabat has a held session in its window (`toleransi` around it).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn langsung(
    pool: &PgPool,
    caller: &Caller,
    pejabat_id: PejabatId,
    toleransi: Duration,
    now: DateTime<Utc>,
) -> Result<JadwalRow> {
    let actor = authorize(pool, caller, Action::JadwalCso).await?;
    let kppn = own_kppn(actor)?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::SesiLangsung).await?;
    attempt.about(pejabat_id);
    let target = match crate::aktivasi::pejabat::lock_pejabat(attempt.tx(), pejabat_id).await? {
        Some(t) if t.kppn_kode == kppn => t,
        _ => return Err(attempt.refuse(Error::NotFound("Referensi pejabat tidak ditemukan.".into())).await),
    };
    if workflow::next(target.jabatan, target.status, Langkah::Aktivasi).is_err() {
        let e = Error::Rule(format!("{} tidak sedang menunggu aktivasi OTP.", target.nama));
        return Err(attempt.refuse(e).await);
    }
    let sesi = crate::aktivasi::jendela::sesi_pejabat(attempt.tx(), &[pejabat_id], toleransi, now).await?;
    let held = sesi.get(&pejabat_id).filter(|s| s.pemegang.is_some());
    if let Some(s) = held.filter(|s| s.posisi(toleransi, now) == domain::upacara::Posisi::Dalam) {
        let holder = s.pemegang.as_ref().map_or("", |p| p.nama.as_str());
        let e = Error::Rule(format!(
            "{} sudah dalam sesi No. {} yang dipegang {holder}.",
            target.nama,
            s.nomor.unwrap_or_default()
        ));
        return Err(attempt.refuse(e).await);
    }
    let slot: domain::SlotId = sqlx::query_scalar(
        "INSERT INTO slot (kppn_kode, mulai, durasi_menit, kapasitas, mode, catatan, dibuat_at, dibuat_by)
         VALUES ($1, $2, $3, 1, $4, 'Sesi langsung di KPPN', $2, $5) RETURNING id",
    )
    .bind(kppn)
    .bind(now)
    .bind(SESI_LANGSUNG_MENIT)
    .bind(Mode::Kppn.code())
    .bind(actor.user_id)
    .fetch_one(attempt.tx())
    .await?;
    let id = insert_jadwal(attempt.tx(), &target.satker_kode, kppn, slot, actor, now).await?;
    let nomor = pegang(attempt.tx(), id, actor.user_id, None, now).await?;
    // the pejabat is at the desk: arrived as the session opens
    sqlx::query("UPDATE jadwal SET langsung = true, tiba_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    sqlx::query("INSERT INTO jadwal_pejabat (jadwal_id, pejabat_id) VALUES ($1, $2)")
        .bind(id)
        .bind(pejabat_id)
        .execute(attempt.tx())
        .await?;
    let row = one(attempt.tx(), id).await?;
    let detail = format!(
        "sesi langsung jadwal {id}: {} {} hadir di KPPN, nomor sesi {nomor}",
        target.jabatan.short(),
        target.nama
    );
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(row)
}
