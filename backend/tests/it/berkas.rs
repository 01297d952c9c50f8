//! Bundles, the CSO's desk, printed forms and sessions, against a real PostgreSQL.

use crate::common::{accept_bundles, kpa_input, login, pdf};
use backend::aktivasi::otp::{self, OtpKey};
use backend::{Caller, Error, aktivasi::pejabat, dokumen::berkas, dokumen::formulir, jadwal};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::berkas::{BerkasStatus, Keperluan, Keputusan};
use domain::formulir::Jenis;
use domain::jadwal::{JadwalInput, Kehadiran, Mode};
use domain::otp::Purpose;
use sqlx::PgPool;

fn now() -> DateTime<Utc> {
    // 2026-11-24 09:00 WIB
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap()
}

async fn kpa(pool: &PgPool) -> (Caller, domain::PejabatId) {
    let admin = login(pool, "adm_561403").await;
    let id = pejabat::rekam(pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    (admin, id)
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Forbidden(m)) | Err(Error::Rule(m)) | Err(Error::NotFound(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn only_real_pdfs_within_the_limit_are_stored(pool: PgPool) {
    let (admin, id) = kpa(&pool).await;
    let big = {
        let mut v = pdf("big");
        v.splice(9..9, std::iter::repeat_n(b' ', 10 * 1024 * 1024));
        v
    };
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("scan.pdf", b"\x89PNG\r\n\x1a\n not a pdf".to_vec(), "bukan PDF"),
        ("scan.pdf", Vec::new(), "kosong"),
        ("scan.pdf", big, "10 MB"),
        ("scan.docx", pdf("x"), "Hanya berkas PDF"),
        ("scan.pdf", b"%PDF-1.4 cut off in the middle".to_vec(), "bukan PDF"),
    ];
    for (name, bytes, why) in cases {
        let m = forbidden(berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, name, &bytes, now()).await);
        assert!(m.contains(why), "{name}: {m}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM berkas").await, 0, "nothing is stored");
    // a KPA may not upload, nor may the admin of another satker for this pejabat
    let kpa_user = login(&pool, "apr_kpa561403").await;
    forbidden(berkas::unggah(&pool, &kpa_user, id, Keperluan::Aktivasi, "a.pdf", &pdf("a"), now()).await);
    let other = login(&pool, "adm_527010").await;
    forbidden(berkas::unggah(&pool, &other, id, Keperluan::Aktivasi, "a.pdf", &pdf("a"), now()).await);
    assert_eq!(count(&pool, "SELECT count(*) FROM berkas").await, 0);
    let refusals =
        count(&pool, "SELECT count(*) FROM audit_log WHERE action = 'UNGGAH_BERKAS' AND outcome = 'DITOLAK'").await;
    assert_eq!(refusals, 7);
    // the real one is stored with its checksum; a second upload replaces the draft
    let first = berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "KPA.pdf", &pdf("1"), now()).await.unwrap();
    assert_eq!(first.sha256.len(), 64);
    let second = berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "KPA2.pdf", &pdf("2"), now()).await.unwrap();
    assert_ne!(first.sha256, second.sha256);
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM berkas ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(statuses, ["DIGANTI", "DRAF"]);
    let berkas::BerkasFile { nama_file: name, isi: bytes } = berkas::buka(&pool, &admin, second.id).await.unwrap();
    assert_eq!((name.as_str(), bytes), ("KPA2.pdf", pdf("2")));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_desk_checks_returns_and_accepts_and_only_then_may_the_kpa_activate(pool: PgPool) {
    let (admin, id) = kpa(&pool).await;
    let kpa_user = login(&pool, "apr_kpa561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let key = OtpKey::new(b"k".to_vec());
    // nothing to send yet
    assert!(forbidden(berkas::ajukan(&pool, &admin, now()).await).contains("Belum ada berkas"));
    // activation is refused while no bundle is accepted
    let m = forbidden(otp::request(&pool, &key, &kpa_user, id, Purpose::Aktivasi, now()).await);
    assert!(m.contains("belum diterima"), "{m}");

    let b = berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "KPA.pdf", &pdf("1"), now()).await.unwrap();
    // the CSO does not see drafts
    assert!(berkas::meja(&pool, &cso, 10).await.unwrap().is_empty());
    forbidden(berkas::buka(&pool, &cso, b.id).await);
    berkas::ajukan(&pool, &admin, now()).await.unwrap();
    let desk = berkas::meja(&pool, &cso, 10).await.unwrap();
    assert_eq!(desk.len(), 1);
    assert_eq!(desk[0].satker_kode, "561403");
    assert_eq!(desk[0].items[0].berkas.status, BerkasStatus::Diajukan);
    assert_eq!(berkas::buka(&pool, &cso, b.id).await.unwrap().isi, pdf("1"));
    // the CSO of another KPPN sees nothing and cannot decide
    let other = login(&pool, "cso_jakarta2").await;
    assert!(berkas::meja(&pool, &other, 10).await.unwrap().is_empty());
    forbidden(berkas::putuskan(&pool, &other, b.id, [true; 5], &Keputusan::Terima, now()).await);
    forbidden(berkas::buka(&pool, &other, b.id).await);
    // accepting needs the whole checklist; returning needs a reason
    let m = forbidden(
        berkas::putuskan(&pool, &cso, b.id, [true, true, true, false, true], &Keputusan::Terima, now()).await,
    );
    assert!(m.contains("KTP"), "{m}");
    let empty = Keputusan::Kembalikan { alasan: "  ".into() };
    forbidden(berkas::putuskan(&pool, &cso, b.id, [false; 5], &empty, now()).await);
    let back = Keputusan::Kembalikan { alasan: "Fotokopi KTP tidak terbaca".into() };
    let r = berkas::putuskan(&pool, &cso, b.id, [true, true, true, false, true], &back, now()).await.unwrap();
    assert_eq!(r.status, BerkasStatus::Dikembalikan);
    // the satker sees the reason
    let rows = berkas::daftar(&pool, &admin).await.unwrap();
    let row = rows.iter().find(|r| r.pejabat_id == id).unwrap();
    let info = row.berkas.as_ref().unwrap();
    assert_eq!(info.alasan.as_deref(), Some("Fotokopi KTP tidak terbaca"));
    assert_eq!(info.ceklis, [true, true, true, false, true]);
    forbidden(otp::request(&pool, &key, &kpa_user, id, Purpose::Aktivasi, now()).await);
    // a decided bundle is not decided again
    forbidden(berkas::putuskan(&pool, &cso, b.id, [true; 5], &Keputusan::Terima, now()).await);
    // corrected, sent again, accepted: the KPA may now request its activation code
    let b2 = berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "KPA-baru.pdf", &pdf("2"), now()).await.unwrap();
    berkas::ajukan(&pool, &admin, now()).await.unwrap();
    assert_eq!(berkas::meja(&pool, &cso, 10).await.unwrap().len(), 2, "newest first, both kept");
    let ok = berkas::putuskan(&pool, &cso, b2.id, [true; 5], &Keputusan::Terima, now()).await.unwrap();
    assert_eq!(ok.status, BerkasStatus::Diterima);
    crate::common::sesi_langsung(&pool, &cso, id, now()).await;
    otp::request(&pool, &key, &kpa_user, id, Purpose::Aktivasi, now()).await.unwrap();
    // an accepted bundle is not replaced
    forbidden(berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "x.pdf", &pdf("3"), now()).await);
    let trail: Vec<String> = sqlx::query_scalar(
        "SELECT action || ' ' || outcome FROM audit_log WHERE action IN ('TERIMA_BERKAS', 'KEMBALIKAN_BERKAS', 'AJUKAN_BERKAS') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        trail.contains(&"KEMBALIKAN_BERKAS BERHASIL".to_string())
            && trail.contains(&"TERIMA_BERKAS BERHASIL".to_string())
    );
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn accepted_bundles_let_the_seed_activation_continue(pool: PgPool) {
    let (_, id) = kpa(&pool).await;
    accept_bundles(&pool, &[id]).await;
    assert!(backend::aktivasi::pejabat::berkas_diterima(&pool, id, Keperluan::Aktivasi).await.unwrap());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_printed_form_is_found_by_its_code_and_shows_later_changes(pool: PgPool) {
    let (admin, id) = kpa(&pool).await;
    let u = formulir::unduh(&pool, &admin, id, Jenis::AktivasiOtp, "https://sakti.example", now()).await.unwrap();
    assert!(u.pdf.starts_with(b"%PDF-"));
    assert!(u.nama_file.ends_with(".pdf"));
    assert_eq!(u.kode.len(), 9);
    // not for others
    let kpa_user = login(&pool, "apr_kpa561403").await;
    forbidden(formulir::unduh(&pool, &kpa_user, id, Jenis::AktivasiOtp, "https://x", now()).await);
    let other = login(&pool, "adm_527010").await;
    forbidden(formulir::unduh(&pool, &other, id, Jenis::AktivasiOtp, "https://x", now()).await);
    // the change form needs a verified new number
    let m = forbidden(formulir::unduh(&pool, &admin, id, Jenis::UbahNomorOtp, "https://x", now()).await);
    assert!(m.contains("nomor baru"), "{m}");
    // the CSO of the KPPN looks it up (any case, spaces ignored)
    let cso = login(&pool, "cso_jakarta6").await;
    let cek = formulir::cek(&pool, &cso, &format!(" {} ", u.kode.to_lowercase())).await.unwrap();
    assert!(cek.sesuai());
    assert!(cek.baris.iter().any(|(l, p, _)| l == "Nama" && p == "KPA PSIE I"));
    let other_cso = login(&pool, "cso_jakarta2").await;
    forbidden(formulir::cek(&pool, &other_cso, &u.kode).await);
    forbidden(formulir::cek(&pool, &cso, "ZZZZ-ZZZZ").await);
    // a record changed after printing no longer matches the printout
    sqlx::query("UPDATE pejabat SET nomor_sk = 'KEP-99/2026' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    let cek = formulir::cek(&pool, &cso, &u.kode).await.unwrap();
    assert!(!cek.sesuai());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_printed_form_of_a_deleted_reference_says_so_and_never_matches(pool: PgPool) {
    let (admin, id) = kpa(&pool).await;
    let u = formulir::unduh(&pool, &admin, id, Jenis::AktivasiOtp, "https://sakti.example", now()).await.unwrap();
    pejabat::hapus(&pool, &admin, id, backend::now()).await.unwrap();
    let cso = login(&pool, "cso_jakarta6").await;
    let cek = formulir::cek(&pool, &cso, &u.kode).await.unwrap();
    // every printed value still equals the (hidden) record: only the deletion tells
    assert!(cek.baris.iter().all(|(_, printed, now)| printed == now), "{:?}", cek.baris);
    let dihapus = cek.dihapus.clone().expect("the deletion is named");
    assert_eq!(dihapus.oleh, "adm_561403 (Admin Lokal)");
    let deleted_at: DateTime<Utc> =
        sqlx::query_scalar("SELECT deleted_at FROM pejabat WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert!((dihapus.at_ms - deleted_at.timestamp_millis()).abs() < 5_000);
    assert!(!cek.sesuai());
    assert!(cek.putusan().starts_with("TIDAK SESUAI: referensi pejabat ini telah dihapus pada "), "{}", cek.putusan());
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'CEK_FORMULIR' ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(detail.contains("TIDAK sesuai (referensi dihapus)"), "{detail}");
}

fn session(mode: &str, tautan: &str) -> JadwalInput {
    JadwalInput {
        satker_kode: "561403".into(),
        tanggal: "2026-11-24".into(),
        jam: "10:30".into(),
        mode: mode.into(),
        tautan: tautan.into(),
        catatan: "Bawa formulir asli".into(),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_cso_schedules_the_satker_sees_and_attendance_is_recorded(pool: PgPool) {
    let cso = login(&pool, "cso_jakarta6").await;
    let kpa_user = login(&pool, "apr_kpa561403").await;
    let j = jadwal::buat(&pool, &cso, &session("VIDEO_CONFERENCE", "https://zoom.us/j/98765"), now()).await.unwrap();
    assert_eq!(j.mode, Mode::VideoConference);
    // 10:30 WIB = 03:30 UTC
    assert_eq!(j.mulai_ms, Utc.with_ymd_and_hms(2026, 11, 24, 3, 30, 0).unwrap().timestamp_millis());
    let seen = jadwal::satker(&pool, &kpa_user, now()).await.unwrap().sesi;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].tautan.as_deref(), Some("https://zoom.us/j/98765"));
    // the other satker does not see it; the CSO sees it among today's
    let other_admin = login(&pool, "adm_527010").await;
    assert!(jadwal::satker(&pool, &other_admin, now()).await.unwrap().sesi.is_empty());
    assert_eq!(jadwal::kppn(&pool, &cso, now()).await.unwrap().len(), 1);
    // refusals: video without link, a satker of another KPPN, a past time, not a CSO
    match jadwal::buat(&pool, &cso, &session("VIDEO_CONFERENCE", ""), now()).await {
        Err(Error::Invalid(f)) => assert!(f.get("tautan").is_some()),
        other => panic!("{other:?}"),
    }
    let mut foreign = session("KPPN", "");
    foreign.satker_kode = "527010".into();
    assert!(matches!(jadwal::buat(&pool, &cso, &foreign, now()).await, Err(Error::Forbidden(_))));
    let mut past = session("KPPN", "");
    past.jam = "08:00".into();
    assert!(matches!(jadwal::buat(&pool, &cso, &past, now()).await, Err(Error::Invalid(_))));
    forbidden(jadwal::buat(&pool, &kpa_user, &session("KPPN", ""), now()).await);
    // attendance only once the session has started, and once
    forbidden(jadwal::catat(&pool, &cso, j.id, Kehadiran::Hadir, "OTP KPA aktif", now()).await);
    let later = now() + Duration::hours(2);
    let done = jadwal::catat(&pool, &cso, j.id, Kehadiran::Hadir, "OTP KPA aktif", later).await.unwrap();
    assert_eq!((done.kehadiran, done.hasil.as_deref()), (Some(Kehadiran::Hadir), Some("OTP KPA aktif")));
    forbidden(jadwal::catat(&pool, &cso, j.id, Kehadiran::TidakHadir, "x", later).await);
    let other_cso = login(&pool, "cso_jakarta2").await;
    forbidden(jadwal::catat(&pool, &other_cso, j.id, Kehadiran::Hadir, "x", later).await);
    assert_eq!(jadwal::satker(&pool, &kpa_user, later).await.unwrap().sesi[0].kehadiran, Some(Kehadiran::Hadir));
}
