//! Login, refusal of the logged-out caller, and the audit trail, against a real PostgreSQL.

use backend::{Caller, Error, auth, demo, pejabat};
use domain::pejabat::TableQuery;
use sqlx::PgPool;

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn login_checks_the_password_and_audits_both_outcomes(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let addr = Some("10.1.2.3".to_string());
    let bad = auth::login(&pool, addr.clone(), "adm_561403", "salah").await;
    assert!(matches!(bad, Err(Error::LoginFailed)));
    let unknown = auth::login(&pool, addr.clone(), "adm_tidakada", "salah").await;
    assert!(matches!(unknown, Err(Error::LoginFailed)));
    let actor = auth::login(&pool, addr.clone(), " ADM_561403 ", demo::PASSWORD).await.unwrap();
    assert_eq!(actor.unit, domain::Unit::Satker("561403".into()));

    let trail = backend::audit::latest(&pool, 3).await.unwrap();
    assert_eq!((trail[0].action.as_str(), trail[0].outcome.as_str()), ("LOGIN", "BERHASIL"));
    assert_eq!(trail[0].actor_role.as_deref(), Some("ADMIN_LOKAL"));
    assert_eq!(trail[0].satker_kode.as_deref(), Some("561403"));
    assert_eq!(trail[0].client_addr.as_deref(), Some("10.1.2.3"));
    assert_eq!((trail[1].outcome.as_str(), trail[1].actor_username.as_deref()), ("GAGAL", Some("adm_tidakada")));
    assert_eq!(trail[2].outcome, "GAGAL");
    assert!(trail.iter().all(|r| !r.detail.contains("salah") || !r.detail.contains(demo::PASSWORD)));
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn a_logged_out_caller_is_refused_and_audited(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let caller = Caller::anonymous(Some("10.9.9.9".into()));
    let result = pejabat::list(&pool, &caller, &TableQuery::default()).await;
    assert!(matches!(result, Err(Error::Unauthenticated)));
    let trail = backend::audit::latest(&pool, 1).await.unwrap();
    assert_eq!((trail[0].action.as_str(), trail[0].outcome.as_str()), ("LIHAT_PEJABAT", "DITOLAK"));
    assert_eq!(trail[0].client_addr.as_deref(), Some("10.9.9.9"));
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn a_deactivated_user_has_no_session_and_cannot_log_in(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let actor = auth::login(&pool, None, "val_ppk561403", demo::PASSWORD).await.unwrap();
    sqlx::query("UPDATE app_user SET active = false WHERE id = $1").bind(actor.user_id).execute(&pool).await.unwrap();
    assert!(auth::load_actor(&pool, actor.user_id).await.unwrap().is_none());
    assert!(matches!(auth::login(&pool, None, "val_ppk561403", demo::PASSWORD).await, Err(Error::LoginFailed)));
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_audit_trail_is_append_only(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    auth::login(&pool, None, "adm_561403", demo::PASSWORD).await.unwrap();
    assert!(sqlx::query("UPDATE audit_log SET outcome = 'GAGAL'").execute(&pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(&pool).await.is_err());
    assert!(sqlx::query("TRUNCATE audit_log").execute(&pool).await.is_err());
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn demo_data_is_loaded_once(pool: PgPool) {
    assert!(demo::seed_if_empty(&pool).await.unwrap());
    assert!(!demo::seed_if_empty(&pool).await.unwrap());
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user").fetch_one(&pool).await.unwrap();
    assert_eq!(users as usize, demo::USERS.len());
}

fn at(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let addr = || Some("10.0.0.5".to_string());
    for _ in 0..4 {
        assert!(matches!(
            auth::login_at(&pool, addr(), "val_ppk561403", "salah", at(0)).await,
            Err(Error::LoginFailed)
        ));
    }
    let fifth = auth::login_at(&pool, addr(), "val_ppk561403", "salah", at(0)).await;
    assert!(matches!(&fifth, Err(Error::Forbidden(m)) if m.contains("Akun terkunci")), "{fifth:?}");
    // even the right password is refused while locked, from any address
    let locked = auth::login_at(&pool, Some("10.0.0.6".into()), "val_ppk561403", demo::PASSWORD, at(14)).await;
    assert!(matches!(&locked, Err(Error::Forbidden(m)) if m.contains("1 menit")), "{locked:?}");
    // other accounts are not affected
    auth::login_at(&pool, addr(), "apr_kpa561403", demo::PASSWORD, at(1)).await.unwrap();
    // after fifteen minutes it opens, and a success resets the count
    auth::login_at(&pool, addr(), "val_ppk561403", demo::PASSWORD, at(15)).await.unwrap();
    let failed: i32 = sqlx::query_scalar("SELECT failed_logins FROM app_user WHERE username = 'val_ppk561403'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failed, 0);
    let refusals: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'LOGIN' AND outcome = 'DITOLAK'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(refusals, 1);
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn one_address_guessing_many_usernames_is_stopped(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let addr = || Some("10.9.8.7".to_string());
    for i in 0..20 {
        let r = auth::login_at(&pool, addr(), &format!("adm_tebak{i}"), "salah", at(0)).await;
        assert!(matches!(r, Err(Error::LoginFailed)), "{i}: {r:?}");
    }
    let r = auth::login_at(&pool, addr(), "adm_561403", demo::PASSWORD, at(1)).await;
    assert!(matches!(&r, Err(Error::Forbidden(m)) if m.contains("alamat ini")), "{r:?}");
    // another address is not affected, and the window passes
    auth::login_at(&pool, Some("10.9.8.8".into()), "adm_561403", demo::PASSWORD, at(1)).await.unwrap();
    auth::login_at(&pool, addr(), "adm_561403", demo::PASSWORD, at(16)).await.unwrap();
}
