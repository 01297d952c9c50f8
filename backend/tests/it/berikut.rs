//! The next step at the top of each home page, as the Admin Lokal, the KPA and the CSO walk
//! the activation of a KPA against a real PostgreSQL: each state names the one thing to do.

use crate::common::{kpa_input, login, pdf, today};
use backend::{berikut, berkas, formulir, jadwal, pejabat};
use domain::berkas::{Keperluan, Keputusan};
use domain::formulir::Jenis;
use domain::jadwal::JadwalInput;
use sqlx::PgPool;

async fn judul(pool: &PgPool, caller: &backend::Caller) -> String {
    berikut::untuk(pool, caller, backend::now()).await.unwrap().expect("a next step").judul
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn each_role_is_told_its_next_step_as_the_activation_goes(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = backend::now();
    assert_eq!(judul(&pool, &admin).await, "Rekam pejabat satker Anda");
    assert_eq!(judul(&pool, &cso).await, "Tidak ada yang menunggu Anda");
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), today()).await.unwrap();
    let kpa = login(&pool, "apr_kpa561403").await;
    assert_eq!(judul(&pool, &admin).await, "Cetak formulir untuk 1 pejabat");
    formulir::unduh(&pool, &admin, id, Jenis::AktivasiOtp, "http://localhost:3000", now).await.unwrap();
    assert_eq!(judul(&pool, &admin).await, "Unggah berkas yang telah ditandatangani");
    assert_eq!(judul(&pool, &kpa).await, "Berkas aktivasi Anda belum diterima");
    berkas::unggah(&pool, &admin, id, Keperluan::Aktivasi, "KPA.pdf", &pdf("kpa"), now).await.unwrap();
    assert_eq!(judul(&pool, &admin).await, "Kirim pengajuan ke KPPN");
    berkas::ajukan(&pool, &admin, now).await.unwrap();
    assert_eq!(judul(&pool, &admin).await, "1 berkas menunggu pemeriksaan CSO KPPN");
    assert_eq!(judul(&pool, &cso).await, "1 berkas menunggu pemeriksaan");
    let desk = berkas::meja(&pool, &cso, 10).await.unwrap();
    berkas::putuskan(&pool, &cso, desk[0].items[0].berkas.id, [true; 5], &Keputusan::Terima, now).await.unwrap();
    let next = berikut::untuk(&pool, &admin, now).await.unwrap().unwrap();
    assert_eq!(next.judul, "Pesan sesi aktivasi");
    assert_eq!(next.tautan.as_ref().map(|(href, _)| href.as_str()), Some("/berkas"));
    assert_eq!(judul(&pool, &kpa).await, "Tunggu jadwal sesi aktivasi");
    assert_eq!(judul(&pool, &cso).await, "1 pejabat siap diaktivasi");
    // a slot tomorrow, booked for the KPA: both are told when and where
    let tomorrow = (now + chrono::Duration::days(1)).with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let input = JadwalInput {
        tanggal: tomorrow.format("%Y-%m-%d").to_string(),
        jam: "10:30".into(),
        mode: "KPPN".into(),
        kapasitas: "5".into(),
        ..Default::default()
    };
    let slot = jadwal::terbitkan(&pool, &cso, &input, now).await.unwrap();
    jadwal::pesan(&pool, &admin, slot.id, &[id], now).await.unwrap();
    let sesi = judul(&pool, &admin).await;
    assert!(sesi.starts_with("Sesi Anda: ") && sesi.ends_with("10:30 WIB di KPPN Jakarta VI"), "{sesi}");
    assert_eq!(judul(&pool, &kpa).await, sesi);
    // the roles whose home is a board or an import have no banner
    let pusat = login(&pool, "pst_djpb").await;
    assert!(berikut::untuk(&pool, &pusat, now).await.unwrap().is_none());
}
