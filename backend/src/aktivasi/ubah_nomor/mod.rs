//! Changing an `AKTIF` pejabat's OTP number: the pejabat asks and proves the new number
//! with a code sent to it; the KPA approves a PPK's/PPSPM's change with its own code; the
//! signed Form Ubah Nomor OTP goes through the CSO's desk; the CSO confirms. Only then is
//! the number replaced; the old number gets a notice, the new one the activation notice.

use crate::akses::attempt::Attempt;
use crate::akses::auth::authorize;
use crate::aktivasi::otp_engine::{self, HasilCek, KodeTerkirim, OtpKey};
use crate::aktivasi::pejabat::{Target, lock_own_kpa, lock_pejabat};
use crate::error::{Error, Result};
use crate::{Actor, Caller, kirim::sms};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::authz::Action;
use domain::otp::Purpose;
use domain::ubah_nomor::{self, Langkah, Tahap};
use domain::{Jabatan, PejabatId, UbahNomorId};
use sqlx::{PgConnection, PgPool};

/// An open change as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Open {
    id: UbahNomorId,
    no_hp_lama: String,
    no_hp_baru: String,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Tahap>")]
    tahap: Tahap,
}

async fn lock_open(tx: &mut PgConnection, pejabat_id: PejabatId) -> Result<Option<Open>> {
    Ok(sqlx::query_as(
        "SELECT id, no_hp_lama, no_hp_baru, tahap FROM ubah_nomor
         WHERE pejabat_id = $1 AND tahap NOT IN ('SELESAI', 'BATAL') FOR UPDATE",
    )
    .bind(pejabat_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Moves change `id` from `from` by `langkah` (as the domain allows), stamping the step at
/// `now`.
pub(crate) async fn advance(
    tx: &mut PgConnection,
    id: UbahNomorId,
    jabatan: Jabatan,
    langkah: Langkah,
    from: Tahap,
    now: DateTime<Utc>,
) -> Result<Tahap> {
    let to = ubah_nomor::next(jabatan, from, langkah).map_err(Error::Rule)?;
    // an accepted bundle stamps nothing: `diajukan_at`, which the wait before the confirmation
    // runs from, stays the time the change was asked for
    let stamp = match langkah {
        Langkah::NomorBaruTerverifikasi => Some("verifikasi_at"),
        Langkah::KpaSetuju => Some("disetujui_at"),
        Langkah::CsoKonfirmasi | Langkah::Batal => Some("selesai_at"),
        Langkah::BerkasDiterima => None,
    };
    let sql = match stamp {
        Some(column) => format!("UPDATE ubah_nomor SET tahap = $2, {column} = $4 WHERE id = $1 AND tahap = $3"),
        None => "UPDATE ubah_nomor SET tahap = $2 WHERE id = $1 AND tahap = $3".to_owned(),
    };
    let mut query = sqlx::query(&sql).bind(id).bind(to.label()).bind(from.label());
    if stamp.is_some() {
        query = query.bind(now);
    }
    query.execute(&mut *tx).await?;
    Ok(to)
}

/// Tells the number being replaced and the email on record that the change of `target`'s
/// number to `baru` reached `tahap`, with its KPPN's contact.
async fn beri_tahu_nomor_lama(
    tx: &mut PgConnection,
    target: &Target,
    lama: &str,
    baru: &str,
    tahap: domain::sms::TahapPemberitahuan,
    now: DateTime<Utc>,
) -> Result<()> {
    let kontak = sms::kontak_kppn(&mut *tx, &target.kppn_kode).await?;
    let text = domain::sms::ubah_nomor_lama(
        tahap,
        &target.nama,
        target.jabatan,
        &target.satker_kode,
        &domain::format::masked_phone(baru),
        &kontak,
    );
    sms::enqueue_to_pejabat(tx, target.id, lama, &text, domain::surel::ubah_nomor, now).await
}

/// The caller's own `AKTIF` KPA reference, locked, which approves the change of `target`;
/// the inner error is the refusal to audit.
async fn approving_kpa(tx: &mut PgConnection, actor: &Actor, target: &Target) -> Result<Target> {
    match lock_own_kpa(tx, actor).await? {
        Some(kpa) if kpa.status == domain::Status::Aktif && kpa.id != target.id => Ok(kpa),
        _ => Err(Error::Rule("Persetujuan perubahan nomor diberikan oleh KPA satker yang OTP-nya aktif.".into())),
    }
}

/// The start of each step: logged in, allowed, the reference (of the caller's satker) locked.
async fn begin<'c>(
    pool: &'c PgPool,
    caller: &'c Caller,
    action: Action,
    audit_action: Aksi,
    pejabat_id: PejabatId,
) -> Result<(Attempt<'c>, &'c Actor, Target)> {
    let actor = authorize(pool, caller, action).await?;
    let mut attempt = Attempt::begin(pool, caller, audit_action).await?;
    attempt.about(pejabat_id);
    match lock_pejabat(attempt.tx(), pejabat_id).await? {
        Some(t) if actor.unit.satker() == Some(t.satker_kode.as_str()) => Ok((attempt, actor, t)),
        _ => Err(attempt.refuse(Error::NotFound("Referensi pejabat tidak ditemukan.".into())).await),
    }
}

/// The pejabat asks to change its own number to `no_hp_baru`: a code goes to the new
/// number. Asking again with the same number resends (cool-down applies); with another
/// number the earlier request is cancelled.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn ajukan(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    no_hp_baru: &str,
    now: DateTime<Utc>,
) -> Result<KodeTerkirim> {
    let action = Aksi::otp(Purpose::UbahNomor, false);
    let (mut attempt, actor, target) = begin(pool, caller, Action::UbahNomor, action, pejabat_id).await?;
    if target.user_id != actor.user_id {
        let e = Error::Forbidden("Perubahan nomor diajukan oleh pejabat yang bersangkutan.".into());
        return Err(attempt.refuse(e).await);
    }
    crate::akses::auth::step_up(caller)?;
    let checked = ubah_nomor::may_start(target.jabatan, target.status).and_then(|()| {
        let baru = domain::validate::phone(no_hp_baru)?;
        if baru == target.no_hp { Err("Nomor baru sama dengan nomor sekarang.".into()) } else { Ok(baru) }
    });
    let baru = match checked {
        Ok(b) => b,
        Err(m) => return Err(attempt.refuse(Error::Rule(m)).await),
    };
    if let Some(taken) = crate::aktivasi::pejabat::nomor_dipakai(attempt.tx(), &baru, &target.nip).await? {
        return Err(attempt.refuse(Error::Rule(taken)).await);
    }
    let open = lock_open(attempt.tx(), pejabat_id).await?;
    let resend = match open {
        Some(o) if o.tahap == Tahap::VerifikasiNomorBaru && o.no_hp_baru == baru => Some(o.id),
        Some(o) if o.tahap == Tahap::VerifikasiNomorBaru => {
            // another number: the earlier request is cancelled and a new one starts
            advance(attempt.tx(), o.id, target.jabatan, Langkah::Batal, o.tahap, now).await?;
            None
        }
        Some(o) => {
            let m = format!("Perubahan nomor sedang berjalan (tahap {}).", o.tahap.label());
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
        None => None,
    };
    let id: UbahNomorId = if let Some(id) = resend {
        id
    } else {
        sqlx::query_scalar(
            "INSERT INTO ubah_nomor (pejabat_id, no_hp_lama, no_hp_baru, tahap, diajukan_at, diajukan_by)
             VALUES ($1, $2, $3, 'VERIFIKASI NOMOR BARU', $4, $5) RETURNING id",
        )
        .bind(pejabat_id)
        .bind(&target.no_hp)
        .bind(&baru)
        .bind(now)
        .bind(actor.user_id)
        .fetch_one(attempt.tx())
        .await?
    };
    let teks = otp_engine::Teks::Kode;
    let pending =
        match otp_engine::issue(attempt.tx(), key, actor, &target, Purpose::UbahNomor, None, None, &baru, teks, now)
            .await
        {
            Ok(p) => p,
            Err(e) => return Err(attempt.refuse(e).await),
        };
    if resend.is_none() {
        let tahap = domain::sms::TahapPemberitahuan::Diajukan;
        beri_tahu_nomor_lama(attempt.tx(), &target, &target.no_hp, &baru, tahap, now).await?;
    }
    let detail = format!("ubah nomor {id}: kode dikirim ke nomor baru {}", domain::format::masked_phone(&baru));
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(pending)
}

/// Checks a typed code against the open change's current OTP step and, when right, moves
/// the change on. `purpose` is [`Purpose::UbahNomor`] (the pejabat, code from the new
/// number) or [`Purpose::SetujuUbahNomor`] (the KPA's own code).
async fn prove(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Tahap> {
    let action = Aksi::otp(purpose, true);
    let (authz, langkah, at) = match purpose {
        Purpose::SetujuUbahNomor => (Action::SetujuUbahNomor, Langkah::KpaSetuju, Tahap::PersetujuanKpa),
        _ => (Action::UbahNomor, Langkah::NomorBaruTerverifikasi, Tahap::VerifikasiNomorBaru),
    };
    let (mut attempt, actor, target) = begin(pool, caller, authz, action, pejabat_id).await?;
    let owner = match purpose {
        Purpose::SetujuUbahNomor => approving_kpa(attempt.tx(), actor, &target).await,
        _ if target.user_id != actor.user_id => {
            Err(Error::Forbidden("Kode nomor baru dimasukkan oleh pejabat yang bersangkutan.".into()))
        }
        _ => Ok(target.clone()),
    };
    let owner = match owner {
        Ok(o) => o,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let open = match lock_open(attempt.tx(), pejabat_id).await? {
        Some(o) if o.tahap == at => o,
        Some(o) => {
            let m = ubah_nomor::next(target.jabatan, o.tahap, langkah).err().unwrap_or_default();
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
        None => {
            let m = "Tidak ada perubahan nomor yang sedang berjalan.".to_string();
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
    };
    let bound = purpose.is_bound_to_target().then_some(target.id);
    match otp_engine::check(attempt.tx(), key, &owner, purpose, bound, typed, now).await? {
        HasilCek::Right => {}
        HasilCek::Refused(r) => return Err(attempt.refuse(r.into()).await),
        HasilCek::Wrong(r) => return Err(attempt.fail(r.into()).await),
    }
    let to = advance(attempt.tx(), open.id, target.jabatan, langkah, at, now).await?;
    if langkah == Langkah::KpaSetuju {
        sqlx::query("UPDATE ubah_nomor SET disetujui_by = $2 WHERE id = $1")
            .bind(open.id)
            .bind(actor.user_id)
            .execute(attempt.tx())
            .await?;
        let tahap = domain::sms::TahapPemberitahuan::DisetujuiKpa;
        beri_tahu_nomor_lama(attempt.tx(), &target, &open.no_hp_lama, &open.no_hp_baru, tahap, now).await?;
    }
    let detail = format!("ubah nomor {}: {} → {}", open.id, at.label(), to.label());
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(to)
}

/// The pejabat types the code the new number received.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn verifikasi(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Tahap> {
    prove(pool, key, caller, pejabat_id, Purpose::UbahNomor, typed, now).await
}

/// The KPA asks for its own code to approve the change of `pejabat_id`.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn minta_setuju(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    now: DateTime<Utc>,
) -> Result<KodeTerkirim> {
    let action = Aksi::otp(Purpose::SetujuUbahNomor, false);
    let (mut attempt, actor, target) = begin(pool, caller, Action::SetujuUbahNomor, action, pejabat_id).await?;
    let kpa = match approving_kpa(attempt.tx(), actor, &target).await {
        Ok(kpa) => kpa,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let open = match lock_open(attempt.tx(), pejabat_id).await? {
        Some(o) if o.tahap == Tahap::PersetujuanKpa => o,
        _ => {
            let m = "Perubahan nomor pejabat ini tidak sedang menunggu persetujuan KPA.".to_string();
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
    };
    let phone = kpa.no_hp.clone();
    let teks = otp_engine::Teks::SetujuUbahNomor { target: &target, nomor_baru: &open.no_hp_baru };
    let purpose = Purpose::SetujuUbahNomor;
    let pending = match otp_engine::issue(
        attempt.tx(),
        key,
        actor,
        &kpa,
        purpose,
        Some(target.id),
        None,
        &phone,
        teks,
        now,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let detail = "kode persetujuan dikirim ke HP KPA".to_string();
    attempt.done(detail, None).await?;
    Ok(pending)
}

/// The KPA types its own code to approve.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn setuju(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Tahap> {
    prove(pool, key, caller, pejabat_id, Purpose::SetujuUbahNomor, typed, now).await
}

/// The pejabat, the satker's KPA or its Admin Lokal cancels an open change ("Batalkan", the
/// way to stop a change the notices to the old number offer).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn batal(pool: &PgPool, caller: &Caller, pejabat_id: PejabatId, now: DateTime<Utc>) -> Result<()> {
    const ACTION: Aksi = Aksi::BatalUbahNomor;
    let (mut attempt, actor, target) = begin(pool, caller, Action::BatalUbahNomor, ACTION, pejabat_id).await?;
    if target.user_id != actor.user_id && !matches!(actor.role, domain::Role::AdminLokal | domain::Role::Kpa) {
        let m = "Perubahan nomor dibatalkan oleh pejabat yang bersangkutan, KPA atau Admin Lokal satker.".to_string();
        return Err(attempt.refuse(Error::Forbidden(m)).await);
    }
    let Some(open) = lock_open(attempt.tx(), pejabat_id).await? else {
        let m = "Tidak ada perubahan nomor yang sedang berjalan.".to_string();
        return Err(attempt.refuse(Error::Rule(m)).await);
    };
    advance(attempt.tx(), open.id, target.jabatan, Langkah::Batal, open.tahap, now).await?;
    let detail = format!("ubah nomor {}: {} → BATAL", open.id, open.tahap.label());
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(())
}

/// The CSO confirms a change whose bundle it accepted: the new number takes effect. Not
/// before `wait` has passed since the change was asked for, unless the CSO records that the
/// old phone is lost (`hp_lama_hilang`, the reason, written to the trail).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), ubah_nomor_id = %ubah_nomor_id))]
pub async fn konfirmasi(
    pool: &PgPool,
    caller: &Caller,
    ubah_nomor_id: UbahNomorId,
    wait: chrono::Duration,
    hp_lama_hilang: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    const ACTION: Aksi = Aksi::KonfirmasiUbahNomor;
    let actor = authorize(pool, caller, Action::MejaCso).await?;
    crate::akses::auth::step_up(caller)?;
    let mut attempt = Attempt::begin(pool, caller, ACTION).await?;
    let row: Option<(PejabatId, String)> = sqlx::query_as(
        "SELECT u.pejabat_id, s.kppn_kode FROM ubah_nomor u JOIN pejabat p ON p.id = u.pejabat_id
         JOIN satker s ON s.kode = p.satker_kode WHERE u.id = $1",
    )
    .bind(ubah_nomor_id)
    .fetch_optional(attempt.tx())
    .await?;
    let pejabat_id = match row {
        Some((p, kppn)) if actor.unit.kppn() == Some(kppn.as_str()) => p,
        _ => return Err(attempt.refuse(Error::NotFound("Perubahan nomor tidak ditemukan.".into())).await),
    };
    attempt.about(pejabat_id);
    let Some(target) = lock_pejabat(attempt.tx(), pejabat_id).await? else {
        return Err(attempt.refuse(Error::NotFound("Pejabat tidak ditemukan.".into())).await);
    };
    let open = match lock_open(attempt.tx(), pejabat_id).await? {
        Some(o) if o.id == ubah_nomor_id => o,
        _ => {
            let m = "Perubahan nomor ini sudah selesai atau dibatalkan.".to_string();
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
    };
    if let Err(m) = ubah_nomor::next(target.jabatan, open.tahap, Langkah::CsoKonfirmasi) {
        return Err(attempt.refuse(Error::Rule(m)).await);
    }
    let diajukan_at: DateTime<Utc> = sqlx::query_scalar("SELECT diajukan_at FROM ubah_nomor WHERE id = $1")
        .bind(open.id)
        .fetch_one(attempt.tx())
        .await?;
    let hilang = match ubah_nomor::may_confirm(diajukan_at, wait, hp_lama_hilang, now) {
        Ok(h) => h,
        Err(m) => return Err(attempt.refuse(Error::Rule(m)).await),
    };
    advance(attempt.tx(), open.id, target.jabatan, Langkah::CsoKonfirmasi, open.tahap, now).await?;
    sqlx::query("UPDATE ubah_nomor SET selesai_by = $2 WHERE id = $1")
        .bind(open.id)
        .bind(actor.user_id)
        .execute(attempt.tx())
        .await?;
    // the new number may have become another person's since it was verified
    if let Some(taken) = crate::aktivasi::pejabat::nomor_dipakai(attempt.tx(), &open.no_hp_baru, &target.nip).await? {
        return Err(attempt.refuse(Error::Rule(taken)).await);
    }
    let updated = sqlx::query("UPDATE pejabat SET no_hp = $2, updated_at = $3 WHERE id = $1")
        .bind(pejabat_id)
        .bind(&open.no_hp_baru)
        .bind(now)
        .execute(attempt.tx())
        .await;
    match updated {
        Err(sqlx::Error::Database(db)) if db.constraint() == Some(crate::aktivasi::pejabat::SATU_NOMOR) => {
            let m = domain::validate::NOMOR_DIPAKAI_ORANG_LAIN.to_string();
            return Err(attempt.refuse(Error::Rule(m)).await);
        }
        other => other?,
    };
    // whoever holds the pejabat's account elsewhere (on the old phone, say) is logged out
    crate::akses::sesi::akhiri_milik(attempt.tx(), target.user_id, None).await?;
    // codes sent to the old number stop working
    sqlx::query("UPDATE otp_code SET state = 'VOID', closed_at = $2 WHERE pejabat_id = $1 AND state = 'PENDING'")
        .bind(pejabat_id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    let masked = domain::format::masked_phone(&open.no_hp_baru);
    let tahap = domain::sms::TahapPemberitahuan::Dikonfirmasi;
    beri_tahu_nomor_lama(attempt.tx(), &target, &open.no_hp_lama, &open.no_hp_baru, tahap, now).await?;
    let aktif = domain::sms::aktif(&target.nama, target.jabatan, &target.satker_kode);
    sms::enqueue(attempt.tx(), &open.no_hp_baru, &aktif, &aktif, now).await?;
    let mut detail = format!(
        "ubah nomor {}: {} → {} (KONFIRMASI CSO → SELESAI)",
        open.id,
        domain::format::masked_phone(&open.no_hp_lama),
        masked
    );
    if let Some(alasan) = hilang {
        detail.push_str(&format!("; sebelum masa tunggu, HP lama hilang: {alasan}"));
    }
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(())
}

mod daftar;
pub use daftar::{menunggu_konfirmasi, milik, satker};
