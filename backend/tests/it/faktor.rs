//! Second factors against a real PostgreSQL: an authenticator app enrolled with its first
//! code, a code good once, wrong codes counted like wrong passwords, recovery codes used
//! once, and a reset by the admin who manages the user.

use backend::akses::faktor::{self, Bukti};
use backend::sistem::kunci::KunciFaktor;
use backend::{Caller, Error, akses::masuk, provisi::demo};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

fn kunci() -> KunciFaktor {
    KunciFaktor::new([7; 32], &[])
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_020, 0).unwrap() + Duration::seconds(seconds)
}

async fn pejabat(pool: &PgPool, username: &str) -> (backend::Actor, Caller) {
    demo::seed_if_empty(pool).await.unwrap();
    let actor = masuk::login(pool, None, username, demo::PASSWORD).await.unwrap().into_actor();
    let caller = backend::akses::sesi::mulai_dan_muat(pool, &actor, None, backend::now()).await.unwrap();
    (actor, caller)
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_app_is_enrolled_with_its_first_code_and_each_code_is_good_once(pool: PgPool) {
    let (kpa, caller) = pejabat(&pool, "apr_kpa561403").await;
    let baru = faktor::totp_baru(&kpa.username).unwrap();
    let code = |t: i64| faktor::kode_totp(&baru.secret, &kpa.username, at(t)).unwrap();
    let wrong = faktor::daftarkan_totp(&pool, &kunci(), &caller, &baru.secret, "000000", at(0)).await;
    assert!(matches!(wrong, Err(Error::Invalid(_))));
    let codes = faktor::daftarkan_totp(&pool, &kunci(), &caller, &baru.secret, &code(0), at(0)).await.unwrap();
    assert_eq!(codes.len(), 10, "the first factor comes with ten recovery codes");
    // from now on the password is only the first step
    let Ok(masuk::Masuk::Faktor(_, sandi)) =
        masuk::login_at(&pool, None, None, &kpa.username, demo::PASSWORD, at(5)).await
    else {
        panic!("the second factor comes next")
    };
    // the code that enrolled it is used: the same 30 seconds' code is refused, the next is good
    let again = faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Totp(code(0)), at(5)).await;
    assert!(matches!(&again, Err(Error::Forbidden(m)) if m.contains("sudah dipakai")), "{again:?}");
    faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Totp(code(30)), at(31)).await.unwrap();
    assert!(faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Totp(code(30)), at(40)).await.is_err());
    // a recovery code works once, whatever its case and dashes
    let recovery = codes[3].to_uppercase().replace('-', " ");
    faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Pemulihan(recovery.clone()), at(60)).await.unwrap();
    assert!(faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Pemulihan(recovery), at(61)).await.is_err());
    assert_eq!(faktor::milik(&pool, kpa.user_id).await.unwrap().sisa_pemulihan, 9);
}

/// What a right password gives the second step.
async fn benar(pool: &PgPool, username: &str) -> masuk::Sandi {
    match masuk::login(pool, None, username, demo::PASSWORD).await.unwrap() {
        masuk::Masuk::Faktor(_, sandi) => sandi,
        other => panic!("{other:?}"),
    }
}

