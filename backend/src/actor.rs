//! Who is calling: the logged-in user and where the request came from.

use domain::Role;

/// A logged-in user as loaded from the database on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub nama: String,
    pub nip: Option<String>,
    pub role: Role,
    /// Set for every role but the CSO.
    pub satker_kode: Option<String>,
    /// Set for the CSO.
    pub kppn_kode: Option<String>,
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
