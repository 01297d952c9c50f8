//! Who is calling: the logged-in user and where the request came from, and the capabilities
//! it holds. The fields are private: a caller is made only by the ways below, so no handler
//! can call itself fresh from a step-up or the command line by setting a flag.

use chrono::{DateTime, Utc};
use domain::{Role, SesiId, Unit, UserId};

/// A logged-in user as loaded from the database on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub nama: String,
    pub nip: Option<String>,
    pub role: Role,
    /// The CSO's KPPN; every other role's satker.
    pub unit: Unit,
}

/// Proof that the caller's session authenticated in full at most five minutes ago
/// (`domain::sesi::fresh`): the sensitive steps may go ahead. Issued only by the session
/// load ([`crate::akses::sesi::muat`]) when the session's last authentication is fresh; the step-up
/// dialog makes it fresh in the database, so the next load issues it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUp {
    auth_at: DateTime<Utc>,
}

impl StepUp {
    /// `Some` when `auth_at` is fresh at `now`.
    pub(crate) fn issue(auth_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<StepUp> {
        domain::sesi::fresh(auth_at, now).then_some(StepUp { auth_at })
    }

    /// When the session last authenticated in full.
    pub fn auth_at(&self) -> DateTime<Utc> {
        self.auth_at
    }
}

/// The caller of a use case: the user if logged in, and the client address for the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    actor: Option<Actor>,
    addr: Option<String>,
    /// The server binary's administrative commands, run with the database's own credentials:
    /// no user, and trusted like the database owner. Never set for a web request.
    command_line: bool,
    /// The caller's session, when it comes through one.
    sesi: Option<SesiId>,
    step_up: Option<StepUp>,
    /// For a caller not logged in: the clock's time when its request came.
    anonymous_at: Option<DateTime<Utc>>,
}

impl Caller {
    /// A caller not logged in, whose request came at `at` (the injected clock's time): its
    /// refusals are counted in that minute rather than written a line each (`audit::record`).
    pub fn anonymous(addr: Option<String>, at: DateTime<Utc>) -> Self {
        Caller { actor: None, addr, command_line: false, sesi: None, step_up: None, anonymous_at: Some(at) }
    }

    /// A login past its password, not yet past its second factor (or still enrolling its first),
    /// or one that has just finished and has no session yet: it acts as the user for the
    /// login's own steps only, and never holds a step-up.
    pub fn pending(actor: Actor, addr: Option<String>) -> Self {
        Caller { actor: Some(actor), addr, command_line: false, sesi: None, step_up: None, anonymous_at: None }
    }

    /// The user of a live session as [`crate::akses::sesi::muat`] loaded it.
    pub(crate) fn of_session(actor: Actor, addr: Option<String>, sesi: SesiId, step_up: Option<StepUp>) -> Self {
        Caller { actor: Some(actor), addr, command_line: false, sesi: Some(sesi), step_up, anonymous_at: None }
    }

    /// `server import`, `server user …`: audited with the address "cli". Only the server's
    /// command-line module makes one (`server/tests/api/capabilities.rs` reads the tree and
    /// fails on any other maker outside the tests).
    pub fn command_line() -> Self {
        Caller {
            actor: None,
            addr: Some("cli".into()),
            command_line: true,
            sesi: None,
            step_up: None,
            anonymous_at: None,
        }
    }

    /// The logged-in user, if any.
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// The client address, for the audit trail.
    pub fn addr(&self) -> Option<&str> {
        self.addr.as_deref()
    }

    /// The session the caller comes through.
    pub fn sesi(&self) -> Option<SesiId> {
        self.sesi
    }

    /// The recent-authentication proof, when the session holds one.
    pub fn step_up(&self) -> Option<&StepUp> {
        self.step_up.as_ref()
    }

    /// When the request of a caller not logged in came; `None` for a user and for the command
    /// line, whose refusals are lines of the trail.
    pub fn anonymous_at(&self) -> Option<DateTime<Utc>> {
        self.anonymous_at
    }

    /// Is this the server binary's command line?
    pub fn is_command_line(&self) -> bool {
        self.command_line
    }
}

/// A sensitive step (starting a number change, confirming one, Hapus of an `AKTIF`
/// reference, the audit export, resetting someone's password or factors): the caller's last
/// authentication must be at most five minutes old. Not a refusal for the trail: the page
/// asks for the password (and second factor) in place and then goes on.
pub fn step_up(caller: &Caller) -> crate::error::Result<()> {
    if caller.step_up().is_some() || caller.is_command_line() { Ok(()) } else { Err(crate::error::Error::StepUp) }
}
