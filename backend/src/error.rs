//! The one error type of the server side.

use domain::validate::FieldErrors;

/// Why a use case did not happen. Messages a person reads are Indonesian.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Sesi Anda telah berakhir. Silakan masuk kembali.")]
    Unauthenticated,
    #[error("Username atau password salah.")]
    LoginFailed,
    /// A sensitive step needs an authentication of the last five minutes (`domain::sesi`).
    #[error("Langkah ini perlu konfirmasi: masukkan lagi kata sandi Anda (dan faktor kedua bila ada).")]
    StepUp,
    /// The caller may not do this (role, satker, KPPN, someone else's reference).
    #[error("{0}")]
    Forbidden(String),
    /// The caller may, but not now or not like this (status, stage, missing bundle, input).
    #[error("{0}")]
    Rule(String),
    #[error("Periksa kembali isian yang ditandai.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    NotFound(String),
    /// An OTP rule refused the request or the code.
    #[error("{0}")]
    Otp(#[from] domain::otp::OtpRefusal),
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// A stored value the code does not know (a column decoded outside a row struct).
    #[error("data tersimpan tidak dikenal: {0}")]
    Decode(#[from] domain::stored::UnknownValue),
    /// A store behind the database (the sessions) could not be read: the database is away.
    #[error("tidak terjangkau: {0}")]
    Unavailable(String),
    #[error("hash password: {0}")]
    Hash(String),
}

impl Error {
    /// True for a refusal of the request (written to the audit trail as DITOLAK), as opposed
    /// to a failure to carry it out.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Unauthenticated
                | Error::LoginFailed
                | Error::StepUp
                | Error::Forbidden(_)
                | Error::Rule(_)
                | Error::Invalid(_)
                | Error::NotFound(_)
                | Error::Otp(_)
        )
    }

    /// True when the database could not be reached (as opposed to refusing a statement).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::Unavailable(_)
                | Error::Database(
                    sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)
                )
        )
    }
}

/// A statement that failed is logged where it failed: inside the use case's span
/// (`#[tracing::instrument]` with the ids it acts on), so the line says which use case,
/// for whom and on what — not only "database: …" at the edge.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        let e = Error::Database(e);
        if e.is_unavailable() {
            // a request that waited out the pool (all connections busy) or found the database away
            let cause =
                if matches!(e, Error::Database(sqlx::Error::PoolTimedOut)) { "pool_timeout" } else { "unreachable" };
            metrics::counter!("sakti_db_unavailable_total", "cause" => cause).increment(1);
            tracing::warn!(error = %e, "database tidak terjangkau");
        } else {
            tracing::error!(error = %e, "pernyataan SQL gagal");
        }
        e
    }
}

pub type Result<T> = std::result::Result<T, Error>;
