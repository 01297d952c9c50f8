//! The demo's traces: the seed marks its database in the transaction that loads it, and
//! `demo::traces` finds the mark or any demo username (what production refuses to start on).

use backend::provisi::demo;
use sqlx::PgPool;

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_seed_marks_its_database_and_the_traces_name_every_demo_user(pool: PgPool) {
    assert!(demo::traces(&pool).await.unwrap().is_empty(), "a new database holds no demo traces");
    let before = backend::now();
    assert!(demo::seed_if_empty(&pool).await.unwrap());
    let traces = demo::traces(&pool).await.unwrap();
    let seeded_at = traces.seeded_at.expect("the mark");
    assert!(seeded_at >= before - chrono::Duration::seconds(1) && seeded_at <= backend::now(), "{seeded_at}");
    let mut people: Vec<String> = demo::USERS.iter().map(|u| u.0.to_owned()).collect();
    people.sort();
    assert_eq!(traces.users, people);
    // loading again changes nothing, the mark included
    assert!(!demo::seed_if_empty(&pool).await.unwrap());
    assert_eq!(demo::traces(&pool).await.unwrap(), traces);
    // the story's staff are demo users too
    assert!(demo::cerita(&pool).await.unwrap());
    let mut all: Vec<String> = demo::usernames().map(String::from).collect();
    all.sort();
    assert_eq!(demo::traces(&pool).await.unwrap().users, all);
}

/// The story fills a second region at every stage — bundles on its CSO's desk, sessions open
/// and booked today and tomorrow, satkers stuck for weeks, recent activations — with dates a
/// person believes, told once; the six demo people's region stays as it was.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_story_fills_a_region_at_every_stage_with_believable_dates(pool: PgPool) {
    use backend::pantau::{self, Setelan};
    use domain::pantau::{Fase, Lingkup};
    demo::seed_if_empty(&pool).await.unwrap();
    let kwl_dki = crate::common::login(&pool, "kwl_dki").await;
    let now = backend::now();
    let dki_before = pantau::papan(&pool, &kwl_dki, None, Setelan::default(), now).await.unwrap().hitungan;
    assert!(demo::cerita(&pool).await.unwrap());
    assert!(!demo::cerita(&pool).await.unwrap(), "told once");
    let dki_after = pantau::papan(&pool, &kwl_dki, None, Setelan::default(), now).await.unwrap().hitungan;
    assert_eq!(dki_after, dki_before, "the six demo people's region is untouched");

    let kwl = crate::common::login(&pool, "kwl_jateng").await;
    let papan = pantau::papan(&pool, &kwl, None, Setelan::default(), now).await.unwrap();
    assert_eq!(papan.lingkup, Lingkup::Kanwil("20".into()));
    assert_eq!(papan.hitungan.total(), 200);
    for t in Fase::ALL {
        assert!(papan.hitungan.di(t) >= 20, "{t:?}: {}", papan.hitungan.di(t));
    }
    assert!(papan.macet_total >= 10, "some satkers stuck: {}", papan.macet_total);
    for m in &papan.macet {
        assert!((8..=60).contains(&m.hari), "stuck for a believable time: {m:?}");
    }
    let recent: u32 = papan.aktivasi_per_hari.iter().map(|(_, n)| n).sum();
    assert!(recent >= 100, "activations over the last weeks: {recent}");
    // the region's Kanwil, with the demo's deadline, is told something to act on
    let tenggat = Setelan { tenggat: chrono::NaiveDate::from_ymd_opt(2027, 3, 31), ..Setelan::default() };
    let next = backend::berikut::untuk(&pool, &kwl, tenggat, now).await.unwrap().unwrap();
    assert!(next.tautan.as_ref().is_some_and(|(href, _)| href.starts_with("/pantau?")), "{next:?}");
    // its CSO: bundles waiting, sessions today and tomorrow, some booked
    let cso = crate::common::login(&pool, "cso_semarang1").await;
    let next = backend::berikut::untuk(&pool, &cso, backend::pantau::Setelan::default(), now).await.unwrap().unwrap();
    assert!(next.judul.ends_with("berkas menunggu pemeriksaan"), "{next:?}");
    let (slots, booked): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT sl.id), count(j.id) FROM slot sl LEFT JOIN jadwal j ON j.slot_id = sl.id
         WHERE sl.kppn_kode = '120' AND sl.mulai::date BETWEEN current_date - 1 AND current_date + 2",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(slots >= 4 && booked >= 1, "slots {slots}, booked {booked}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_seed_that_fails_leaves_no_mark(pool: PgPool) {
    // the demo's Kanwil already there: the seed's insert of it fails half-way
    sqlx::query("INSERT INTO kanwil (kode, nama) VALUES ($1, 'Kanwil lain')")
        .bind(demo::KANWIL.0)
        .execute(&pool)
        .await
        .unwrap();
    assert!(demo::seed_if_empty(&pool).await.is_err());
    let marks: i64 = sqlx::query_scalar("SELECT count(*) FROM data_demo").fetch_one(&pool).await.unwrap();
    assert_eq!(marks, 0, "the mark goes with the data it marks");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn one_demo_username_is_a_trace_without_the_mark(pool: PgPool) {
    sqlx::query("INSERT INTO kppn (kode, nama) VALUES ('019', 'KPPN Jakarta VI')").execute(&pool).await.unwrap();
    for username in ["cso_nyata019", "cso_jakarta6"] {
        sqlx::query("INSERT INTO app_user (username, nama, role, kppn_kode) VALUES ($1, 'CSO', 'CSO', '019')")
            .bind(username)
            .execute(&pool)
            .await
            .unwrap();
    }
    let traces = demo::traces(&pool).await.unwrap();
    assert_eq!(traces, demo::Traces { seeded_at: None, users: vec!["cso_jakarta6".into()] });
}

#[sqlx::test(migrations = false)]
async fn a_database_never_migrated_has_no_traces(pool: PgPool) {
    assert!(demo::traces(&pool).await.unwrap().is_empty());
}
