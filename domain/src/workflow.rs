//! The state machine of a pejabat reference: the only place that decides which status
//! move a step makes, for which jabatan, from which status.
//!
//! `BARU → VERIFIKASI PEJABAT → KIRIM → AKTIF` for PPK and PPSPM, `BARU → AKTIF` for a KPA.

use crate::{Jabatan, Status};
use serde::{Deserialize, Serialize};

/// A step of the seed's procedure that moves a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// Seed step 3: PPK/PPSPM verify their phone number.
    VerifikasiHp,
    /// Seed step 5: the KPA sends ("Kirim Data") its PPK/PPSPM to the KPPN.
    KirimData,
    /// Seed steps 4 and 6: the CSO enters the activation code.
    Aktivasi,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::VerifikasiHp, Step::KirimData, Step::Aktivasi];
}

/// Why a step is not possible for a reference now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Jabatan {0} tidak mengikuti aktivasi OTP.")]
    NotOtpJabatan(&'static str),
    #[error("Langkah ini tidak berlaku untuk jabatan {0}.")]
    NotForJabatan(&'static str),
    #[error("Status pejabat {current}; langkah ini memerlukan status {required}.")]
    WrongStatus { current: &'static str, required: &'static str },
}

/// The status a reference of `jabatan` moves to when `step` succeeds from `current`.
pub fn next(jabatan: Jabatan, current: Status, step: Step) -> Result<Status, Refusal> {
    if !jabatan.takes_part_in_otp() {
        return Err(Refusal::NotOtpJabatan(jabatan.label()));
    }
    let is_kpa = jabatan == Jabatan::Kpa;
    let (required, to) = match step {
        Step::VerifikasiHp | Step::KirimData if is_kpa => return Err(Refusal::NotForJabatan(jabatan.label())),
        Step::VerifikasiHp => (Status::Baru, Status::VerifikasiPejabat),
        Step::KirimData => (Status::VerifikasiPejabat, Status::Kirim),
        Step::Aktivasi if is_kpa => (Status::Baru, Status::Aktif),
        Step::Aktivasi => (Status::Kirim, Status::Aktif),
    };
    if current == required {
        Ok(to)
    } else {
        Err(Refusal::WrongStatus { current: current.label(), required: required.label() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table: every jabatan × status × step, and the only moves allowed.
    #[test]
    fn only_the_seed_moves_are_allowed() {
        use Jabatan as J;
        use Status as S;
        use Step as T;
        let allowed = [
            (J::Kpa, S::Baru, T::Aktivasi, S::Aktif),
            (J::Ppk, S::Baru, T::VerifikasiHp, S::VerifikasiPejabat),
            (J::Ppk, S::VerifikasiPejabat, T::KirimData, S::Kirim),
            (J::Ppk, S::Kirim, T::Aktivasi, S::Aktif),
            (J::PejabatSpm, S::Baru, T::VerifikasiHp, S::VerifikasiPejabat),
            (J::PejabatSpm, S::VerifikasiPejabat, T::KirimData, S::Kirim),
            (J::PejabatSpm, S::Kirim, T::Aktivasi, S::Aktif),
        ];
        let mut checked = 0;
        for j in Jabatan::ALL {
            for s in Status::ALL {
                for t in Step::ALL {
                    let expected = allowed.iter().find(|(aj, a_s, at, _)| (*aj, *a_s, *at) == (j, s, t)).map(|a| a.3);
                    assert_eq!(next(j, s, t).ok(), expected, "{j:?} {s:?} {t:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 4 * 3);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            next(Jabatan::Ppk, Status::Baru, Step::Aktivasi).unwrap_err().to_string(),
            "Status pejabat BARU; langkah ini memerlukan status KIRIM."
        );
        assert!(matches!(next(Jabatan::Kpa, Status::Baru, Step::KirimData), Err(Refusal::NotForJabatan(_))));
        assert!(matches!(next(Jabatan::Bendahara, Status::Baru, Step::Aktivasi), Err(Refusal::NotOtpJabatan(_))));
    }
}
