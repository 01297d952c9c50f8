//! The progress board against a hand-built data set: every stage, the stuck list, the pace and
//! projection, activations per day, the scopes of CSO, Kanwil and Pusat.

use crate::common::login;
use backend::pantau::{self, Setelan};
use chrono::{Duration, Utc};
use domain::pantau::{Fase, Lingkup};
use sqlx::PgPool;

/// On top of the demo data (Kanwil 09 over KPPN 019 and 028; satker 561403 has only its 2020
/// pilot references, 527010 a KPA BARU): in KPPN 019 one satker at each stage, and a second
/// region (Kanwil 10, KPPN 101) with one satker done. Times are days before now.
const DATA: &str = r#"
INSERT INTO kanwil (kode, nama) VALUES ('10', 'Kanwil DJPb Provinsi Jawa Barat');
INSERT INTO kppn (kode, nama, kanwil_kode) VALUES ('101', 'KPPN Bandung I', '10');
INSERT INTO satker (kode, nama, kppn_kode) VALUES
  ('600001', 'SATKER BELUM', '019'), ('600002', 'SATKER DIREKAM', '019'), ('600003', 'SATKER DIAJUKAN', '019'),
  ('600004', 'SATKER DITERIMA', '019'), ('600005', 'SATKER KPA AKTIF', '019'), ('600006', 'SATKER SELESAI', '019'),
  ('600007', 'SATKER SELESAI LAMA', '019'), ('610001', 'SATKER BANDUNG', '101');
INSERT INTO app_user (username, nama, role, satker_kode, password_hash)
SELECT 'val_t' || s.kode || j.n, 'Pejabat ' || s.kode || j.n, 'PPK', s.kode, 'x'
FROM satker s CROSS JOIN generate_series(1, 3) j(n) WHERE s.kode LIKE '6_000_';
-- (satker, which of its users, jabatan, status, created days ago, aktif days ago)
WITH p (satker, n, jabatan, status, dibuat, aktif) AS (VALUES
  ('600002', 1, 'KUASA PENGGUNA ANGGARAN', 'BARU', 20, NULL),
  ('600003', 1, 'KUASA PENGGUNA ANGGARAN', 'BARU', 10, NULL),
  ('600004', 1, 'KUASA PENGGUNA ANGGARAN', 'BARU', 10, NULL),
  ('600005', 1, 'KUASA PENGGUNA ANGGARAN', 'AKTIF', 10, 1),
  ('600005', 2, 'PEJABAT PEMBUAT KOMITMEN', 'KIRIM', 10, NULL),
  ('600006', 1, 'KUASA PENGGUNA ANGGARAN', 'AKTIF', 12, 9),
  ('600006', 2, 'PEJABAT PEMBUAT KOMITMEN', 'AKTIF', 12, 5),
  ('600006', 3, 'PEJABAT SPM', 'AKTIF', 12, 6),
  ('600007', 1, 'KUASA PENGGUNA ANGGARAN', 'AKTIF', 40, 30),
  ('600007', 2, 'PEJABAT PEMBUAT KOMITMEN', 'AKTIF', 40, 25),
  ('600007', 3, 'PEJABAT SPM', 'AKTIF', 40, 20),
  ('610001', 1, 'KUASA PENGGUNA ANGGARAN', 'AKTIF', 10, 3),
  ('610001', 2, 'PEJABAT PEMBUAT KOMITMEN', 'AKTIF', 10, 2),
  ('610001', 3, 'PEJABAT SPM', 'AKTIF', 10, 2))
INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp, alamat_domisili,
                     alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, status, created_by, created_at, aktif_at)
SELECT p.satker, u.id, '19800101' || p.satker || lpad(p.n::text, 4, '0'), u.nama, 'Jakarta', date '1980-01-01',
       'p' || p.satker || p.n || '@kemenkeu.go.id', '+62813' || p.satker || p.n || '1', 'Jakarta', 'Jakarta',
       'SK-' || p.satker, date '2026-01-05', p.jabatan, s.kppn_kode, p.status, u.id,
       now() - make_interval(days => p.dibuat), now() - make_interval(days => p.aktif)
