//! The limits on guessing passwords and second factors: per account (or per known device)
//! and per client address.
//!
//! Failures are counted and the count is kept across locks; only a successful login (or an
//! unlock by an administrator) clears it. After the third failure each further try waits a
//! little, from the fifth the account is locked for a while, from the fifteenth until an
//! administrator unlocks it.

use chrono::{DateTime, Duration, Utc};

/// Failed logins from one address within the window after which it must wait.
pub const ADDR_MAX_FAILED: i64 = 20;
/// The window of the per-address limit.
pub const ADDR_WINDOW_MINUTES: i64 = 15;
/// From this many consecutive failures the account stays locked until unlocked.
pub const LOCKED_FOR_GOOD: i32 = 15;

/// The consecutive failures of one account (or one known device) and when the last was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i32,
    pub last: Option<DateTime<Utc>>,
}

/// How long an account waits after `count` consecutive failures: none for the first two,
/// a delay that grows for the third and fourth, then locks of 15 minutes (5–9), an hour
/// (10–14), and `None` from 15: until an administrator unlocks it.
pub fn wait_after(count: i32) -> Option<Duration> {
    Some(match count {
        ..=2 => Duration::zero(),
        3 => Duration::seconds(30),
        4 => Duration::minutes(1),
        5..=9 => Duration::minutes(15),
        10..LOCKED_FOR_GOOD => Duration::hours(1),
        _ => return None,
    })
}

/// Why a login is refused before the password is even looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    #[error("Terlalu banyak percobaan yang salah. Tunggu {0} detik lalu coba lagi.")]
    Delay(i64),
    #[error("Akun terkunci karena {count} kali gagal masuk berturut-turut. Coba lagi dalam {minutes} menit.")]
    Account { count: i32, minutes: i64 },
    #[error(
        "Akun terkunci karena {0} kali gagal masuk berturut-turut. Minta Admin Lokal (atau CSO KPPN untuk Admin Lokal) membukanya."
    )]
    UntilUnlocked(i32),
    #[error("Terlalu banyak percobaan masuk dari alamat ini. Coba lagi dalam {ADDR_WINDOW_MINUTES} menit.")]
    Address,
}

impl Blocked {
    /// When to try again, in seconds, for an HTTP `Retry-After`; `None` until an administrator
    /// unlocks the account.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Blocked::Delay(secs) => Some(*secs),
            Blocked::Account { minutes, .. } => Some(minutes * 60),
            Blocked::UntilUnlocked(_) => None,
            Blocked::Address => Some(ADDR_WINDOW_MINUTES * 60),
        }
    }

    /// A lock (not a short delay): the user is told by SMS or email.
    pub fn is_lock(&self) -> bool {
        matches!(self, Blocked::Account { .. } | Blocked::UntilUnlocked(_))
    }
}

/// May the account (or device) with `failures` try again at `now`?
pub fn gate(failures: Failures, now: DateTime<Utc>) -> Result<(), Blocked> {
    let Some(wait) = wait_after(failures.count) else { return Err(Blocked::UntilUnlocked(failures.count)) };
    // the first failures cost nothing, even when a parallel request's clock recorded the last
    // one a moment after this request's `now`
    if wait.is_zero() {
        return Ok(());
    }
    let Some(last) = failures.last else { return Ok(()) };
    let left = last + wait - now;
    if left <= Duration::zero() {
        Ok(())
    } else if failures.count < 5 {
        Err(Blocked::Delay(left.num_seconds().max(1)))
    } else {
        Err(Blocked::Account { count: failures.count, minutes: (left.num_seconds() + 59) / 60 })
    }
}

/// The failure that makes `count` consecutive ones: the lock it starts, when it starts one
/// (the 5th, 10th and 15th do; the user is told).
pub fn lock_started(count: i32) -> bool {
    count == 5 || count == 10 || count == LOCKED_FOR_GOOD
}

/// Is the address over its limit, given its failures within the window?
pub fn address_blocked(failures_in_window: i64) -> Result<(), Blocked> {
    if failures_in_window >= ADDR_MAX_FAILED { Err(Blocked::Address) } else { Ok(()) }
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

    fn after(count: i32, secs_ago: i64) -> Result<(), Blocked> {
        gate(Failures { count, last: Some(t(0)) }, t(secs_ago))
    }

    #[test]
    fn a_failure_stamped_just_after_now_by_a_parallel_request_costs_nothing_at_first() {
        assert_eq!(gate(Failures { count: 2, last: Some(t(1)) }, t(0)), Ok(()));
        assert_eq!(gate(Failures { count: 3, last: Some(t(1)) }, t(0)), Err(Blocked::Delay(31)));
    }

    #[test]
    fn two_failures_cost_nothing_then_the_waits_grow() {
        assert_eq!(after(2, 0), Ok(()));
        assert_eq!(after(3, 0), Err(Blocked::Delay(30)));
        assert_eq!(after(3, 30), Ok(()));
        assert_eq!(after(4, 59), Err(Blocked::Delay(1)));
        assert_eq!(after(4, 60), Ok(()));
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes_ten_for_an_hour_fifteen_for_good() {
        assert_eq!(after(5, 0), Err(Blocked::Account { count: 5, minutes: 15 }));
        assert_eq!(after(9, 14 * 60 + 1), Err(Blocked::Account { count: 9, minutes: 1 }));
        assert_eq!(after(9, 15 * 60), Ok(()));
        assert_eq!(after(10, 59 * 60), Err(Blocked::Account { count: 10, minutes: 1 }));
        assert_eq!(after(14, 3600), Ok(()));
        assert_eq!(after(15, 365 * 24 * 3600), Err(Blocked::UntilUnlocked(15)));
        assert!(after(15, 0).unwrap_err().is_lock());
        assert!(!after(3, 0).unwrap_err().is_lock());
    }

    #[test]
    fn the_count_is_not_cleared_by_a_lock_passing() {
        // a lock that ended lets the next try through, and that try's failure is the 6th:
        // another 15 minutes at once, not a fresh start at zero
        assert_eq!(after(5, 15 * 60), Ok(()));
        assert!(gate(Failures { count: 6, last: Some(t(15 * 60)) }, t(15 * 60)).unwrap_err().is_lock());
        assert!(lock_started(5) && lock_started(10) && lock_started(15) && !lock_started(6));
    }

    #[test]
    fn an_address_may_fail_nineteen_times_in_the_window() {
        assert_eq!(address_blocked(19), Ok(()));
        assert_eq!(address_blocked(20), Err(Blocked::Address));
    }
}
