//! The status of a pejabat reference on its way to an active OTP.

crate::stored_enum! {
    /// `BARU` → `VERIFIKASI PEJABAT` → `KIRIM` → `AKTIF` (a KPA goes `BARU` → `AKTIF`). The
    /// label SAKTI shows is also the value stored in the database.
    pub enum Status as label / from_label {
        Baru = "BARU",
        VerifikasiPejabat = "VERIFIKASI PEJABAT",
        Kirim = "KIRIM",
        Aktif = "AKTIF",
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
