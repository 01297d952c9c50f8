//! The activation ceremony (issue 26) against a real PostgreSQL: the aktivasi code lives inside
//! its session — requested only in the window, entered only by the CSO holding the session,
//! with the checklist of its mode; a takeover is audited and voids the code said under the
//! other CSO's name; a walk-in session is the CSO's, audited as such.

use crate::common::{accept_bundles, ceklis_kppn, kpa_input, last_code, login};
use backend::aktivasi::otp::{self, OtpKey};
use backend::{Caller, Error, aktivasi::pejabat, jadwal};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::jadwal::{JadwalInput, Mode};
use domain::otp::{OtpRefusal, Purpose};
use domain::upacara::{Butir, CeklisInput};
use sqlx::PgPool;

const KPA_HP: &str = "+6281234567890";

fn key() -> OtpKey {
    OtpKey::new(b"kunci-uji-upacara".to_vec())
}

/// 2026-11-24 09:00 WIB.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap()
}

/// `h:m` WIB on 2026-11-24.
fn wib(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, h - 7, m, 0).unwrap()
}

struct Setup {
    kpa: Caller,
    cso: Caller,
    kpa_id: domain::PejabatId,
}

/// The KPA of 561403 recorded, its bundle accepted.
async fn setup(pool: &PgPool) -> Setup {
    let admin = login(pool, "adm_561403").await;
    let kpa_id = pejabat::rekam(pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    accept_bundles(pool, &[kpa_id]).await;
    Setup { kpa: login(pool, "apr_kpa561403").await, cso: login(pool, "cso_jakarta6").await, kpa_id }
}

/// A second CSO of KPPN 019, with the demo password.
async fn second_cso(pool: &PgPool) -> Caller {
    sqlx::query(
        "INSERT INTO app_user (username, nama, role, kppn_kode, password_hash)
         SELECT 'cso_jakarta6b', 'CSO Kedua Jakarta VI', role, kppn_kode, password_hash
         FROM app_user WHERE username = 'cso_jakarta6'",
    )
    .execute(pool)
    .await
    .unwrap();
    login(pool, "cso_jakarta6b").await
}

/// A video session for 561403 at 10:30–11:30 WIB set by hand by `cso` at t0.
async fn video_session(pool: &PgPool, cso: &Caller) -> domain::JadwalId {
    let input = JadwalInput {
        satker_kode: "561403".into(),
        tanggal: "2026-11-24".into(),
        jam: "10:30".into(),
        mode: Mode::VideoConference.code().into(),
        tautan: "https://vicon.kemenkeu.go.id/j/561403".into(),
        ..Default::default()
    };
    jadwal::buat(pool, cso, &input, t0()).await.unwrap().id
}

/// The PPK of 561403 recorded by `admin` (`BARU`).
async fn rekam_ppk(pool: &PgPool, admin: &Caller) -> domain::PejabatId {
    let mut ppk = kpa_input();
    ppk.nip = "133209333013111001".into();
    ppk.nama = "PPK PSIE I".into();
    ppk.no_hp = "081300000002".into();
    ppk.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    pejabat::rekam(pool, admin, &ppk, backend::now()).await.unwrap()
}

fn rule(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Rule(m)) | Err(Error::Forbidden(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn video() -> CeklisInput {
    CeklisInput { dicentang: Butir::untuk(Mode::VideoConference).to_vec(), kuasa: None }
}

async fn audit(pool: &PgPool, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT coalesce(actor_username, ''), outcome, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_code_is_requested_only_in_its_sessions_window_once_a_cso_holds_it(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    // no session at all
    let m = rule(otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0()).await);
    assert!(m.starts_with("Belum ada sesi aktivasi"), "{m}");
    let j = video_session(&pool, &s.cso).await;
    // before the window (10 minutes of grace before 10:30): the dialog says when
    let m = rule(otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 19)).await);
    assert_eq!(
        m,
        "Kode aktivasi diminta pada sesi Anda: Selasa, 24 Nov 2026 10:30–11:30 WIB (dapat diminta sejak 10 menit sebelumnya)."
    );
    // in the window, but no CSO holds the session yet
    let m = rule(otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 20)).await);
    assert!(m.contains("belum diambil CSO"), "{m}");
    // the CSO takes it; the code goes out and names the session on the pejabat's screen
    let held = jadwal::ambil(&pool, &s.cso, j, wib(10, 20)).await.unwrap();
    let nomor = held.nomor_sesi.unwrap();
    assert!((10..=999).contains(&nomor));
    let sent = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 21)).await.unwrap();
    let sesi = sent.sesi.unwrap();
    assert_eq!(sesi.nomor, Some(nomor));
    assert_eq!(sesi.pemegang.unwrap().nama, "CSO KPPN Jakarta VI");
    assert_eq!((sesi.kppn_nama.as_str(), sesi.mode), ("KPPN Jakarta VI", Mode::VideoConference));
    // the reopened dialog and the CSO's console show the same number
    let latest = otp::latest(&pool, &s.kpa, s.kpa_id, Purpose::Aktivasi).await.unwrap().unwrap();
    assert_eq!(latest.sesi.unwrap().nomor, Some(nomor));
    let console = backend::aktivasi::cso::console(&pool, &s.cso, "", domain::upacara::DEFAULT_TOLERANSI, wib(10, 21))
        .await
        .unwrap();
    assert_eq!(console.satkers[0].rows[0].sesi.as_ref().unwrap().nomor, Some(nomor));
    // after the session and its grace: refused, and the dialog says it ended
    let m = rule(otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(11, 41)).await);
    assert!(m.contains("telah berakhir"), "{m}");
    let refused = audit(&pool, "REQUEST_OTP_AKTIVASI").await;
    assert_eq!(refused.iter().filter(|(_, o, _)| o == "DITOLAK").count(), 4);
    assert!(refused.iter().any(|(_, o, d)| o == "BERHASIL" && d.contains(&format!("sesi No. {nomor}"))));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn only_the_holder_enters_the_code_and_a_takeover_voids_it(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    let other = second_cso(&pool).await;
    let j = video_session(&pool, &s.cso).await;
    jadwal::ambil(&pool, &s.cso, j, wib(10, 25)).await.unwrap();
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 30)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    // another CSO of the same KPPN: refused, named in the trail, no wrong try counted
    let m = rule(otp::submit(&pool, &k, &other, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 31)).await);
    assert!(m.contains("dipegang CSO KPPN Jakarta VI"), "{m}");
    let lines = audit(&pool, "AKTIVASI_OTP").await;
    assert_eq!(lines.last().unwrap().0, "cso_jakarta6b");
    assert_eq!(lines.last().unwrap().1, "DITOLAK");
    // it takes the session over: audited, and the code said under the first CSO's name is void
    let taken = jadwal::ambil(&pool, &other, j, wib(10, 32)).await.unwrap();
    assert_eq!(taken.pemegang.unwrap().nama, "CSO Kedua Jakarta VI");
    let (who, outcome, detail) = audit(&pool, "AMBIL_SESI").await.pop().unwrap();
    assert_eq!((who.as_str(), outcome.as_str()), ("cso_jakarta6b", "BERHASIL"));
    assert!(detail.contains("diambil alih dari CSO KPPN Jakarta VI") && detail.contains("1 kode"), "{detail}");
    let r = otp::submit(&pool, &k, &other, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 33)).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::NoPending))), "{r:?}");
    // the pejabat asks again and sees the new holder; the first CSO may no longer enter it
    let sent = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 34)).await.unwrap();
    assert_eq!(sent.sesi.unwrap().nomor, taken.nomor_sesi);
    let code = last_code(&pool, KPA_HP).await;
    rule(otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 35)).await);
    let st = otp::submit(&pool, &k, &other, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 35)).await;
    assert_eq!(st.unwrap(), domain::Status::Aktif);
    let (jadwal_id, mode): (Option<domain::JadwalId>, String) =
        sqlx::query_as("SELECT aktivasi_jadwal, aktivasi_mode FROM pejabat WHERE id = $1")
            .bind(s.kpa_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((jadwal_id, mode.as_str()), (Some(j), "VIDEO_CONFERENCE"));
    let (_, _, detail) = audit(&pool, "AKTIVASI_OTP").await.pop().unwrap();
    assert!(detail.contains("WAJAH_DI_KAMERA, KTP_COCOK, KODE_DI_KAMERA"), "{detail}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_code_without_the_whole_checklist_is_refused_and_no_try_is_counted(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    let j = video_session(&pool, &s.cso).await;
    jadwal::ambil(&pool, &s.cso, j, wib(10, 25)).await.unwrap();
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 30)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let m = rule(otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, None, wib(10, 31)).await);
    assert!(m.contains("ceklis"), "{m}");
    // the in-person list does not do for a video session
    match otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&ceklis_kppn()), wib(10, 31)).await {
        Err(Error::Invalid(f)) => assert!(f.get("ceklis").is_some()),
        other => panic!("{other:?}"),
    }
    let salah: i32 = sqlx::query_scalar("SELECT otp_salah FROM pejabat WHERE id = $1")
        .bind(s.kpa_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(salah, 0);
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 31)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_walk_in_session_is_opened_by_the_cso_for_a_waiting_pejabat_of_its_kppn(pool: PgPool) {
    let s = setup(&pool).await;
    let tol = domain::upacara::DEFAULT_TOLERANSI;
    // not the CSO of another KPPN, not for a pejabat with no activation to do
    let foreign = login(&pool, "cso_jakarta2").await;
    assert!(matches!(jadwal::langsung(&pool, &foreign, s.kpa_id, tol, t0()).await, Err(Error::NotFound(_))));
    let admin = login(&pool, "adm_561403").await;
    let ppk_id = rekam_ppk(&pool, &admin).await;
    let m = rule(jadwal::langsung(&pool, &s.cso, ppk_id, tol, t0()).await);
    assert!(m.contains("tidak sedang menunggu aktivasi"), "{m}");
    // opened, held at once, at the KPPN; a second while it runs is refused
    let j = jadwal::langsung(&pool, &s.cso, s.kpa_id, tol, t0()).await.unwrap();
    assert!(j.langsung && j.nomor_sesi.is_some() && j.mode == Mode::Kppn);
    let m = rule(jadwal::langsung(&pool, &s.cso, s.kpa_id, tol, t0() + Duration::minutes(5)).await);
    assert!(m.contains("sudah dalam sesi"), "{m}");
    let (who, outcome, detail) = audit(&pool, "SESI_LANGSUNG").await.pop().unwrap();
    assert_eq!((who.as_str(), outcome.as_str()), ("cso_jakarta6", "DITOLAK"));
    assert!(detail.contains("sudah dalam sesi"), "{detail}");
    let lines = audit(&pool, "SESI_LANGSUNG").await;
    assert!(lines.iter().any(|(_, o, d)| o == "BERHASIL" && d.contains("KPA KPA PSIE I hadir di KPPN")), "{lines:?}");
    // the pejabat's code goes out in it, and the in-person checklist does
    let k = key();
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0() + Duration::minutes(6)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    let at = t0() + Duration::minutes(7);
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&ceklis_kppn()), at).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn bukan_saya_voids_the_code_locks_the_steps_and_tells_the_kpa_until_the_cso_unlocks(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    crate::common::sesi_langsung(&pool, &s.cso, s.kpa_id, t0()).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0()).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    sqlx::query("UPDATE app_user SET no_hp = '+6281355500001' WHERE username = 'adm_561403'")
        .execute(&pool)
        .await
        .unwrap();
    // only the pejabat itself reports
    let admin = login(&pool, "adm_561403").await;
    assert!(matches!(
        backend::aktivasi::kunci_otp::bukan_saya(&pool, &admin, s.kpa_id, t0()).await,
        Err(Error::Forbidden(_))
    ));
    backend::aktivasi::kunci_otp::bukan_saya(&pool, &s.kpa, s.kpa_id, t0() + Duration::seconds(5)).await.unwrap();
    // the code said is void, no new one goes out, and the CSO cannot use the old one
    let at = t0() + Duration::seconds(10);
    let r = otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&ceklis_kppn()), at).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::Dilaporkan))), "{r:?}");
    let later = t0() + Duration::minutes(2);
    let r = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, later).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::Dilaporkan))), "{r:?}");
    // the KPA hears it by SMS and email, the Admin Lokal by email; the trail and the console
    // say so
    let sms: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE phone = $1 AND body LIKE '%melaporkan kode OTP%'")
            .bind(KPA_HP)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(sms, 1);
    let admin_sms: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sms_outbox WHERE phone = '+6281355500001' AND body LIKE '%melaporkan kode OTP%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(admin_sms, 1, "the Admin Lokal's number on record");
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT to_addr FROM email_outbox WHERE subject LIKE 'Laporan \"Bukan saya\"%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(emails.contains(&"kpa.psie@kemenkeu.go.id".to_string()), "{emails:?}");
    let (who, outcome, detail) = audit(&pool, "LAPOR_BUKAN_SAYA").await.pop().unwrap();
    assert_eq!((who.as_str(), outcome.as_str()), ("apr_kpa561403", "BERHASIL"));
    assert!(detail.contains("1 kode menunggu dibatalkan"), "{detail}");
    let perhatian = backend::aktivasi::cso::perhatian(&pool, &s.cso, later).await.unwrap();
    assert_eq!(perhatian[0].jenis, domain::pejabat::JenisPerhatian::Dilaporkan);
    // the CSO unlocks with a reason, written to the trail; then codes flow again
    match backend::aktivasi::kunci_otp::buka_kunci(&pool, &s.cso, s.kpa_id, " ").await {
        Err(Error::Invalid(f)) => assert!(f.get("alasan").is_some()),
        other => panic!("{other:?}"),
    }
    backend::aktivasi::kunci_otp::buka_kunci(&pool, &s.cso, s.kpa_id, "Dipastikan dengan KPA lewat telepon resmi KPPN")
        .await
        .unwrap();
    let (_, _, detail) = audit(&pool, "BUKA_KUNCI_OTP").await.pop().unwrap();
    assert!(detail.contains("laporan \"Bukan saya\"") && detail.contains("telepon resmi KPPN"), "{detail}");
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, later).await.unwrap();
}