FROM p JOIN app_user u ON u.username = 'val_t' || p.satker || p.n JOIN satker s ON s.kode = p.satker;
-- submissions: 600003 three days ago, 600004 five; 600004's KPA bundle accepted four days ago
INSERT INTO pengajuan (satker_kode, kppn_kode, diajukan_at, diajukan_by)
SELECT s.kode, s.kppn_kode, now() - make_interval(days => d), (SELECT id FROM app_user WHERE username = 'val_t' || s.kode || '1')
FROM (VALUES ('600003', 3), ('600004', 5)) v(kode, d) JOIN satker s ON s.kode = v.kode;
INSERT INTO berkas (pejabat_id, keperluan, nama_file, ukuran, sha256, isi, diunggah_at, diunggah_by, pengajuan_id,
                    status, cek_formulir, cek_sk_pejabat, cek_sk_user, cek_ktp, cek_spesimen, diputus_at)
SELECT p.id, 'AKTIVASI', 'b.pdf', 1, sha256('x'), 'x', now() - interval '5 days', p.created_by, j.id, 'DITERIMA',
       true, true, true, true, true, now() - interval '4 days'
FROM pejabat p JOIN pengajuan j ON j.satker_kode = p.satker_kode WHERE p.satker_kode = '600004';
"#;

async fn data(pool: &PgPool) {
    login(pool, "adm_561403").await; // the demo data first
    sqlx::raw_sql(DATA).execute(pool).await.unwrap();
}

