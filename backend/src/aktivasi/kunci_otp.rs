//! The lock on a reference's OTP steps: "Bukan saya" (the pejabat reports a code it did not ask
//! for or a caller it does not trust, issue 26) locks them; after too many wrong codes in a row
//! `otp_engine` does; the CSO of its KPPN unlocks them with a reason, after a step-up.

use crate::akses::attempt::Attempt;
use crate::aktivasi::pejabat::{Target, lock_pejabat};
use crate::error::{Error, Result};
use crate::{Caller, kirim::sms};
use chrono::{DateTime, Utc};
use domain::PejabatId;
use domain::audit::Aksi;
use domain::otp::OtpRefusal;
use sqlx::PgPool;

/// The CSO of the reference's KPPN unlocks its OTP steps, locked after too many wrong codes in
/// a row or by its pejabat's "Bukan saya", after a step-up and with `alasan` (what it checked,
/// with whom): the reason is written to the trail.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn buka_kunci(pool: &PgPool, caller: &Caller, pejabat_id: PejabatId, alasan: &str) -> Result<()> {
    let actor = crate::akses::auth::authorize(pool, caller, domain::authz::Action::BukaKunciOtp).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::BukaKunciOtp).await?;
    attempt.about(pejabat_id);
    let target = match lock_pejabat(attempt.tx(), pejabat_id).await? {
        Some(t) if actor.unit.kppn() == Some(t.kppn_kode.as_str()) => t,
        _ => return Err(attempt.refuse(Error::NotFound("Referensi pejabat tidak ditemukan.".into())).await),
    };
    let alasan = match domain::validate::text(alasan, "Alasan membuka kunci", 500) {
        Ok(a) => a,
        Err(m) => {
            let mut fields = domain::validate::FieldErrors::default();
            fields.add("alasan", m);
            return Err(attempt.refuse(Error::Invalid(fields)).await);
        }
    };
    let sebab = match domain::otp::may_use(target.otp_salah, target.otp_dilaporkan) {
        Ok(()) => {
            let e = Error::Rule("Langkah OTP pejabat ini tidak terkunci.".into());
            return Err(attempt.refuse(e).await);
        }
        Err(OtpRefusal::Dilaporkan) => "laporan \"Bukan saya\" pejabat".to_string(),
        Err(_) => format!("{} kode salah berturut-turut", target.otp_salah),
    };
    sqlx::query("UPDATE pejabat SET otp_salah = 0, otp_terkunci_at = NULL, otp_dilaporkan_at = NULL WHERE id = $1")
        .bind(pejabat_id)
        .execute(attempt.tx())
        .await?;
    let detail =
        format!("langkah OTP {} {} dibuka setelah {sebab}; alasan: {alasan}", target.jabatan.short(), target.nama);
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(())
}

/// "Bukan saya": the pejabat of reference `pejabat_id` reports, from its own code dialog, a
/// code it did not ask for or a caller it does not trust. Its pending codes are void and its
/// OTP steps locked until its CSO unlocks them; the satker's KPA hears it by SMS and email, its
/// Admin Lokal by email and (where its mobile number is on record) SMS; the KPPN's console lists
/// it under "Perlu perhatian".
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0), pejabat_id = %pejabat_id))]
pub async fn bukan_saya(pool: &PgPool, caller: &Caller, pejabat_id: PejabatId, now: DateTime<Utc>) -> Result<()> {
    let actor = crate::akses::auth::authorize(pool, caller, domain::authz::Action::LaporBukanSaya).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::LaporBukanSaya).await?;
    attempt.about(pejabat_id);
    let target = match lock_pejabat(attempt.tx(), pejabat_id).await? {
        Some(t) if t.user_id == actor.user_id => t,
        Some(_) => {
            let e = Error::Forbidden("Laporan \"Bukan saya\" dibuat oleh pejabat yang bersangkutan.".into());
            return Err(attempt.refuse(e).await);
        }
        None => return Err(attempt.refuse(Error::NotFound("Referensi pejabat tidak ditemukan.".into())).await),
    };
    laporkan(attempt, &target, "dari dialog kodenya", now).await
}