/// Issue 26, point 3: where the pejabat has an email, the code's notice names the session and
/// carries a one-time "Bukan saya" link that needs no login; opening it changes nothing, using
/// it reports as the dialog does, and it works once.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_email_notice_of_a_code_reports_bukan_saya_through_its_link_once(pool: PgPool) {
    use backend::aktivasi::lapor::{self, Keadaan};
    let s = setup(&pool).await;
    let k = key().with_tautan_dasar("https://sakti.example.go.id");
    crate::common::sesi_langsung(&pool, &s.cso, s.kpa_id, t0()).await;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0()).await.unwrap();
    let (to, body, redacted): (String, String, String) = sqlx::query_as(
        "SELECT to_addr, body, body_redacted FROM email_outbox WHERE subject = 'Kode aktivasi OTP SAKTI dikirim ke HP Anda'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(to, "kpa.psie@kemenkeu.go.id");
    let nomor: i16 = sqlx::query_scalar("SELECT nomor_sesi FROM jadwal").fetch_one(&pool).await.unwrap();
    assert!(body.contains(&format!("sesi No. {nomor}")) && body.contains("CSO") && body.contains("KPPN"), "{body}");
    assert!(body.contains(domain::upacara::PERINGATAN), "{body}");
    let start =
        body.find("https://sakti.example.go.id/lapor/").expect("the link") + "https://sakti.example.go.id/lapor/".len();
    let token: String = body[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 64, "{body}");
    assert!(!redacted.contains(&token), "the stored copy hides the link: {redacted}");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM lapor_tautan").fetch_one(&pool).await.unwrap();
    assert_ne!(stored, token.as_bytes(), "only the token's hash is kept");
    // a guess and an opened link change nothing
    let at = t0() + Duration::minutes(1);
    assert_eq!(lapor::lihat(&pool, &"0".repeat(64), at).await.unwrap(), Keadaan::TidakBerlaku);
    assert!(matches!(lapor::lihat(&pool, &token, at).await.unwrap(), Keadaan::Berlaku { .. }));
    let pending = || async {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM otp_code WHERE state = 'PENDING'").fetch_one(&pool).await.unwrap();
        n
    };
    assert_eq!(pending().await, 1);
    // past its time it does not work
    let late = t0() + Duration::hours(lapor::BERLAKU_JAM) + Duration::seconds(1);
    assert_eq!(lapor::lihat(&pool, &token, late).await.unwrap(), Keadaan::TidakBerlaku);
    let nobody = || Some("203.0.113.9".to_string());
    assert!(matches!(lapor::lapor(&pool, nobody(), &token, late).await, Err(Error::NotFound(_))));
    // in time, the report: the code void, the steps locked, the trail says which way it came
    lapor::lapor(&pool, nobody(), &token, at).await.unwrap();
    assert_eq!(pending().await, 0);
    let r = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0() + Duration::minutes(3)).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::Dilaporkan))), "{r:?}");
    let (_, outcome, detail) = audit(&pool, "LAPOR_BUKAN_SAYA").await.pop().unwrap();
    assert_eq!(outcome, "BERHASIL");
    assert!(detail.contains("lewat tautan di email") && detail.contains("1 kode menunggu dibatalkan"), "{detail}");
    let kpa_told: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE phone = $1 AND body LIKE '%melaporkan kode OTP%'")
            .bind(KPA_HP)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(kpa_told, 1);
    // once
    assert_eq!(lapor::lihat(&pool, &token, at).await.unwrap(), Keadaan::Terpakai);
    assert!(matches!(lapor::lapor(&pool, nobody(), &token, at).await, Err(Error::NotFound(_))));
    // an anonymous refusal is counted per address and minute, then written as one line
    backend::audit::tutup_hitungan(&pool, at + Duration::minutes(2)).await.unwrap();
    let refused = audit(&pool, "LAPOR_BUKAN_SAYA").await.pop().unwrap();
    assert_eq!(refused.1, "DITOLAK", "{refused:?}");
}

