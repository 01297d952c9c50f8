//! Who is calling: the logged-in user and where the request came from.

use domain::{Role, Unit, UserId};

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

/// The caller of a use case: the user if logged in, and the client address for the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Option<Actor>,
    pub addr: Option<String>,
    /// The server binary's administrative commands, run with the database's own credentials:
    /// no user, and trusted like the database owner. Never set for a web request.
    pub command_line: bool,
    /// The caller's session, when it comes through one.
    pub sesi: Option<domain::SesiId>,
    /// The session's last full authentication is at most five minutes old (`domain::sesi`):
    /// the sensitive steps may go ahead. Always true on the command line.
    pub step_up: bool,
}

impl Caller {
    pub fn anonymous(addr: Option<String>) -> Self {
        Caller { actor: None, addr, command_line: false, sesi: None, step_up: false }
    }

    /// A user who has just authenticated (fresh for the step-up checks).
    pub fn user(actor: Actor, addr: Option<String>) -> Self {
        Caller { actor: Some(actor), addr, command_line: false, sesi: None, step_up: true }
    }

    /// A login past its password, not yet past its second factor (or still enrolling its first):
    /// it acts as the user for the second step only, and never holds a step-up.
    pub fn pending(actor: Actor, addr: Option<String>) -> Self {
        Caller { actor: Some(actor), addr, command_line: false, sesi: None, step_up: false }
    }

    /// `server import`, `server user …`: audited with the address "cli".
    pub fn command_line() -> Self {
        Caller { actor: None, addr: Some("cli".into()), command_line: true, sesi: None, step_up: true }
    }
}
