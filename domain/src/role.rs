//! Who a user is in the procedure, and which SAKTI username prefix that implies.

crate::stored_enum! {
    /// The role of a logged-in user. Satker roles belong to one satker, the CSO to one KPPN,
    /// Kanwil to one regional office (it watches its KPPN's progress), Pusat and the national
    /// operator to none (Pusat watches everyone's progress; the operator provisions KPPN,
    /// satkers and users and sees no pejabat data). Kanwil and Pusat change nothing.
    pub enum Role as code / from_code {
        AdminLokal = "ADMIN_LOKAL",
        Kpa = "KPA",
        Ppspm = "PPSPM",
        Ppk = "PPK",
        Cso = "CSO",
        Operator = "OPERATOR",
        Kanwil = "KANWIL",
        Pusat = "PUSAT",
    }
}

impl Role {
    /// What the interface calls this role.
    pub fn label(self) -> &'static str {
        match self {
            Role::AdminLokal => "Admin Lokal",
            Role::Kpa => "KPA",
            Role::Ppspm => "PPSPM",
            Role::Ppk => "PPK",
            Role::Cso => "CSO KPPN",
            Role::Operator => "Operator Nasional",
            Role::Kanwil => "Kanwil DJPb",
            Role::Pusat => "Kantor Pusat DJPb",
        }
    }

    /// The prefix every SAKTI username of this role starts with.
    pub fn username_prefix(self) -> &'static str {
        match self {
            Role::AdminLokal => "adm_",
            Role::Kpa | Role::Ppspm => "apr_",
            Role::Ppk => "val_",
            Role::Cso => "cso_",
            Role::Operator => "opr_",
            Role::Kanwil => "kwl_",
            Role::Pusat => "pst_",
        }
    }

    /// The staff who see other people's personal data or provision accounts: CSO, Admin
    /// Lokal, the operator, Kanwil and Pusat. They must sign in with a second factor, and
    /// their sessions end sooner when idle (`domain::sesi`).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::AdminLokal | Role::Cso | Role::Operator | Role::Kanwil | Role::Pusat)
    }

    /// True for roles that belong to a satker (not the CSO, Kanwil, Pusat or the operator).
    pub fn is_satker_role(self) -> bool {
        matches!(self, Role::AdminLokal | Role::Kpa | Role::Ppspm | Role::Ppk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("ROOT"), None);
    }

    #[test]
    fn kpa_and_ppspm_share_the_approver_prefix_and_ppk_is_validator() {
        assert_eq!(Role::Kpa.username_prefix(), "apr_");
        assert_eq!(Role::Ppspm.username_prefix(), "apr_");
        assert_eq!(Role::Ppk.username_prefix(), "val_");
        assert!(!Role::Cso.is_satker_role());
        assert!(Role::AdminLokal.is_satker_role());
    }
}
