//! The probes and the metrics endpoint through the whole stack.

use crate::common::App;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::aktivasi::otp::OtpKey;
use backend::kirim::pekerja::Heartbeat;
use domain::otp::Purpose;
use sqlx::PgPool;
use std::time::Duration;

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn health_and_readiness_say_what_is_wrong(pool: PgPool) {
    let idle = Heartbeat::default();
    let ops = server::ops::Ops { workers: vec![("SMS", idle, Duration::from_secs(60))], metrics_token: None };
    let app = App::with_ops(&pool, OtpKey::new(b"k".to_vec()), Default::default(), backend::Clock::system(), ops).await;
    assert_eq!(app.send(get("/healthz"), None).await.0, StatusCode::OK);
    // a worker that never finished a round
    let (status, body, _) = app.send(get("/readyz"), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let reason: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(reason["reason"].as_str().unwrap().contains("pekerja SMS"), "{body}");
    // without workers to watch: ready
    let app = App::new(&pool, OtpKey::new(b"k".to_vec())).await;
    let (status, body, _) = app.send(get("/readyz"), None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"status":"ready"}"#));
    // a newer instance migrated the database past this binary
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000001, 'dari versi yang lebih baru', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (status, body, _) = app.send(get("/readyz"), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("migrasi database"), "{body}");
}

fn counter(metrics: &str, name: &str, labels: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && labels.split(',').all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn metrics_count_an_otp_pair_and_are_only_for_loopback_or_the_token(pool: PgPool) {
    let token = "token-metrik-yang-panjangnya-lebih-dari-32";
    let edge = server::Edge {
        trusted_proxies: backend::sistem::net::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Default::default()
    };
    let ops = server::ops::Ops { workers: vec![], metrics_token: Some(token.into()) };
    let app = App::with_ops(&pool, OtpKey::new(b"k".to_vec()), edge, backend::Clock::system(), ops).await;
    let (status, before, _) = app.send(get("/metrics"), None).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    // the PPK of 561403 verifies its number: one code issued, one verified
    backend::provisi::demo::seed_if_empty(&pool).await.unwrap();
    let user = |name: &'static str| {
        let pool = pool.clone();
        async move {
            let actor =
                backend::akses::masuk::login(&pool, Some("127.0.0.1".into()), name, backend::provisi::demo::PASSWORD)
                    .await
                    .unwrap()
                    .into_actor();
            backend::akses::sesi::mulai_dan_muat(&pool, &actor, Some("127.0.0.1".into()), backend::now()).await.unwrap()
        }
    };
    let (admin, ppk) = (user("adm_561403").await, user("val_ppk561403").await);
    let input = domain::validate::PejabatInput {
        nip: "133209333013111001".into(),
        nama: "PPK PSIE I".into(),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: "1975-06-01".into(),
        email: "p@kemenkeu.go.id".into(),
        no_hp: "081300000002".into(),
        alamat_domisili: "Jakarta".into(),
        alamat_ktp: "Jakarta".into(),
        nomor_sk: "KEP-1/2026".into(),
        tanggal_sk: "2026-01-05".into(),
        jabatan: "PEJABAT PEMBUAT KOMITMEN".into(),
        kppn_kode: "019".into(),
    };
    let id = backend::aktivasi::pejabat::rekam(&pool, &admin, &input, backend::now()).await.unwrap();
    let key = OtpKey::new(b"k".to_vec());
    let now = backend::now();
    backend::aktivasi::otp::request(&pool, &key, &ppk, id, Purpose::VerifikasiHp, now).await.unwrap();
    let body: String =
        sqlx::query_scalar("SELECT body FROM sms_outbox WHERE otp_code_id IS NOT NULL").fetch_one(&pool).await.unwrap();
    let end = body.find(". Kode berlaku").unwrap();
    backend::aktivasi::otp::submit(&pool, &key, &ppk, id, Purpose::VerifikasiHp, &body[end - 6..end], None, now)
        .await
        .unwrap();
    let (_, after, _) = app.send(get("/metrics"), None).await;
    for name in ["sakti_otp_issued_total", "sakti_otp_verified_total"] {
        let (was, is) =
            (counter(&before, name, "purpose=\"verifikasi_hp\""), counter(&after, name, "purpose=\"verifikasi_hp\""));
        assert!(is >= was + 1.0, "{name}: {was} → {is}");
    }
    assert!(counter(&after, "sakti_logins_total", "outcome=") >= 2.0);
    assert!(after.contains("sakti_http_requests_total{route=\"/metrics\",status=\"200\"}"), "{after}");
    assert!(after.contains("sakti_db_pool_connections") && after.contains("sakti_build_info"));
    assert!(after.contains("sakti_sms_oldest_waiting_seconds") && after.contains("sakti_db_pool_acquire_seconds"));
    // from elsewhere (a client behind the trusted proxy): only with the token
    let from_afar = || Request::get("/metrics").header("x-forwarded-for", "203.0.113.9");
    let (status, _, _) = app.send(from_afar().body(Body::empty()).unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let wrong = from_afar().header("authorization", "Bearer salah").body(Body::empty()).unwrap();
    assert_eq!(app.send(wrong, None).await.0, StatusCode::FORBIDDEN);
    let right = from_afar().header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    assert_eq!(app.send(right, None).await.0, StatusCode::OK);
}