/// Issue 26, point 6: a ceremony is never stalled by a budget meant for abuse. Inside a held
/// session the pejabat's aktivasi codes are not held to its number's three codes per ten
/// minutes (filled here by its phone verification), but to the session's own allowance.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_held_session_has_its_own_allowance_instead_of_the_numbers_window(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    let admin = login(&pool, "adm_561403").await;
    let ppk_id = rekam_ppk(&pool, &admin).await;
    accept_bundles(&pool, &[ppk_id]).await;
    let ppk = login(&pool, "val_ppk561403").await;
    // three verification codes to its phone outside any session fill the number's window
    for i in 0..3 {
        let at = t0() + Duration::seconds(61 * i);
        otp::request(&pool, &k, &ppk, ppk_id, Purpose::VerifikasiHp, at).await.unwrap();
    }
    let at = t0() + Duration::seconds(200);
    let r = otp::request(&pool, &k, &ppk, ppk_id, Purpose::VerifikasiHp, at).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::NumberBusy(_)))), "{r:?}");
    // sent by its KPA, it comes to the KPPN: in its session the codes flow, six of them
    sqlx::query("UPDATE pejabat SET status = 'KIRIM' WHERE id = $1").bind(ppk_id).execute(&pool).await.unwrap();
    crate::common::sesi_langsung(&pool, &s.cso, ppk_id, at).await;
    for i in 0..domain::upacara::KODE_PER_SESI {
        let at = at + Duration::seconds(61 * i);
        otp::request(&pool, &k, &ppk, ppk_id, Purpose::Aktivasi, at).await.unwrap();
    }
    let later = at + Duration::seconds(61 * domain::upacara::KODE_PER_SESI);
    let m = rule(otp::request(&pool, &k, &ppk, ppk_id, Purpose::Aktivasi, later).await);
    assert!(m.contains("Sesi ini sudah mengirim 6 kode"), "{m}");
    let _ = s.kpa;
}

