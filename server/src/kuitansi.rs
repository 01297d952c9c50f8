//! `POST /api/sms/kuitansi`: the SMS gateways' delivery reports, signed with the shared
//! secret (`X-Sakti-Timestamp`, `X-Sakti-Signature`; `backend::kirim::sms::kuitansi`). Mounted only
//! when `SAKTI_SMS_RECEIPT_SECRET` is set.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use backend::kirim::sms::KuitansiError;
use std::sync::Arc;

/// A report body is a few hundred bytes; anything larger is not one.
const BODY_LIMIT: usize = 8 * 1024;

pub fn routes<S: Clone + Send + Sync + 'static>(pool: backend::PgPool, secret: &[u8]) -> Router<S> {
    let secret: Arc<[u8]> = Arc::from(secret);
    Router::new().route(
        "/api/sms/kuitansi",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (pool, secret) = (pool.clone(), secret.clone());
            async move { terima(&pool, &secret, &headers, &body).await }
        })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT)),
    )
}

async fn terima(pool: &backend::PgPool, secret: &[u8], headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (timestamp, signature) = (header("x-sakti-timestamp"), header("x-sakti-signature"));
    match backend::kirim::sms::kuitansi(pool, secret, timestamp, signature, body, backend::now()).await {
        Ok(state) => (StatusCode::OK, state.label().to_string()),
        Err(e) => {
            let status = match &e {
                KuitansiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                KuitansiError::Replayed => StatusCode::CONFLICT,
                KuitansiError::BadRequest(_) => StatusCode::BAD_REQUEST,
                KuitansiError::NotFound(_) => StatusCode::NOT_FOUND,
                KuitansiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!("kuitansi SMS: {e}");
                return (status, "Terjadi kesalahan pada server.".into());
            }
            tracing::warn!("kuitansi SMS ditolak: {e}");
            (status, e.to_string())
        }
    }
}
