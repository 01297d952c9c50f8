//! The HTTP SMS gateway against a local HTTP server: what it sends, and that a failing
//! gateway is retried until the message is delivered, exactly once.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use backend::sms::{self, HttpGateway};
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

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_gateway_receives_the_message_as_json_with_the_token(pool: PgPool) {
    let (url, seen) = local_gateway(0).await;
    let gw = HttpGateway::new(url, Some("rahasia-token".into()), None).unwrap();
    sms::enqueue(&pool, "+6281234567890", "Yth. PPK PSIE I, \"uji\"", "Yth. PPK PSIE I, \"uji\"").await.unwrap();
    assert_eq!(sms::deliver_due(&pool, &gw, Utc::now(), 10).await.unwrap(), 1);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.requests.len(), 1);
    let (auth, body) = &seen.requests[0];
    assert_eq!(auth.as_deref(), Some("Bearer rahasia-token"));
    assert_eq!(body["to"], "+6281234567890");
    assert_eq!(body["message"], "Yth. PPK PSIE I, \"uji\"");
}

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn a_failing_gateway_gets_the_message_once_it_recovers(pool: PgPool) {
    let (url, seen) = local_gateway(3).await;
    let gw = HttpGateway::new(url, None, Some(r#"{"msisdn":"{{to}}","text":"{{message}}"}"#.into())).unwrap();
    sms::enqueue(&pool, "+6281234567890", "pesan", "pesan").await.unwrap();
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

#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn an_unreachable_gateway_keeps_the_message_for_later(pool: PgPool) {
    // a port nothing listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gw = HttpGateway::new(format!("http://127.0.0.1:{port}/sms"), None, None).unwrap();
    sms::enqueue(&pool, "+6281234567890", "pesan", "pesan").await.unwrap();
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
#[sqlx::test(migrator = "backend::db::MIGRATOR")]
async fn the_worker_drains_a_backlog_without_pausing(pool: PgPool) {
    let (url, seen) = local_gateway(0).await;
    let gw = HttpGateway::new(url, None, None).unwrap();
    for i in 0..75 {
        let text = format!("pesan {i}");
        sms::enqueue(&pool, "+6281234567890", &text, &text).await.unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(sms::run_worker(pool.clone(), gw, std::time::Duration::from_secs(3600), async move {
        let _ = stopped.await;
    }));
    for _ in 0..600 {
        if seen.lock().unwrap().requests.len() >= 75 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    worker.await.unwrap();
    assert_eq!(seen.lock().unwrap().requests.len(), 75, "the backlog waited for the next round");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_outbox WHERE delivered_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
