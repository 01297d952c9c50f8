//! The HTTP SMS gateway against a local HTTP server: what it sends, and that a failing
//! gateway is retried until the message is delivered, exactly once.

use crate::common::UNREACHABLE_PORT;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use backend::kirim::sms::{self, HttpGateway, Relay};
use chrono::{Duration, Utc};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    failures_left: usize,
    requests: Vec<(Option<String>, serde_json::Value)>,
}

async fn gateway(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let mut seen = seen.lock().unwrap();
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    seen.requests.push((auth, body));
    if seen.failures_left > 0 {
        seen.failures_left -= 1;
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::ACCEPTED
    }
}

async fn local_gateway(failures: usize) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen { failures_left: failures, requests: vec![] }));
    let app = axum::Router::new().route("/sms", post(gateway)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_gateway_receives_the_message_as_json_with_the_token(pool: PgPool) {
    let (url, seen) = local_gateway(0).await;
    let gw = Relay::one("gw", HttpGateway::new(url, Some("rahasia-token".into()), None).unwrap());
    sms::enqueue(&pool, "+6281234567890", "Yth. PPK PSIE I, \"uji\"", "Yth. PPK PSIE I, \"uji\"", backend::now())
        .await
        .unwrap();
    assert_eq!(sms::deliver_due(&pool, &gw, Utc::now(), 10).await.unwrap(), 1);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.requests.len(), 1);
    let (auth, body) = &seen.requests[0];
    assert_eq!(auth.as_deref(), Some("Bearer rahasia-token"));
    assert_eq!(body["to"], "+6281234567890");
    assert_eq!(body["message"], "Yth. PPK PSIE I, \"uji\"");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_failing_gateway_gets_the_message_once_it_recovers(pool: PgPool) {
    let (url, seen) = local_gateway(3).await;
    let gw = Relay::one(
        "gw",
        HttpGateway::new(url, None, Some(r#"{"msisdn":"{{to}}","text":"{{message}}"}"#.into())).unwrap(),
    );
    sms::enqueue(&pool, "+6281234567890", "pesan", "pesan", backend::now()).await.unwrap();
    let mut now = Utc::now();
    let mut delivered = 0;
    for _ in 0..8 {
        delivered += sms::deliver_due(&pool, &gw, now, 10).await.unwrap();
        now += Duration::seconds(30);
    }
    assert_eq!(delivered, 1);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.requests.len(), 4, "three failures, then one success, then nothing more");
        assert_eq!(seen.requests[3].1["msisdn"], "+6281234567890");
    }
    let (attempts, delivered_at): (i32, Option<chrono::DateTime<Utc>>) =
        sqlx::query_as("SELECT attempts, delivered_at FROM sms_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, 4);
    assert!(delivered_at.is_some());
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn an_unreachable_gateway_keeps_the_message_for_later(pool: PgPool) {
    // a port nothing listens on: a fixed low one (a port taken from the OS and let go could be
    // handed at once to a gateway another test starts, which then answers)
    let gw =
        Relay::one("gw", HttpGateway::new(format!("http://127.0.0.1:{UNREACHABLE_PORT}/sms"), None, None).unwrap());
    sms::enqueue(&pool, "+6281234567890", "pesan", "pesan", backend::now()).await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &gw, Utc::now(), 10).await.unwrap(), 0);
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM sms_outbox WHERE delivered_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("tidak terjangkau"));
}

/// A rush of messages is delivered back to back, not one batch per pause: with an hour's
/// pause between idle rounds, 75 queued messages (four batches) all arrive.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn the_worker_drains_a_backlog_without_pausing(pool: PgPool) {
    let (url, seen) = local_gateway(0).await;
    let gw = Relay::one("gw", HttpGateway::new(url, None, None).unwrap());
    for i in 0..75 {
        let text = format!("pesan {i}");
        sms::enqueue(&pool, "+6281234567890", &text, &text, backend::now()).await.unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let beat = backend::kirim::pekerja::Heartbeat::default();
    assert_eq!(beat.last(), None);
    let worker = tokio::spawn(sms::run_worker(
        pool.clone(),
        gw,
        std::time::Duration::from_secs(3600),
        async move {
            let _ = stopped.await;
        },
        beat.clone(),
    ));
    for _ in 0..600 {
        if seen.lock().unwrap().requests.len() >= 75 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    worker.await.unwrap();
    assert_eq!(seen.lock().unwrap().requests.len(), 75, "the backlog waited for the next round");
    assert!(beat.last().is_some(), "each round beats the heartbeat /readyz reads");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE delivered_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// A gateway that answers only after `delay`.
async fn slow_gateway(delay: std::time::Duration) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = axum::Router::new()
        .route(
            "/sms",
            post(move |State(seen): State<Arc<Mutex<Seen>>>, Json(body): Json<serde_json::Value>| async move {
                seen.lock().unwrap().requests.push((None, body));
                tokio::time::sleep(delay).await;
                StatusCode::ACCEPTED
            }),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn states(pool: &PgPool) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT state, gateway FROM sms_outbox ORDER BY id").fetch_all(pool).await.unwrap()
}

/// Gateways in order: one answering 503 and one too slow are passed over for the next;
/// a failed one is skipped for 30 seconds, then tried again.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_failing_or_slow_gateway_fails_over_and_is_skipped_for_thirty_seconds(pool: PgPool) {
    let (down, down_seen) = local_gateway(usize::MAX).await;
    let (slow, slow_seen) = slow_gateway(std::time::Duration::from_secs(5)).await;
    let (up, up_seen) = local_gateway(0).await;
    let timeout = std::time::Duration::from_millis(300);
    let relay = Relay::new(vec![
        ("down".into(), HttpGateway::new(down, None, None).unwrap()),
        ("slow".into(), HttpGateway::new(slow, None, None).unwrap().with_timeout(timeout).unwrap()),
        ("up".into(), HttpGateway::new(up, None, None).unwrap()),
    ]);
    sms::enqueue(&pool, "+6281234567890", "satu", "satu", backend::now()).await.unwrap();
    let now = Utc::now() + Duration::seconds(1);
    assert_eq!(sms::deliver_due(&pool, &relay, now, 10).await.unwrap(), 1);
    assert_eq!(states(&pool).await, vec![("TERKIRIM".into(), Some("up".into()))]);
    // within 30 s the two failing ones are not asked
    sms::enqueue(&pool, "+6281234567890", "dua", "dua", backend::now()).await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &relay, now + Duration::seconds(29), 10).await.unwrap(), 1);
    assert_eq!((down_seen.lock().unwrap().requests.len(), slow_seen.lock().unwrap().requests.len()), (1, 1));
    // after 30 s they are tried again (and fail again)
    sms::enqueue(&pool, "+6281234567890", "tiga", "tiga", backend::now()).await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &relay, now + Duration::seconds(31), 10).await.unwrap(), 1);
    assert_eq!((down_seen.lock().unwrap().requests.len(), slow_seen.lock().unwrap().requests.len()), (2, 2));
    assert_eq!(up_seen.lock().unwrap().requests.len(), 3);
}