/// The signed evidence record: written after the activation, downloaded within scope only,
/// and it checks under the server's key, naming the session, the checklist, the bundle's
/// SHA-256, the codes' SMS and the audit line; a byte changed fails.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_activation_leaves_a_signed_evidence_record_within_scope(pool: PgPool) {
    use backend::aktivasi::bukti;
    use backend::audit::titik::{self, Titik};
    let mac = crate::common::kunci_mac();
    let s = setup(&pool).await;
    let k = key();
    let kunci = backend::sistem::kunci::KunciTanda::new(&[3; 32]).unwrap();
    let j = video_session(&pool, &s.cso).await;
    let nomor = jadwal::ambil(&pool, &s.cso, j, wib(10, 25)).await.unwrap().nomor_sesi;
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 30)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 31)).await.unwrap();
    // the record is written after the activation's commit: a crash between the two leaves
    // none, which the next start-up writes (once)
    assert_eq!(bukti::susulkan(&pool, &kunci, wib(10, 31)).await.unwrap(), 1);
    assert_eq!(bukti::susulkan(&pool, &kunci, wib(10, 32)).await.unwrap(), 0);

    let admin = login(&pool, "adm_561403").await;
    // the table offers it for this row
    let page = pejabat::daftar(&pool, &admin, &domain::pejabat::TableQuery::default()).await.unwrap();
    assert!(page.rows.iter().any(|r| r.id == s.kpa_id && r.bukti));
    let signed = bukti::unduh(&pool, &admin, s.kpa_id).await.unwrap();
    let record = bukti::BuktiBertanda::baca(&signed.berkas()).unwrap().periksa(&kunci.publik()).unwrap();
    assert_eq!((record.sesi.jadwal_id, record.sesi.nomor), (j, nomor));
    assert_eq!(record.sesi.cso_nama, "CSO KPPN Jakarta VI");
    assert_eq!(record.ceklis.dicentang, Butir::untuk(Mode::VideoConference));
    let sha: Vec<u8> = sqlx::query_scalar("SELECT sha256 FROM berkas WHERE pejabat_id = $1 AND status = 'DITERIMA'")
        .bind(s.kpa_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(record.berkas.unwrap().sha256, hex::encode(sha));
    assert_eq!(record.kiriman.len(), 1);
    let (audit_id, hash): (i64, Vec<u8>) =
        sqlx::query_as("SELECT id, hash FROM audit_log WHERE action = 'AKTIVASI_OTP' AND outcome = 'BERHASIL'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((record.jejak.audit_id, record.jejak.hash), (audit_id, Some(hex::encode(hash))));
    // and as one printable page
    assert!(signed.pdf().unwrap().starts_with(b"%PDF-"));
    // one byte changed, or another key: refused
    let forged = bukti::BuktiBertanda { bukti: signed.bukti.replacen("KPA PSIE I", "KPA PSIE J", 1), ..signed.clone() };
    assert!(forged.periksa(&kunci.publik()).is_err());
    let other = backend::sistem::kunci::KunciTanda::new(&[4; 32]).unwrap();
    assert!(signed.periksa(&other.publik()).is_err());
    // its place in the trail: unsealed until a signed checkpoint comes after its line, then
    // whole; a line rehashed and the chain recomputed by the owner breaks the checkpoint
    let record = signed.periksa(&kunci.publik()).unwrap();
    let posisi = |titik: Vec<Titik>| {
        let (pool, record, publik, mac) = (pool.clone(), record.clone(), kunci.publik(), mac.clone());
        async move { bukti::periksa_posisi(&pool, &record, &titik, &publik, &mac).await.unwrap() }
    };
    let m = posisi(vec![]).await.unwrap_err();
    assert!(m.contains("belum ada titik periksa sesudah baris jejak"), "{m}");
    let segel = Titik::baru(&titik::kepala(&pool).await.unwrap().unwrap(), wib(10, 40), &kunci);
    let ok = posisi(vec![segel.clone()]).await.unwrap();
    assert!(ok.contains(&format!("baris jejak id {audit_id}")) && ok.contains("tersegel"), "{ok}");
    let palsu = Titik::baru(&titik::kepala(&pool).await.unwrap().unwrap(), wib(10, 40), &other);
    assert!(posisi(vec![palsu]).await.unwrap_err().contains("PALSU"));
    let mut lain = record.clone();
    lain.jejak.hash = Some("00".repeat(32));
    let m = bukti::periksa_posisi(&pool, &lain, std::slice::from_ref(&segel), &kunci.publik(), &mac)
        .await
        .unwrap()
        .unwrap_err();
    assert!(m.contains("tidak sama dengan yang dicatat bukti"), "{m}");
    sqlx::raw_sql(&format!(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
         UPDATE audit_log SET detail = detail || ' (diubah)' WHERE id = {audit_id};
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;"
    ))
    .execute(&pool)
    .await
    .unwrap();
    let m = posisi(vec![segel]).await.unwrap_err();
    assert!(m.contains("RUSAK") && m.contains(&audit_id.to_string()), "{m}");
    // its KPPN, its region and Pusat may download it; another satker, another KPPN and a
    // pejabat may not
    for user in ["cso_jakarta6", "kwl_dki", "pst_djpb"] {
        bukti::unduh(&pool, &login(&pool, user).await, s.kpa_id).await.unwrap();
    }
    for user in ["adm_527010", "cso_jakarta2"] {
        let r = bukti::unduh(&pool, &login(&pool, user).await, s.kpa_id).await;
        assert!(matches!(r, Err(Error::NotFound(_))), "{user}: {r:?}");
    }
    assert!(matches!(bukti::unduh(&pool, &s.kpa, s.kpa_id).await, Err(Error::Forbidden(_))));
}

/// A session's codes do not use up the number's window either: after the KPA's activation in
/// its session, its two Kirim Data codes go out with only the cool-down between them.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_sessions_codes_leave_the_numbers_window_to_the_codes_outside_it(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    crate::common::sesi_langsung(&pool, &s.cso, s.kpa_id, t0()).await;
    for i in 0..2 {
        otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, t0() + Duration::seconds(61 * i)).await.unwrap();
    }
    let code = last_code(&pool, KPA_HP).await;
    let at = t0() + Duration::seconds(70);
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&ceklis_kppn()), at).await.unwrap();
    // two codes outside the session: the second's wait is the cool-down, not the window's
    let admin = login(&pool, "adm_561403").await;
    let ppk_id = rekam_ppk(&pool, &admin).await;
    sqlx::query("UPDATE pejabat SET status = 'VERIFIKASI PEJABAT' WHERE id = $1")
        .bind(ppk_id)
        .execute(&pool)
        .await
        .unwrap();
    let first = t0() + Duration::seconds(80);
    otp::request(&pool, &k, &s.kpa, ppk_id, Purpose::KirimData, first).await.unwrap();
    let second = first + Duration::seconds(61);
    let sent = otp::request(&pool, &k, &s.kpa, ppk_id, Purpose::KirimData, second).await.unwrap();
    assert_eq!(sent.next_request_at, second + Duration::seconds(60));
}

