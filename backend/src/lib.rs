//! The server side of the product: use cases over PostgreSQL, one module per aggregate,
//! each taking the caller, asking the domain whether the step is allowed, persisting it
//! and writing the audit trail in the same transaction.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod config;
pub mod cso;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod otp;
pub mod pejabat;
pub mod pgcluster;
pub mod sms;

pub use actor::{Actor, Caller};
pub use error::Error;
pub use sqlx::PgPool;

/// Today's date in WIB, the calendar every date in the procedure is read in.
pub fn today_wib() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive()
}

/// The current time; use cases take `now` as a parameter so tests can set the clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