/// With every gateway failing, a notice is tried until the cap and then marked gagal,
/// its text redacted; nothing is tried while every gateway is skipped.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn attempts_are_capped_when_every_gateway_fails(pool: PgPool) {
    let (down, seen) = local_gateway(usize::MAX).await;
    let relay = Relay::one("down", HttpGateway::new(down, None, None).unwrap());
    sms::enqueue(&pool, "+6281234567890", "pemberitahuan", "pemberitahuan (disamarkan)", backend::now()).await.unwrap();
    let mut now = Utc::now();
    for _ in 0..60 {
        sms::deliver_due(&pool, &relay, now, 10).await.unwrap();
        now += Duration::seconds(20);
    }
    assert_eq!(seen.lock().unwrap().requests.len(), sms::MAX_ATTEMPTS as usize);
    let (state, attempts, body): (String, i32, String) =
        sqlx::query_as("SELECT state, attempts, body FROM sms_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), attempts, body.as_str()), ("GAGAL", sms::MAX_ATTEMPTS, "pemberitahuan (disamarkan)"));
}

const SECRET: &[u8] = b"rahasia-kuitansi-gateway-32-karakter!!";

/// Delivery reports: a signed one moves a sent message to "diterima HP"; a forged, stale or
/// replayed one changes nothing.
#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn receipts_are_signed_fresh_and_applied_once(pool: PgPool) {
    use backend::kirim::sms::KuitansiError;
    let (up, _) = local_gateway(0).await;
    let relay = Relay::one("up", HttpGateway::new(up, None, None).unwrap());
    sms::enqueue(&pool, "+6281234567890", "pesan", "pesan", backend::now()).await.unwrap();
    let now = Utc::now() + Duration::seconds(1);
    sms::deliver_due(&pool, &relay, now, 10).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM sms_outbox").fetch_one(&pool).await.unwrap();
    let body = format!(r#"{{"reference":"{id}","status":"DELIVERED"}}"#);
    let ts = now.timestamp().to_string();
    let sig = sms::receipt_signature(SECRET, &ts, body.as_bytes());
    // forged: another secret, or the body changed after signing
    let forged = sms::receipt_signature(b"bukan-rahasianya", &ts, body.as_bytes());
    let r = sms::kuitansi(&pool, SECRET, &ts, &forged, body.as_bytes(), now).await;
    assert!(matches!(r, Err(KuitansiError::Unauthorized(_))), "{r:?}");
    let tampered = body.replace("DELIVERED", "FAILED");
    let r = sms::kuitansi(&pool, SECRET, &ts, &sig, tampered.as_bytes(), now).await;
    assert!(matches!(r, Err(KuitansiError::Unauthorized(_))), "{r:?}");
    // stale: signed ten minutes ago
    let old_ts = (now.timestamp() - 600).to_string();
    let old_sig = sms::receipt_signature(SECRET, &old_ts, body.as_bytes());
    let r = sms::kuitansi(&pool, SECRET, &old_ts, &old_sig, body.as_bytes(), now).await;
    assert!(matches!(r, Err(KuitansiError::Unauthorized(_))), "{r:?}");
    assert_eq!(states(&pool).await[0].0, "TERKIRIM");
    // good, then the very same report again
    let r = sms::kuitansi(&pool, SECRET, &ts, &format!("sha256={sig}"), body.as_bytes(), now).await;
    assert_eq!(r, Ok(domain::sms::StatusKirim::Diterima));
    assert_eq!(sms::kuitansi(&pool, SECRET, &ts, &sig, body.as_bytes(), now).await, Err(KuitansiError::Replayed));
    assert_eq!(states(&pool).await[0].0, "DITERIMA");
    // a report for no message
    let none = r#"{"reference":999999,"status":"delivered"}"#;
    let sig = sms::receipt_signature(SECRET, &ts, none.as_bytes());
    assert_eq!(
        sms::kuitansi(&pool, SECRET, &ts, &sig, none.as_bytes(), now).await,
        Err(KuitansiError::NotFound(999999))
    );
}