fn stage_of(papan: &domain::pantau::Papan, kode: &str) -> Fase {
    papan.baris.iter().find(|b| b.kode == kode).and_then(|b| b.tahap).unwrap().0
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_kppn_board_puts_each_satker_at_its_stage_and_lists_the_stuck(pool: PgPool) {
    data(&pool).await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = Utc::now();
    let papan = pantau::papan(&pool, &cso, None, Setelan::default(), now).await.unwrap();
    assert_eq!(papan.lingkup, Lingkup::Kppn("019".into()));
    // 561403 (pilot references only) and 600001 have not started
    for (kode, tahap) in [
        ("561403", Fase::Belum),
        ("600001", Fase::Belum),
        ("600002", Fase::Direkam),
        ("600003", Fase::Diajukan),
        ("600004", Fase::Diterima),
        ("600005", Fase::KpaAktif),
        ("600006", Fase::Selesai),
        ("600007", Fase::Selesai),
    ] {
        assert_eq!(stage_of(&papan, kode), tahap, "{kode}");
    }
    let h = papan.hitungan;
    assert_eq!(h.total(), 8, "KPPN 019's satkers only");
    assert_eq!((h.di(Fase::Belum), h.di(Fase::Selesai)), (2, 2));
    assert_eq!(h.sampai(Fase::Diajukan), 5);
    // stuck past 7 days: 600002 recorded 20 days ago; 600004 accepted 4 days ago is not
    let stuck: Vec<(&str, Fase, i64)> = papan.macet.iter().map(|m| (m.satker_kode.as_str(), m.tahap, m.hari)).collect();
    assert_eq!(stuck, [("600002", Fase::Direkam, 20)]);
    // with a 3-day limit: also 600004 (4 days) and 600003 (3 days is not more than 3)
    let tight = Setelan { macet_hari: 3, tenggat: None };
    let papan3 = pantau::papan(&pool, &cso, None, tight, now).await.unwrap();
    let stuck: Vec<&str> = papan3.macet.iter().map(|m| m.satker_kode.as_str()).collect();
    assert_eq!(stuck, ["600002", "600004"], "the longest first");
    // activations per day: 30 days, the newest last; 600006's three within, 600007's PPSPM (20
    // days ago) and PPK (25) too, its KPA (30) not
    assert_eq!(papan.aktivasi_per_hari.len(), 30);
    let total: u32 = papan.aktivasi_per_hari.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 1 + 3 + 2, "600005's KPA, 600006's three, 600007's PPK and PPSPM");
    assert_eq!(papan.aktivasi_per_hari.last().unwrap().0, domain::pantau::tanggal_wib(now));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_projection_follows_the_satkers_done_in_the_last_fourteen_days(pool: PgPool) {
    data(&pool).await;
    let cso = login(&pool, "cso_jakarta6").await;
    let now = Utc::now();
    let today = domain::pantau::tanggal_wib(now);
    let tenggat = today + Duration::days(30);
    let setelan = Setelan { macet_hari: 7, tenggat: Some(tenggat) };
    let p = pantau::papan(&pool, &cso, None, setelan, now).await.unwrap().proyeksi;
    // 2 of 8 done, one (600006, five days ago) within 14 days: 1/14 a day, 6 left: 84 days
    assert_eq!((p.total, p.selesai), (8, 2));
    assert!((p.laju_per_hari - 1.0 / 14.0).abs() < 1e-9);
    assert_eq!(p.perkiraan_selesai, Some(today + Duration::days(84)));
    assert_eq!(p.sisa_hari, Some(30));
    assert_eq!(p.perlu_per_hari, Some(6.0 / 30.0));
    assert_eq!(p.tepat_waktu(), Some(false));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn each_viewer_sees_its_scope_and_drills_down_within_it_only(pool: PgPool) {
    data(&pool).await;
    let now = Utc::now();
    let s = Setelan::default();
    // Pusat: the regions, then down to one satker's pejabat
    let pusat = login(&pool, "pst_djpb").await;
    let nasional = pantau::papan(&pool, &pusat, None, s, now).await.unwrap();
    assert_eq!(nasional.lingkup, Lingkup::Nasional);
    let regions: Vec<(&str, u32)> = nasional.baris.iter().map(|b| (b.kode.as_str(), b.hitungan.total())).collect();
    assert_eq!(regions, [("09", 9), ("10", 1)], "KPPN 019's eight and 028's one; Bandung's one");
    assert_eq!(nasional.hitungan.di(Fase::Selesai), 3);
    let region = pantau::papan(&pool, &pusat, Some(Lingkup::Kanwil("10".into())), s, now).await.unwrap();
    assert_eq!(region.baris.iter().map(|b| b.kode.as_str()).collect::<Vec<_>>(), ["101"]);
    let satker = pantau::papan(&pool, &pusat, Some(Lingkup::Satker("610001".into())), s, now).await.unwrap();
    assert_eq!(satker.pejabat.len(), 3);
    let jejak: Vec<&str> = satker.jejak.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(jejak, ["Nasional", "Kanwil DJPb Provinsi Jawa Barat", "KPPN Bandung I", "SATKER BANDUNG"]);

    // Kanwil 09: its two KPPN; not Bandung, not the nation
    let kanwil = login(&pool, "kwl_dki").await;
    let own = pantau::papan(&pool, &kanwil, None, s, now).await.unwrap();
    assert_eq!(own.lingkup, Lingkup::Kanwil("09".into()));
    assert_eq!(own.baris.iter().map(|b| b.kode.as_str()).collect::<Vec<_>>(), ["019", "028"]);
    assert_eq!(own.jejak.len(), 1, "its own region is where its way starts");
    let kppn = pantau::papan(&pool, &kanwil, Some(Lingkup::Kppn("019".into())), s, now).await.unwrap();
    assert_eq!(kppn.hitungan.total(), 8);
    for outside in [Lingkup::Kanwil("10".into()), Lingkup::Kppn("101".into()), Lingkup::Satker("610001".into())] {
        let err = pantau::papan(&pool, &kanwil, Some(outside.clone()), s, now).await.unwrap_err();
        assert!(matches!(err, backend::Error::Forbidden(_)), "{outside:?}: {err:?}");
    }
    // the CSO of 019: its satkers, not 028's
    let cso = login(&pool, "cso_jakarta6").await;
    assert!(pantau::papan(&pool, &cso, Some(Lingkup::Satker("600006".into())), s, now).await.is_ok());
    let err = pantau::papan(&pool, &cso, Some(Lingkup::Satker("527010".into())), s, now).await.unwrap_err();
    assert!(matches!(err, backend::Error::Forbidden(_)), "{err:?}");
    let err = pantau::papan(&pool, &cso, Some(Lingkup::Kppn("999".into())), s, now).await.unwrap_err();
    assert!(matches!(err, backend::Error::NotFound(_)), "{err:?}");
    // satker roles and the operator: not at all
    for who in ["adm_561403", "apr_kpa561403", "opr_nasional"] {
        let caller = login(&pool, who).await;
        let err = pantau::papan(&pool, &caller, None, s, now).await.unwrap_err();
        assert!(matches!(err, backend::Error::Forbidden(_)), "{who}: {err:?}");
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn kanwil_and_kppn_regions_come_from_the_import(pool: PgPool) {
    use backend::provisi::impor::{Pilihan, impor};
    use domain::impor::Daftar;
    let operator = login(&pool, "opr_nasional").await;
    let ok = |l: backend::provisi::impor::Laporan| assert_eq!(l.jumlah_salah, 0, "{:?}", l.salah);
    ok(impor(
        &pool,
        &operator,
        Daftar::Kanwil,
        b"kode,nama\n11,Kanwil DJPb Provinsi Jawa Tengah\n",
        Pilihan::default(),
        backend::now(),
    )
    .await
    .unwrap());
    let unknown = impor(
        &pool,
        &operator,
        Daftar::Kppn,
        b"kode,nama,telepon,email,kanwil\n201,KPPN Semarang I,,,12\n",
        Pilihan::default(),
        backend::now(),
    )
    .await
    .unwrap();
    assert!(unknown.salah[0].alasan.contains("Kanwil 12 belum terdaftar"), "{:?}", unknown.salah);
    ok(impor(
        &pool,
        &operator,
        Daftar::Kppn,
        b"kode,nama,telepon,email,kanwil\n201,KPPN Semarang I,,,11\n",
        Pilihan::default(),
        backend::now(),
    )
    .await
    .unwrap());
    // a file without the column keeps the region
    ok(impor(&pool, &operator, Daftar::Kppn, b"kode,nama\n201,KPPN Semarang I\n", Pilihan::default(), backend::now())
        .await
        .unwrap());
    let region: Option<String> =
        sqlx::query_scalar("SELECT kanwil_kode FROM kppn WHERE kode = '201'").fetch_one(&pool).await.unwrap();
    assert_eq!(region.as_deref(), Some("11"));
    let users = "username,nama,peran,unit,nip,no_hp,email\nkwl_jateng,Kanwil Jateng,KANWIL,11,,,\npst_pemantau,Pemantau Pusat,PUSAT,,,,\n";
    ok(impor(&pool, &operator, Daftar::Pengguna, users.as_bytes(), Pilihan::default(), backend::now()).await.unwrap());
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT username, role, kanwil_kode FROM app_user WHERE username IN ('kwl_jateng', 'pst_pemantau') ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [("kwl_jateng".into(), "KANWIL".into(), Some("11".into())), ("pst_pemantau".into(), "PUSAT".into(), None)]
    );
}

/// The stage table follows the use cases (a Rekam, a Hapus), and two steps of one satker in
/// concurrent transactions both land in it.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_stage_of_a_satker_follows_its_changes_even_when_they_race(pool: PgPool) {
    data(&pool).await;
    let admin = login(&pool, "adm_561403").await;
    let cso = login(&pool, "cso_jakarta6").await;
    let stage = |papan: &domain::pantau::Papan| stage_of(papan, "561403");
    let board = || pantau::papan(&pool, &cso, None, Setelan::default(), Utc::now());
    assert_eq!(stage(&board().await.unwrap()), Fase::Belum);
    let id =
        backend::aktivasi::pejabat::rekam(&pool, &admin, &crate::common::kpa_input(), backend::now()).await.unwrap();
    assert_eq!(stage(&board().await.unwrap()), Fase::Direkam);
    backend::aktivasi::pejabat::hapus(&pool, &admin, id, backend::now()).await.unwrap();
    assert_eq!(stage(&board().await.unwrap()), Fase::Belum);

    // 600006's KPA and PPK were AKTIF; make them not, then AKTIF again in two transactions at once
    sqlx::query("UPDATE pejabat SET status = 'KIRIM', aktif_at = NULL WHERE satker_kode = '600006' AND jabatan <> 'PEJABAT SPM'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(stage_of(&board().await.unwrap(), "600006"), Fase::Direkam);
    let activate =
        "UPDATE pejabat SET status = 'AKTIF', aktif_at = now() WHERE satker_kode = '600006' AND jabatan = $1";
    let mut first = pool.begin().await.unwrap();
    sqlx::query(activate).bind("KUASA PENGGUNA ANGGARAN").execute(&mut *first).await.unwrap();
    let second = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query(activate).bind("PEJABAT PEMBUAT KOMITMEN").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second waits for the first's satker");
    first.commit().await.unwrap();
    second.await.unwrap();
    assert_eq!(stage_of(&board().await.unwrap(), "600006"), Fase::Selesai, "neither step lost");
}
