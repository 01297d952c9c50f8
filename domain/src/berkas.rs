//! Document bundles: what an upload must be, the CSO's checklist and decision, and the
//! rows the submission page and the CSO's desk exchange with the server.

use crate::formulir::Dokumen;
use crate::{Jabatan, Status};
use serde::{Deserialize, Serialize};

/// The largest bundle accepted (seed: one scanned PDF per pejabat).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest reason for returning a bundle.
pub const MAX_ALASAN_CHARS: usize = 500;

crate::stored_enum! {
    /// What a bundle is for.
    pub enum Keperluan as code / from_code {
        /// The first activation of the pejabat's OTP.
        Aktivasi = "AKTIVASI",
        /// A change of the OTP number (with the signed Form Ubah Nomor OTP).
        UbahNomor = "UBAH_NOMOR",
    }
}

impl Keperluan {
    pub fn label(self) -> &'static str {
        match self {
            Keperluan::Aktivasi => "Aktivasi OTP",
            Keperluan::UbahNomor => "Ubah Nomor OTP",
        }
    }
}

crate::stored_enum! {
    /// Where a bundle is on its way through the desk.
    pub enum BerkasStatus as label / from_label {
        /// Uploaded, not yet sent.
        Draf = "DRAF",
        /// A draft replaced by a newer upload (kept, never shown as current).
        Diganti = "DIGANTI",
        /// Sent to the KPPN with a submission.
        Diajukan = "DIAJUKAN",
        Diterima = "DITERIMA",
        /// Returned by the CSO with a reason; the admin uploads a corrected bundle.
        Dikembalikan = "DIKEMBALIKAN",
    }
}

/// The refusal of a file over [`MAX_BYTES`], in the browser before sending and on the server.
pub const TERLALU_BESAR: &str = "Ukuran berkas melebihi 10 MB. Pindai ulang dengan resolusi lebih rendah.";

/// Whether a file of `size` bytes may be uploaded (the browser checks before sending).
pub fn size_ok(size: u64) -> bool {
    size <= MAX_BYTES as u64
}

/// Checks an uploaded file before anything is stored: a real PDF (header and end marker),
/// not empty, at most [`MAX_BYTES`], with a sensible name. Returns the name to keep.
pub fn check_upload(name: &str, bytes: &[u8]) -> Result<String, String> {
    let name = name.trim();
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base.is_empty() || base.chars().any(char::is_control) || base.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "Nama berkas tidak valid (paling banyak {MAX_NAME_CHARS} karakter, tanpa karakter kontrol)."
        ));
    }
    if !base.to_ascii_lowercase().ends_with(".pdf") {
        return Err("Hanya berkas PDF (.pdf) yang dapat diunggah.".into());
    }
    if bytes.is_empty() {
        return Err("Berkas kosong. Pilih hasil pindaian PDF yang benar.".into());
    }
    if !size_ok(bytes.len() as u64) {
        return Err(TERLALU_BESAR.into());
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !bytes.starts_with(b"%PDF-") || !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err("Isi berkas bukan PDF yang utuh. Simpan ulang hasil pindaian sebagai PDF.".into());
    }
    Ok(base.to_owned())
}

/// The CSO's checklist of one bundle, in the order of [`Dokumen::ALL`].
pub type Ceklis = [bool; 5];

/// The CSO's decision on a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Keputusan {
    Terima,
    Kembalikan { alasan: String },
}

/// Whether the decision may be taken with this checklist; returns the reason to store.
pub fn check_keputusan(ceklis: &Ceklis, keputusan: &Keputusan) -> Result<Option<String>, String> {
    match keputusan {
        Keputusan::Terima => match Dokumen::ALL.iter().zip(ceklis).find(|(_, ok)| !**ok) {
            Some((missing, _)) => Err(format!(
                "Berkas belum dapat diterima: \"{}\" belum diperiksa sesuai. Centang semua dokumen atau kembalikan berkas dengan alasannya.",
                missing.label()
            )),
            None => Ok(None),
        },
        Keputusan::Kembalikan { alasan } => {
            crate::validate::text(alasan, "Alasan pengembalian", MAX_ALASAN_CHARS).map(Some)
        }
    }
}

/// One pejabat's bundle as the satker's submission page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BerkasRow {
    pub pejabat_id: crate::PejabatId,
    pub nama: String,
    pub nip: String,
    pub jabatan: Jabatan,
    pub status_pejabat: Status,
    pub keperluan: Keperluan,
    /// The latest bundle for this purpose, if any.
    pub berkas: Option<BerkasInfo>,
}

/// A stored bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BerkasInfo {
    pub id: crate::BerkasId,
    pub nama_file: String,
    pub ukuran: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub status: BerkasStatus,
    pub diunggah_ms: i64,
    pub ceklis: Ceklis,
    pub alasan: Option<String>,
}

/// One submission on the CSO's desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskPengajuan {
    pub id: crate::PengajuanId,
    pub satker_kode: String,
    pub satker_nama: String,
    pub diajukan_ms: i64,
    pub diajukan_oleh: String,
    pub items: Vec<DeskItem>,
}

/// One bundle of a submission on the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskItem {
    pub pejabat_id: crate::PejabatId,
    pub nama: String,
    pub nip: String,
    pub jabatan: Jabatan,
    pub keperluan: Keperluan,
    pub berkas: BerkasInfo,
}

/// Lower-case hex of bytes (for checksums shown to people).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(len: usize) -> Vec<u8> {
        let mut v = b"%PDF-1.7\n".to_vec();
        v.resize(len.saturating_sub(6).max(9), b' ');
        v.extend_from_slice(b"%%EOF\n");
        v
    }

    #[test]
    fn a_real_pdf_under_the_limit_is_accepted() {
        assert_eq!(check_upload("C:\\scan\\Bundel KPA.PDF", &pdf(2000)).unwrap(), "Bundel KPA.PDF");
        assert!(check_upload("a.pdf", &pdf(MAX_BYTES)).is_ok());
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        assert!(check_upload("a.pdf", &pdf(MAX_BYTES + 1)).unwrap_err().contains("10 MB"));
        assert!(check_upload("a.pdf", b"").unwrap_err().contains("kosong"));
        assert!(check_upload("a.pdf", b"GIF89a....%%EOF").unwrap_err().contains("bukan PDF"));
        assert!(check_upload("a.pdf", b"%PDF-1.4 truncated").unwrap_err().contains("bukan PDF"));
        assert!(check_upload("a.exe", &pdf(100)).unwrap_err().contains("Hanya berkas PDF"));
        assert!(check_upload("", &pdf(100)).is_err());
        assert!(check_upload("a\u{0}.pdf", &pdf(100)).is_err());
        assert!(check_upload(&format!("{}.pdf", "x".repeat(300)), &pdf(100)).is_err());
    }

    #[test]
    fn acceptance_needs_every_item_of_the_checklist() {
        assert_eq!(check_keputusan(&[true; 5], &Keputusan::Terima), Ok(None));
        let err = check_keputusan(&[true, true, true, false, true], &Keputusan::Terima).unwrap_err();
        assert!(err.contains("KTP"), "{err}");
    }

    #[test]
    fn returning_needs_a_reason() {
        let back = |a: &str| check_keputusan(&[false; 5], &Keputusan::Kembalikan { alasan: a.into() });
        assert!(back("  ").is_err());
        assert_eq!(back(" KTP buram ").unwrap(), Some("KTP buram".into()));
        assert!(back(&"x".repeat(501)).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in BerkasStatus::ALL {
            assert_eq!(BerkasStatus::from_label(s.label()), Some(s));
        }
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
    }
}
