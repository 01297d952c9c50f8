//! The OTP steps of the seed (3–6): requesting a code and checking it, applying the status
//! move of the workflow in the same transaction, with the SMS and the audit line. The codes
//! themselves (key, issue, check) are `otp_engine`. Every decision about statuses and limits
//! is the domain's; this module reads the facts, asks, and persists.

use crate::akses::attempt::Attempt;
use crate::aktivasi::jendela;
use crate::aktivasi::otp_engine::{HasilCek, Teks, boleh_kirim, check, issue};
pub use crate::aktivasi::otp_engine::{KodeTerkirim, OtpKey};
use crate::aktivasi::pejabat::{Target, lock_own_kpa, lock_pejabat};
use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller, kirim::sms};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::otp::{BukaKode, Purpose};
use domain::upacara::{Ceklis, CeklisInput, InfoSesi, Tunggu};
use domain::workflow::{self, Langkah};
use domain::{JadwalId, PejabatId, Role, Status};
use sqlx::{PgConnection, PgPool};

/// The workflow step a code purpose drives; the number-change purposes have their own module.
fn langkah_of(purpose: Purpose) -> Option<Langkah> {
    match purpose {
        Purpose::VerifikasiHp => Some(Langkah::VerifikasiHp),
        Purpose::Aktivasi => Some(Langkah::Aktivasi),
        Purpose::KirimData => Some(Langkah::KirimData),
        Purpose::UbahNomor | Purpose::SetujuUbahNomor => None,
    }
}

/// Who owns the phone the code goes to, for `purpose` on reference `target`, after
/// checking that the caller may do this step now. Errors are refusals to audit.
async fn resolve(
    tx: &mut PgConnection,
    actor: &Actor,
    target: &Target,
    purpose: Purpose,
    submit: bool,
) -> Result<Target> {
    let forbid = |m: &str| Err(Error::Forbidden(m.to_owned()));
    let Some(langkah) = langkah_of(purpose) else {
        return unreachable_purpose();
    };
    // who: the caller's role and relation to the reference (authorization) …
    let own = target.user_id == actor.user_id;
    let owner = match purpose {
        Purpose::VerifikasiHp if !own => {
            return forbid("Verifikasi nomor HP hanya dapat dilakukan oleh pejabat yang bersangkutan.");
        }
        Purpose::Aktivasi
            if submit && (actor.role != Role::Cso || actor.unit.kppn() != Some(target.kppn_kode.as_str())) =>
        {
            return forbid("Kode aktivasi dimasukkan oleh CSO KPPN mitra satker.");
        }
        Purpose::Aktivasi if !submit && !own => {
            return forbid("Request OTP aktivasi hanya dapat dilakukan oleh pejabat yang bersangkutan.");
        }
        Purpose::KirimData => {
            if actor.unit.satker() != Some(target.satker_kode.as_str()) {
                return forbid("Pejabat ini bukan pejabat satker Anda.");
            }
            match lock_own_kpa(tx, actor).await? {
                None => return forbid("Kirim Data hanya dapat dilakukan oleh KPA satker."),
                Some(kpa) => kpa,
            }
        }
        _ => target.clone(),
    };
    // … then what: the status move, and the conditions of the step (rules)
    if let Err(refusal) = workflow::next(target.jabatan, target.status, langkah) {
        return Err(Error::Rule(refusal.to_string()));
    }
    match purpose {
        Purpose::KirimData if owner.status != Status::Aktif => {
            Err(Error::Rule("OTP KPA belum aktif. Aktifkan OTP KPA bersama CSO KPPN sebelum Kirim Data.".into()))
        }
        Purpose::Aktivasi
            if !crate::aktivasi::pejabat::berkas_diterima(&mut *tx, target.id, domain::berkas::Keperluan::Aktivasi)
                .await? =>
        {
            Err(Error::Rule(
                "Berkas aktivasi pejabat ini belum diterima CSO KPPN. Unggah dan ajukan berkasnya terlebih dahulu."
                    .into(),
            ))
        }
        _ => Ok(owner),
    }
}

