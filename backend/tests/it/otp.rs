//! The OTP workflow of seed steps 3–6 against a real PostgreSQL: every step and every refusal.

use crate::common::{accept_bundles, ceklis_kppn, kpa_input, last_code, login, sesi_langsung};
use backend::aktivasi::otp::{self, OtpKey};
use backend::kirim::sms::{self, Gateway, OutMessage, Relay, Simulator};
use backend::{Caller, Error, aktivasi::pejabat};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::Status;
use domain::otp::{OtpRefusal, Purpose};
use domain::upacara::{CeklisInput, KuasaInput};
use sqlx::PgPool;

fn key() -> OtpKey {
    OtpKey::new(b"test-key-for-otp-integration-tests".to_vec())
}

fn t0() -> DateTime<Utc> {
    // 2026-11-24 09:00:00 WIB
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

fn kppn() -> Option<CeklisInput> {
    Some(ceklis_kppn())
}

struct Satker {
    kpa: Caller,
    ppk: Caller,
    ppspm: Caller,
    cso: Caller,
    kpa_id: domain::PejabatId,
    ppk_id: domain::PejabatId,
    ppspm_id: domain::PejabatId,
}

/// Satker 561403 with its KPA, PPK and PPSPM recorded (all `BARU`).
async fn satker(pool: &PgPool) -> Satker {
    let admin = login(pool, "adm_561403").await;
    let kpa_id = pejabat::rekam(pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let mut ppk = kpa_input();
    ppk.nip = "133209333013111001".into();
    ppk.nama = "PPK PSIE I".into();
    ppk.no_hp = "081300000002".into();
    ppk.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    let ppk_id = pejabat::rekam(pool, &admin, &ppk, backend::now()).await.unwrap();
    let mut spm = kpa_input();
    spm.nip = "198807152012121002".into();
    spm.nama = "PPSPM PSIE I".into();
    spm.no_hp = "081300000003".into();
    spm.jabatan = "PEJABAT SPM".into();
    let ppspm_id = pejabat::rekam(pool, &admin, &spm, backend::now()).await.unwrap();
    accept_bundles(pool, &[kpa_id, ppk_id, ppspm_id]).await;
    Satker {
        kpa: login(pool, "apr_kpa561403").await,
        ppk: login(pool, "val_ppk561403").await,
        ppspm: login(pool, "apr_spm561403").await,
        cso: login(pool, "cso_jakarta6").await,
        kpa_id,
        ppk_id,
        ppspm_id,
    }
}

async fn status(pool: &PgPool, id: domain::PejabatId) -> String {
    sqlx::query_scalar("SELECT status FROM pejabat WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
}

const KPA_HP: &str = "+6281234567890";
const TOLERANSI: Duration = domain::upacara::DEFAULT_TOLERANSI;
const PPK_HP: &str = "+6281300000002";
const SPM_HP: &str = "+6281300000003";

fn refusal(result: Result<impl std::fmt::Debug, Error>) -> OtpRefusal {
    match result {
        Err(Error::Otp(r)) => r,
        other => panic!("expected an OTP refusal, got {other:?}"),
    }
}

fn forbidden(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Forbidden(m)) | Err(Error::Rule(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Runs seed steps 3–6 for the three pejabat and returns the satker.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_six_steps_make_all_three_pejabat_aktif(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    // step 3: PPK and PPSPM verify their numbers
    for (caller, id, hp) in [(&s.ppk, s.ppk_id, PPK_HP), (&s.ppspm, s.ppspm_id, SPM_HP)] {
        otp::request(&pool, &k, caller, id, Purpose::VerifikasiHp, at(0)).await.unwrap();
        let code = last_code(&pool, hp).await;
        let st = otp::submit(&pool, &k, caller, id, Purpose::VerifikasiHp, &code, None, at(10)).await.unwrap();
        assert_eq!(st, Status::VerifikasiPejabat);
    }
    // step 4: the KPA, at the KPPN in a walk-in session, requests and reads the code to the
    // CSO, who enters it
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(15)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(20)).await.unwrap();
    let pending = otp::pending(&pool, s.kpa_id, Purpose::Aktivasi, at(21)).await.unwrap().unwrap();
    assert_eq!(pending.expires_at, at(140));
    let code = last_code(&pool, KPA_HP).await;
    let kuasa = KuasaInput {
        nomor_surat: "SK-7/KPA/2026".into(),
        tanggal_surat: "20/11/2026".into(),
        nama: "Budi Santoso".into(),
        nip: "199001012015011001".into(),
    };
    let ceklis = CeklisInput { kuasa: Some(kuasa), ..ceklis_kppn() };
    let st = otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&ceklis), at(30)).await.unwrap();
    assert_eq!(st, Status::Aktif);
    // step 5: the KPA sends both with a fresh code of its own each time
    for (id, secs) in [(s.ppk_id, 40), (s.ppspm_id, 50)] {
        otp::request(&pool, &k, &s.kpa, id, Purpose::KirimData, at(secs)).await.unwrap();
        let code = last_code(&pool, KPA_HP).await;
        let st = otp::submit(&pool, &k, &s.kpa, id, Purpose::KirimData, &code, None, at(secs + 5)).await.unwrap();
        assert_eq!(st, Status::Kirim);
    }
    // step 6: PPK and PPSPM activate with the CSO
    for (caller, id, hp) in [(&s.ppk, s.ppk_id, PPK_HP), (&s.ppspm, s.ppspm_id, SPM_HP)] {
        sesi_langsung(&pool, &s.cso, id, at(190)).await;
        otp::request(&pool, &k, caller, id, Purpose::Aktivasi, at(200)).await.unwrap();
        let code = last_code(&pool, hp).await;
        let st = otp::submit(&pool, &k, &s.cso, id, Purpose::Aktivasi, &code, kppn().as_ref(), at(210)).await.unwrap();
        assert_eq!(st, Status::Aktif);
    }
    for id in [s.kpa_id, s.ppk_id, s.ppspm_id] {
        assert_eq!(status(&pool, id).await, "AKTIF");
    }
    // the activation keeps its session, its mode and what the CSO ticked, the mandate with it
    let (mode, kuasa, ceklis): (String, String, serde_json::Value) =
        sqlx::query_as("SELECT aktivasi_mode, aktivasi_kuasa, aktivasi_ceklis FROM pejabat WHERE id = $1")
            .bind(s.kpa_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((mode.as_str(), kuasa.as_str()), ("KPPN", "Budi Santoso"));
    assert_eq!(ceklis["dicentang"], serde_json::json!(["HadirLangsung", "KtpCocok"]));
    assert_eq!(ceklis["kuasa"]["nomor_surat"], "SK-7/KPA/2026");

    // the SMS texts of the seed, delivered to the simulator
    let sim = Relay::one("simulator", Simulator { pool: pool.clone() });
    while sms::deliver_due(&pool, &sim, Utc::now() + Duration::hours(1), 50).await.unwrap() > 0 {}
    let ppk_inbox: Vec<String> = sms::inbox(&pool, PPK_HP, 50).await.unwrap().into_iter().map(|m| m.body).collect();
    assert!(ppk_inbox.contains(&"Yth. PPK PSIE I Anda telah diusulkan sebagai pengguna OTP SAKTI dengan kewenangan Pejabat PPK pada satker 561403. Silakan kunjungi KPPN mitra satker Anda untuk mengaktifkan OTP tersebut.".to_string()));
    assert!(
        ppk_inbox.contains(&"Yth. PPK PSIE I, Pejabat PPK pada satker 561403, fitur OTP Anda telah aktif!".to_string())
    );
    // the code SMS were due two years ago: expired, never delivered, their text redacted
    assert!(
        !ppk_inbox.iter().any(|m| m.contains("Kode Otentifikasi")),
        "a code SMS was delivered after its code expired"
    );
    let codes: Vec<(String, String)> =
        sqlx::query_as("SELECT body, state FROM sms_outbox WHERE phone = $1 AND otp_code_id IS NOT NULL")
            .bind(PPK_HP)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(codes.iter().all(|(_, state)| state == "KEDALUWARSA"), "{codes:?}");
    assert!(codes.iter().any(|(body, _)| body
        == "Yth Pejabat PPK Satker 561403. Kode Otentifikasi Anda: ******. Kode berlaku 2 menit. Waktu kirim 2026-11-24 09:03:20 WIB."));
    let kpa_inbox = sms::inbox(&pool, KPA_HP, 50).await.unwrap();
    assert!(
        kpa_inbox
            .iter()
            .any(|m| m.body == "Yth. KPA PSIE I, Pejabat KPA pada satker 561403, fitur OTP Anda telah aktif!")
    );
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn kirim_data_needs_an_aktif_kpa(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(0)).await.unwrap();
    let code = last_code(&pool, PPK_HP).await;
    otp::submit(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, &code, None, at(1)).await.unwrap();
    let m = forbidden(otp::request(&pool, &k, &s.kpa, s.ppk_id, Purpose::KirimData, at(2)).await);
    assert!(m.contains("OTP KPA belum aktif"), "{m}");
    // and nobody but a KPA may send
    let m = forbidden(otp::request(&pool, &k, &s.ppspm, s.ppk_id, Purpose::KirimData, at(2)).await);
    assert!(m.contains("KPA"), "{m}");
    assert_eq!(status(&pool, s.ppk_id).await, "VERIFIKASI PEJABAT");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_ppk_cannot_request_or_submit_for_another_pejabat(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    forbidden(otp::request(&pool, &k, &s.ppk, s.ppspm_id, Purpose::VerifikasiHp, at(0)).await);
    otp::request(&pool, &k, &s.ppspm, s.ppspm_id, Purpose::VerifikasiHp, at(0)).await.unwrap();
    let code = last_code(&pool, SPM_HP).await;
    forbidden(otp::submit(&pool, &k, &s.ppk, s.ppspm_id, Purpose::VerifikasiHp, &code, None, at(1)).await);
    // nor can a PPK enter an activation code like a CSO
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    forbidden(otp::submit(&pool, &k, &s.ppk, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(1)).await);
    assert_eq!(status(&pool, s.kpa_id).await, "BARU");
    assert_eq!(status(&pool, s.ppspm_id).await, "BARU");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_cso_of_another_kppn_cannot_activate(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    let other = login(&pool, "cso_jakarta2").await;
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    forbidden(otp::submit(&pool, &k, &other, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(1)).await);
    assert_eq!(status(&pool, s.kpa_id).await, "BARU");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_code_expires_after_120_seconds(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let r = refusal(otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(120)).await);
    assert_eq!(r, OtpRefusal::Expired);
    assert!(otp::pending(&pool, s.kpa_id, Purpose::Aktivasi, at(120)).await.unwrap().is_none());
    assert_eq!(status(&pool, s.kpa_id).await, "BARU");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_used_code_does_not_work_again(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(0)).await.unwrap();
    let code = last_code(&pool, PPK_HP).await;
    otp::submit(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, &code, None, at(1)).await.unwrap();
    let again = otp::submit(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, &code, None, at(2)).await;
    assert!(again.is_err(), "{again:?}");
    let used: String =
        sqlx::query_scalar("SELECT state FROM otp_code ORDER BY id DESC LIMIT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(used, "USED");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_code_for_one_purpose_never_works_for_another(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(0)).await.unwrap();
    let verif_code = last_code(&pool, PPK_HP).await;
    // suppose the PPK had reached KIRIM: its phone-verification code is still no activation code
    sqlx::query("UPDATE pejabat SET status = 'KIRIM' WHERE id = $1").bind(s.ppk_id).execute(&pool).await.unwrap();
    let r =
        refusal(otp::submit(&pool, &k, &s.cso, s.ppk_id, Purpose::Aktivasi, &verif_code, kppn().as_ref(), at(5)).await);
    assert_eq!(r, OtpRefusal::NoPending);
    sesi_langsung(&pool, &s.cso, s.ppk_id, at(6)).await;
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::Aktivasi, at(6)).await.unwrap();
    let aktivasi_code = last_code(&pool, PPK_HP).await;
    if aktivasi_code != verif_code {
        let r = refusal(
            otp::submit(&pool, &k, &s.cso, s.ppk_id, Purpose::Aktivasi, &verif_code, kppn().as_ref(), at(7)).await,
        );
        assert_eq!(r, OtpRefusal::Wrong(2));
    }
    // and a KPA's Kirim Data code for the PPK does not send the PPSPM
    sqlx::query("UPDATE pejabat SET status = 'AKTIF' WHERE id = $1").bind(s.kpa_id).execute(&pool).await.unwrap();
    sqlx::query("UPDATE pejabat SET status = 'VERIFIKASI PEJABAT' WHERE id IN ($1, $2)")
        .bind(s.ppk_id)
        .bind(s.ppspm_id)
        .execute(&pool)
        .await
        .unwrap();
    otp::request(&pool, &k, &s.kpa, s.ppk_id, Purpose::KirimData, at(10)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let r = refusal(otp::submit(&pool, &k, &s.kpa, s.ppspm_id, Purpose::KirimData, &code, None, at(11)).await);
    assert_eq!(r, OtpRefusal::NoPending);
    assert_eq!(status(&pool, s.ppspm_id).await, "VERIFIKASI PEJABAT");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn three_wrong_tries_void_the_code_and_the_fourth_is_refused(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut seen = vec![];
    for i in 0..3 {
        seen.push(refusal(
            otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, wrong, kppn().as_ref(), at(i)).await,
        ));
    }
    assert_eq!(seen, vec![OtpRefusal::Wrong(2), OtpRefusal::Wrong(1), OtpRefusal::TooManyTries]);
    // the fourth try, even with the right code, is refused
    let r = refusal(otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(4)).await);
    assert_eq!(r, OtpRefusal::TooManyTries);
    assert_eq!(status(&pool, s.kpa_id).await, "BARU");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_new_code_waits_60_seconds_and_voids_the_previous_one(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let first = last_code(&pool, KPA_HP).await;
    let r = refusal(otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(45)).await);
    assert_eq!(r, OtpRefusal::Cooldown(15));
    let p = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(60)).await.unwrap();
    assert_eq!(p.next_request_at, at(120));
    let second = last_code(&pool, KPA_HP).await;
    if first != second {
        let r =
            refusal(otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &first, kppn().as_ref(), at(61)).await);
        assert_eq!(r, OtpRefusal::Wrong(2), "the first code is void");
    }
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE state = 'PENDING'").fetch_one(&pool).await.unwrap();
    assert_eq!(pending, 1);
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &second, kppn().as_ref(), at(62)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn ten_codes_a_day_and_no_more(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    // (201 s apart: the number's own budget, 3 per 10 minutes, is not what stops them)
    for i in 0..10 {
        otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(i * 201)).await.unwrap();
    }
    let r = refusal(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(11 * 201)).await);
    assert_eq!(r, OtpRefusal::DailyCap);
    // the next day (WIB) it works again
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(24 * 3600)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn twenty_concurrent_right_codes_activate_exactly_once(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let mut tasks = vec![];
    for _ in 0..20 {
        let (pool, k, cso, code) = (pool.clone(), k.clone(), s.cso.clone(), code.clone());
        let id = s.kpa_id;
        tasks.push(tokio::spawn(async move {
            otp::submit(&pool, &k, &cso, id, Purpose::Aktivasi, &code, kppn().as_ref(), at(5)).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    let aktif_sms: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE body LIKE '%telah aktif!'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(aktif_sms, 1);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn ppk_activation_cannot_be_delegated_and_needs_an_attendance_mode(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sqlx::query("UPDATE pejabat SET status = 'KIRIM' WHERE id = $1").bind(s.ppk_id).execute(&pool).await.unwrap();
    sesi_langsung(&pool, &s.cso, s.ppk_id, at(0)).await;
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, PPK_HP).await;
    let kuasa = KuasaInput {
        nomor_surat: "SK-1/2026".into(),
        tanggal_surat: "20/11/2026".into(),
        nama: "Orang Lain".into(),
        nip: "199001012015011001".into(),
    };
    let ceklis = CeklisInput { kuasa: Some(kuasa), ..ceklis_kppn() };
    match otp::submit(&pool, &k, &s.cso, s.ppk_id, Purpose::Aktivasi, &code, Some(&ceklis), at(1)).await {
        Err(Error::Invalid(f)) => assert!(f.get("kuasa").unwrap().contains("tidak dapat diwakilkan")),
        other => panic!("{other:?}"),
    }
    forbidden(otp::submit(&pool, &k, &s.cso, s.ppk_id, Purpose::Aktivasi, &code, None, at(1)).await);
    otp::submit(&pool, &k, &s.cso, s.ppk_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(2)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn codes_are_never_stored_or_audited_in_clear(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(1)).await.unwrap();
    let sim = Relay::one("simulator", Simulator { pool: pool.clone() });
    sms::deliver_due(&pool, &sim, Utc::now() + Duration::hours(1), 50).await.unwrap();
    let audit_hits: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE detail LIKE '%' || $1 || '%'")
        .bind(&code)
        .fetch_one(&pool)
        .await
        .unwrap();
    let outbox_hits: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE body LIKE '%' || $1 || '%'")
        .bind(&code)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((audit_hits, outbox_hits), (0, 0), "delivered texts are masked in the outbox");
    let mac: Vec<u8> = sqlx::query_scalar("SELECT code_mac FROM otp_code").fetch_one(&pool).await.unwrap();
    assert_eq!(mac.len(), 32);
    assert!(!mac.windows(6).any(|w| w == code.as_bytes()));
}

/// A gateway that fails its first `failures` sends.
struct Flaky {
    inner: Simulator,
    failures: std::sync::atomic::AtomicUsize,
}

impl Gateway for Flaky {
    async fn send(&self, msg: &OutMessage) -> Result<(), String> {
        use std::sync::atomic::Ordering;
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err("gateway 503".into());
        }
        self.inner.send(msg).await
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_failing_gateway_is_retried_and_nothing_is_lost(pool: PgPool) {
    let s = satker(&pool).await;
    // a notice (the pejabat's "aktif" SMS): retried until the gateway recovers
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &key(), &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    otp::submit(&pool, &key(), &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(1)).await.unwrap();
    sqlx::query("DELETE FROM sms_outbox WHERE otp_code_id IS NOT NULL").execute(&pool).await.unwrap();
    let gateway = Relay::one("flaky", Flaky { inner: Simulator { pool: pool.clone() }, failures: 3.into() });
    let mut now = Utc::now();
    let mut delivered = 0;
    for _ in 0..10 {
        delivered += sms::deliver_due(&pool, &gateway, now, 10).await.unwrap();
        now += Duration::seconds(31);
    }
    assert_eq!(delivered, 1);
    let (attempts, error, state): (i32, Option<String>, String) =
        sqlx::query_as("SELECT attempts, last_error, state FROM sms_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((attempts, error.as_deref(), state.as_str()), (4, Some("flaky: gateway 503"), "TERKIRIM"));
    assert_eq!(sms::inbox(&pool, KPA_HP, 10).await.unwrap().len(), 1, "delivered exactly once");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_cso_console_shows_who_waits_and_the_pending_code(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    let console = backend::aktivasi::cso::console(&pool, &s.cso, "", TOLERANSI, at(0)).await.unwrap().satkers;
    assert_eq!(console.len(), 1, "only satkers with someone waiting");
    assert_eq!(console[0].kode, "561403");
    let kpa = console[0].rows.iter().find(|r| r.id == s.kpa_id).unwrap();
    assert!(kpa.pending.is_none());
    assert_eq!(kpa.no_hp, "+62 812-****-7890");
    assert!(console[0].rows.iter().all(|r| r.id != s.ppk_id), "PPK is BARU, not yet KIRIM");

    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;

    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let console = backend::aktivasi::cso::console(&pool, &s.cso, "", TOLERANSI, at(30)).await.unwrap().satkers;
    let timing = console[0].rows.iter().find(|r| r.id == s.kpa_id).unwrap().pending.unwrap();
    assert_eq!(domain::otp::OtpTiming::seconds_left(timing.expires_at_ms, timing.server_now_ms), 90);

    // another KPPN's CSO sees nothing of it, a satker user is refused
    let other = login(&pool, "cso_jakarta2").await;
    assert!(
        backend::aktivasi::cso::console(&pool, &other, "", TOLERANSI, at(30))
            .await
            .unwrap()
            .satkers
            .iter()
            .all(|s| s.kode != "561403")
    );
    assert!(matches!(
        backend::aktivasi::cso::console(&pool, &s.kpa, "", TOLERANSI, at(30)).await,
        Err(Error::Forbidden(_))
    ));
}

/// With more pejabat waiting than the console shows, it shows the first CONSOLE_ROWS (pending
/// codes first), says how many wait in all, and the search finds any of the others.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_console_shows_a_bounded_list_and_searches_the_rest(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sqlx::raw_sql(
        "INSERT INTO satker (kode, nama, kppn_kode) SELECT (800000 + g)::text, 'SATKER ANTRE ' || g, '019'
         FROM generate_series(1, 150) g;
         INSERT INTO app_user (username, nip, nama, role, satker_kode, password_hash)
         SELECT 'apr_antre' || g, (500000000000000000 + g)::text, 'KPA Antre ' || g, 'KPA', (800000 + g)::text, 'x'
         FROM generate_series(1, 150) g;
         INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp,
                              alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by)
         SELECT u.satker_kode, u.id, u.nip, u.nama, 'Jakarta', date '1980-01-01', 'a@b.go.id', '+628130' || lpad(u.id::text, 7, '0'),
                'Jakarta', 'Jakarta', 'SK-1', date '2026-01-05', 'KUASA PENGGUNA ANGGARAN', '019', 'BARU', u.id
         FROM app_user u WHERE u.username LIKE 'apr\\_antre%'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();

    let all = backend::aktivasi::cso::console(&pool, &s.cso, "", TOLERANSI, at(10)).await.unwrap();
    assert_eq!(all.waiting, 151, "150 new KPAs and the demo satker's");
    assert_eq!(all.shown() as i64, domain::pejabat::CONSOLE_ROWS);
    let first = &all.satkers[0];
    assert_eq!((first.kode.as_str(), first.rows[0].id), ("561403", s.kpa_id), "the pending code comes first");

    let found = backend::aktivasi::cso::console(&pool, &s.cso, "KPA Antre 149", TOLERANSI, at(10)).await.unwrap();
    assert_eq!((found.waiting, found.shown()), (1, 1));
    assert_eq!(found.satkers[0].kode, "800149");
    let by_code = backend::aktivasi::cso::console(&pool, &s.cso, "800150", TOLERANSI, at(10)).await.unwrap();
    assert_eq!(by_code.satkers[0].rows[0].nama, "KPA Antre 150");
    let none = backend::aktivasi::cso::console(&pool, &s.cso, "100%_\\", TOLERANSI, at(10)).await.unwrap();
    assert_eq!((none.waiting, none.shown()), (0, 0), "LIKE metacharacters are literal");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_reopened_dialog_finds_the_last_request_of_its_owner_only(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    assert_eq!(otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap(), None);
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let latest = otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap().unwrap();
    assert_eq!((latest.sent_at, latest.expires_at), (at(0), at(120)));
    // another pejabat of the satker may not look
    let peek = otp::latest(&pool, &s.ppk, s.kpa_id, Purpose::Aktivasi).await;
    assert!(!matches!(peek, Ok(Some(_))), "{peek:?}");
    // once used, the time stays but the countdown is over
    let code = last_code(&pool, KPA_HP).await;
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(5)).await.unwrap();
    assert_eq!(otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap(), None, "KPA is AKTIF: no dialog");
}

/// Wrong codes count across codes: a new code does not start again from zero. The tenth in a
/// row locks the reference's OTP steps (the pejabat is told), until the CSO of its KPPN
/// unlocks them; a right code clears the count.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn ten_wrong_codes_in_a_row_lock_the_reference_until_its_cso_unlocks(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    let wrong_for = |code: &str| if code == "000000" { "111111".to_string() } else { "000000".to_string() };
    // two wrong, then right: the count starts again
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    for i in 1..=2 {
        refusal(
            otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &wrong_for(&code), kppn().as_ref(), at(i))
                .await,
        );
    }
    let salah = |id| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>("SELECT otp_salah FROM pejabat WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(salah(s.kpa_id).await, 2);
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, kppn().as_ref(), at(3)).await.unwrap();
    assert_eq!(salah(s.kpa_id).await, 0, "a right code clears the count");
    // the PPK (verification of its number): four codes, three wrong tries each
    let mut n = 0;
    for round in 0..4 {
        let t = round * 201 + 10;
        otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(t)).await.unwrap();
        let code = last_code(&pool, PPK_HP).await;
        for i in 1..=3 {
            n += 1;
            let r = refusal(
                otp::submit(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, &wrong_for(&code), None, at(t + i))
                    .await,
            );
            if n == 10 {
                assert_eq!(r, OtpRefusal::Locked, "the tenth wrong code in a row");
                break;
            }
            assert!(matches!(r, OtpRefusal::Wrong(_) | OtpRefusal::TooManyTries), "{n}: {r:?}");
        }
    }
    assert_eq!(n, 10);
    // locked: no new code, no check; the pejabat was told on its phone
    assert_eq!(
        refusal(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(2000)).await),
        OtpRefusal::Locked
    );
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sms_outbox WHERE phone = $1 AND body LIKE '%dikunci setelah 10 kali kode salah%'",
    )
    .bind(PPK_HP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    // who may unlock: the CSO of the reference's KPPN, no one else
    assert!(matches!(
        backend::aktivasi::kunci_otp::buka_kunci(&pool, &s.kpa, s.ppk_id, "Dipastikan").await,
        Err(Error::Forbidden(_))
    ));
    let other = login(&pool, "cso_jakarta2").await;
    assert!(matches!(
        backend::aktivasi::kunci_otp::buka_kunci(&pool, &other, s.ppk_id, "Dipastikan").await,
        Err(Error::NotFound(_))
    ));
    let attention = backend::aktivasi::cso::perhatian(&pool, &s.cso, at(2000)).await.unwrap();
    assert!(
        attention.iter().any(|p| p.pejabat_id == s.ppk_id && p.jenis == domain::pejabat::JenisPerhatian::OtpTerkunci)
    );
    backend::aktivasi::kunci_otp::buka_kunci(&pool, &s.cso, s.ppk_id, "Dipastikan dengan pejabat lewat telepon KPPN")
        .await
        .unwrap();
    assert!(
        matches!(backend::aktivasi::kunci_otp::buka_kunci(&pool, &s.cso, s.ppk_id, "lagi").await, Err(Error::Rule(_))),
        "not locked any more"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'BUKA_KUNCI_OTP' AND outcome = 'BERHASIL' AND pejabat_id = $1",
    )
    .bind(s.ppk_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(2001)).await.unwrap();
}

/// A number gets at most three code SMS in ten minutes, whoever asks; the country at most
/// the configured number per hour.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_number_and_the_country_have_code_budgets(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    let mut last = None;
    for t in [0, 61, 122] {
        last = Some(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(t)).await.unwrap());
    }
    // the third filled the number's window: the dialog shows the wait before the press
    assert_eq!(last.unwrap().next_request_at, at(600));
    // the fourth within ten minutes: refused until the first leaves the window (0 + 600 s)
    assert_eq!(
        refusal(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(183)).await),
        OtpRefusal::NumberBusy(7)
    );
    assert_eq!(
        refusal(otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(599)).await),
        OtpRefusal::NumberBusy(1)
    );
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(601)).await.unwrap();
    // a national ceiling of 5 an hour: the four above and one more (the KPA's aktivasi code,
    // in its session: a session is not held to the number's window, but to the country's), then
    // nobody
    let tight = key().with_national_per_hour(5);
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(690)).await;
    otp::request(&pool, &tight, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(700)).await.unwrap();
    let r = refusal(otp::request(&pool, &tight, &s.ppspm, s.ppspm_id, Purpose::VerifikasiHp, at(701)).await);
    assert_eq!(r, OtpRefusal::NationalCeiling);
    assert!(r.to_string().contains("batas nasional"));
    // an hour after the first, places free up again
    otp::request(&pool, &tight, &s.ppspm, s.ppspm_id, Purpose::VerifikasiHp, at(3601)).await.unwrap();
}

