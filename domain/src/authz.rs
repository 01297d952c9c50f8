//! Which role may attempt which action. Whether the target lies in the caller's own
//! satker or KPPN is checked by the server against the data; this table is the rest.

use crate::Role;
use crate::audit::Aksi;
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
    /// Download a form PDF ("Unduh").
    UnduhFormulir,
    /// See the satker's bundles, submissions and sessions.
    LihatBerkas,
    /// Upload a pejabat's bundle and send the satker's submission.
    UnggahBerkas,
    /// Read a stored bundle (the satker's own, or one submitted to the CSO's KPPN).
    BukaBerkas,
    /// Work the CSO desk: submissions, checklist, accept/return, form check, number confirmation.
    MejaCso,
    /// Schedule sessions and record their attendance and outcome.
    JadwalCso,
    /// Start and verify a change of one's own OTP number.
    UbahNomor,
    /// Approve a PPK's/PPSPM's number change (KPA).
    SetujuUbahNomor,
    /// Cancel a number change in progress: the pejabat concerned, its KPA or the satker's
    /// Admin Lokal (a write: never under a read action).
    BatalUbahNomor,
    /// Read the audit trail of one's satker (Admin Lokal) or KPPN (CSO).
    LihatAudit,
    /// Import KPPN, satkers and users from CSV (the national operator).
    Impor,
    /// Issue a set-password link: Admin Lokal for its satker's users, the CSO for the Admin
    /// Lokal of its KPPN's satkers, the operator for anyone.
    TautanSandi,
    /// Unlock a reference's OTP steps locked after too many wrong codes (the CSO of its KPPN).
    BukaKunciOtp,
    /// Watch the roll-out's progress (`/pantau`): the CSO its KPPN, Kanwil its region, Pusat
    /// everything, down to one satker's pejabat.
    Pantau,
    /// Book, move or cancel the satker's activation appointments (Admin Lokal).
    PesanJadwal,
    /// Report "Bukan saya" on one's own reference: a code one did not ask for, a caller one
    /// does not trust (the pejabat).
    LaporBukanSaya,
    /// Download the signed evidence record of an activation: the satker's Admin Lokal, its
    /// KPPN's CSO, its region's Kanwil, Pusat.
    UnduhBukti,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::LihatPejabat,
        Action::RekamPejabat,
        Action::HapusPejabat,
        Action::KonsolCso,
        Action::UnduhFormulir,
        Action::LihatBerkas,
        Action::UnggahBerkas,
        Action::BukaBerkas,
        Action::MejaCso,
        Action::JadwalCso,
        Action::UbahNomor,
        Action::SetujuUbahNomor,
        Action::BatalUbahNomor,
        Action::LihatAudit,
        Action::Impor,
        Action::TautanSandi,
        Action::BukaKunciOtp,
        Action::Pantau,
        Action::PesanJadwal,
        Action::LaporBukanSaya,
        Action::UnduhBukti,
    ];

    /// The name written to the audit trail (`audit::Aksi`).
    pub fn code(self) -> &'static str {
        Aksi::from(self).code()
    }
}

/// Whether `role` may attempt `action` at all.
pub fn role_may(role: Role, action: Action) -> bool {
    match action {
        Action::LihatPejabat | Action::LihatBerkas => role.is_satker_role(),
        Action::RekamPejabat
        | Action::HapusPejabat
        | Action::UnduhFormulir
        | Action::UnggahBerkas
        | Action::PesanJadwal => role == Role::AdminLokal,
        Action::KonsolCso | Action::MejaCso | Action::JadwalCso | Action::BukaKunciOtp => role == Role::Cso,
        Action::BukaBerkas | Action::LihatAudit => role == Role::AdminLokal || role == Role::Cso,
        Action::UbahNomor | Action::LaporBukanSaya => matches!(role, Role::Kpa | Role::Ppk | Role::Ppspm),
        Action::SetujuUbahNomor => role == Role::Kpa,
        Action::BatalUbahNomor => matches!(role, Role::AdminLokal | Role::Kpa | Role::Ppk | Role::Ppspm),
        Action::Impor => role == Role::Operator,
        Action::TautanSandi => matches!(role, Role::AdminLokal | Role::Cso | Role::Operator),
        Action::Pantau => matches!(role, Role::Cso | Role::Kanwil | Role::Pusat),
        Action::UnduhBukti => matches!(role, Role::AdminLokal | Role::Cso | Role::Kanwil | Role::Pusat),
    }
}

