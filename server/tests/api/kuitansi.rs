//! `POST /api/sms/kuitansi` through the whole stack: mounted only with a secret, no session
//! or same-origin needed (a gateway is not a browser), and the answers a gateway reads.

use crate::common::App;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use backend::aktivasi::otp::OtpKey;
use sqlx::PgPool;

const SECRET: &str = "rahasia-kuitansi-gateway-minimal-32-karakter";

fn report(id: i64, status: &str, signed_with: &str, at: i64) -> Request<Body> {
    let body = format!(r#"{{"reference":"{id}","status":"{status}"}}"#);
    let ts = at.to_string();
    let sig = backend::kirim::sms::receipt_signature(signed_with.as_bytes(), &ts, body.as_bytes());
    Request::post("/api/sms/kuitansi")
        .header("content-type", "application/json")
        .header("x-sakti-timestamp", ts)
        .header("x-sakti-signature", sig)
        .body(Body::from(body))
        .unwrap()
}

async fn sent_message(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO sms_outbox (phone, body, body_redacted, state, delivered_at) VALUES ('+6281234567890', 'x', 'x', 'TERKIRIM', now()) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn a_gateway_reports_delivery_once_and_only_with_the_secret(pool: PgPool) {
    let edge = server::Edge { receipt_secret: Some(SECRET.into()), ..Default::default() };
    let app = App::with_edge(&pool, OtpKey::new(b"k".to_vec()), edge).await;
    let id = sent_message(&pool).await;
    let now = chrono::Utc::now().timestamp();
    let (status, _, _) = app.send(report(id, "delivered", "bukan-rahasia-yang-benar-sama-sekali!!", now), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.send(report(id, "delivered", SECRET, now - 3600), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an hour-old report");
    let (status, body, _) = app.send(report(id, "delivered", SECRET, now), None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "diterima HP"));
    let (status, _, _) = app.send(report(id, "delivered", SECRET, now), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "replayed");
    let state: String =
        sqlx::query_scalar("SELECT state FROM sms_outbox WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(state, "DITERIMA");
}

#[sqlx::test(migrator = "backend::sistem::db::MIGRATOR")]
async fn without_a_secret_there_is_no_receipt_endpoint(pool: PgPool) {
    let app = App::new(&pool, OtpKey::new(b"k".to_vec())).await;
    let id = sent_message(&pool).await;
    let (status, _, _) = app.send(report(id, "delivered", SECRET, chrono::Utc::now().timestamp()), None).await;
    assert_ne!(status, StatusCode::OK);
    let state: String =
        sqlx::query_scalar("SELECT state FROM sms_outbox WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(state, "TERKIRIM");
}
