//! The state machine of a pejabat reference: the only place that decides which status
//! move a step makes, for which jabatan, from which status.
//!
//! `BARU → VERIFIKASI PEJABAT → KIRIM → AKTIF` for PPK and PPSPM, `BARU → AKTIF` for a KPA.

use crate::{Jabatan, Role, Status};
use serde::{Deserialize, Serialize};

/// A step of the seed's procedure that moves a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Langkah {
    /// Seed step 3: PPK/PPSPM verify their phone number.
    VerifikasiHp,
    /// Seed step 5: the KPA sends ("Kirim Data") its PPK/PPSPM to the KPPN.
    KirimData,
    /// Seed steps 4 and 6: the CSO enters the activation code.
    Aktivasi,
}

impl Langkah {
    pub const ALL: [Langkah; 3] = [Langkah::VerifikasiHp, Langkah::KirimData, Langkah::Aktivasi];
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
pub fn next(jabatan: Jabatan, current: Status, step: Langkah) -> Result<Status, Refusal> {
    if !jabatan.takes_part_in_otp() {
        return Err(Refusal::NotOtpJabatan(jabatan.label()));
    }
    let is_kpa = jabatan == Jabatan::Kpa;
    let (required, to) = match step {
        Langkah::VerifikasiHp | Langkah::KirimData if is_kpa => return Err(Refusal::NotForJabatan(jabatan.label())),
        Langkah::VerifikasiHp => (Status::Baru, Status::VerifikasiPejabat),
        Langkah::KirimData => (Status::VerifikasiPejabat, Status::Kirim),
        Langkah::Aktivasi if is_kpa => (Status::Baru, Status::Aktif),
        Langkah::Aktivasi => (Status::Kirim, Status::Aktif),
    };
    if current == required {
        Ok(to)
    } else {
        Err(Refusal::WrongStatus { current: current.label(), required: required.label() })
    }
}

/// Why Kirim Data waits: the KPA sends its PPK/PPSPM only once its own OTP is active.
pub const KPA_BELUM_AKTIF: &str = "OTP KPA belum aktif. Aktifkan OTP KPA bersama CSO KPPN sebelum Kirim Data.";
/// Why Request OTP (activation) waits: the CSO accepts the bundle first (seed part B).
pub const BERKAS_BELUM_DITERIMA: &str =
    "Berkas aktivasi pejabat ini belum diterima CSO KPPN. Unggah dan ajukan berkasnya terlebih dahulu.";

/// What the viewer of the Tabel Pejabat is, as far as the steps are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub role: Role,
    /// The viewer's own KPA reference is `AKTIF` (only a KPA has one).
    pub kpa_aktif: bool,
}

/// What the table knows about a row, as far as the steps are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowFacts {
    pub jabatan: Jabatan,
    pub status: Status,
    /// The reference is the viewer's own.
    pub milik_saya: bool,
    /// The CSO has accepted the reference's activation bundle.
    pub berkas_diterima: bool,
}

/// A step the viewer may start on a row: offered as a button, disabled with `blocked` as
/// the reason when a condition outside the status is not met yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub step: Langkah,
    pub blocked: Option<&'static str>,
}

/// The steps `viewer` may start on `row` now, in the seed's order. Derived from [`next`], so
/// a button appears only for a move the state machine allows; the server decides again.
pub fn offers(viewer: Viewer, row: RowFacts) -> Vec<Offer> {
    let allowed = |step| next(row.jabatan, row.status, step).is_ok();
    let mut out = Vec::new();
    if row.milik_saya && allowed(Langkah::VerifikasiHp) {
        out.push(Offer { step: Langkah::VerifikasiHp, blocked: None });
    }
    if viewer.role == Role::Kpa && allowed(Langkah::KirimData) {
        let blocked = (!viewer.kpa_aktif).then_some(KPA_BELUM_AKTIF);
        out.push(Offer { step: Langkah::KirimData, blocked });
    }
    if row.milik_saya && allowed(Langkah::Aktivasi) {
        let blocked = (!row.berkas_diterima).then_some(BERKAS_BELUM_DITERIMA);
        out.push(Offer { step: Langkah::Aktivasi, blocked });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(jabatan: Jabatan, status: Status, milik_saya: bool) -> RowFacts {
        RowFacts { jabatan, status, milik_saya, berkas_diterima: true }
    }

    #[test]
    fn a_kpa_not_yet_aktif_sees_kirim_data_disabled_with_the_reason() {
        let kpa = Viewer { role: Role::Kpa, kpa_aktif: false };
        let ppk = facts(Jabatan::Ppk, Status::VerifikasiPejabat, false);
        assert_eq!(offers(kpa, ppk), [Offer { step: Langkah::KirimData, blocked: Some(KPA_BELUM_AKTIF) }]);
        let aktif = Viewer { kpa_aktif: true, ..kpa };
        assert_eq!(offers(aktif, ppk), [Offer { step: Langkah::KirimData, blocked: None }]);
    }

    #[test]
    fn request_otp_waits_for_the_accepted_bundle() {
        let kpa = Viewer { role: Role::Kpa, kpa_aktif: false };
        let own = RowFacts { berkas_diterima: false, ..facts(Jabatan::Kpa, Status::Baru, true) };
        assert_eq!(offers(kpa, own), [Offer { step: Langkah::Aktivasi, blocked: Some(BERKAS_BELUM_DITERIMA) }]);
        let own = facts(Jabatan::Kpa, Status::Baru, true);
        assert_eq!(offers(kpa, own), [Offer { step: Langkah::Aktivasi, blocked: None }]);
    }

    /// Every role × jabatan × status × ownership: a button only where [`next`] allows its
    /// step, only on one's own row (Kirim Data: only for the KPA), and never for the Admin
    /// Lokal or the CSO on another's row.
    #[test]
    fn buttons_follow_the_state_machine_and_the_role() {
        for role in Role::ALL {
            for jabatan in Jabatan::ALL {
                for status in Status::ALL {
                    for milik_saya in [false, true] {
                        let got = offers(Viewer { role, kpa_aktif: true }, facts(jabatan, status, milik_saya));
                        for o in &got {
                            assert!(next(jabatan, status, o.step).is_ok(), "{role:?} {jabatan:?} {status:?} {o:?}");
                            assert_eq!(o.blocked, None);
                            match o.step {
                                Langkah::KirimData => assert_eq!(role, Role::Kpa),
                                Langkah::VerifikasiHp | Langkah::Aktivasi => assert!(milik_saya),
                            }
                        }
                        if matches!(role, Role::AdminLokal | Role::Cso) && !milik_saya {
                            assert!(got.is_empty());
                        }
                    }
                }
            }
        }
    }

    /// The whole table: every jabatan × status × step, and the only moves allowed.
    #[test]
    fn only_the_seed_moves_are_allowed() {
        use Jabatan as J;
        use Langkah as T;
        use Status as S;
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
                for t in Langkah::ALL {
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
            next(Jabatan::Ppk, Status::Baru, Langkah::Aktivasi).unwrap_err().to_string(),
            "Status pejabat BARU; langkah ini memerlukan status KIRIM."
        );
        assert!(matches!(next(Jabatan::Kpa, Status::Baru, Langkah::KirimData), Err(Refusal::NotForJabatan(_))));
        assert!(matches!(next(Jabatan::Bendahara, Status::Baru, Langkah::Aktivasi), Err(Refusal::NotOtpJabatan(_))));
    }
}
