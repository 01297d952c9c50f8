//! Errors that mean the database went away while a statement ran, produced for real: each is
//! classified as unavailable (a 503 with the outage message), never as a failed statement.

use backend::Error;
use sqlx::PgPool;
use std::time::Duration;

/// The server's own error for each SQLSTATE a shutdown or a lost connection sends, raised by
/// PL/pgSQL so it arrives exactly as PostgreSQL's `ErrorResponse` does.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn every_shutdown_and_connection_sqlstate_from_the_server_is_unavailable(pool: PgPool) {
    for code in ["57P01", "57P02", "57P03", "53300", "08000", "08003", "08006", "08P01"] {
        let e = sqlx::raw_sql(&format!("DO $$ BEGIN RAISE EXCEPTION 'uji' USING ERRCODE = '{code}'; END $$"))
            .execute(&pool)
            .await
            .unwrap_err();
        assert_eq!(e.as_database_error().and_then(|d| d.code()).as_deref(), Some(code));
        assert!(Error::from(e).is_unavailable(), "{code}");
    }
    // and a statement's own failure is not
    let e = sqlx::raw_sql("DO $$ BEGIN RAISE EXCEPTION 'uji' USING ERRCODE = '23505'; END $$")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(!Error::from(e).is_unavailable());
}

/// `pg_terminate_backend` on a connection in the middle of a statement (what a fast shutdown
/// does to every backend): the statement's error is unavailable, and the pool carries on.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_statement_cut_by_a_terminated_backend_is_unavailable(pool: PgPool) {
    let mut victim = pool.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *victim).await.unwrap();
    let running = tokio::spawn(async move {
        let r = sqlx::query("SELECT pg_sleep(30)").execute(&mut *victim).await;
        r.map(drop)
    });
    // wait until the statement runs, then end its backend
    let mut active = false;
    for _ in 0..100 {
        active = sqlx::query_scalar("SELECT state = 'active' FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_optional(&pool)
            .await
            .unwrap()
            .unwrap_or(false);
        if active {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(active, "the statement never ran");
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(pid).fetch_one(&pool).await.unwrap();
    assert!(ended);
    let e = tokio::time::timeout(Duration::from_secs(10), running).await.unwrap().unwrap().unwrap_err();
    assert_eq!(backend::error::away(&e), Some("shutdown"), "{e:?}");
    assert!(Error::from(e).is_unavailable());
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(one, 1);
}
