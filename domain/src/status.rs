//! The status of a pejabat reference on its way to an active OTP.

use serde::{Deserialize, Serialize};

/// `BARU` → `VERIFIKASI PEJABAT` → `KIRIM` → `AKTIF` (a KPA goes `BARU` → `AKTIF`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Baru,
    VerifikasiPejabat,
    Kirim,
    Aktif,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Baru, Status::VerifikasiPejabat, Status::Kirim, Status::Aktif];

    /// The label SAKTI shows; it is also the value stored in the database.
    pub fn label(self) -> &'static str {
        match self {
            Status::Baru => "BARU",
            Status::VerifikasiPejabat => "VERIFIKASI PEJABAT",
            Status::Kirim => "KIRIM",
            Status::Aktif => "AKTIF",
        }
    }

    pub fn from_label(label: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.label() == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_label(s.label()), Some(s));
        }
        assert_eq!(Status::from_label("aktif"), None);
    }
}
