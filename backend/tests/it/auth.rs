//! Login, refusal of the logged-out caller, and the audit trail, against a real PostgreSQL.

use backend::{
    Caller, Error,
    akses::{auth, masuk},
    aktivasi::pejabat,
    provisi::demo,
};
use domain::pejabat::TableQuery;
use sqlx::PgPool;

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn login_checks_the_password_and_audits_both_outcomes(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let addr = Some("10.1.2.3".to_string());
    // staff have a second factor: a wrong password leads to the second step all the same
    let bad = masuk::login(&pool, addr.clone(), "adm_561403", "salah").await;
    assert!(matches!(bad, Ok(masuk::Masuk::Faktor(..))), "{bad:?}");
    let unknown = masuk::login(&pool, addr.clone(), "adm_tidakada", "salah").await;
    assert!(matches!(unknown, Err(Error::LoginFailed)));
    let masuk = masuk::login(&pool, addr.clone(), " ADM_561403 ", demo::PASSWORD).await.unwrap();
    // staff have a second factor: the password alone does not sign in
    assert!(matches!(&masuk, masuk::Masuk::Faktor(..)), "{masuk:?}");
    assert_eq!(masuk.actor().unit, domain::Unit::Satker("561403".into()));

    let trail = backend::audit::latest(&pool, 3).await.unwrap();
    assert_eq!((trail[0].action.as_str(), trail[0].outcome.as_str()), ("LOGIN", "BERHASIL"));
    assert_eq!(trail[0].actor_role.as_deref(), Some("ADMIN_LOKAL"));
    assert_eq!(trail[0].satker_kode.as_deref(), Some("561403"));
    assert_eq!(trail[0].client_addr.as_deref(), Some("10.1.2.3"));
    assert_eq!((trail[1].outcome.as_str(), trail[1].actor_username.as_deref()), ("GAGAL", Some("adm_tidakada")));
    assert_eq!(trail[2].outcome, "GAGAL");
    assert!(trail.iter().all(|r| !r.detail.contains("salah") || !r.detail.contains(demo::PASSWORD)));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_logged_out_caller_is_refused_and_audited(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let caller = Caller::anonymous(Some("10.9.9.9".into()), backend::now());
    let result = pejabat::daftar(&pool, &caller, &TableQuery::default()).await;
    assert!(matches!(result, Err(Error::Unauthenticated)));
    // counted for its minute, written to the trail when the minute is over
    backend::audit::tutup_hitungan(&pool, backend::now() + chrono::Duration::minutes(1)).await.unwrap();
    let trail = backend::audit::latest(&pool, 1).await.unwrap();
    assert_eq!((trail[0].action.as_str(), trail[0].outcome.as_str()), ("LIHAT_PEJABAT", "DITOLAK"));
    assert_eq!(trail[0].client_addr.as_deref(), Some("10.9.9.9"));
}

/// A flood of refusals of callers who are not logged in is counted per address, action and
/// minute: nothing is written line by line, and when the minute is over each address gets one
/// line with its count (every instance may close the minutes; each count is written once).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn anonymous_refusals_are_counted_per_address_and_minute_not_written_one_by_one(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let lines = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT client_addr || ' ' || detail FROM audit_log WHERE action = 'LIHAT_PEJABAT' ORDER BY client_addr",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    for (addr, n) in [("10.9.9.8", 3), ("10.9.9.9", 50)] {
        let caller = Caller::anonymous(Some(addr.into()), backend::now());
        for _ in 0..n {
            assert!(pejabat::daftar(&pool, &caller, &TableQuery::default()).await.is_err());
        }
    }
    assert!(lines().await.is_empty(), "nothing written line by line");
    // the minute is not over yet: nothing closes
    backend::audit::tutup_hitungan(&pool, backend::now() - chrono::Duration::minutes(1)).await.unwrap();
    assert!(lines().await.is_empty());
    let later = backend::now() + chrono::Duration::minutes(1);
    assert_eq!(backend::audit::tutup_hitungan(&pool, later).await.unwrap(), 2);
    assert_eq!(backend::audit::tutup_hitungan(&pool, later).await.unwrap(), 0, "each count once");
    let written = lines().await;
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(
        written[0].starts_with("10.9.9.8 3× dalam menit ") && written[1].starts_with("10.9.9.9 50×"),
        "{written:?}"
    );
    let broken = backend::audit::verify(&pool, &crate::common::kunci_mac()).await.unwrap().patah;
    assert!(broken.is_none(), "the chain holds: {broken:?}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_deactivated_user_has_no_session_and_cannot_log_in(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let actor = masuk::login(&pool, None, "val_ppk561403", demo::PASSWORD).await.unwrap().into_actor();
    sqlx::query("UPDATE app_user SET active = false WHERE id = $1").bind(actor.user_id).execute(&pool).await.unwrap();
    assert!(auth::load_actor(&pool, actor.user_id).await.unwrap().is_none());
    assert!(matches!(masuk::login(&pool, None, "val_ppk561403", demo::PASSWORD).await, Err(Error::LoginFailed)));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_audit_trail_is_append_only(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    masuk::login(&pool, None, "adm_561403", demo::PASSWORD).await.unwrap();
    assert!(sqlx::query("UPDATE audit_log SET outcome = 'GAGAL'").execute(&pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(&pool).await.is_err());
    assert!(sqlx::query("TRUNCATE audit_log").execute(&pool).await.is_err());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
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

fn at_s(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    at(0) + chrono::Duration::seconds(seconds)
}

async fn failed_logins(pool: &PgPool, username: &str) -> i32 {
    sqlx::query_scalar("SELECT failed_logins FROM app_user WHERE username = $1")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Wrong passwords for `username` at `t` (seconds), each past the previous wait.
async fn wrong(pool: &PgPool, username: &str, device: Option<&str>, t: i64) -> Result<masuk::Masuk, Error> {
    masuk::login_at(pool, Some("10.0.0.5".into()), device, username, "salah", at_s(t)).await
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn wrong_passwords_slow_down_then_lock_and_the_count_survives_the_lock(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let u = "val_ppk561403";
    assert!(matches!(wrong(&pool, u, None, 0).await, Err(Error::LoginFailed)));
    assert!(matches!(wrong(&pool, u, None, 1).await, Err(Error::LoginFailed)));
    assert!(matches!(wrong(&pool, u, None, 2).await, Err(Error::LoginFailed)));
    // the third costs 30 seconds: even the right password waits
    let waits = masuk::login_at(&pool, None, None, u, demo::PASSWORD, at_s(10)).await;
    assert!(matches!(&waits, Err(Error::Ditahan { teks: m, .. }) if m.contains("Tunggu 22 detik")), "{waits:?}");
    assert!(matches!(wrong(&pool, u, None, 32).await, Err(Error::LoginFailed)));
    // the fifth locks for fifteen minutes, from any address
    let fifth = wrong(&pool, u, None, 92).await;
    assert!(
        matches!(&fifth, Err(Error::Ditahan { teks: m, .. }) if m.contains("Akun terkunci") && m.contains("15 menit")),
        "{fifth:?}"
    );
    let locked = masuk::login_at(&pool, Some("10.0.0.6".into()), None, u, demo::PASSWORD, at_s(92 + 14 * 60)).await;
    assert!(matches!(&locked, Err(Error::Ditahan { teks: m, .. }) if m.contains("1 menit")), "{locked:?}");
    // other accounts are not affected
    masuk::login_at(&pool, None, None, "apr_kpa561403", demo::PASSWORD, at_s(100)).await.unwrap();
    // the lock passes, the count does not: the sixth failure locks again at once
    let sixth = wrong(&pool, u, None, 92 + 15 * 60).await;
    assert!(matches!(&sixth, Err(Error::Ditahan { teks: m, .. }) if m.contains("6 kali")), "{sixth:?}");
    assert_eq!(failed_logins(&pool, u).await, 6);
    // only a success clears it
    masuk::login_at(&pool, None, None, u, demo::PASSWORD, at_s(92 + 30 * 60)).await.unwrap();
    assert_eq!(failed_logins(&pool, u).await, 0);
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn fifteen_failures_lock_until_an_admin_unlocks_and_the_user_is_told(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    // the KPA of satker 527010 has an AKTIF reference: its number is verified
    let u = "apr_kpa527010";
    sqlx::query("UPDATE pejabat SET status = 'AKTIF' WHERE nip = '197501012000031004'").execute(&pool).await.unwrap();
    sqlx::query("UPDATE app_user SET failed_logins = 14, last_failed_at = $1 WHERE username = $2")
        .bind(at(0))
        .bind(u)
        .execute(&pool)
        .await
        .unwrap();
    let r = wrong(&pool, u, None, 3600).await;
    assert!(matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("Minta Admin Lokal")), "{r:?}");
    let a_year_on = masuk::login_at(&pool, None, None, u, demo::PASSWORD, at_s(365 * 24 * 3600)).await;
    assert!(matches!(&a_year_on, Err(Error::Ditahan { teks: m, .. }) if m.contains("15 kali")), "{a_year_on:?}");
    let sms: Vec<String> = sqlx::query_scalar("SELECT body FROM sms_outbox WHERE phone = '+6281311110003'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(sms.iter().any(|b| b.contains("terkunci")), "{sms:?}");
    // the satker's Admin Lokal unlocks it (audited); the next login goes through
    let admin = crate::common::login(&pool, "adm_527010").await;
    backend::akses::pengguna::buka_kunci(&pool, &admin, u, backend::now()).await.unwrap();
    masuk::login_at(&pool, None, None, u, demo::PASSWORD, at_s(365 * 24 * 3600)).await.unwrap();
    // another satker's Admin Lokal cannot
    let other = crate::common::login(&pool, "adm_561403").await;
    assert!(matches!(
        backend::akses::pengguna::buka_kunci(&pool, &other, u, backend::now()).await,
        Err(Error::NotFound(_))
    ));
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn failures_from_elsewhere_do_not_lock_out_a_known_device_and_count_for_a_user_with_a_second_factor(
    pool: PgPool,
) {
    demo::seed_if_empty(&pool).await.unwrap();
    let kpa = "apr_kpa561403";
    let masuk = masuk::login_at(&pool, None, None, kpa, demo::PASSWORD, at(0)).await.unwrap();
    let device = masuk::ingat_perangkat(&pool, masuk.actor().user_id, None, at(0)).await.unwrap();
    // someone else guesses until the account is locked for an hour
    for (i, t) in [0, 1, 2, 32, 92, 992, 1892, 2792, 3692, 4592].into_iter().enumerate() {
        let r = wrong(&pool, kpa, None, 60 + t).await;
        assert!(r.is_err(), "{i}");
    }
    assert_eq!(failed_logins(&pool, kpa).await, 10);
    let elsewhere = masuk::login_at(&pool, None, None, kpa, demo::PASSWORD, at_s(4700)).await;
    assert!(matches!(elsewhere, Err(Error::Ditahan { .. })));
    // the KPA's own browser is not locked out (it has a count of its own)
    let own = masuk::login_at(&pool, None, Some(&device), kpa, demo::PASSWORD, at_s(4700)).await.unwrap();
    assert!(matches!(own, masuk::Masuk::Selesai(_)));
    assert_eq!(failed_logins(&pool, kpa).await, 0, "a success clears the count");

    // a user with a second factor has an account limit too: wrong passwords lead to the
    // second step (the answer never says the password was wrong) and are counted; past the
    // limit every try is held back, right or wrong
    let admin = "adm_561403";
    for t in 0..3 {
        let r = masuk::login_at(&pool, Some("10.0.0.7".into()), None, admin, "salah", at_s(t)).await;
        assert!(matches!(r, Ok(masuk::Masuk::Faktor(..))), "{t}: {r:?}");
    }
    assert_eq!(failed_logins(&pool, admin).await, 3);
    for password in ["salah", demo::PASSWORD] {
        let r = masuk::login_at(&pool, Some("10.0.0.7".into()), None, admin, password, at_s(4)).await;
        assert!(matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("Tunggu")), "{r:?}");
    }
    let right = masuk::login_at(&pool, None, None, admin, demo::PASSWORD, at_s(40)).await.unwrap();
    assert!(matches!(right, masuk::Masuk::Faktor(..)), "the second factor comes next");
    assert_eq!(failed_logins(&pool, admin).await, 3, "a right password takes its own count back, no more");
}

/// Fifty wrong passwords at once against one account: each waits for the one before it and
/// sees its count, so the limit holds exactly — three tries, then a wait; after the waits the
/// lock sets in at the fifth, never later, and the user is told once. (Reading the count,
/// verifying, then counting let all fifty through.)
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn fifty_concurrent_wrong_logins_are_each_counted_and_lock_on_time(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let kpa = "apr_kpa561403";
    sqlx::query("UPDATE app_user SET email = 'kpa@kemenkeu.go.id' WHERE username = $1")
        .bind(kpa)
        .execute(&pool)
        .await
        .unwrap();
    let burst = |t: i64| {
        let pool = pool.clone();
        async move {
            let tries = (0..50).map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move { masuk::login_at(&pool, None, None, kpa, "salah", at_s(t)).await })
            });
            let mut verified = 0;
            for r in futures_like(tries).await {
                match r {
                    Err(Error::LoginFailed) => verified += 1,
                    Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci") && !m.contains("Username") => {}
                    Err(Error::Ditahan { teks: m, .. }) if m.contains("Username atau password salah") => verified += 1,
                    Err(Error::Ditahan { teks: m, .. }) if m.contains("Tunggu") => {}
                    other => panic!("{other:?}"),
                }
            }
            verified
        }
    };
    assert_eq!(burst(0).await, 3, "three tries, then each waits");
    assert_eq!(failed_logins(&pool, kpa).await, 3);
    assert_eq!(burst(31).await, 1);
    assert_eq!(burst(92).await, 1, "the fifth locks");
    assert_eq!(failed_logins(&pool, kpa).await, 5, "the lock set in at five, not later");
    let told: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE to_addr = 'kpa@kemenkeu.go.id'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(told, 1, "the user is told of the lock once");
    let right = masuk::login_at(&pool, None, None, kpa, demo::PASSWORD, at_s(100)).await;
    assert!(matches!(&right, Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci")), "{right:?}");
}

/// Waits for every task.
async fn futures_like<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks.collect::<Vec<_>>() {
        out.push(t.await.unwrap());
    }
    out
}

/// One address, many usernames, all at once: the address's limit holds under parallel tries
/// as well (twenty counted, the rest held back).
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn parallel_guesses_from_one_address_stop_at_its_limit(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let tries = (0..25).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move {
            masuk::login_at(&pool, Some("10.9.8.6".into()), None, &format!("adm_tebak{i}"), "salah", at(0)).await
        })
    });
    let results = futures_like(tries).await;
    let held =
        results.iter().filter(|r| matches!(r, Err(Error::Ditahan { teks: m, .. }) if m.contains("alamat ini"))).count();
    let failed = results.iter().filter(|r| matches!(r, Err(Error::LoginFailed))).count();
    assert_eq!((failed, held), (20, 5), "{results:?}");
}

/// Ganti sandi checks the current password like a login: counted first, slowed, then locked.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn ganti_sandi_counts_wrong_current_passwords_and_locks_like_login(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let kpa = "apr_kpa561403";
    let actor = masuk::login_at(&pool, None, None, kpa, demo::PASSWORD, at_s(0)).await.unwrap().into_actor();
    let caller = backend::akses::sesi::mulai_dan_muat(&pool, &actor, None, at_s(0)).await.unwrap();
    let baru = "lampu meja hijau di pojok";
    for (i, t) in [0, 1, 2, 33, 94].into_iter().enumerate() {
        let r = backend::akses::pengguna::ganti_sandi(&pool, &caller, "salah-sekali", baru, at_s(t)).await;
        let wrong = matches!(&r, Err(Error::Invalid(f)) if f.get("lama").is_some());
        let locks = matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci"));
        assert!(wrong || (i == 4 && locks), "{i}: {r:?}");
    }
    assert_eq!(failed_logins(&pool, kpa).await, 5);
    // locked: even the right current password is held back, and login too
    let r = backend::akses::pengguna::ganti_sandi(&pool, &caller, demo::PASSWORD, baru, at_s(100)).await;
    assert!(matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci")), "{r:?}");
    let r = masuk::login_at(&pool, None, None, kpa, demo::PASSWORD, at_s(100)).await;
    assert!(matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci")), "{r:?}");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn one_address_guessing_many_usernames_is_stopped(pool: PgPool) {
    demo::seed_if_empty(&pool).await.unwrap();
    let addr = || Some("10.9.8.7".to_string());
    for i in 0..20 {
        let r = masuk::login_at(&pool, addr(), None, &format!("adm_tebak{i}"), "salah", at(0)).await;
        assert!(matches!(r, Err(Error::LoginFailed)), "{i}: {r:?}");
    }
    let r = masuk::login_at(&pool, addr(), None, "adm_561403", demo::PASSWORD, at(1)).await;
    assert!(matches!(&r, Err(Error::Ditahan { teks: m, .. }) if m.contains("alamat ini")), "{r:?}");
    // another address is not affected, and the window passes
    masuk::login_at(&pool, Some("10.9.8.8".into()), None, "adm_561403", demo::PASSWORD, at(1)).await.unwrap();
    masuk::login_at(&pool, addr(), None, "adm_561403", demo::PASSWORD, at(16)).await.unwrap();
}
