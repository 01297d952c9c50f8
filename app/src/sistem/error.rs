//! The error every server function returns, as the browser receives it.

use domain::validate::FieldErrors;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not logged in.
    #[error("{0}")]
    Unauthenticated(String),
    /// The session ended (idle, the absolute limit, ended by the user elsewhere or an
    /// administrator): the login page says so and returns to the page after login.
    #[error("Sesi Anda telah berakhir. Silakan masuk kembali.")]
    SessionEnded,
    /// A rule refused the request (role, satker, wrong password).
    #[error("{0}")]
    Refused(String),
    /// A sensitive step needs the password (and second factor) again: the page asks for it
    /// in place and then repeats the step.
    #[error("{0}")]
    StepUp(String),
    /// Input that failed validation: one message per field.
    #[error("Periksa kembali isian yang ditandai.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    NotFound(String),
    /// The database cannot be reached right now.
    #[error("Layanan sedang gangguan. Silakan coba beberapa saat lagi.")]
    Unavailable,
    /// A fault on the server; details are in the server log only.
    #[error("Terjadi kesalahan pada server. Silakan coba lagi; bila berulang, hubungi CSO KPPN.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("Tidak dapat menghubungi server ({0}). Periksa koneksi lalu coba lagi.")]
    Transport(String),
}

impl AppError {
    /// The per-field messages, when there are any.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

/// The one map from a backend error to an HTTP status, for server functions and the file
/// routes alike. Logs the cause of a 503 or a 500 unless it was logged where it happened (a
/// failed statement, inside its use case's span: `backend::Error`).
#[cfg(feature = "ssr")]
pub fn status_of(err: &backend::Error) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    use backend::Error as E;
    match err {
        E::Unauthenticated | E::LoginFailed => StatusCode::UNAUTHORIZED,
        E::Ditahan { .. } | E::Sibuk => StatusCode::TOO_MANY_REQUESTS,
        E::StepUp => StatusCode::PRECONDITION_REQUIRED,
        E::Forbidden(_) => StatusCode::FORBIDDEN,
        E::Rule(_) => StatusCode::CONFLICT,
        E::Invalid(_) | E::Otp(_) => StatusCode::UNPROCESSABLE_ENTITY,
        E::NotFound(_) => StatusCode::NOT_FOUND,
        E::Unavailable(cause) => {
            tracing::warn!("database tidak terjangkau: {cause}");
            StatusCode::SERVICE_UNAVAILABLE
        }
        e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        E::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        e => {
            tracing::error!("internal error: {e}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// A session that could not be read or written. Sessions live in PostgreSQL, so a store
/// error is the database away (503, like any statement cut by an outage); a value that does
/// not serialize is a fault of ours (500).
#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        match e {
            tower_sessions::session::Error::Store(_) => {
                AppError::from(backend::error::session_store_away(format!("sesi tidak tersimpan: {e}")))
            }
            tower_sessions::session::Error::SerdeJson(_) => {
                tracing::error!("sesi: {e}");
                AppError::Internal
            }
        }
    }
}

/// `Retry-After` on the answer being built, when there is a time to give.
#[cfg(feature = "ssr")]
fn retry_after(secs: Option<i64>) {
    if let (Some(secs), Some(res)) = (secs, leptos::prelude::use_context::<leptos_axum::ResponseOptions>())
        && let Ok(value) = axum::http::HeaderValue::from_str(&secs.max(1).to_string())
    {
        res.insert_header(axum::http::header::RETRY_AFTER, value);
    }
}

/// Marks a server function whose session has ended: a refusal for want of a login then
/// sends the browser to the login page, which says so and returns here after it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct Berakhir(pub String);

#[cfg(feature = "ssr")]
impl From<backend::Error> for AppError {
    fn from(err: backend::Error) -> Self {
        use axum::http::StatusCode;
        use backend::Error as E;
        let status = status_of(&err);
        let app = match (status, err) {
            (StatusCode::SERVICE_UNAVAILABLE, _) => AppError::Unavailable,
            (StatusCode::INTERNAL_SERVER_ERROR, _) => AppError::Internal,
            (_, e @ E::Unauthenticated) => match leptos::prelude::use_context::<Berakhir>() {
                // the browser goes to the login page, which returns here after it
                Some(Berakhir(path)) => {
                    leptos_axum::redirect(&crate::sistem::urls::login_url(
                        (!path.is_empty()).then_some(path.as_str()),
                        true,
                    ));
                    AppError::SessionEnded
                }
                None => AppError::Unauthenticated(e.to_string()),
            },
            (_, e @ E::StepUp) => AppError::StepUp(e.to_string()),
            (_, e @ E::LoginFailed) => AppError::Refused(e.to_string()),
            (_, E::Ditahan { teks, tunggu }) => {
                retry_after(tunggu);
                AppError::Refused(teks)
            }
            (_, e @ E::Sibuk) => {
                retry_after(Some(5));
                AppError::Refused(e.to_string())
            }
            (_, E::Forbidden(m) | E::Rule(m)) => AppError::Refused(m),
            (_, E::Invalid(f)) => AppError::Invalid(f),
            (_, E::NotFound(m)) => AppError::NotFound(m),
            (_, E::Otp(r)) => AppError::Refused(r.to_string()),
            (_, _) => AppError::Internal,
        };
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
        app
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use backend::Error as E;

    /// Each refusal keeps its status and its words on the way to the browser; a fault of the
    /// server or an outage says only what the user can act on.
    #[test]
    fn a_backend_error_reaches_the_browser_with_its_status_and_words() {
        let cases: Vec<(E, StatusCode, AppError)> = vec![
            (E::LoginFailed, StatusCode::UNAUTHORIZED, AppError::Refused(E::LoginFailed.to_string())),
            (
                E::Forbidden("Bukan satker Anda.".into()),
                StatusCode::FORBIDDEN,
                AppError::Refused("Bukan satker Anda.".into()),
            ),
            (E::Rule("Sudah terjadwal.".into()), StatusCode::CONFLICT, AppError::Refused("Sudah terjadwal.".into())),
            (E::NotFound("Tidak ada.".into()), StatusCode::NOT_FOUND, AppError::NotFound("Tidak ada.".into())),
            (E::StepUp, StatusCode::PRECONDITION_REQUIRED, AppError::StepUp(E::StepUp.to_string())),
            (E::Unavailable("pool_timeout".into()), StatusCode::SERVICE_UNAVAILABLE, AppError::Unavailable),
            (E::Hash("argon2".into()), StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal),
            (
                E::Ditahan { teks: "Tunggu 20 detik.".into(), tunggu: Some(20) },
                StatusCode::TOO_MANY_REQUESTS,
                AppError::Refused("Tunggu 20 detik.".into()),
            ),
        ];
        for (err, status, app) in cases {
            let shown = format!("{err:?}");
            assert_eq!(status_of(&err), status, "{shown}");
            assert_eq!(AppError::from(err), app, "{shown}");
        }
        let said = E::Unauthenticated.to_string();
        assert_eq!(
            AppError::from(E::Unauthenticated),
            AppError::Unauthenticated(said),
            "outside a page's call (no `Berakhir`), not logged in is said as it is, not a redirect"
        );
    }
}
