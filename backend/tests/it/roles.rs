//! The database's own defences: the app role may only add to and read the audit trail and
//! cannot switch its triggers off, nor remove the demo's mark; the trail's hash chain names
//! the first line changed, removed or inserted behind the app's back.

use crate::common::{kpa_input, login, today};
use backend::db;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};

/// A login role with the app's grants, and a connection to the test's database as it.
async fn as_app_role(pool: &PgPool) -> sqlx::PgConnection {
    let role = format!("app_{}", rand_suffix());
    sqlx::query(&format!("CREATE ROLE {role} LOGIN PASSWORD 'rahasia-uji' NOSUPERUSER NOCREATEDB NOCREATEROLE"))
        .execute(pool)
        .await
        .unwrap();
    db::grant_app(pool, &role).await.unwrap();
    let options: PgConnectOptions = (*pool.connect_options()).clone().username(&role).password("rahasia-uji");
    options.connect().await.unwrap()
}

fn rand_suffix() -> String {
    format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
}

fn refused(result: Result<sqlx::postgres::PgQueryResult, sqlx::Error>) -> String {
    match result {
        Err(sqlx::Error::Database(e)) => e.code().unwrap_or_default().into_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_app_role_adds_to_the_trail_but_cannot_change_it_or_switch_its_triggers_off(pool: PgPool) {
    backend::demo::seed_if_empty(&pool).await.unwrap();
    let admin = login(&pool, "adm_561403").await;
    backend::pejabat::rekam(&pool, &admin, &kpa_input(), today()).await.unwrap();
    let mut app = as_app_role(&pool).await;
    // what the server needs works
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&mut app).await.unwrap();
    assert!(lines > 0);
    sqlx::query("INSERT INTO audit_log (action, outcome, detail) VALUES ('LOGIN', 'GAGAL', 'uji')")
        .execute(&mut app)
        .await
        .unwrap();
    sqlx::query("UPDATE pejabat SET updated_at = now()").execute(&mut app).await.unwrap();
    // what it must not do is refused by PostgreSQL itself (42501: insufficient privilege)
    let attempts = [
        "UPDATE audit_log SET detail = 'diubah'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain",
        "DROP TABLE pejabat",
        "CREATE TABLE selundupan (x int)",
        "DELETE FROM _sqlx_migrations",
        // the demo's mark stays: production refuses the database it marks
        "DELETE FROM data_demo",
        "UPDATE data_demo SET dimuat_at = now()",
        "TRUNCATE data_demo",
    ];
    for sql in attempts {
        let code = refused(sqlx::query(sql).execute(&mut app).await);
        assert_eq!(code, "42501", "{sql}");
    }
    app.close().await.unwrap();
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_hash_chain_names_the_first_line_changed_removed_or_inserted(pool: PgPool) {
    backend::demo::seed_if_empty(&pool).await.unwrap();
    let admin = login(&pool, "adm_561403").await;
    backend::pejabat::rekam(&pool, &admin, &kpa_input(), today()).await.unwrap();
    // concurrent writers still make one chain
    let writers = (0..8).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let caller = backend::Caller::anonymous(Some(format!("10.0.0.{i}")));
            let entry =
                backend::audit::Entry::new(&caller, backend::audit::Aksi::Login, backend::audit::Outcome::Gagal);
            backend::audit::record(&pool, entry).await.unwrap();
        })
    });
    for w in writers {
        w.await.unwrap();
    }
    let (lines, broken) = backend::audit::verify(&pool).await.unwrap();
    assert!(lines >= 10, "{lines}");
    assert_eq!(broken, None);

    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY seq").fetch_all(&pool).await.unwrap();
    let tamper = |sql: String| {
        let pool = pool.clone();
        async move {
            // as the owner, who can switch the append-only trigger off
            sqlx::raw_sql(&format!(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; {sql};
                 ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;"
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    // a changed line
    tamper(format!("UPDATE audit_log SET detail = 'tidak pernah terjadi' WHERE id = {}", ids[4])).await;
    let (_, broken) = backend::audit::verify(&pool).await.unwrap();
    let broken = broken.expect("a changed line is caught");
    assert_eq!(broken.id, ids[4]);
    assert!(broken.alasan.contains("diubah"), "{}", broken.alasan);
    // rehashing the changed line to hide it breaks the link to the next line instead
    tamper(format!(
        "UPDATE audit_log SET hash = sha256(coalesce(prev_hash, ''::bytea) || audit_line_bytes(audit_log)) WHERE id = {}",
        ids[4]
    ))
    .await;
    let (_, broken) = backend::audit::verify(&pool).await.unwrap();
    let broken = broken.expect("a rehashed line is caught");
    assert_eq!(broken.id, ids[5], "a rehashed line no longer links to the next");
    assert!(broken.alasan.contains("menyambung"), "{}", broken.alasan);
    // a removed line, earlier in the chain: the line after it is the first broken one
    tamper(format!("DELETE FROM audit_log WHERE id = {}", ids[1])).await;
    let (_, broken) = backend::audit::verify(&pool).await.unwrap();
    assert_eq!(broken.map(|b| b.id), Some(ids[2]));
}
