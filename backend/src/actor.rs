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
}

impl Caller {
    pub fn anonymous(addr: Option<String>) -> Self {
        Caller { actor: None, addr }
    }

    pub fn user(actor: Actor, addr: Option<String>) -> Self {
        Caller { actor: Some(actor), addr }
    }
}
