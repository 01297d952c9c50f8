//! The change of an `AKTIF` pejabat's OTP number, as a small state machine of its own:
//! the pejabat's status stays `AKTIF` while the change runs beside it.
//!
//! `VERIFIKASI NOMOR BARU` → (PPK/PPSPM) `PERSETUJUAN KPA` → `PENGAJUAN BERKAS` →
//! `KONFIRMASI CSO` → `SELESAI`; a KPA skips its own approval. Any open change can be
//! cancelled (`BATAL`).

use crate::{Jabatan, Status};
use serde::{Deserialize, Serialize};

crate::stored_enum! {
    /// Where a number change stands (as shown and stored).
    pub enum Tahap as label / from_label {
        VerifikasiNomorBaru = "VERIFIKASI NOMOR BARU",
        PersetujuanKpa = "PERSETUJUAN KPA",
        PengajuanBerkas = "PENGAJUAN BERKAS",
        KonfirmasiCso = "KONFIRMASI CSO",
        Selesai = "SELESAI",
        Batal = "BATAL",
    }
}

impl Tahap {
    pub fn is_open(self) -> bool {
        !matches!(self, Tahap::Selesai | Tahap::Batal)
    }
}

/// A step of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Langkah {
    /// The pejabat typed the code sent to the new number.
    NomorBaruTerverifikasi,
    /// The KPA approved with its own code.
    KpaSetuju,
    /// The CSO accepted the bundle with the signed Form Ubah Nomor OTP.
    BerkasDiterima,
    /// The CSO confirmed: the new number takes effect.
    CsoKonfirmasi,
    Batal,
}

impl Langkah {
    pub const ALL: [Langkah; 5] = [
        Langkah::NomorBaruTerverifikasi,
        Langkah::KpaSetuju,
        Langkah::BerkasDiterima,
        Langkah::CsoKonfirmasi,
        Langkah::Batal,
    ];
}

/// May a change be started for a reference of `jabatan` with `status`?
pub fn may_start(jabatan: Jabatan, status: Status) -> Result<(), String> {
    if !jabatan.takes_part_in_otp() {
        return Err(format!("Jabatan {} tidak memakai OTP.", jabatan.label()));
    }
    if status != Status::Aktif {
        return Err(format!(
            "Nomor OTP hanya dapat diubah untuk pejabat berstatus AKTIF (status sekarang {}).",
            status.label()
        ));
    }
    Ok(())
}

/// The stage a change of a `jabatan` reference moves to when `langkah` happens at `tahap`.
pub fn next(jabatan: Jabatan, tahap: Tahap, langkah: Langkah) -> Result<Tahap, String> {
    let to = match (tahap, langkah) {
        (t, Langkah::Batal) if t.is_open() => Some(Tahap::Batal),
        (Tahap::VerifikasiNomorBaru, Langkah::NomorBaruTerverifikasi) if jabatan == Jabatan::Kpa => {
            Some(Tahap::PengajuanBerkas)
        }
        (Tahap::VerifikasiNomorBaru, Langkah::NomorBaruTerverifikasi) => Some(Tahap::PersetujuanKpa),
        (Tahap::PersetujuanKpa, Langkah::KpaSetuju) if jabatan != Jabatan::Kpa => Some(Tahap::PengajuanBerkas),
        (Tahap::PengajuanBerkas, Langkah::BerkasDiterima) => Some(Tahap::KonfirmasiCso),
        (Tahap::KonfirmasiCso, Langkah::CsoKonfirmasi) => Some(Tahap::Selesai),
        _ => None,
    };
    to.ok_or_else(|| format!("Perubahan nomor sedang pada tahap {}; langkah ini tidak dapat dilakukan.", tahap.label()))
}

/// How long after a change was asked for the CSO may confirm it (`SAKTI_NOMOR_WAIT`), so
/// the old number's owner, told at each stage, has time to stop it.
pub const DEFAULT_WAIT: chrono::Duration = chrono::Duration::hours(24);