/// The simulator's switch on /hp fails one number, not the others: the simulator is not a
/// remote gateway the relay skips after a failure.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_simulators_switch_fails_one_number_and_the_next_number_still_gets_its_code(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sms::simulator_gagal(&pool, PPK_HP, true).await.unwrap();
    otp::request(&pool, &k, &s.ppk, s.ppk_id, Purpose::VerifikasiHp, at(0)).await.unwrap();
    let sim = Relay::one("simulator", Simulator { pool: pool.clone() });
    assert_eq!(sms::deliver_due(&pool, &sim, at(1), 10).await.unwrap(), 0);
    otp::request(&pool, &k, &s.ppspm, s.ppspm_id, Purpose::VerifikasiHp, at(2)).await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &sim, at(3), 10).await.unwrap(), 1, "within what would be a breaker's 30 s");
    let states: Vec<(String, String)> =
        sqlx::query_as("SELECT phone, state FROM sms_outbox ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(states, [(PPK_HP.to_owned(), "GAGAL".to_owned()), (SPM_HP.to_owned(), "TERKIRIM".to_owned())]);
}

/// A code SMS never leaves after its code expired: it is marked kedaluwarsa, its text
/// redacted, and the dialog's latest code says so.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_code_sms_is_never_delivered_after_its_code_expired(pool: PgPool) {
    let s = satker(&pool).await;
    let k = key();
    sesi_langsung(&pool, &s.cso, s.kpa_id, at(0)).await;
    let p = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(0)).await.unwrap();
    let kiriman = p.kiriman.unwrap();
    assert_eq!((kiriman.nomor.as_str(), kiriman.status), ("+62 812-****-7890", domain::sms::StatusKirim::Antre));
    let sim = Relay::one("simulator", Simulator { pool: pool.clone() });
    assert_eq!(sms::deliver_due(&pool, &sim, at(120), 10).await.unwrap(), 0);
    assert!(sms::inbox(&pool, KPA_HP, 10).await.unwrap().is_empty());
    let (state, body): (String, String) =
        sqlx::query_as("SELECT state, body FROM sms_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(state, "KEDALUWARSA");
    assert!(body.contains("Anda: ******."), "{body}");
    let latest = otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap().unwrap();
    assert_eq!(latest.kiriman.unwrap().status, domain::sms::StatusKirim::Kedaluwarsa);
    // one due in time goes, and says terkirim
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, at(200)).await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &sim, at(201), 10).await.unwrap(), 1);
    let latest = otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap().unwrap();
    assert_eq!(latest.kiriman.unwrap().status, domain::sms::StatusKirim::Terkirim);
    let console = backend::aktivasi::cso::console(&pool, &s.cso, "", TOLERANSI, at(202)).await.unwrap();
    let row = console.satkers.iter().flat_map(|s| &s.rows).find(|r| r.id == s.kpa_id).unwrap();
    assert_eq!(row.kiriman.as_ref().map(|k| k.status), Some(domain::sms::StatusKirim::Terkirim));
}
