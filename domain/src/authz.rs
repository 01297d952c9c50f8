//! Which role may attempt which action. Whether the target lies in the caller's own
//! satker or KPPN is checked by the server against the data; this table is the rest.

use crate::Role;
use serde::{Deserialize, Serialize};

/// Everything a user can ask the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Read the satker's Tabel Pejabat.
    LihatPejabat,
    /// Record a new pejabat reference ("+ Rekam").
    RekamPejabat,
    /// Remove a pejabat reference ("Hapus").
    HapusPejabat,
    /// Open the CSO console of the KPPN.
    KonsolCso,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::LihatPejabat, Action::RekamPejabat, Action::HapusPejabat];

    /// The name written to the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Action::LihatPejabat => "LIHAT_PEJABAT",
            Action::RekamPejabat => "REKAM_PEJABAT",
            Action::HapusPejabat => "HAPUS_PEJABAT",
            Action::KonsolCso => "KONSOL_CSO",
        }
    }
}

/// Whether `role` may attempt `action` at all.
pub fn role_may(role: Role, action: Action) -> bool {
    match action {
        Action::LihatPejabat => role.is_satker_role(),
        Action::RekamPejabat | Action::HapusPejabat => role == Role::AdminLokal,
        Action::KonsolCso => role == Role::Cso,
    }
}

/// The message shown when a role is refused an action.
pub fn refusal_message(role: Role, action: Action) -> String {
    let what = match action {
        Action::LihatPejabat => "melihat Tabel Pejabat satker",
        Action::RekamPejabat => "merekam referensi pejabat",
        Action::HapusPejabat => "menghapus referensi pejabat",
        Action::KonsolCso => "membuka konsol CSO KPPN",
    };
    format!("Peran {} tidak berwenang {what}.", role.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_lokal_records_and_deletes() {
        for role in Role::ALL {
            let admin = role == Role::AdminLokal;
            assert_eq!(role_may(role, Action::RekamPejabat), admin, "{role:?}");
            assert_eq!(role_may(role, Action::HapusPejabat), admin, "{role:?}");
        }
    }

    #[test]
    fn every_satker_role_sees_the_table_and_the_cso_does_not() {
        for role in Role::ALL {
            assert_eq!(role_may(role, Action::LihatPejabat), role != Role::Cso);
        }
    }

    #[test]
    fn only_the_cso_opens_the_console() {
        for role in Role::ALL {
            assert_eq!(role_may(role, Action::KonsolCso), role == Role::Cso);
        }
    }

    #[test]
    fn refusal_names_the_role() {
        assert!(refusal_message(Role::Ppk, Action::HapusPejabat).contains("PPK"));
    }
}
