//! The limits on guessing passwords: per account and per client address.

use chrono::{DateTime, Duration, Utc};

/// Consecutive wrong passwords after which an account is locked.
pub const MAX_FAILED: i32 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// Failed logins from one address within the window after which it must wait.
pub const ADDR_MAX_FAILED: i64 = 20;
/// The window of the per-address limit.
pub const ADDR_WINDOW_MINUTES: i64 = 15;

/// Why a login is refused before the password is even looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    #[error("Akun terkunci karena {MAX_FAILED} kali salah password. Coba lagi dalam {0} menit.")]
    Account(i64),
    #[error("Terlalu banyak percobaan masuk dari alamat ini. Coba lagi dalam {ADDR_WINDOW_MINUTES} menit.")]
    Address,
}

/// Is the account locked at `now`? Returns the whole minutes left (rounded up).
pub fn account_blocked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Blocked> {
    match locked_until {
        Some(until) if until > now => Err(Blocked::Account(((until - now).num_seconds() + 59) / 60)),
        _ => Ok(()),
    }
}

/// Is the address over its limit, given its failures within the window?
pub fn address_blocked(failures_in_window: i64) -> Result<(), Blocked> {
    if failures_in_window >= ADDR_MAX_FAILED { Err(Blocked::Address) } else { Ok(()) }
}

/// After a wrong password: the new count and, when it reaches the limit, the lock's end.
pub fn after_failure(failed_before: i32, now: DateTime<Utc>) -> (i32, Option<DateTime<Utc>>) {
    let failed = failed_before + 1;
    if failed >= MAX_FAILED { (0, Some(now + Duration::minutes(LOCK_MINUTES))) } else { (failed, None) }
}

pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::minutes(ADDR_WINDOW_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_fifth_wrong_password_locks_for_fifteen_minutes() {
        assert_eq!(after_failure(3, t(0)), (4, None));
        assert_eq!(after_failure(4, t(0)), (0, Some(t(15 * 60))));
    }

    #[test]
    fn a_lock_counts_down_in_whole_minutes() {
        let until = Some(t(15 * 60));
        assert_eq!(account_blocked(until, t(0)), Err(Blocked::Account(15)));
        assert_eq!(account_blocked(until, t(14 * 60 + 1)), Err(Blocked::Account(1)));
        assert_eq!(account_blocked(until, t(15 * 60)), Ok(()));
        assert_eq!(account_blocked(None, t(0)), Ok(()));
    }

    #[test]
    fn an_address_may_fail_nineteen_times_in_the_window() {
        assert_eq!(address_blocked(19), Ok(()));
        assert_eq!(address_blocked(20), Err(Blocked::Address));
    }
}