/// May the CSO confirm a change asked for at `diajukan_at` now? Before the waiting period
/// only when it records that the old phone is lost, with a reason.
pub fn may_confirm(
    diajukan_at: chrono::DateTime<chrono::Utc>,
    wait: chrono::Duration,
    hp_lama_hilang: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, String> {
    let reason = hp_lama_hilang.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason {
        return crate::validate::text(r, "Alasan HP lama hilang", 300).map(Some);
    }
    let ready = diajukan_at + wait;
    if now < ready {
        let hours = ((ready - now).num_seconds() + 3599) / 3600;
        return Err(format!(
            "Masa tunggu perubahan nomor belum selesai (sekitar {hours} jam lagi), agar pemilik nomor lama sempat membatalkannya. Bila HP lama hilang, catat alasannya untuk mengonfirmasi sekarang."
        ));
    }
    Ok(None)
}

/// A reference of the caller's own whose number it may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NomorMilik {
    pub pejabat_id: crate::PejabatId,
    pub nama: String,
    pub jabatan: Jabatan,
}

/// What the number-change section of `/berkas` shows: the caller's own references it may
/// change the number of, and the satker's open changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaftarUbahNomor {
    pub milik: Vec<NomorMilik>,
    pub berjalan: Vec<UbahNomorRow>,
}

/// One change as the table and the desk show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UbahNomorRow {
    pub id: crate::UbahNomorId,
    pub pejabat_id: crate::PejabatId,
    pub nama: String,
    pub jabatan: Jabatan,
    pub satker_kode: String,
    /// Masked.
    pub no_hp_lama: String,
    /// Masked.
    pub no_hp_baru: String,
    pub tahap: Tahap,
    pub diajukan_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every jabatan × stage × step, against the only moves allowed.
    #[test]
    fn only_the_listed_moves_are_allowed() {
        use Langkah as L;
        use Tahap as T;
        let mut checked = 0;
        for j in [Jabatan::Kpa, Jabatan::Ppk, Jabatan::PejabatSpm] {
            for t in Tahap::ALL {
                for l in Langkah::ALL {
                    let expected = match (t, l) {
                        (t, L::Batal) if t.is_open() => Some(T::Batal),
                        (T::VerifikasiNomorBaru, L::NomorBaruTerverifikasi) if j == Jabatan::Kpa => {
                            Some(T::PengajuanBerkas)
                        }
                        (T::VerifikasiNomorBaru, L::NomorBaruTerverifikasi) => Some(T::PersetujuanKpa),
                        (T::PersetujuanKpa, L::KpaSetuju) if j != Jabatan::Kpa => Some(T::PengajuanBerkas),
                        (T::PengajuanBerkas, L::BerkasDiterima) => Some(T::KonfirmasiCso),
                        (T::KonfirmasiCso, L::CsoKonfirmasi) => Some(T::Selesai),
                        _ => None,
                    };
                    assert_eq!(next(j, t, l).ok(), expected, "{j:?} {t:?} {l:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * 6 * 5);
        // the path of a PPK, end to end
        let mut t = T::VerifikasiNomorBaru;
        for l in [L::NomorBaruTerverifikasi, L::KpaSetuju, L::BerkasDiterima, L::CsoKonfirmasi] {
            t = next(Jabatan::Ppk, t, l).unwrap();
        }
        assert_eq!(t, T::Selesai);
    }

    #[test]
    fn only_active_otp_pejabat_change_numbers() {
        assert!(may_start(Jabatan::Ppk, Status::Aktif).is_ok());
        assert!(may_start(Jabatan::Ppk, Status::Kirim).unwrap_err().contains("AKTIF"));
        assert!(may_start(Jabatan::Bendahara, Status::Aktif).is_err());
    }

    #[test]
    fn labels_round_trip() {
        for t in Tahap::ALL {
            assert_eq!(Tahap::from_label(t.label()), Some(t));
        }
    }

    #[test]
    fn the_cso_waits_unless_the_old_phone_is_lost() {
        use chrono::TimeZone;
        let asked = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
        let day = chrono::Duration::hours(24);
        let early = asked + chrono::Duration::hours(23);
        assert!(may_confirm(asked, day, None, early).unwrap_err().contains("sekitar 1 jam"));
        assert!(may_confirm(asked, day, Some("  "), early).is_err());
        assert_eq!(may_confirm(asked, day, Some("HP hilang dicuri"), early), Ok(Some("HP hilang dicuri".into())));
        assert_eq!(may_confirm(asked, day, None, asked + day), Ok(None));
    }
}
