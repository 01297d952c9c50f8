//! The next step at the top of each home page, as the Admin Lokal, the KPA and the CSO walk
//! the activation of a KPA against a real PostgreSQL: each state names the one thing to do.

use crate::common::{kpa_input, login, pdf};
use backend::pantau::Setelan;
use backend::{aktivasi::pejabat, berikut, dokumen::berkas, dokumen::formulir, jadwal};
use domain::berkas::{Keperluan, Keputusan};
use domain::formulir::Jenis;
use domain::jadwal::JadwalInput;
use sqlx::PgPool;

async fn judul(pool: &PgPool, caller: &backend::Caller) -> String {
    berikut::untuk(pool, caller, Setelan::default(), backend::now()).await.unwrap().expect("a next step").judul
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn each_role_is_told_its_next_step_as_the_activation_goes(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = backend::now();
    assert_eq!(judul(&pool, &admin).await, "Rekam pejabat satker Anda");
    assert_eq!(judul(&pool, &cso).await, "Tidak ada yang menunggu Anda");
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
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
    let next = berikut::untuk(&pool, &admin, Setelan::default(), now).await.unwrap().unwrap();
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
}

/// Kanwil and Pusat read their next step off their board; the operator off what it has
/// provisioned, an invitation moving a user from "to invite" to "waiting".
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_board_roles_and_the_operator_are_told_their_next_step(pool: PgPool) {
    let operator = login(&pool, "opr_nasional").await;
    let kwl = login(&pool, "kwl_dki").await;
    let pusat = login(&pool, "pst_djpb").await;
    let now = backend::now();
    // every demo user has a password: nothing waits on the operator
    assert_eq!(judul(&pool, &operator).await, "Semua pengguna sudah punya sandi");
    sqlx::query(
        "INSERT INTO app_user (username, nama, role, satker_kode) VALUES
           ('adm_baru1', 'Admin Baru Satu', 'ADMIN_LOKAL', '561403'), ('adm_baru2', 'Admin Baru Dua', 'ADMIN_LOKAL', '561403')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let next = berikut::untuk(&pool, &operator, Setelan::default(), now).await.unwrap().unwrap();
    assert_eq!(next.judul, "Undang 2 pengguna yang belum punya sandi");
    let kirim = backend::akses::pengguna::Kirim { base: "http://localhost:3000/", surel: false };
    backend::akses::pengguna::tautan(&pool, &operator, "adm_baru1", kirim, now).await.unwrap();
    assert_eq!(judul(&pool, &operator).await, "Undang 1 pengguna yang belum punya sandi");
    // the demo's satkers have no activation in the last 14 days and the deadline is near: behind
    let tenggat = Setelan { tenggat: Some(crate::common::today() + chrono::Duration::days(20)), ..Setelan::default() };
    for caller in [&kwl, &pusat] {
        let next = berikut::untuk(&pool, caller, tenggat, now).await.unwrap().unwrap();
        assert!(next.judul.starts_with("Tidak ada satker selesai dalam 14 hari terakhir; tenggat "), "{next:?}");
        assert!(next.alasan.contains("Paling tertinggal: "), "{next:?}");
    }
    // without a deadline, the stuck satkers of the region lead
    let next = berikut::untuk(&pool, &kwl, Setelan::default(), now).await.unwrap().unwrap();
    assert!(
        next.judul.ends_with("satker macet lebih dari 7 hari") || next.judul == "Aktivasi berjalan sesuai jadwal",
        "{next:?}"
    );
}