/// A wrong password at the first step is refused at the second in the very words of a wrong
/// code, even with the right code; the right code is not used up, and the try counts once.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_wrong_password_is_refused_at_the_second_step_like_a_wrong_code(pool: PgPool) {
    let (admin, caller) = pejabat(&pool, "adm_561403").await;
    let secret = demo::totp_secret(&admin.username);
    let wrong_code = faktor::periksa(
        &pool,
        &kunci(),
        &caller,
        &admin,
        benar(&pool, "adm_561403").await,
        &Bukti::Totp("000000".into()),
        at(0),
    )
    .await;
    let Ok(masuk::Masuk::Faktor(_, salah)) = masuk::login_at(&pool, None, None, "adm_561403", "salah", at(1)).await
    else {
        panic!("a wrong password leads to the second step too")
    };
    let right = faktor::kode_totp(&secret, &admin.username, at(40)).unwrap();
    let wrong_password =
        faktor::periksa(&pool, &kunci(), &caller, &admin, salah, &Bukti::Totp(right.clone()), at(40)).await;
    match (&wrong_code, &wrong_password) {
        (Err(Error::Forbidden(a)), Err(Error::Forbidden(b))) => assert_eq!(a, b, "the two refusals read the same"),
        other => panic!("{other:?}"),
    }
    let failed: i32 = sqlx::query_scalar("SELECT failed_logins FROM app_user WHERE username = 'adm_561403'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failed, 2, "the wrong code and the wrong password, once each");
    // the right code was not spent on the refused login
    let sandi = benar(&pool, "adm_561403").await;
    faktor::periksa(&pool, &kunci(), &caller, &admin, sandi, &Bukti::Totp(right), at(41)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn wrong_codes_count_like_wrong_passwords_and_lock(pool: PgPool) {
    let (admin, caller) = pejabat(&pool, "adm_561403").await;
    let sandi = benar(&pool, "adm_561403").await;
    let secret = demo::totp_secret(&admin.username);
    for t in [0, 1, 2, 40, 110] {
        assert!(
            faktor::periksa(&pool, &kunci(), &caller, &admin, sandi, &Bukti::Totp("000000".into()), at(t))
                .await
                .is_err()
        );
    }
    // five wrong codes: locked for fifteen minutes, even with the right code
    let right = faktor::kode_totp(&secret, &admin.username, at(200)).unwrap();
    let locked = faktor::periksa(&pool, &kunci(), &caller, &admin, sandi, &Bukti::Totp(right), at(200)).await;
    assert!(matches!(&locked, Err(Error::Ditahan { teks: m, .. }) if m.contains("terkunci")), "{locked:?}");
    let right = faktor::kode_totp(&secret, &admin.username, at(1100)).unwrap();
    faktor::periksa(&pool, &kunci(), &caller, &admin, sandi, &Bukti::Totp(right), at(1100)).await.unwrap();
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_admin_resets_the_factors_of_a_user_it_manages_and_the_user_enrols_again(pool: PgPool) {
    let (_, cso) = pejabat(&pool, "cso_jakarta6").await;
    sqlx::query("UPDATE app_user SET email = 'admin.561403@kemenkeu.go.id' WHERE username = 'adm_561403'")
        .execute(&pool)
        .await
        .unwrap();
    backend::akses::pengguna::reset_faktor(&pool, &cso, "adm_561403", backend::now()).await.unwrap();
    // staff have no verified number: the reset is told to the email on record
    let told: String =
        sqlx::query_scalar("SELECT body FROM email_outbox WHERE to_addr = 'admin.561403@kemenkeu.go.id'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(told.contains("telah direset oleh admin"), "{told}");
    let again = masuk::login(&pool, None, "adm_561403", demo::PASSWORD).await.unwrap();
    assert!(matches!(again, masuk::Masuk::Daftarkan(_)), "staff without a factor enrol one first");
    // the CSO manages Admin Lokal only, and of its own KPPN
    assert!(matches!(
        backend::akses::pengguna::reset_faktor(&pool, &cso, "apr_kpa561403", backend::now()).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        backend::akses::pengguna::reset_faktor(&pool, &cso, "adm_527010", backend::now()).await,
        Err(Error::NotFound(_))
    ));
    let trail = backend::audit::latest(&pool, 5).await.unwrap();
    assert!(trail.iter().any(|r| r.action == "RESET_FAKTOR" && r.outcome == "BERHASIL"));
    // the command line resets anyone
    backend::akses::pengguna::reset_faktor(&pool, &Caller::command_line(), "cso_jakarta2", backend::now())
        .await
        .unwrap();
}

/// Recovery codes are kept as Argon2id with a salt each, never as a hash a stolen copy could
/// be searched against; a code issued before (SHA-256) still works, once; two parallel tries
/// of one code use it once.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn recovery_codes_are_salted_slow_hashes_and_used_once(pool: PgPool) {
    let (kpa, caller) = pejabat(&pool, "apr_kpa561403").await;
    let baru = faktor::totp_baru(&kpa.username).unwrap();
    let first = faktor::kode_totp(&baru.secret, &kpa.username, at(0)).unwrap();
    let codes = faktor::daftarkan_totp(&pool, &kunci(), &caller, &baru.secret, &first, at(0)).await.unwrap();
    let stored: Vec<(Option<Vec<u8>>, Option<String>)> =
        sqlx::query_as("SELECT hash, phc FROM kode_pemulihan WHERE user_id = $1")
            .bind(kpa.user_id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    let phcs: Vec<&String> = stored.iter().filter_map(|(h, p)| p.as_ref().filter(|_| h.is_none())).collect();
    assert_eq!(phcs.len(), 10, "no unsalted hash is kept");
    assert!(phcs.iter().all(|p| p.starts_with("$argon2id$")), "{phcs:?}");
    let salts: std::collections::HashSet<&str> = phcs.iter().map(|p| p.split('$').nth(4).unwrap()).collect();
    assert_eq!(salts.len(), 10, "a salt each");
    // one code tried twice at once: used once
    let sandi = benar(&pool, "apr_kpa561403").await;
    let tries = (0..2).map(|_| {
        let (pool, caller, kpa, code) = (pool.clone(), caller.clone(), kpa.clone(), codes[2].clone());
        tokio::spawn(async move {
            faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Pemulihan(code), at(10)).await
        })
    });
    let mut good = 0;
    for t in tries.collect::<Vec<_>>() {
        good += usize::from(t.await.unwrap().is_ok());
    }
    assert_eq!(good, 1);
    // a code issued before the change (its SHA-256) still works, once
    let legacy = "abcde-fghjk";
    let sha: Vec<u8> = {
        use sha2::Digest;
        sha2::Sha256::digest(b"abcdefghjk").to_vec()
    };
    sqlx::query("INSERT INTO kode_pemulihan (user_id, hash) VALUES ($1, $2)")
        .bind(kpa.user_id)
        .bind(sha)
        .execute(&pool)
        .await
        .unwrap();
    faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Pemulihan(legacy.into()), at(20)).await.unwrap();
    assert!(
        faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Pemulihan(legacy.into()), at(21)).await.is_err()
    );
}

/// Authenticator seeds are sealed at rest under a key the database never holds: the stored
/// row carries no seed, another user's row does not open with it, and a rotation seals every
/// seed again (the clear ones of the demo seed too) while codes keep working.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn totp_seeds_are_sealed_at_rest_and_rotate(pool: PgPool) {
    let (kpa, caller) = pejabat(&pool, "apr_kpa561403").await;
    let baru = faktor::totp_baru(&kpa.username).unwrap();
    let code = |t: i64| faktor::kode_totp(&baru.secret, &kpa.username, at(t)).unwrap();
    faktor::daftarkan_totp(&pool, &kunci(), &caller, &baru.secret, &code(0), at(0)).await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT data::text FROM faktor WHERE user_id = $1 AND jenis = 'TOTP'")
        .bind(kpa.user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!stored.contains(&baru.secret) && stored.contains("segel"), "sealed: {stored}");
    // the demo seed's clear seeds, and this one, sealed again under a new key
    let clear: i64 =
        sqlx::query_scalar("SELECT count(*) FROM faktor WHERE data ? 'secret'").fetch_one(&pool).await.unwrap();
    assert!(clear > 0, "the demo seed writes its seeds in clear");
    let baru_kunci = KunciFaktor::new([8; 32], &[[7; 32]]);
    let resealed = backend::sistem::kunci::segel_ulang(&pool, &baru_kunci).await.unwrap();
    assert_eq!(resealed, u64::try_from(clear).unwrap() + 1);
    assert_eq!(backend::sistem::kunci::segel_ulang(&pool, &baru_kunci).await.unwrap(), 0, "nothing left to do");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM faktor WHERE jenis = 'TOTP' AND NOT data ? 'segel'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "no seed in clear after a start-up");
    let sandi = benar(&pool, "apr_kpa561403").await;
    faktor::periksa(&pool, &baru_kunci, &caller, &kpa, sandi, &Bukti::Totp(code(30)), at(31)).await.unwrap();
    // without the old key, the new one alone opens everything
    let only_new = KunciFaktor::new([8; 32], &[]);
    let sandi = benar(&pool, "apr_kpa561403").await;
    faktor::periksa(&pool, &only_new, &caller, &kpa, sandi, &Bukti::Totp(code(60)), at(61)).await.unwrap();
    // and a key the server does not hold opens nothing: a refusal, not a wrong code
    let sandi = benar(&pool, "apr_kpa561403").await;
    let stranger = faktor::periksa(&pool, &kunci(), &caller, &kpa, sandi, &Bukti::Totp(code(90)), at(91)).await;
    assert!(matches!(stranger, Err(Error::Kunci(_))), "{stranger:?}");
}