/// The report itself, for either way in (the dialog, the email's link): `target` locked in
/// `attempt`, `lewat` says which for the trail.
pub(crate) async fn laporkan(mut attempt: Attempt<'_>, target: &Target, lewat: &str, now: DateTime<Utc>) -> Result<()> {
    let pejabat_id = target.id;
    if target.otp_dilaporkan {
        let e = Error::Rule("Laporan Anda sudah diterima; CSO KPPN akan menghubungi Anda.".into());
        return Err(attempt.refuse(e).await);
    }
    let void =
        sqlx::query("UPDATE otp_code SET state = 'VOID', closed_at = $2 WHERE pejabat_id = $1 AND state = 'PENDING'")
            .bind(pejabat_id)
            .bind(now)
            .execute(attempt.tx())
            .await?
            .rows_affected();
    sqlx::query("UPDATE pejabat SET otp_dilaporkan_at = $2 WHERE id = $1")
        .bind(pejabat_id)
        .bind(now)
        .execute(attempt.tx())
        .await?;
    /// The satker's KPA (its number and email) and its KPPN, for the notices.
    #[derive(sqlx::FromRow)]
    struct Penerima {
        kppn_nama: String,
        kppn_telepon: Option<String>,
        kpa_hp: Option<String>,
        kpa_email: Option<String>,
    }
    let p: Penerima = sqlx::query_as(
        "SELECT k.nama AS kppn_nama, k.telepon AS kppn_telepon, kpa.no_hp AS kpa_hp, kpa.email AS kpa_email
         FROM kppn k
         LEFT JOIN pejabat kpa ON kpa.satker_kode = $1 AND kpa.jabatan = 'KUASA PENGGUNA ANGGARAN'
                               AND kpa.deleted_at IS NULL
         WHERE k.kode = $2
         ORDER BY kpa.id DESC LIMIT 1",
    )
    .bind(&target.satker_kode)
    .bind(&target.kppn_kode)
    .fetch_one(attempt.tx())
    .await?;
    let waktu = domain::format::wib_ms(now.timestamp_millis());
    let kontak = domain::sms::kontak_kppn(&p.kppn_nama, p.kppn_telepon.as_deref());
    let text = domain::sms::bukan_saya(&target.nama, target.jabatan, &target.satker_kode, &waktu, &kontak);
    if let Some(hp) = &p.kpa_hp {
        sms::enqueue(attempt.tx(), hp, &text, &text, now).await?;
    }
    // the satker's Admin Lokal by SMS too, where a mobile number of theirs is on record
    let admin_hp: Vec<String> = sqlx::query_scalar(
        "SELECT no_hp FROM app_user
         WHERE role = 'ADMIN_LOKAL' AND satker_kode = $1 AND active AND no_hp ~ '^\\+628[0-9]{8,11}$'",
    )
    .bind(&target.satker_kode)
    .fetch_all(&mut *attempt.tx())
    .await?;
    for hp in admin_hp.iter().filter(|hp| p.kpa_hp.as_ref() != Some(*hp)) {
        sms::enqueue(attempt.tx(), hp, &text, &text, now).await?;
    }
    let isi = domain::surel::bukan_saya(&text);
    if let Some(email) = &p.kpa_email {
        crate::kirim::email::enqueue(
            &mut *attempt.tx(),
            &crate::kirim::email::Surat::notice(email, isi.clone(), now),
            now,
        )
        .await?;
    }
    crate::kirim::email::to_admin_lokal(attempt.tx(), &target.satker_kode, &isi, None, now).await?;
    let detail = format!(
        "{} {} melaporkan \"Bukan saya\" {lewat}; {void} kode menunggu dibatalkan; langkah OTP dikunci",
        target.jabatan.short(),
        target.nama
    );
    attempt.done(detail, Some(&target.satker_kode)).await?;
    Ok(())
}