/// Issue 26, point 6: the dialog shows any wait before the press, never after it — the
/// session's window still to open (with its count), a session no CSO holds yet, then the
/// session itself before any code; outside a session, the number's ten-minute window with
/// the seconds until it frees a place.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_dialog_shows_the_session_and_any_wait_before_the_press(pool: PgPool) {
    let s = setup(&pool).await;
    let k = key();
    let j = video_session(&pool, &s.cso).await;
    let buka = |purpose: Purpose, id: domain::PejabatId, at: DateTime<Utc>| {
        let (pool, k, kpa) = (pool.clone(), k.clone(), s.kpa.clone());
        async move { otp::buka(&pool, &k, &kpa, id, purpose, at).await.unwrap() }
    };
    // 10:00 WIB: the window opens at 10:20 (ten minutes' grace before 10:30)
    let b = buka(Purpose::Aktivasi, s.kpa_id, wib(10, 0)).await;
    let t = b.tunggu.expect("a wait");
    assert_eq!(t.detik, Some(20 * 60));
    assert!(t.teks.contains("Kode aktivasi diminta pada sesi Anda"), "{}", t.teks);
    assert!(b.terakhir.is_none());
    // the press would meet the same words
    let r = otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 0)).await;
    assert!(matches!(&r, Err(Error::Rule(m)) if *m == t.teks), "{r:?}");
    // in the window, nobody holding it: words, no count
    let t = buka(Purpose::Aktivasi, s.kpa_id, wib(10, 25)).await.tunggu.expect("a wait");
    assert_eq!(t.detik, None);
    assert!(t.teks.contains("belum diambil CSO"), "{}", t.teks);
    // held: no wait, and the session (its number, its CSO) before any code
    let nomor = jadwal::ambil(&pool, &s.cso, j, wib(10, 25)).await.unwrap().nomor_sesi;
    let b = buka(Purpose::Aktivasi, s.kpa_id, wib(10, 26)).await;
    assert_eq!(b.tunggu, None);
    let sesi = b.sesi.expect("the session");
    assert_eq!((sesi.nomor, sesi.pemegang.map(|p| p.nama)), (nomor, Some("CSO KPPN Jakarta VI".to_string())));
    otp::request(&pool, &k, &s.kpa, s.kpa_id, Purpose::Aktivasi, wib(10, 30)).await.unwrap();
    let code = last_code(&pool, KPA_HP).await;
    otp::submit(&pool, &k, &s.cso, s.kpa_id, Purpose::Aktivasi, &code, Some(&video()), wib(10, 31)).await.unwrap();
    // outside a session: three Kirim Data codes fill the number's window (the session's code
    // does not count); the fourth's wait shows before the press, counted to the minute the
    // first leaves the window
    let admin = login(&pool, "adm_561403").await;
    let ppk_id = rekam_ppk(&pool, &admin).await;
    sqlx::query("UPDATE pejabat SET status = 'VERIFIKASI PEJABAT' WHERE id = $1")
        .bind(ppk_id)
        .execute(&pool)
        .await
        .unwrap();
    let first = wib(10, 40);
    for i in 0..3 {
        otp::request(&pool, &k, &s.kpa, ppk_id, Purpose::KirimData, first + Duration::seconds(61 * i)).await.unwrap();
    }
    let now = first + Duration::seconds(61 * 3);
    let b = buka(Purpose::KirimData, ppk_id, now).await;
    assert!(b.terakhir.is_some());
    let t = b.tunggu.expect("the number's wait");
    assert!(t.teks.contains("sudah menerima 3 kode dalam 10 menit"), "{}", t.teks);
    assert_eq!(t.detik, Some(600 - 61 * 3));
    let r = otp::request(&pool, &k, &s.kpa, ppk_id, Purpose::KirimData, now).await;
    assert!(matches!(r, Err(Error::Otp(OtpRefusal::NumberBusy(_)))), "{r:?}");
    // once it frees a place: no wait
    assert_eq!(buka(Purpose::KirimData, ppk_id, first + Duration::seconds(601)).await.tunggu, None);
}