/// The message shown when a role is refused an action.
pub fn refusal_message(role: Role, action: Action) -> String {
    let what = match action {
        Action::LihatPejabat => "melihat Tabel Pejabat satker",
        Action::RekamPejabat => "merekam referensi pejabat",
        Action::HapusPejabat => "menghapus referensi pejabat",
        Action::KonsolCso => "membuka konsol CSO KPPN",
        Action::UnduhFormulir => "mengunduh formulir",
        Action::LihatBerkas => "melihat berkas dan jadwal satker",
        Action::UnggahBerkas => "mengunggah atau mengajukan berkas",
        Action::BukaBerkas => "membuka berkas pejabat",
        Action::MejaCso => "memeriksa berkas di meja CSO KPPN",
        Action::JadwalCso => "mengatur jadwal sesi aktivasi",
        Action::UbahNomor => "mengubah nomor OTP",
        Action::SetujuUbahNomor => "menyetujui perubahan nomor OTP",
        Action::BatalUbahNomor => "membatalkan perubahan nomor OTP",
        Action::LihatAudit => "melihat jejak audit",
        Action::Impor => "mengimpor data KPPN, satker dan pengguna",
        Action::TautanSandi => "membuat tautan kata sandi pengguna",
        Action::BukaKunciOtp => "membuka kunci langkah OTP pejabat",
        Action::Pantau => "melihat papan pemantauan aktivasi",
        Action::PesanJadwal => "memesan jadwal sesi aktivasi",
        Action::LaporBukanSaya => "melaporkan \"Bukan saya\"",
        Action::UnduhBukti => "mengunduh bukti aktivasi",
    };
    format!("Peran {} tidak berwenang {what}.", role.label())
}

impl From<Action> for Aksi {
    /// A refusal by role is recorded under the action that was attempted.
    fn from(action: Action) -> Aksi {
        use Action as A;
        match action {
            A::LihatPejabat => Aksi::LihatPejabat,
            A::RekamPejabat => Aksi::RekamPejabat,
            A::HapusPejabat => Aksi::HapusPejabat,
            A::KonsolCso => Aksi::KonsolCso,
            A::UnduhFormulir => Aksi::UnduhFormulir,
            A::LihatBerkas => Aksi::LihatBerkas,
            A::UnggahBerkas => Aksi::UnggahBerkas,
            A::BukaBerkas => Aksi::BukaBerkas,
            A::MejaCso => Aksi::MejaCso,
            A::JadwalCso => Aksi::JadwalCso,
            A::UbahNomor => Aksi::UbahNomor,
            A::SetujuUbahNomor => Aksi::SetujuUbahNomor,
            A::BatalUbahNomor => Aksi::BatalUbahNomor,
            A::LihatAudit => Aksi::LihatAudit,
            A::Impor => Aksi::ImporPengguna,
            A::TautanSandi => Aksi::ResetSandi,
            A::BukaKunciOtp => Aksi::BukaKunciOtp,
            A::Pantau => Aksi::LihatPantau,
            A::PesanJadwal => Aksi::PesanJadwal,
            A::LaporBukanSaya => Aksi::LaporBukanSaya,
            A::UnduhBukti => Aksi::UnduhBukti,
        }
    }
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
    fn only_satker_roles_see_the_table() {
        for role in Role::ALL {
            assert_eq!(role_may(role, Action::LihatPejabat), role.is_satker_role(), "{role:?}");
        }
        assert!(!role_may(Role::Cso, Action::LihatPejabat) && !role_may(Role::Operator, Action::LihatPejabat));
    }

    #[test]
    fn the_operator_imports_and_sees_no_pejabat_data() {
        for action in Action::ALL {
            let expected = matches!(action, Action::Impor | Action::TautanSandi);
            assert_eq!(role_may(Role::Operator, action), expected, "{action:?}");
        }
        for role in Role::ALL {
            assert_eq!(role_may(role, Action::Impor), role == Role::Operator, "{role:?}");
        }
    }

    #[test]
    fn only_the_cso_opens_the_console() {
        for role in Role::ALL {
            assert_eq!(role_may(role, Action::KonsolCso), role == Role::Cso);
        }
    }

    #[test]
    fn kanwil_and_pusat_only_watch() {
        // the board, and the evidence records of the activations they oversee
        let reads = [Action::Pantau, Action::UnduhBukti];
        for role in [Role::Kanwil, Role::Pusat] {
            for action in Action::ALL {
                assert_eq!(role_may(role, action), reads.contains(&action), "{role:?} {action:?}");
            }
        }
        assert!(role_may(Role::Cso, Action::Pantau));
        assert!(!role_may(Role::AdminLokal, Action::Pantau) && !role_may(Role::Operator, Action::Pantau));
    }

    #[test]
    fn refusal_names_the_role() {
        assert!(refusal_message(Role::Ppk, Action::HapusPejabat).contains("PPK"));
    }
}
