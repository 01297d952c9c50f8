//! The retention job with a set clock: what is past its time goes, what is not stays, the
//! audit trail is never touched, and two instances never purge at once.

use crate::common::login;
use backend::sistem::retensi;
use chrono::{Duration, TimeZone, Utc};
use sqlx::PgPool;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn old_rows_are_purged_and_the_audit_trail_is_kept(pool: PgPool) {
    login(&pool, "adm_561403").await;
    let now = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
    let long_ago = now - Duration::days(100);
    let recent = now - Duration::days(10);
    for (at, state) in [(long_ago, "TERKIRIM"), (long_ago, "ANTRE"), (recent, "TERKIRIM")] {
        sqlx::query("INSERT INTO sms_outbox (phone, body, body_redacted, created_at, state) VALUES ('+6281234567890', 'x', 'x', $1, $2)")
            .bind(at)
            .bind(state)
            .execute(&pool)
            .await
            .unwrap();
    }
    for (at, state) in [(long_ago, "TERKIRIM"), (recent, "GAGAL")] {
        sqlx::query(
            "INSERT INTO email_outbox (to_addr, subject, body, body_redacted, created_at, expires_at, state)
             VALUES ('a@b.id', 's', 'b', 'b', $1, $1 + interval '1 day', $2)",
        )
        .bind(at)
        .bind(state)
        .execute(&pool)
        .await
        .unwrap();
    }
    for at in [now - Duration::hours(30), now - Duration::minutes(5)] {
        sqlx::query("INSERT INTO login_failure (addr, at) VALUES ('10.0.0.1', $1)")
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO sms_kuitansi (mac, received_at) VALUES (sha256(convert_to($1::text, 'UTF8')), $2)")
            .bind(at.to_rfc3339())
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
    }
    let user: i64 =
        sqlx::query_scalar("SELECT id FROM app_user WHERE username = 'adm_561403'").fetch_one(&pool).await.unwrap();
    for at in [now - Duration::hours(25), now - Duration::hours(1)] {
        sqlx::query("INSERT INTO sesi (user_id, created_at, seen_at, auth_at) VALUES ($1, $2, $2, $2)")
            .bind(user)
            .bind(at)
            .execute(&pool)
            .await
            .unwrap();
    }
    let audit_before = count(&pool, "audit_log").await;
    let sessions_before = count(&pool, "sesi").await;

    let purged = retensi::run_once(&pool, now, retensi::DEFAULT_KEEP, Duration::hours(8)).await.unwrap();
    let n = |t: &str| purged.iter().find(|(table, _)| *table == t).map(|(_, n)| *n).unwrap();
    assert_eq!(n("sms_outbox"), 1, "only the old message that is done: {purged:?}");
    assert_eq!(n("email_outbox"), 1);
    assert_eq!(n("login_failure"), 1);
    assert_eq!(n("sms_kuitansi"), 1);
    // the login's own session (created now, by the real clock, before `now`) is 8 h+ old too
    assert!(n("sesi") >= 1);
    assert_eq!(count(&pool, "sms_outbox").await, 2, "the waiting one stays");
    assert_eq!(count(&pool, "email_outbox").await, 1);
    assert_eq!(count(&pool, "sesi").await, sessions_before - n("sesi") as i64);
    let recent_session: i64 = sqlx::query_scalar("SELECT count(*) FROM sesi WHERE created_at = $1")
        .bind(now - Duration::hours(1))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recent_session, 1);
    assert_eq!(count(&pool, "audit_log").await, audit_before, "the audit trail is never purged");
    // a second round finds nothing more
    let again = retensi::run_once(&pool, now, retensi::DEFAULT_KEEP, Duration::hours(8)).await.unwrap();
    assert!(again.iter().all(|(_, n)| *n == 0), "{again:?}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn one_instance_at_a_time(pool: PgPool) {
    let mut holder = pool.begin().await.unwrap();
    let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('aktivasi-otp-sakti retensi'))")
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    assert!(held);
    let purged = retensi::run_once(&pool, Utc::now(), retensi::DEFAULT_KEEP, Duration::hours(8)).await.unwrap();
    assert!(purged.is_empty(), "another instance holds the job: this one skips its round");
    holder.rollback().await.unwrap();
    assert!(!retensi::run_once(&pool, Utc::now(), retensi::DEFAULT_KEEP, Duration::hours(8)).await.unwrap().is_empty());
}
