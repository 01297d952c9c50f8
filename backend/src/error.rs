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
    /// A key the process holds (`kunci`) is missing or does not open what it should.
    #[error("kunci: {0}")]
    Kunci(String),
    /// A limit on guessing holds the try back (`domain::login`): a wait, a lock, an address
    /// over its limit. Answered 429 with `Retry-After` when there is a time to give.
    #[error("{teks}")]
    Ditahan { teks: String, tunggu: Option<i64> },
    /// Too many password checks at once (`sandi::ARGON2_PARALLEL`): try again in a moment.
    #[error("Server sedang sibuk memeriksa kata sandi. Coba lagi beberapa detik lagi.")]
    Sibuk,
}

impl Error {
    /// The refusal of a try a guessing limit holds back.
    pub fn ditahan(blocked: &domain::login::Blocked) -> Error {
        Error::Ditahan { teks: blocked.to_string(), tunggu: blocked.retry_after_secs() }
    }

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
                | Error::Ditahan { .. }
                | Error::Sibuk
        )
    }

    /// True when the database could not be reached, or went away or is going away while the
    /// statement ran (as opposed to refusing a statement): the request is answered 503.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Unavailable(_) => true,
            Error::Database(e) => away(e).is_some(),
            _ => false,
        }
    }
}

/// Why the database is away, when `e` says so; `None` for an error of the statement itself.
///
/// Besides the connection failing (I/O, TLS, a pool that waited out its timeout or closed),
/// a shutdown or a terminated backend reaches a running statement as an error *from the
/// server*, before the stream ends: SQLSTATE `57P01` admin_shutdown (a fast shutdown or
/// `pg_terminate_backend`), `57P02` crash_shutdown (an immediate shutdown, or a sibling
/// backend crashed), `57P03` cannot_connect_now (starting up, shutting down, in recovery), the
/// connection exceptions of class `08`, and `53300` too_many_connections. A message cut off
/// by the closed stream surfaces as a protocol error: sqlx then drops the connection, and its
/// text names no statement of ours.
pub fn away(e: &sqlx::Error) -> Option<&'static str> {
    use sqlx::Error as S;
    match e {
        S::PoolTimedOut => Some("pool_timeout"),
        S::Io(_) | S::Tls(_) | S::PoolClosed | S::WorkerCrashed => Some("unreachable"),
        S::Protocol(_) => Some("protocol"),
        S::Database(db) => db.code().and_then(|code| away_sqlstate(&code)),
        _ => None,
    }
}

/// The session store (PostgreSQL, through tower-sessions, which hands its errors over as
/// text) could not be read or written: the database is away. Counted like a statement's.
pub fn session_store_away(what: String) -> Error {
    metrics::counter!("sakti_db_unavailable_total", "cause" => "session_store").increment(1);
    Error::Unavailable(what)
}

/// The SQLSTATEs that mean the server ended or refused the connection, not the statement.
fn away_sqlstate(code: &str) -> Option<&'static str> {
    match code {
        "57P01" | "57P02" => Some("shutdown"),
        "57P03" | "53300" => Some("unreachable"),
        c if c.starts_with("08") => Some("unreachable"),
        _ => None,
    }
}

/// A statement that failed is logged where it failed: inside the use case's span
/// (`#[tracing::instrument]` with the ids it acts on), so the line says which use case,
/// for whom and on what — not only "database: …" at the edge.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match away(&e) {
            Some(cause) => {
                metrics::counter!("sakti_db_unavailable_total", "cause" => cause).increment(1);
                tracing::warn!(error = %e, cause, "database tidak terjangkau");
            }
            None => tracing::error!(error = %e, "pernyataan SQL gagal"),
        }
        Error::Database(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_connection_that_failed_or_closed_is_the_database_away() {
        let cases: [(sqlx::Error, &str); 7] = [
            (sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused)), "unreachable"),
            (sqlx::Error::Io(io::Error::from(io::ErrorKind::UnexpectedEof)), "unreachable"),
            (sqlx::Error::Io(io::Error::from(io::ErrorKind::BrokenPipe)), "unreachable"),
            (sqlx::Error::Tls("handshake".into()), "unreachable"),
            (sqlx::Error::PoolTimedOut, "pool_timeout"),
            (sqlx::Error::PoolClosed, "unreachable"),
            (sqlx::Error::WorkerCrashed, "unreachable"),
        ];
        for (e, cause) in cases {
            assert_eq!(away(&e), Some(cause), "{e}");
            assert!(Error::Database(e).is_unavailable());
        }
    }

    #[test]
    fn a_message_cut_off_by_the_closed_stream_is_the_database_away() {
        let e = sqlx::Error::Protocol("expecting ParseComplete but received ErrorResponse".into());
        assert_eq!(away(&e), Some("protocol"));
        assert!(Error::Database(e).is_unavailable());
    }

    #[test]
    fn shutdown_and_connection_sqlstates_are_the_database_away() {
        for (code, cause) in [
            ("57P01", "shutdown"),
            ("57P02", "shutdown"),
            ("57P03", "unreachable"),
            ("53300", "unreachable"),
            ("08000", "unreachable"),
            ("08003", "unreachable"),
            ("08006", "unreachable"),
            ("08P01", "unreachable"),
        ] {
            assert_eq!(away_sqlstate(code), Some(cause), "{code}");
        }
    }

    #[test]
    fn a_statement_the_database_refused_is_not_the_database_away() {
        // unique violation, serialization failure, a cancelled statement, a syntax error,
        // a read-only transaction: the statement's own failure (500 or a rule), never 503
        for code in ["23505", "40001", "40P01", "57014", "42601", "25006", "P0001"] {
            assert_eq!(away_sqlstate(code), None, "{code}");
        }
        for e in [sqlx::Error::RowNotFound, sqlx::Error::ColumnNotFound("x".into()), sqlx::Error::BeginFailed] {
            assert_eq!(away(&e), None, "{e}");
            assert!(!Error::Database(e).is_unavailable());
        }
        assert!(!Error::Rule("x".into()).is_unavailable());
        assert!(Error::Unavailable("sesi".into()).is_unavailable());
    }
}
