//! The positions (jabatan) a pejabat reference can hold, as SAKTI names them.

crate::stored_enum! {
    /// A jabatan from the SK of appointment. Only KPA, PPK and PPSPM take part in OTP. The
    /// label SAKTI shows is also the value stored in the database.
    pub enum Jabatan as label / from_label {
        Kpa = "KUASA PENGGUNA ANGGARAN",
        Ppk = "PEJABAT PEMBUAT KOMITMEN",
        PejabatSpm = "PEJABAT SPM",
        Bendahara = "BENDAHARA",
        KepalaKantor = "KEPALA KANTOR",
    }
}

impl Jabatan {
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
