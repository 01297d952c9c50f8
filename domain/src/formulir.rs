//! The forms Admin Lokal downloads ("Unduh"), the documents that go with them, and the
//! checklist the CSO KPPN works through for each pejabat's bundle.

use serde::{Deserialize, Serialize};

crate::stored_enum! {
    /// The three forms of the "Unduh" choice; the code is the name in URLs, file names and
    /// the database.
    pub enum Jenis as code / from_code {
        InformasiPejabat = "informasi-pejabat",
        AktivasiOtp = "aktivasi-otp",
        UbahNomorOtp = "ubah-nomor-otp",
    }
}

impl Jenis {
    /// As the choice is labelled in SAKTI.
    pub fn label(self) -> &'static str {
        match self {
            Jenis::InformasiPejabat => "Form Informasi Pejabat",
            Jenis::AktivasiOtp => "Form Aktivasi OTP",
            Jenis::UbahNomorOtp => "Form Ubah Nomor OTP",
        }
    }

    /// The title printed at the top of the form.
    pub fn judul(self) -> &'static str {
        match self {
            Jenis::InformasiPejabat => "FORMULIR INFORMASI PEJABAT",
            Jenis::AktivasiOtp => "FORMULIR PENGAKTIFAN PENGGUNA DAN OTP SAKTI",
            Jenis::UbahNomorOtp => "FORMULIR PERUBAHAN NOMOR HANDPHONE OTP SAKTI",
        }
    }
}

/// One item the CSO checks in a pejabat's bundle (seed B.2 point 7, with the form itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dokumen {
    Formulir,
    SkPejabatPerbendaharaan,
    SkUserSakti,
    Ktp,
    Spesimen,
}

impl Dokumen {
    pub const ALL: [Dokumen; 5] =
        [Dokumen::Formulir, Dokumen::SkPejabatPerbendaharaan, Dokumen::SkUserSakti, Dokumen::Ktp, Dokumen::Spesimen];

    pub fn label(self) -> &'static str {
        match self {
            Dokumen::Formulir => "Formulir yang telah ditandatangani",
            Dokumen::SkPejabatPerbendaharaan => "Fotokopi SK Penetapan Pejabat Perbendaharaan",
            Dokumen::SkUserSakti => "Fotokopi SK Penetapan User SAKTI",
            Dokumen::Ktp => "Fotokopi KTP Pejabat",
            Dokumen::Spesimen => "Asli Spesimen Tanda Tangan KPA, PPK, PPSPM dan Stempel Satker",
        }
    }

    /// The column of the checklist in the database.
    pub fn code(self) -> &'static str {
        match self {
            Dokumen::Formulir => "formulir",
            Dokumen::SkPejabatPerbendaharaan => "sk_pejabat",
            Dokumen::SkUserSakti => "sk_user",
            Dokumen::Ktp => "ktp",
            Dokumen::Spesimen => "spesimen",
        }
    }
}

/// The attachments printed on the form: every document after the form itself.
pub fn lampiran() -> impl Iterator<Item = &'static str> {
    Dokumen::ALL.into_iter().skip(1).map(Dokumen::label)
}

/// A printed form looked up by its verification code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cek {
    pub kode: String,
    pub jenis: Jenis,
    pub dicetak_ms: i64,
    /// (label, printed, on record now)
    pub baris: Vec<(String, String, String)>,
    /// Set when the reference the form was printed for has been deleted ("Hapus").
    pub dihapus: Option<Penghapusan>,
}

/// When and by whom a reference was deleted, as the audit trail tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Penghapusan {
    pub at_ms: i64,
    /// `username (role)` of who pressed Hapus.
    pub oleh: String,
}

impl Cek {
    /// True when every printed value still matches a reference that still exists: the form
    /// of a deleted reference never matches, whatever it prints.
    pub fn sesuai(&self) -> bool {
        self.dihapus.is_none() && self.baris.iter().all(|(_, a, b)| a == b)
    }

    /// The verdict as the CSO reads it.
    pub fn putusan(&self) -> String {
        match &self.dihapus {
            Some(h) => format!(
                "TIDAK SESUAI: referensi pejabat ini telah dihapus pada {} WIB oleh {}",
                crate::format::wib_ms(h.at_ms),
                h.oleh
            ),
            None if self.sesuai() => "SESUAI dengan data saat ini".into(),
            None => "TIDAK SESUAI dengan data saat ini".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_codes_round_trip_and_labels_match_the_seed_choice() {
        for j in Jenis::ALL {
            assert_eq!(Jenis::from_code(j.code()), Some(j));
        }
        let labels: Vec<_> = Jenis::ALL.iter().map(|j| j.label()).collect();
        assert_eq!(labels, ["Form Informasi Pejabat", "Form Aktivasi OTP", "Form Ubah Nomor OTP"]);
    }

    #[test]
    fn a_form_of_a_deleted_reference_never_matches() {
        let mut c = Cek {
            kode: "K7M2-QX9P".into(),
            jenis: Jenis::AktivasiOtp,
            dicetak_ms: 0,
            baris: vec![("Nama".into(), "BUDI".into(), "BUDI".into())],
            dihapus: None,
        };
        assert!(c.sesuai());
        assert_eq!(c.putusan(), "SESUAI dengan data saat ini");
        c.dihapus = Some(Penghapusan { at_ms: 1_611_539_990_000, oleh: "adm_561403 (Admin Lokal)".into() });
        assert!(!c.sesuai());
        assert_eq!(
            c.putusan(),
            "TIDAK SESUAI: referensi pejabat ini telah dihapus pada 2021-01-25 08:59:50 WIB oleh adm_561403 (Admin Lokal)"
        );
    }

    #[test]
    fn the_form_lists_the_four_attachments_of_the_seed() {
        let l: Vec<_> = lampiran().collect();
        assert_eq!(l.len(), 4);
        assert!(l[0].contains("SK Penetapan Pejabat Perbendaharaan"));
        assert!(l[3].contains("Spesimen"));
    }
}
