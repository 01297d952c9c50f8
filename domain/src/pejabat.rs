//! The pejabat reference as the table and the forms exchange it with the server.

use crate::{Jabatan, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Rows per page when the user has not chosen "Semua".
pub const DEFAULT_PER_PAGE: u32 = 10;

/// One row of the Tabel Pejabat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PejabatRow {
    pub id: crate::PejabatId,
    pub nama: String,
    pub nip: String,
    pub tanggal_lahir: NaiveDate,
    pub jabatan: Jabatan,
    pub status: Status,
    /// True when this reference belongs to the logged-in user.
    pub milik_saya: bool,
    /// The CSO has accepted this reference's activation bundle.
    pub berkas_diterima: bool,
    /// Its activation left a signed evidence record (issue 26) to download.
    pub bukti: bool,
}

impl PejabatRow {
    /// What the state machine needs to know of this row ([`crate::workflow::offers`]).
    pub fn facts(&self) -> crate::workflow::RowFacts {
        crate::workflow::RowFacts {
            jabatan: self.jabatan,
            status: self.status,
            milik_saya: self.milik_saya,
            berkas_diterima: self.berkas_diterima,
        }
    }
}

/// What the Tabel Pejabat shows: one page of rows, and the viewer's own references wherever
/// they sort (so its own row can be selected at once, and a KPA knows whether it is AKTIF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabelPejabat {
    pub halaman: Page<PejabatRow>,
    pub milik_saya: Vec<PejabatRow>,
}

impl TabelPejabat {
    /// The viewer as the state machine needs it.
    pub fn viewer(&self, role: crate::Role) -> crate::workflow::Viewer {
        let kpa_aktif = self.milik_saya.iter().any(|r| r.jabatan == Jabatan::Kpa && r.status == Status::Aktif);
        crate::workflow::Viewer { role, kpa_aktif }
    }
}

/// What the table asks for: a page (1-based) of `per_page` rows, or all rows when
/// `per_page` is `None` ("Semua"), narrowed by free text ("Tulis kriteria").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableQuery {
    pub page: u32,
    pub per_page: Option<u32>,
    pub filter: String,
}

impl Default for TableQuery {
    fn default() -> Self {
        TableQuery { page: 1, per_page: Some(DEFAULT_PER_PAGE), filter: String::new() }
    }
}

/// One page of rows and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub per_page: Option<u32>,
}

impl<T> Page<T> {
    /// The number of pages (at least 1, so an empty table still shows "1").
    pub fn page_count(&self) -> u32 {
        match self.per_page {
            Some(n) if n > 0 => (self.total.div_ceil(u64::from(n)).max(1)).min(u64::from(u32::MAX)) as u32,
            _ => 1,
        }
    }
}

/// A SAKTI user of the satker that a reference can be recorded for (the NIP/NRP choice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChoice {
    pub nip: String,
    pub username: String,
    pub nama: String,
}

/// Everything the Rekam form needs to offer its choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RekamOptions {
    pub satker_kode: String,
    pub satker_nama: String,
    pub kppn_kode: String,
    pub kppn_nama: String,
    pub users: Vec<UserChoice>,
    /// Today in WIB, so the browser validates dates as the server will.
    pub hari_ini: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(total: u64, per_page: Option<u32>) -> Page<()> {
        Page { rows: vec![], total, page: 1, per_page }
    }

    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        assert_eq!(page(0, Some(10)).page_count(), 1);
        assert_eq!(page(10, Some(10)).page_count(), 1);
        assert_eq!(page(11, Some(10)).page_count(), 2);
        assert_eq!(page(11, None).page_count(), 1);
    }
}

/// A pejabat waiting for the CSO: KPA `BARU`, PPK/PPSPM `KIRIM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleRow {
    pub id: crate::PejabatId,
    pub nama: String,
    pub nip: String,
    pub jabatan: Jabatan,
    pub status: Status,
    /// Masked: the CSO needs to recognise the number, not to read it.
    pub no_hp: String,
    /// The activation code waiting right now, if any.
    pub pending: Option<crate::otp::OtpTiming>,
    /// The SMS that carried it: number (masked), delivery state, send time.
    pub kiriman: Option<crate::sms::Kiriman>,
    /// The pejabat's session that matters now (issue 26): the one in its window, else the
    /// next; the code's session when one is pending.
    pub sesi: Option<crate::upacara::InfoSesi>,
}

/// Why a reference needs the CSO's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JenisPerhatian {
    /// Its OTP steps locked after too many wrong codes in a row: the CSO unlocks them.
    OtpTerkunci,
    /// An `AKTIF` reference the satker removed: its number no longer receives codes.
    AktifDihapus,
    /// Its pejabat reported "Bukan saya" (a code it did not ask for, a caller it does not
    /// trust): its OTP steps are locked until the CSO, having checked with it, unlocks them.
    Dilaporkan,
}

/// A reference on the CSO console's "Perlu perhatian" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perhatian {
    pub pejabat_id: crate::PejabatId,
    pub satker_kode: String,
    pub nama: String,
    pub jabatan: Jabatan,
    /// `+62 812-****-7890`.
    pub no_hp: String,
    pub jenis: JenisPerhatian,
    /// Locked at / removed at, epoch milliseconds.
    pub sejak_ms: i64,
}

/// Rows the CSO console shows at most: pending codes first, then by satker; the search box
/// finds the others. Keeps the console as fast with thousands waiting as with a few.
pub const CONSOLE_ROWS: i64 = 100;

/// The CSO console: the satkers shown and how many pejabat match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    pub satkers: Vec<ConsoleSatker>,
    /// Pejabat waiting that match the search, shown or not.
    pub waiting: i64,
}

impl Console {
    /// Rows shown (at most [`CONSOLE_ROWS`]).
    pub fn shown(&self) -> usize {
        self.satkers.iter().map(|s| s.rows.len()).sum()
    }
}

/// A satker of the CSO's KPPN with its pejabat waiting for activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSatker {
    pub kode: String,
    pub nama: String,
    pub rows: Vec<ConsoleRow>,
}
