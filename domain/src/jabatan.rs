//! The positions (jabatan) a pejabat reference can hold, as SAKTI names them.

use serde::{Deserialize, Serialize};

/// A jabatan from the SK of appointment. Only KPA, PPK and PPSPM take part in OTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Jabatan {
    Kpa,
    Ppk,
    PejabatSpm,
    Bendahara,
    KepalaKantor,
}

impl Jabatan {
    pub const ALL: [Jabatan; 5] =
        [Jabatan::Kpa, Jabatan::Ppk, Jabatan::PejabatSpm, Jabatan::Bendahara, Jabatan::KepalaKantor];

    /// The label SAKTI shows; it is also the value stored in the database.
    pub fn label(self) -> &'static str {
        match self {
            Jabatan::Kpa => "KUASA PENGGUNA ANGGARAN",
            Jabatan::Ppk => "PEJABAT PEMBUAT KOMITMEN",
            Jabatan::PejabatSpm => "PEJABAT SPM",
            Jabatan::Bendahara => "BENDAHARA",
            Jabatan::KepalaKantor => "KEPALA KANTOR",
        }
    }

    /// The short name used in SMS texts ("Pejabat PPK").
    pub fn short(self) -> &'static str {
        match self {
            Jabatan::Kpa => "KPA",
            Jabatan::Ppk => "PPK",
            Jabatan::PejabatSpm => "PPSPM",
            Jabatan::Bendahara => "Bendahara",
            Jabatan::KepalaKantor => "Kepala Kantor",
        }
    }

    pub fn from_label(label: &str) -> Option<Jabatan> {
        Jabatan::ALL.into_iter().find(|j| j.label() == label)
    }

    /// The SAKTI username prefix the chosen user must have (seed B.1): KPA and PPSPM
    /// are approvers (`apr_`), PPK is a validator (`val_`). Other jabatan take any user.
    pub fn required_prefix(self) -> Option<&'static str> {
        match self {
            Jabatan::Kpa | Jabatan::PejabatSpm => Some("apr_"),
            Jabatan::Ppk => Some("val_"),
            Jabatan::Bendahara | Jabatan::KepalaKantor => None,
        }
    }

    /// True for the three jabatan that activate an OTP.
    pub fn takes_part_in_otp(self) -> bool {
        self.required_prefix().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_ppspm_is_pejabat_spm() {
        for j in Jabatan::ALL {
            assert_eq!(Jabatan::from_label(j.label()), Some(j));
        }
        assert_eq!(Jabatan::PejabatSpm.label(), "PEJABAT SPM");
        assert_eq!(Jabatan::from_label("PPSPM"), None);
    }

    #[test]
    fn only_kpa_ppk_ppspm_take_part_in_otp() {
        let otp: Vec<_> = Jabatan::ALL.into_iter().filter(|j| j.takes_part_in_otp()).collect();
        assert_eq!(otp, vec![Jabatan::Kpa, Jabatan::Ppk, Jabatan::PejabatSpm]);
    }
}
