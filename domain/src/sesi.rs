//! How long a session lives: an idle limit that activity extends and an absolute limit
//! from login that nothing extends; and how fresh the last authentication must be for
//! the sensitive clicks (step-up).

use crate::Role;
use chrono::{DateTime, Duration, Utc};

/// The limits, as configured (`SAKTI_SESSION_*`, SECURITY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Without activity, a session of a pejabat (and of the operator) ends after this.
    pub idle: Duration,
    /// The idle limit of the staff who open KTP scans and confirm number changes: CSO and
    /// Admin Lokal.
    pub staff_idle: Duration,
    /// From login, whatever the activity.
    pub absolute: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { idle: Duration::minutes(30), staff_idle: Duration::minutes(15), absolute: Duration::hours(8) }
    }
}

/// How long before the idle limit the page shows its countdown with "Lanjutkan sesi".
pub const WARNING: Duration = Duration::minutes(2);
/// How old the last authentication may be for a step-up action.
pub const STEP_UP: Duration = Duration::minutes(5);
/// A session's "last seen" is written at most this often (a write per request would be
/// wasted; the idle limit is then at most this much early, never late).
pub const TOUCH_EVERY: Duration = Duration::seconds(30);

impl Limits {
    pub fn idle_of(&self, role: Role) -> Duration {
        if role.is_staff() { self.staff_idle } else { self.idle }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// No activity within the idle limit.
    Idle,
    /// The absolute limit from login passed.
    Absolute,
}

/// A live session's clock: seconds left on each limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Left {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Left {
    /// What ends first.
    pub fn first(&self) -> Duration {
        self.idle.min(self.absolute)
    }
}

/// Is a session begun at `created`, last active at `seen`, still alive at `now`?
pub fn check(
    limits: &Limits,
    role: Role,
    created: DateTime<Utc>,
    seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Left, Ended> {
    let absolute = created + limits.absolute - now;
    let idle = seen + limits.idle_of(role) - now;
    if absolute <= Duration::zero() {
        Err(Ended::Absolute)
    } else if idle <= Duration::zero() {
        Err(Ended::Idle)
    } else {
        Ok(Left { idle, absolute })
    }
}

/// Activity at `now` moves "last seen" (when it is older than [`TOUCH_EVERY`]); the idle
/// limit can then never reach past the absolute one, which [`check`] looks at first.
pub fn touch_due(seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - seen >= TOUCH_EVERY
}

/// Was the last authentication recent enough for a step-up action?
pub fn fresh(auth_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - auth_at <= STEP_UP
}

/// The path to return to after login: a path of this app (`/…`, not `//host`), no more
/// than 300 characters; anything else is the role's home.
pub fn kembali(path: &str) -> Option<&str> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 300
        && !path.starts_with("/login")
        && !path.starts_with("/api/")
        && path.chars().all(|c| c.is_ascii_graphic());
    ok.then_some(path)
}

/// One session as "Sesi saya" lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SesiInfo {
    pub id: crate::SesiId,
    pub dibuat_ms: i64,
    pub terakhir_ms: i64,
    pub addr: Option<String>,
    /// The browser's `User-Agent`, as it sent it.
    pub browser: Option<String>,
    /// The session this list is shown in.
    pub ini: bool,
}

/// A short name of the browser and system from a `User-Agent`, for the session list.
pub fn nama_browser(user_agent: &str) -> String {
    let browser =
        [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
            .iter()
            .find(|(key, _)| user_agent.contains(key))
            .map_or("Peramban", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(key, _)| user_agent.contains(key))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} · {system}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn an_active_session_outlives_the_idle_limit_but_not_the_absolute_one() {
        let limits = Limits::default();
        // a pejabat active every 20 minutes for seven hours: still in
        assert!(check(&limits, Role::Kpa, t(0), t(7 * 60), t(7 * 60 + 20)).is_ok());
        // active a minute ago, but eight hours after login: out
        assert_eq!(check(&limits, Role::Kpa, t(0), t(479), t(480)), Err(Ended::Absolute));
    }

    #[test]
    fn an_idle_session_ends_sooner_for_staff() {
        let limits = Limits::default();
        assert_eq!(check(&limits, Role::Kpa, t(0), t(10), t(40)), Err(Ended::Idle));
        assert!(check(&limits, Role::Kpa, t(0), t(10), t(39)).is_ok());
        assert_eq!(check(&limits, Role::Cso, t(0), t(10), t(25)), Err(Ended::Idle));
        assert_eq!(check(&limits, Role::AdminLokal, t(0), t(10), t(25)), Err(Ended::Idle));
        let left = check(&limits, Role::Cso, t(0), t(10), t(24)).unwrap();
        assert_eq!(left.idle, Duration::minutes(1));
        assert_eq!(left.first(), Duration::minutes(1));
    }

    #[test]
    fn the_absolute_limit_is_what_is_left_near_the_end() {
        let left = check(&Limits::default(), Role::Kpa, t(0), t(470), t(475)).unwrap();
        assert_eq!(left.first(), Duration::minutes(5));
    }

    #[test]
    fn last_seen_is_written_at_most_every_thirty_seconds() {
        assert!(!touch_due(t(0), t(0) + Duration::seconds(29)));
        assert!(touch_due(t(0), t(0) + Duration::seconds(30)));
    }

    #[test]
    fn step_up_needs_an_authentication_of_the_last_five_minutes() {
        assert!(fresh(t(0), t(5)));
        assert!(!fresh(t(0), t(5) + Duration::seconds(1)));
    }

    #[test]
    fn a_browser_is_named_by_its_user_agent() {
        let chrome = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(nama_browser(chrome), "Chrome · Android");
        assert_eq!(nama_browser("curl/8.0"), "Peramban");
    }

    #[test]
    fn only_a_path_of_this_app_is_returned_to() {
        assert_eq!(kembali("/cso?tab=2"), Some("/cso?tab=2"));
        for bad in ["//evil.example/x", "/\\evil", "https://evil.example", "/login?x", "/api/auth_login", "/a b", ""] {
            assert_eq!(kembali(bad), None, "{bad}");
        }
    }
}