fn unreachable_purpose() -> Result<Target> {
    Err(Error::Rule("Kode perubahan nomor diminta dari menu Ubah Nomor OTP.".into()))
}

/// The start of every step: the caller is logged in, the reference exists, and the caller
/// may do `purpose` on it now; refusals are audited. Returns the attempt with the reference
/// locked, the actor, the reference, and the owner of the phone the code goes to.
pub(crate) async fn begin_step<'c>(
    pool: &'c PgPool,
    caller: &'c Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
    submit: bool,
) -> Result<(Attempt<'c>, &'c Actor, Target, Target)> {
    let action = Aksi::otp(purpose, submit);
    let Some(actor) = caller.actor() else {
        return Err(refuse(pool, caller, action, None, Error::Unauthenticated).await);
    };
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    let Some(target) = lock_pejabat(attempt.tx(), pejabat_id).await? else {
        return Err(attempt.refuse(Error::NotFound("Referensi pejabat tidak ditemukan.".into())).await);
    };
    attempt.about(pejabat_id);
    match resolve(attempt.tx(), actor, &target, purpose, submit).await {
        Ok(owner) => Ok((attempt, actor, target, owner)),
        Err(e) => Err(attempt.refuse(e).await),
    }
}

/// Sends a new code for `purpose` on reference `pejabat_id` ("Request OTP").
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?purpose))]
pub async fn request(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<KodeTerkirim> {
    let (mut attempt, actor, target, owner) = begin_step(pool, caller, pejabat_id, purpose, false).await?;
    // an aktivasi code lives inside its session: requested in the window, held by its CSO
    let sesi = match purpose {
        Purpose::Aktivasi => match sesi_permintaan(attempt.tx(), key, &target, &owner, now).await? {
            (_, Some(tunggu)) => return Err(attempt.refuse(Error::Rule(tunggu.teks)).await),
            (found, None) => found,
        },
        _ => None,
    };
    // the cool-down runs per code binding: a KPA sending its PPK and then its PPSPM
    // does not wait between the two
    let bound_target = purpose.is_bound_to_target().then_some(target.id);
    let mut pending = match issue(
        attempt.tx(),
        key,
        actor,
        &owner,
        purpose,
        bound_target,
        sesi.as_ref().map(|s| s.jadwal_id),
        &owner.no_hp,
        Teks::Kode,
        now,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let mut detail = format!("kode {} dikirim ke HP {} pejabat", purpose.code(), owner.jabatan.short());
    if let Some(s) = &sesi {
        detail.push_str(&sesi_detail(s));
    }
    // the pejabat's email hears of it too, with a way to say it was not them
    if let (Some(origin), Some(s)) = (key.tautan_dasar(), &sesi) {
        crate::aktivasi::lapor::kabari(attempt.tx(), origin, &owner, s, now).await?;
    }
    pending.sesi = sesi;
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(pending)
}

/// The session an aktivasi code for `target` would be requested in at `now`, and why it
/// cannot be, if so: outside the window, no CSO holding it, or the session's own allowance
/// ([`domain::upacara::KODE_PER_SESI`], in place of the number's ten-minute window) used up.
async fn sesi_permintaan(
    tx: &mut PgConnection,
    key: &OtpKey,
    target: &Target,
    owner: &Target,
    now: DateTime<Utc>,
) -> Result<(Option<InfoSesi>, Option<Tunggu>)> {
    let toleransi = key.sesi_toleransi();
    let found = jendela::sesi_pejabat(tx, &[target.id], toleransi, now).await?.remove(&target.id);
    if let Some(tunggu) = domain::upacara::tunggu_sesi(found.as_ref(), toleransi, now) {
        return Ok((found, Some(tunggu)));
    }
    let dalam: i64 = sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE pejabat_id = $1 AND jadwal_id = $2")
        .bind(owner.id)
        .bind(found.as_ref().map(|s| s.jadwal_id))
        .fetch_one(&mut *tx)
        .await?;
    if dalam >= domain::upacara::KODE_PER_SESI {
        let teks = format!(
            "Sesi ini sudah mengirim {} kode untuk Anda. Minta CSO KPPN membuka sesi baru.",
            domain::upacara::KODE_PER_SESI
        );
        return Ok((found, Some(Tunggu { teks, detik: None })));
    }
    Ok((found, None))
}

/// A code dialog as it opens (issue 26 point 6): besides the latest code, what a press of
/// "Request OTP" would meet now — the session an aktivasi code is read in, or why none; the
/// number's budget and its wait — so the dialog shows any wait before the press, not after.
/// A read: nothing written, nothing audited.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?purpose))]
pub async fn buka(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<BukaKode> {
    let terakhir = latest(pool, caller, pejabat_id, purpose).await?.map(|p| p.view(now));
    let Some(actor) = caller.actor() else { return Err(Error::Unauthenticated) };
    let mut tx = pool.begin().await?;
    let Some(target) = lock_pejabat(&mut tx, pejabat_id).await? else {
        return Ok(BukaKode { terakhir, ..BukaKode::default() });
    };
    let Ok(owner) = resolve(&mut tx, actor, &target, purpose, false).await else {
        return Ok(BukaKode { terakhir, ..BukaKode::default() });
    };
    let (sesi, tunggu) = match purpose {
        Purpose::Aktivasi => sesi_permintaan(&mut tx, key, &target, &owner, now).await?,
        _ => (None, None),
    };
    if tunggu.is_some() {
        return Ok(BukaKode { terakhir, sesi, tunggu });
    }
    let bound_target = purpose.is_bound_to_target().then_some(target.id);
    let dalam_sesi = sesi.is_some();
    let tunggu = match boleh_kirim(&mut tx, key, &owner, purpose, bound_target, dalam_sesi, &owner.no_hp, now).await? {
        // the code on screen counts down its own cool-down
        Ok(_) | Err((domain::otp::OtpRefusal::Cooldown(_), _)) => None,
        Err((refusal, sampai)) => {
            Some(Tunggu { teks: refusal.to_string(), detik: sampai.map(|t| (t - now).num_seconds().max(1)) })
        }
    };
    Ok(BukaKode { terakhir, sesi, tunggu })
}

/// Checks a typed code and, when right, makes the status move of `purpose` on
/// reference `pejabat_id`. An aktivasi code is entered only by the CSO holding the session it
/// was requested in, with the checklist of that session's mode (`ceklis`).
// The arguments are the request as it arrives; bundling them would only move the list.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?purpose))]
pub async fn submit(
    pool: &PgPool,
    key: &OtpKey,
    caller: &Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
    typed: &str,
    ceklis: Option<&CeklisInput>,
    now: DateTime<Utc>,
) -> Result<Status> {
    let (mut attempt, actor, target, owner) = begin_step(pool, caller, pejabat_id, purpose, true).await?;
    let upacara = match purpose {
        Purpose::Aktivasi => match upacara(attempt.tx(), actor, &target, ceklis, now).await? {
            Ok(u) => u,
            Err(e) => return Err(attempt.refuse(e).await),
        },
        _ => None,
    };
    let bound_target = purpose.is_bound_to_target().then_some(target.id);
    match check(attempt.tx(), key, &owner, purpose, bound_target, typed, now).await? {
        HasilCek::Right => {}
        HasilCek::Refused(refusal) => return Err(attempt.refuse(refusal.into()).await),
        HasilCek::Wrong(refusal) => return Err(attempt.fail(refusal.into()).await),
    }
    if purpose == Purpose::Aktivasi && upacara.is_none() {
        // unreachable: a right code was pending, and every pending aktivasi code has a session
        return Err(Error::Rule("Kode aktivasi ini tidak terikat sesi. Minta kode baru.".into()));
    }
    let langkah = langkah_of(purpose).ok_or_else(|| Error::Rule("Langkah tidak dikenal.".into()))?;
    let next = workflow::next(target.jabatan, target.status, langkah).map_err(|r| Error::Rule(r.to_string()))?;
    let stamp = match purpose {
        Purpose::VerifikasiHp => "verifikasi_hp_at",
        Purpose::KirimData => "kirim_at",
        Purpose::Aktivasi => "aktif_at",
        Purpose::UbahNomor | Purpose::SetujuUbahNomor => "updated_at",
    };
    sqlx::query(&format!(
        "UPDATE pejabat SET status = $2, {stamp} = $4, updated_at = $4 WHERE id = $1 AND status = $3"
    ))
    .bind(target.id)
    .bind(next.label())
    .bind(target.status.label())
    .bind(now)
    .execute(attempt.tx())
    .await?;
    let mut detail = format!("{} → {}", target.status.label(), next.label());
    if let Some((sesi, ceklis)) = &upacara {
        sqlx::query(
            "UPDATE pejabat SET aktivasi_mode = $2, aktivasi_kuasa = $3, aktivasi_cso = $4, aktivasi_jadwal = $5,
                    aktivasi_ceklis = $6
             WHERE id = $1",
        )
        .bind(target.id)
        .bind(sesi.mode.code())
        .bind(ceklis.kuasa.as_ref().map(|k| k.nama.as_str()))
        .bind(actor.user_id)
        .bind(sesi.jadwal_id)
        .bind(sqlx::types::Json(ceklis))
        .execute(attempt.tx())
        .await?;
        detail.push_str(&sesi_detail(sesi));
        detail.push_str(&format!("; {}", ceklis.ringkas()));
    }
    let satker = &target.satker_kode;
    match purpose {
        Purpose::KirimData => {
            let text = domain::sms::diusulkan(&target.nama, target.jabatan, satker);
            sms::enqueue(attempt.tx(), &target.no_hp, &text, &text, now).await?;
        }
        Purpose::Aktivasi => {
            let text = domain::sms::aktif(&target.nama, target.jabatan, satker);
            sms::enqueue(attempt.tx(), &target.no_hp, &text, &text, now).await?;
        }
        Purpose::VerifikasiHp | Purpose::UbahNomor | Purpose::SetujuUbahNomor => {}
    }
    attempt.done(detail, Some(satker)).await?;
    Ok(next)
}

/// `; sesi No. 47 (jadwal 12, video conference, CSO Nama)`: a session in an audit line.
fn sesi_detail(sesi: &InfoSesi) -> String {
    let nomor = sesi.nomor.map_or_else(|| "-".to_string(), |n| n.to_string());
    let cso = sesi.pemegang.as_ref().map_or("", |p| p.nama.as_str());
    let jenis = if sesi.langsung { "sesi langsung" } else { "sesi" };
    format!("; {jenis} No. {nomor} (jadwal {}, {}, CSO {cso})", sesi.jadwal_id, sesi.mode.label().to_lowercase())
}

/// The ceremony's conditions before an aktivasi code is checked: the pending code's session
/// is held by the caller, and the checklist of its mode is complete. `Err` inside is a refusal
/// to audit; `None` when no code is pending (the check refuses that in its own words). Every
/// pending aktivasi code has its session: `request` binds it, and the migration that brought
/// sessions voided the codes pending before.
async fn upacara(
    tx: &mut PgConnection,
    actor: &Actor,
    target: &Target,
    ceklis: Option<&CeklisInput>,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Option<(InfoSesi, Ceklis)>, Error>> {
    let Some(sesi) = jendela::sesi_kode(tx, target.id).await? else {
        return Ok(Ok(None));
    };
    if !sesi.dipegang(actor.user_id) {
        let nomor = sesi.nomor.map_or_else(|| "-".to_string(), |n| n.to_string());
        let holder = sesi.pemegang.as_ref().map_or("CSO lain", |p| p.nama.as_str());
        return Ok(Err(Error::Forbidden(format!(
            "Kode ini milik sesi No. {nomor} yang dipegang {holder}. Hanya CSO pemegang sesi yang dapat memasukkannya."
        ))));
    }
    let Some(input) = ceklis else {
        return Ok(Err(Error::Rule("Isi ceklis pemeriksaan sesi sebelum memasukkan kode.".into())));
    };
    let today = domain::jadwal::wib_date_of_ms(now.timestamp_millis());
    Ok(match domain::upacara::periksa(input, sesi.mode, target.jabatan, today) {
        Ok(c) => Ok(Some((sesi, c))),
        Err(fields) => Err(Error::Invalid(fields)),
    })
}

/// The pending code of `purpose` for reference `pejabat_id` (for the owner's dialog or
/// the CSO console), if one is still valid at `now`.
pub async fn pending(
    pool: &PgPool,
    pejabat_id: PejabatId,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<KodeTerkirim>> {
    let sent: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT sent_at FROM otp_code WHERE pejabat_id = $1 AND purpose = $2 AND state = 'PENDING' AND expires_at > $3",
    )
    .bind(pejabat_id)
    .bind(purpose.code())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(sent.map(KodeTerkirim::from_sent))
}

/// The caller's latest code of `purpose` on reference `pejabat_id`, for a dialog that
/// opens again: "waktu request terakhir", and the countdowns. A code that is no longer
/// pending (used, void or expired) comes back with `expires_at == sent_at`.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id, ?purpose))]
pub async fn latest(
    pool: &PgPool,
    caller: &Caller,
    pejabat_id: PejabatId,
    purpose: Purpose,
) -> Result<Option<KodeTerkirim>> {
    let action = Aksi::otp(purpose, false);
    let Some(actor) = caller.actor() else {
        return Err(refuse(pool, caller, action, None, Error::Unauthenticated).await);
    };
    let mut attempt = Attempt::begin(pool, caller, action).await?;
    let Some(target) = lock_pejabat(attempt.tx(), pejabat_id).await? else {
        return Ok(None);
    };
    attempt.about(pejabat_id);
    let owner = match resolve(attempt.tx(), actor, &target, purpose, false).await {
        Ok(owner) => owner,
        // the step is no longer (or not yet) possible: nothing to show
        Err(Error::Rule(_)) => return Ok(None),
        Err(Error::Forbidden(_)) if target.satker_kode.as_str() == actor.unit.satker().unwrap_or("") => {
            return Ok(None);
        }
        Err(e) => return Err(attempt.refuse(e).await),
    };
    let bound_target = purpose.is_bound_to_target().then_some(target.id);
    /// The latest code and the outbox row of its SMS (`None`s when the join found none).
    #[derive(sqlx::FromRow)]
    struct Terakhir {
        sent_at: DateTime<Utc>,
        pending: bool,
        phone: Option<String>,
        sms_state: Option<String>,
        sms_at: Option<DateTime<Utc>>,
    }
    let latest: Option<Terakhir> = sqlx::query_as(
        "SELECT c.sent_at, c.state = 'PENDING' AS pending, o.phone, o.state AS sms_state, o.created_at AS sms_at
         FROM otp_code c
         LEFT JOIN sms_outbox o ON o.otp_code_id = c.id
         WHERE c.pejabat_id = $1 AND c.purpose = $2 AND c.target_pejabat_id IS NOT DISTINCT FROM $3
         ORDER BY c.id DESC LIMIT 1",
    )
    .bind(owner.id)
    .bind(purpose.code())
    .bind(bound_target)
    .fetch_optional(attempt.tx())
    .await?;
    let Some(Terakhir { sent_at, pending, phone, sms_state, sms_at }) = latest else { return Ok(None) };
    let mut p = KodeTerkirim::from_sent(sent_at);
    if !pending {
        p.expires_at = sent_at;
    }
    p.kiriman = crate::kirim::sms::kiriman(phone, sms_state, sms_at)?;
    if purpose == Purpose::Aktivasi && pending {
        p.sesi = jendela::sesi_kode(attempt.tx(), owner.id).await?;
    }
    // a read: nothing to commit, nothing to audit
    drop(attempt);
    Ok(Some(p))
}

/// Voids the pending aktivasi codes of session `jadwal` (its holder changed: the pejabat saw
/// another CSO's name with them) and says how many.
pub(crate) async fn batalkan_kode_sesi(conn: &mut PgConnection, jadwal: JadwalId, now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query("UPDATE otp_code SET state = 'VOID', closed_at = $2 WHERE jadwal_id = $1 AND state = 'PENDING'")
        .bind(jadwal)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}
