//! The server side of the product: use cases over PostgreSQL, each taking the caller, asking
//! the domain whether the step is allowed, persisting it and writing the audit trail in the
//! same transaction. One folder per bounded context (ARCHITECTURE.md: what each owns and
//! which may use which); the root holds only the error type, the configuration that
//! gathers every context's settings, and the clock.

pub mod akses;
pub mod aktivasi;
pub mod audit;
pub mod berikut;
pub mod config;
pub mod dokumen;
pub mod error;
pub mod jadwal;
pub mod kirim;
pub mod pantau;
pub mod provisi;
pub mod sistem;

pub use akses::{Actor, Caller, StepUp};
pub use error::Error;
pub use sqlx::PgPool;

/// Today's date in WIB on the system clock.
pub fn today_wib() -> chrono::NaiveDate {
    wib_date(now())
}

/// The WIB date of `t`: the calendar every date in the procedure is read in.
pub fn wib_date(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Jakarta).date_naive()
}

/// The start (00:00 WIB) of the WIB day that contains `t`.
pub fn wib_day_start(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let midnight = t.with_timezone(&chrono_tz::Asia::Jakarta).date_naive().and_time(chrono::NaiveTime::MIN);
    // WIB has no daylight saving, so local midnight always exists exactly once
    chrono_tz::Asia::Jakarta.from_local_datetime(&midnight).single().map_or(t, |m| m.with_timezone(&chrono::Utc))
}

/// The current time; use cases take `now` as a parameter so tests can set the clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// The clock the web layer reads `now` from: the system's, or one a test sets and moves
/// (session timeouts, step-up).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<std::sync::Arc<std::sync::Mutex<chrono::DateTime<chrono::Utc>>>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock standing at `at` until [`Clock::advance`] moves it.
    pub fn manual(at: chrono::DateTime<chrono::Utc>) -> Clock {
        Clock(Some(std::sync::Arc::new(std::sync::Mutex::new(at))))
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match &self.0 {
            None => now(),
            Some(at) => *at.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Moves a manual clock on (the system clock moves by itself).
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(at) = &self.0 {
            *at.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn the_wib_day_starts_at_17_utc_the_day_before() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
        assert_eq!(super::wib_day_start(t), chrono::Utc.with_ymd_and_hms(2026, 11, 23, 17, 0, 0).unwrap());
        let late = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap();
        assert_eq!(super::wib_day_start(late), chrono::Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap());
    }
}
