//! Changing an active pejabat's OTP number, end to end against a real PostgreSQL.

use crate::common::{accept_bundles, kpa_input, last_code, login, pdf};
use backend::aktivasi::otp::{self, OtpKey};
use backend::{Caller, Error, aktivasi::pejabat, aktivasi::ubah_nomor, dokumen::berkas, dokumen::formulir};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::berkas::{Keperluan, Keputusan};
use domain::formulir::Jenis;
use domain::otp::{OtpRefusal, Purpose};
use domain::ubah_nomor::Tahap;
use sqlx::PgPool;

const KPA_HP: &str = "+6281234567890";
const PPK_HP: &str = "+6281300000002";
const PPK_BARU: &str = "+6281399990000";
const DAY: Duration = Duration::hours(24);

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap() + Duration::seconds(secs)
}

async fn texts(pool: &PgPool, phone: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM sms_outbox WHERE phone = $1 ORDER BY id")
        .bind(phone)
        .fetch_all(pool)
        .await
        .unwrap()
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Forbidden(m)) | Err(Error::Rule(m)) | Err(Error::NotFound(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

struct Aktif {
    admin: Caller,
    kpa: Caller,
    ppk: Caller,
    cso: Caller,
    kpa_id: domain::PejabatId,
    ppk_id: domain::PejabatId,
}

/// The KPA and the PPK of 561403 taken to `AKTIF` through the seed's steps.
async fn aktif(pool: &PgPool, k: &OtpKey) -> Aktif {
    let admin = login(pool, "adm_561403").await;
    let kpa_id = pejabat::rekam(pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let mut ppk_in = kpa_input();
    ppk_in.nip = "133209333013111001".into();
    ppk_in.nama = "PPK PSIE I".into();
    ppk_in.no_hp = "081300000002".into();
    ppk_in.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    let ppk_id = pejabat::rekam(pool, &admin, &ppk_in, backend::now()).await.unwrap();
    accept_bundles(pool, &[kpa_id, ppk_id]).await;
    let (kpa, ppk, cso) =
        (login(pool, "apr_kpa561403").await, login(pool, "val_ppk561403").await, login(pool, "cso_jakarta6").await);
    let at_kppn = crate::common::ceklis_kppn();
    otp::request(pool, k, &ppk, ppk_id, Purpose::VerifikasiHp, t(-600)).await.unwrap();
    otp::submit(pool, k, &ppk, ppk_id, Purpose::VerifikasiHp, &last_code(pool, PPK_HP).await, None, t(-590))
        .await
        .unwrap();
    crate::common::sesi_langsung(pool, &cso, kpa_id, t(-580)).await;
    otp::request(pool, k, &kpa, kpa_id, Purpose::Aktivasi, t(-580)).await.unwrap();
    otp::submit(pool, k, &cso, kpa_id, Purpose::Aktivasi, &last_code(pool, KPA_HP).await, Some(&at_kppn), t(-570))
        .await
        .unwrap();
    otp::request(pool, k, &kpa, ppk_id, Purpose::KirimData, t(-500)).await.unwrap();
    otp::submit(pool, k, &kpa, ppk_id, Purpose::KirimData, &last_code(pool, KPA_HP).await, None, t(-490))
        .await
        .unwrap();
    crate::common::sesi_langsung(pool, &cso, ppk_id, t(-400)).await;
    otp::request(pool, k, &ppk, ppk_id, Purpose::Aktivasi, t(-400)).await.unwrap();
    otp::submit(pool, k, &cso, ppk_id, Purpose::Aktivasi, &last_code(pool, PPK_HP).await, Some(&at_kppn), t(-390))
        .await
        .unwrap();
    Aktif { admin, kpa, ppk, cso, kpa_id, ppk_id }
}

async fn tahap(pool: &PgPool, ppk_id: domain::PejabatId) -> String {
    sqlx::query_scalar("SELECT tahap FROM ubah_nomor WHERE pejabat_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(ppk_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_ppk_changes_its_number_through_every_step(pool: PgPool) {
    let k = OtpKey::new(b"kunci".to_vec());
    let s = aktif(&pool, &k).await;
    // others cannot start it for the PPK; the same number is refused
    forbidden(ubah_nomor::ajukan(&pool, &k, &s.kpa, s.ppk_id, PPK_BARU, t(0)).await);
    forbidden(ubah_nomor::ajukan(&pool, &k, &s.admin, s.ppk_id, PPK_BARU, t(0)).await);
    forbidden(ubah_nomor::ajukan(&pool, &k, &s.ppk, s.ppk_id, "0813 0000 0002", t(0)).await);
    forbidden(ubah_nomor::ajukan(&pool, &k, &s.ppk, s.ppk_id, "12345", t(0)).await);
    // another person's number is refused, naming whose it is
    let m = forbidden(ubah_nomor::ajukan(&pool, &k, &s.ppk, s.ppk_id, "0812 3456 7890", t(0)).await);
    assert!(m.contains("KUASA PENGGUNA ANGGARAN satker 561403"), "{m}");
    // 1. the code goes to the new number, and only that code proves it
    ubah_nomor::ajukan(&pool, &k, &s.ppk, s.ppk_id, "0813 9999 0000", t(0)).await.unwrap();
    assert_eq!(tahap(&pool, s.ppk_id).await, "VERIFIKASI NOMOR BARU");
    let code = last_code(&pool, PPK_BARU).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        ubah_nomor::verifikasi(&pool, &k, &s.ppk, s.ppk_id, wrong, t(5)).await,
        Err(Error::Otp(OtpRefusal::Wrong(2)))
    ));
    forbidden(ubah_nomor::verifikasi(&pool, &k, &s.kpa, s.ppk_id, &code, t(6)).await);
    // the form cannot be printed before the number is verified
    forbidden(formulir::unduh(&pool, &s.admin, s.ppk_id, Jenis::UbahNomorOtp, "https://x", t(7)).await);
    let to = ubah_nomor::verifikasi(&pool, &k, &s.ppk, s.ppk_id, &code, t(8)).await.unwrap();
    assert_eq!(to, Tahap::PersetujuanKpa);
    // 2. the KPA approves with its own code; the PPK cannot approve itself
    forbidden(ubah_nomor::minta_setuju(&pool, &k, &s.ppk, s.ppk_id, t(10)).await);
    ubah_nomor::minta_setuju(&pool, &k, &s.kpa, s.ppk_id, t(10)).await.unwrap();
    let kpa_code = last_code(&pool, KPA_HP).await;
    // the KPA's code SMS names whose number changes, and to which (masked)
    let approval = texts(&pool, KPA_HP).await.pop().unwrap();
    assert!(approval.contains("PPK PSIE I (Pejabat PPK) ke +62 813-****-0000"), "{approval}");
    let to = ubah_nomor::setuju(&pool, &k, &s.kpa, s.ppk_id, &kpa_code, t(12)).await.unwrap();
    assert_eq!(to, Tahap::PengajuanBerkas);
    // the old number heard of the request and of the approval, with the KPPN and "Batalkan"
    let old = texts(&pool, PPK_HP).await;
    for stage in ["ada pengajuan perubahan nomor", "telah disetujui KPA"] {
        let notice = old.iter().find(|m| m.contains(stage)).unwrap_or_else(|| panic!("{stage} missing: {old:?}"));
        assert!(
            notice.contains("+62 813-****-0000") && notice.contains("Batalkan") && notice.contains("KPPN"),
            "{notice}"
        );
    }
    // 3. the signed Form Ubah Nomor OTP through the desk
    let form = formulir::unduh(&pool, &s.admin, s.ppk_id, Jenis::UbahNomorOtp, "https://x", t(13)).await.unwrap();
    assert!(form.pdf.starts_with(b"%PDF-"));
    let rows = berkas::daftar(&pool, &s.admin).await.unwrap();
    assert!(rows.iter().any(|r| r.pejabat_id == s.ppk_id && r.keperluan == Keperluan::UbahNomor));
    // confirming before the bundle is accepted is refused
    let ubah_id: domain::UbahNomorId = sqlx::query_scalar("SELECT id FROM ubah_nomor WHERE tahap = 'PENGAJUAN BERKAS'")
        .fetch_one(&pool)
        .await
        .unwrap();
    forbidden(ubah_nomor::konfirmasi(&pool, &s.cso, ubah_id, DAY, None, t(14)).await);
    let b =
        berkas::unggah(&pool, &s.admin, s.ppk_id, Keperluan::UbahNomor, "ubah.pdf", &pdf("u"), t(15)).await.unwrap();
    berkas::ajukan(&pool, &s.admin, t(16)).await.unwrap();
    berkas::putuskan(&pool, &s.cso, b.id, [true; 5], &Keputusan::Terima, t(17)).await.unwrap();
    assert_eq!(tahap(&pool, s.ppk_id).await, "KONFIRMASI CSO");
    assert_eq!(ubah_nomor::menunggu_konfirmasi(&pool, &s.cso).await.unwrap().len(), 1);
    // 4. the CSO of another KPPN cannot confirm; the partner CSO does
    let other = login(&pool, "cso_jakarta2").await;
    forbidden(ubah_nomor::konfirmasi(&pool, &other, ubah_id, DAY, None, t(18)).await);
    assert!(texts(&pool, PPK_HP).await.iter().all(|m| !m.contains("telah diganti")));
    // not before the waiting period from the request (t(0))
    let m = forbidden(ubah_nomor::konfirmasi(&pool, &s.cso, ubah_id, DAY, None, t(19)).await);
    assert!(m.contains("Masa tunggu") && m.contains("sekitar 24 jam"), "{m}");
    let m = forbidden(ubah_nomor::konfirmasi(&pool, &s.cso, ubah_id, DAY, None, t(86_399)).await);
    assert!(m.contains("sekitar 1 jam"), "{m}");
    ubah_nomor::konfirmasi(&pool, &s.cso, ubah_id, DAY, None, t(86_400)).await.unwrap();
    assert_eq!(tahap(&pool, s.ppk_id).await, "SELESAI");
    let no_hp: String =
        sqlx::query_scalar("SELECT no_hp FROM pejabat WHERE id = $1").bind(s.ppk_id).fetch_one(&pool).await.unwrap();
    assert_eq!(no_hp, PPK_BARU);
    let old = texts(&pool, PPK_HP).await;
    assert!(old.last().unwrap().contains("telah diganti ke +62 813-****-0000"), "{old:?}");
    let new = texts(&pool, PPK_BARU).await;
    assert_eq!(new.last().unwrap(), "Yth. PPK PSIE I, Pejabat PPK pada satker 561403, fitur OTP Anda telah aktif!");
    // confirming twice is refused; the trail shows every step
    forbidden(ubah_nomor::konfirmasi(&pool, &s.cso, ubah_id, DAY, None, t(86_401)).await);
    let trail: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE pejabat_id = $1 AND outcome = 'BERHASIL' AND at IS NOT NULL ORDER BY id",
    )
    .bind(s.ppk_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    for step in [
        "REQUEST_OTP_UBAH_NOMOR",
        "VERIFIKASI_NOMOR_BARU",
        "REQUEST_OTP_SETUJU_UBAH_NOMOR",
        "SETUJU_UBAH_NOMOR",
        "TERIMA_BERKAS",
        "KONFIRMASI_UBAH_NOMOR",
    ] {
        assert!(trail.iter().any(|a| a == step), "{step} missing from {trail:?}");
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_kpa_skips_approval_and_changes_can_be_cancelled(pool: PgPool) {
    let k = OtpKey::new(b"kunci".to_vec());
    let s = aktif(&pool, &k).await;
    ubah_nomor::ajukan(&pool, &k, &s.kpa, s.kpa_id, "081288887777", t(0)).await.unwrap();
    let code = last_code(&pool, "+6281288887777").await;
    assert_eq!(ubah_nomor::verifikasi(&pool, &k, &s.kpa, s.kpa_id, &code, t(1)).await.unwrap(), Tahap::PengajuanBerkas);
    // a second change while one is open is refused
    forbidden(ubah_nomor::ajukan(&pool, &k, &s.kpa, s.kpa_id, "081266665555", t(100)).await);
    ubah_nomor::batal(&pool, &s.kpa, s.kpa_id, backend::now()).await.unwrap();
    assert_eq!(tahap(&pool, s.kpa_id).await, "BATAL");
    let no_hp: String =
        sqlx::query_scalar("SELECT no_hp FROM pejabat WHERE id = $1").bind(s.kpa_id).fetch_one(&pool).await.unwrap();
    assert_eq!(no_hp, KPA_HP, "a cancelled change changes nothing");
    // a pejabat not yet AKTIF cannot start one
    let mut spm = kpa_input();
    spm.nip = "198807152012121002".into();
    spm.nama = "PPSPM PSIE I".into();
    spm.no_hp = "081300000003".into();
    spm.jabatan = "PEJABAT SPM".into();
    let spm_id = pejabat::rekam(&pool, &s.admin, &spm, backend::now()).await.unwrap();
    let spm_user = login(&pool, "apr_spm561403").await;
    let m = forbidden(ubah_nomor::ajukan(&pool, &k, &spm_user, spm_id, "081311112222", t(200)).await);
    assert!(m.contains("AKTIF"), "{m}");
    // the number-change purposes cannot be driven through the plain OTP engine
    forbidden(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::UbahNomor, t(300)).await);
}

/// The old phone is lost: the CSO confirms before the waiting period by recording why, and
/// the reason is in the trail; the pejabat's KPA may stop a change it did not ask for.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_lost_phone_skips_the_wait_with_a_reason_and_the_kpa_may_cancel(pool: PgPool) {
    let k = OtpKey::new(b"kunci".to_vec());
    let s = aktif(&pool, &k).await;
    // the KPA cancels its PPK's change ("Batalkan" from the notice)
    ubah_nomor::ajukan(&pool, &k, &s.ppk, s.ppk_id, "0813 9999 0000", t(0)).await.unwrap();
    ubah_nomor::batal(&pool, &s.kpa, s.ppk_id, backend::now()).await.unwrap();
    assert_eq!(tahap(&pool, s.ppk_id).await, "BATAL");
    // the KPA's own change, lost phone: confirmed at once with the reason
    ubah_nomor::ajukan(&pool, &k, &s.kpa, s.kpa_id, "081288887777", t(100)).await.unwrap();
    let code = last_code(&pool, "+6281288887777").await;
    ubah_nomor::verifikasi(&pool, &k, &s.kpa, s.kpa_id, &code, t(101)).await.unwrap();
    let b = berkas::unggah(&pool, &s.admin, s.kpa_id, Keperluan::UbahNomor, "u.pdf", &pdf("u"), t(102)).await.unwrap();
    berkas::ajukan(&pool, &s.admin, t(103)).await.unwrap();
    berkas::putuskan(&pool, &s.cso, b.id, [true; 5], &Keputusan::Terima, t(104)).await.unwrap();
    let id: domain::UbahNomorId =
        sqlx::query_scalar("SELECT id FROM ubah_nomor WHERE tahap = 'KONFIRMASI CSO'").fetch_one(&pool).await.unwrap();
    forbidden(ubah_nomor::konfirmasi(&pool, &s.cso, id, DAY, Some("   "), t(105)).await);
    ubah_nomor::konfirmasi(&pool, &s.cso, id, DAY, Some("HP dicuri, laporan polisi 12/XI"), t(106)).await.unwrap();
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'KONFIRMASI_UBAH_NOMOR' AND outcome = 'BERHASIL'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(detail.contains("HP lama hilang: HP dicuri, laporan polisi 12/XI"), "{detail}");
}

/// Hapus of an `AKTIF` reference unbinds a phone: the pejabat is told on it, and the CSO's
/// console lists the removal.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn removing_an_active_reference_tells_the_pejabat_and_its_cso(pool: PgPool) {
    let k = OtpKey::new(b"kunci".to_vec());
    let s = aktif(&pool, &k).await;
    pejabat::hapus(&pool, &s.admin, s.ppk_id, backend::now()).await.unwrap();
    let told = texts(&pool, PPK_HP).await;
    let notice = told.last().unwrap();
    assert!(notice.contains("telah dihapus oleh Admin Lokal") && notice.contains("KPPN"), "{notice}");
    let attention = backend::aktivasi::cso::perhatian(&pool, &s.cso, Utc::now()).await.unwrap();
    assert!(
        attention.iter().any(|p| p.pejabat_id == s.ppk_id && p.jenis == domain::pejabat::JenisPerhatian::AktifDihapus),
        "{attention:?}"
    );
    // another KPPN's CSO does not see it
    let other = login(&pool, "cso_jakarta2").await;
    assert!(backend::aktivasi::cso::perhatian(&pool, &other, Utc::now()).await.unwrap().is_empty());
}
