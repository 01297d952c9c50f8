//! The demo's traces: the seed marks its database in the transaction that loads it, and
//! `demo::traces` finds the mark or any demo username (what production refuses to start on).

use backend::demo;
use sqlx::PgPool;

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_seed_marks_its_database_and_the_traces_name_every_demo_user(pool: PgPool) {
    assert!(demo::traces(&pool).await.unwrap().is_empty(), "a new database holds no demo traces");
    let before = backend::now();
    assert!(demo::seed_if_empty(&pool).await.unwrap());
    let traces = demo::traces(&pool).await.unwrap();
    let seeded_at = traces.seeded_at.expect("the mark");
    assert!(seeded_at >= before - chrono::Duration::seconds(1) && seeded_at <= backend::now(), "{seeded_at}");
    let mut all: Vec<String> = demo::usernames().map(String::from).collect();
    all.sort();
    assert_eq!(traces.users, all);
    // loading again changes nothing, the mark included
    assert!(!demo::seed_if_empty(&pool).await.unwrap());
    assert_eq!(demo::traces(&pool).await.unwrap(), traces);
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
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

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
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
