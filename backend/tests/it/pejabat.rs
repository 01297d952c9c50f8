//! Rekam, Hapus, paging and filtering of the Tabel Pejabat against a real PostgreSQL.

use crate::common::{audit_actions, kpa_input, login};
use backend::{Caller, Error, aktivasi::pejabat};
use domain::pejabat::TableQuery;
use domain::{Jabatan, Status};
use sqlx::PgPool;

fn all() -> TableQuery {
    TableQuery { page: 1, per_page: None, filter: String::new() }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn admin_records_finds_by_filter_and_deletes_a_pejabat(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let before = pejabat::daftar(&pool, &admin, &all()).await.unwrap().total;

    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let found =
        pejabat::daftar(&pool, &admin, &TableQuery { filter: "psie".into(), ..TableQuery::default() }).await.unwrap();
    assert_eq!(found.total, 1);
    let row = &found.rows[0];
    assert_eq!((row.id, row.jabatan, row.status), (id, Jabatan::Kpa, Status::Baru));
    assert_eq!(row.nip, "199109112010111001");

    pejabat::hapus(&pool, &admin, id, backend::now()).await.unwrap();
    assert_eq!(pejabat::daftar(&pool, &admin, &all()).await.unwrap().total, before);
    // the record is kept, marked as deleted by the admin
    let (deleted, by): (bool, Option<domain::UserId>) =
        sqlx::query_as("SELECT deleted_at IS NOT NULL, deleted_by FROM pejabat WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(deleted);
    assert_eq!(by, admin.actor().map(|a| a.user_id));
    let trail = audit_actions(&pool).await;
    assert_eq!(trail[0], ("HAPUS_PEJABAT".into(), "BERHASIL".into()));
    assert_eq!(trail[1], ("REKAM_PEJABAT".into(), "BERHASIL".into()));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn one_phone_number_belongs_to_one_person(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    // another NIP with the KPA's number, written differently: refused, naming the holder
    let (field, message) = rekam_error(&pool, &admin, |i| {
        i.nip = "133209333013111001".into();
        i.nama = "PPK PSIE I".into();
        i.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
        i.no_hp = "+62 812-3456-7890".into();
    })
    .await;
    assert_eq!(field, "no_hp");
    assert!(message.contains("KUASA PENGGUNA ANGGARAN satker 561403"), "{message}");
    let trail = audit_actions(&pool).await;
    assert_eq!(trail[0], ("REKAM_PEJABAT".into(), "DITOLAK".into()));
    // the same person in a second jabatan keeps its number
    let user_id: i64 =
        sqlx::query_scalar("SELECT id FROM app_user WHERE username = 'apr_kpa561403'").fetch_one(&pool).await.unwrap();
    sqlx::query("INSERT INTO app_user (username, nama, nip, role, satker_kode, password_hash) SELECT 'val_kpa561403', nama, nip, 'PPK', satker_kode, 'x' FROM app_user WHERE id = $1")
        .bind(user_id)
        .execute(&pool)
        .await
        .unwrap();
    let mut same = kpa_input();
    same.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    pejabat::rekam(&pool, &admin, &same, backend::now()).await.unwrap();
    // the database holds the rule for every path, not only Rekam
    let other = sqlx::query(
        "INSERT INTO pejabat (satker_kode, user_id, nip, nama, tempat_lahir, tanggal_lahir, email, no_hp,
                              alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, jabatan, kppn_kode, created_by)
         SELECT satker_kode, user_id, '133209333013111001', 'X', 'J', tanggal_lahir, email, no_hp,
                alamat_domisili, alamat_ktp, nomor_sk, tanggal_sk, 'PEJABAT SPM', kppn_kode, created_by
         FROM pejabat WHERE nip = '199109112010111001' LIMIT 1",
    )
    .execute(&pool)
    .await;
    let constraint = match other {
        Err(sqlx::Error::Database(db)) => db.constraint().map(str::to_owned),
        other => panic!("expected the constraint to refuse, got {other:?}"),
    };
    assert_eq!(constraint.as_deref(), Some("pejabat_satu_nomor_satu_orang"));
    // once the holder's reference is deleted, the number is free
    let holders: Vec<domain::PejabatId> =
        sqlx::query_scalar("SELECT id FROM pejabat WHERE no_hp = '+6281234567890' AND deleted_at IS NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    for id in holders {
        pejabat::hapus(&pool, &admin, id, backend::now()).await.unwrap();
    }
    let mut ppk = kpa_input();
    ppk.nip = "133209333013111001".into();
    ppk.nama = "PPK PSIE I".into();
    ppk.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    pejabat::rekam(&pool, &admin, &ppk, backend::now()).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_table_tells_whose_rows_are_whose_and_which_bundles_are_accepted(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let kpa = login(&pool, "apr_kpa561403").await;
    let mine = pejabat::milik_saya(&pool, &kpa).await.unwrap();
    assert_eq!(mine.iter().map(|r| (r.id, r.milik_saya, r.berkas_diterima)).collect::<Vec<_>>(), [(id, true, false)]);
    assert!(pejabat::milik_saya(&pool, &admin).await.unwrap().is_empty());
    crate::common::accept_bundles(&pool, &[id]).await;
    let mine = pejabat::milik_saya(&pool, &kpa).await.unwrap();
    assert!(mine[0].berkas_diterima);
    let row = pejabat::daftar(&pool, &admin, &all()).await.unwrap().rows.into_iter().find(|r| r.id == id).unwrap();
    assert!(row.berkas_diterima && !row.milik_saya);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_phone_number_is_stored_normalised(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let hp: String =
        sqlx::query_scalar("SELECT no_hp FROM pejabat WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(hp, "+6281234567890");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn pages_hold_ten_rows_and_semua_holds_all(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let satker: String = "561403".into();
    // 23 more references straight into the table, for users of this satker
    for i in 0..23 {
        let nip = format!("1990010120100110{i:02}");
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO app_user (username, nama, nip, role, satker_kode, password_hash)
             VALUES ($1, $2, $3, 'PPK', $4, 'x') RETURNING id",
        )
        .bind(format!("val_test{i:02}"))
        .bind(format!("Pejabat Uji {i:02}"))
        .bind(&nip)
        .bind(&satker)
        .fetch_one(&pool)
        .await
        .unwrap();
        let mut input = kpa_input();
        input.nip = nip;
        input.nama = format!("Pejabat Uji {i:02}");
        input.no_hp = format!("08123456{i:04}"); // one number per person
        input.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
        pejabat::rekam(&pool, &admin, &input, backend::now()).await.unwrap_or_else(|e| panic!("{user_id}: {e:?}"));
    }
    let total = pejabat::daftar(&pool, &admin, &all()).await.unwrap();
    assert_eq!(total.total, 25, "23 new + 2 pilot references");
    assert_eq!(total.rows.len(), 25);

    let page = |n| TableQuery { page: n, per_page: Some(10), filter: String::new() };
    let p1 = pejabat::daftar(&pool, &admin, &page(1)).await.unwrap();
    let p3 = pejabat::daftar(&pool, &admin, &page(3)).await.unwrap();
    assert_eq!((p1.rows.len(), p3.rows.len(), p1.page_count()), (10, 5, 3));
    assert!(p1.rows[0].nama <= p1.rows[9].nama, "sorted by name");
    assert!(pejabat::daftar(&pool, &admin, &page(9)).await.unwrap().rows.is_empty());

    let uji = TableQuery { page: 1, per_page: Some(10), filter: "uji 1".into() };
    assert_eq!(pejabat::daftar(&pool, &admin, &uji).await.unwrap().total, 10, "Uji 10..19");
    let by_status = TableQuery { page: 1, per_page: None, filter: "bendahara".into() };
    assert_eq!(pejabat::daftar(&pool, &admin, &by_status).await.unwrap().total, 1);
    let wildcard = TableQuery { page: 1, per_page: None, filter: "%".into() };
    assert_eq!(pejabat::daftar(&pool, &admin, &wildcard).await.unwrap().total, 0, "% is literal");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn each_satker_sees_only_its_own_references(pool: PgPool) {
    let a = login(&pool, "adm_561403").await;
    let b = login(&pool, "adm_527010").await;
    let rows_a = pejabat::daftar(&pool, &a, &all()).await.unwrap().rows;
    let rows_b = pejabat::daftar(&pool, &b, &all()).await.unwrap().rows;
    assert_eq!(rows_a.len(), 2);
    assert_eq!(rows_b.len(), 1);
    assert!(rows_a.iter().all(|r| !rows_b.iter().any(|o| o.id == r.id)));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_pejabat_cannot_record_or_delete(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    for username in ["apr_kpa561403", "apr_spm561403", "val_ppk561403"] {
        let caller = login(&pool, username).await;
        assert!(matches!(pejabat::rekam(&pool, &caller, &kpa_input(), backend::now()).await, Err(Error::Forbidden(_))));
        assert!(matches!(pejabat::hapus(&pool, &caller, id, backend::now()).await, Err(Error::Forbidden(_))));
        // but may read the table
        assert_eq!(pejabat::daftar(&pool, &caller, &all()).await.unwrap().total, 3);
    }
    let trail = audit_actions(&pool).await;
    assert_eq!(trail.iter().filter(|(a, o)| a == "HAPUS_PEJABAT" && o == "DITOLAK").count(), 3);
    assert_eq!(trail.iter().filter(|(a, o)| a == "REKAM_PEJABAT" && o == "DITOLAK").count(), 3);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_cso_does_not_read_a_satker_table_here(pool: PgPool) {
    let cso = login(&pool, "cso_jakarta6").await;
    assert!(matches!(pejabat::daftar(&pool, &cso, &all()).await, Err(Error::Forbidden(_))));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_admin_cannot_delete_another_satkers_reference(pool: PgPool) {
    let a = login(&pool, "adm_561403").await;
    let b = login(&pool, "adm_527010").await;
    let other = pejabat::daftar(&pool, &b, &all()).await.unwrap().rows[0].id;
    let err = pejabat::hapus(&pool, &a, other, backend::now()).await.unwrap_err();
    assert!(matches!(&err, Error::Forbidden(m) if m.contains("satker lain")), "{err:?}");
    assert_eq!(pejabat::daftar(&pool, &b, &all()).await.unwrap().total, 1, "still there");
    assert_eq!(audit_actions(&pool).await[0], ("HAPUS_PEJABAT".into(), "DITOLAK".into()));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn deleting_twice_says_it_is_gone(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    pejabat::hapus(&pool, &admin, id, backend::now()).await.unwrap();
    assert!(matches!(pejabat::hapus(&pool, &admin, id, backend::now()).await, Err(Error::NotFound(_))));
    assert!(matches!(
        pejabat::hapus(&pool, &admin, domain::PejabatId(999_999), backend::now()).await,
        Err(Error::NotFound(_))
    ));
}

async fn rekam_error(
    pool: &PgPool,
    admin: &Caller,
    edit: impl FnOnce(&mut domain::validate::PejabatInput),
) -> (String, String) {
    let mut input = kpa_input();
    edit(&mut input);
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM pejabat").fetch_one(pool).await.unwrap();
    let err = pejabat::rekam(pool, admin, &input, backend::now()).await.unwrap_err();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM pejabat").fetch_one(pool).await.unwrap();
    assert_eq!(before, after, "nothing saved");
    match err {
        Error::Invalid(fields) => fields.0.into_iter().next().unwrap(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn kpa_and_ppspm_need_apr_users_and_ppk_a_val_user(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    // KPA on the PPK's val_ user
    let (field, msg) = rekam_error(&pool, &admin, |i| i.nip = "133209333013111001".into()).await;
    assert_eq!(field, "nip");
    assert!(msg.contains("apr_"), "{msg}");
    // PPK on the KPA's apr_ user
    let (field, msg) = rekam_error(&pool, &admin, |i| i.jabatan = "PEJABAT PEMBUAT KOMITMEN".into()).await;
    assert_eq!((field.as_str(), msg.contains("val_")), ("nip", true), "{msg}");
    // PPSPM on a val_ user
    let (_, msg) = rekam_error(&pool, &admin, |i| {
        i.nip = "133209333013111001".into();
        i.jabatan = "PEJABAT SPM".into();
    })
    .await;
    assert!(msg.contains("apr_"), "{msg}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_nip_must_be_a_user_of_the_own_satker_and_the_kppn_its_partner(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    // the KPA of satker 527010
    let (field, _) = rekam_error(&pool, &admin, |i| i.nip = "197501012000031004".into()).await;
    assert_eq!(field, "nip");
    let (field, msg) = rekam_error(&pool, &admin, |i| i.kppn_kode = "028".into()).await;
    assert_eq!(field, "kppn_kode");
    assert!(msg.contains("mitra"));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn invalid_fields_are_refused_with_a_message_each_and_audited(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let (field, _) = rekam_error(&pool, &admin, |i| i.no_hp = "021-5551234".into()).await;
    assert_eq!(field, "no_hp");
    let (field, _) = rekam_error(&pool, &admin, |i| i.tanggal_lahir = "1970-02-30".into()).await;
    assert_eq!(field, "tanggal_lahir");
    let (field, _) = rekam_error(&pool, &admin, |i| i.nama = "\0".into()).await;
    assert_eq!(field, "nama");
    let trail = audit_actions(&pool).await;
    assert_eq!(trail.iter().filter(|(a, o)| a == "REKAM_PEJABAT" && o == "DITOLAK").count(), 3);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_same_nip_and_jabatan_cannot_be_recorded_twice(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let (field, msg) = rekam_error(&pool, &admin, |_| {}).await;
    assert_eq!(field, "nip");
    assert!(msg.contains("sudah terekam"), "{msg}");
}

/// A refused Rekam names every field the data refuses at once: the NIP already recorded in
/// this jabatan and the number another person holds, not one and then the other.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_refused_rekam_reports_every_field_at_once(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let mut ppk = kpa_input();
    ppk.nip = "133209333013111001".into();
    ppk.nama = "PPK PSIE I".into();
    ppk.jabatan = "PEJABAT PEMBUAT KOMITMEN".into();
    ppk.no_hp = "0813 0000 1111".into();
    pejabat::rekam(&pool, &admin, &ppk, backend::now()).await.unwrap();
    let mut again = kpa_input();
    again.no_hp = "0813 0000 1111".into();
    let fields = match pejabat::rekam(&pool, &admin, &again, backend::now()).await {
        Err(Error::Invalid(fields)) => fields.0,
        other => panic!("expected field errors, got {other:?}"),
    };
    assert!(fields.get("nip").is_some_and(|m| m.contains("sudah terekam")), "{fields:?}");
    assert!(fields.get("no_hp").is_some_and(|m| m.contains("PEJABAT PEMBUAT KOMITMEN")), "{fields:?}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_database_itself_refuses_a_kppn_that_is_not_the_partner(pool: PgPool) {
    login(&pool, "adm_561403").await;
    let result = sqlx::query("UPDATE pejabat SET kppn_kode = '028' WHERE satker_kode = '561403'").execute(&pool).await;
    assert!(result.is_err());
    let result = sqlx::query("UPDATE pejabat SET status = 'SELESAI'").execute(&pool).await;
    assert!(result.is_err());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn rekam_options_offer_the_satkers_users_and_partner_kppn(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let opts = pejabat::rekam_options(&pool, &admin, backend::now()).await.unwrap();
    assert_eq!((opts.satker_kode.as_str(), opts.kppn_kode.as_str()), ("561403", "019"));
    assert!(opts.users.iter().any(|u| u.username == "val_ppk561403"));
    assert!(opts.users.iter().all(|u| !u.username.starts_with("adm_")));
    assert!(opts.users.iter().all(|u| u.username.ends_with("561403")));
}

/// The change a step in satker 561403 announces (its KPPN 019 in the demo's Kanwil 09).
fn satker_561403() -> backend::sistem::events::Change {
    backend::sistem::events::Change::Satker {
        kanwil_kode: "09".into(),
        kppn_kode: "019".into(),
        satker_kode: "561403".into(),
    }
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_change_is_announced_to_listeners_on_other_connections(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    // a second "instance": its own pool and listener on the same database
    let other = PgPool::connect_with(pool.connect_options().as_ref().clone()).await.unwrap();
    let hub = backend::sistem::events::Hub::start(&other).await.unwrap();
    let mut rx = hub.subscribe();
    pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let change = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv()).await.unwrap().unwrap();
    assert_eq!(change, satker_561403());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_listener_comes_back_after_its_connection_is_cut_and_tells_every_page_to_read_again(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let other = PgPool::connect_with(pool.connect_options().as_ref().clone()).await.unwrap();
    let hub = backend::sistem::events::Hub::start(&other).await.unwrap();
    let mut rx = hub.subscribe();
    // the database drops the listener's connection (as in a fail-over, or a restart)
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE query ILIKE 'LISTEN%' AND datname = current_database()) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cut, 1);
    let wait = std::time::Duration::from_secs(10);
    let change = tokio::time::timeout(wait, rx.recv()).await.expect("told after reconnecting").unwrap();
    assert_eq!(change, backend::sistem::events::Change::Anything);
    // and it hears the next change
    pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    let change = tokio::time::timeout(wait, rx.recv()).await.expect("a change after reconnecting").unwrap();
    assert_eq!(change, satker_561403());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_stored_value_the_code_does_not_know_is_an_error_naming_the_column(pool: PgPool) {
    let admin = login(&pool, "adm_561403").await;
    let id = pejabat::rekam(&pool, &admin, &kpa_input(), backend::now()).await.unwrap();
    // a value the schema would refuse, written around its CHECK (a bad restore, a hand edit)
    sqlx::raw_sql("ALTER TABLE pejabat DROP CONSTRAINT pejabat_jabatan_check").execute(&pool).await.unwrap();
    sqlx::query("UPDATE pejabat SET jabatan = 'PRESIDEN' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    // the row is neither dropped from the table nor read as some other jabatan
    let err = pejabat::daftar(&pool, &admin, &all()).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Database(sqlx::Error::ColumnDecode { .. })), "{err:?}");
    assert!(text.contains("jabatan") && text.contains("PRESIDEN") && text.contains("Jabatan"), "{text}");
    assert!(!err.is_unavailable());
    let kpa = login(&pool, "apr_kpa561403").await;
    assert!(pejabat::milik_saya(&pool, &kpa).await.is_err());
}
