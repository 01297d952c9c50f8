//! Provisioning lists: the CSV files a national roll-out imports (regional offices, KPPN,
//! satkers, users),
//! their columns, and the check of one row. Reading the file and storing it is the backend's
//! (`backend::provisi::impor`); what makes a row right is decided here.

use crate::Role;
use crate::validate;
use serde::{Deserialize, Serialize};

crate::stored_enum! {
    /// Which list a file is.
    pub enum Daftar as code / from_code {
        Kanwil = "kanwil",
        Kppn = "kppn",
        Satker = "satker",
        Pengguna = "users",
    }
}

impl Daftar {
    /// The header the file must start with, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Daftar::Kanwil => &["kode", "nama"],
            Daftar::Kppn => &["kode", "nama", "telepon", "email", "kanwil"],
            Daftar::Satker => &["kode", "nama", "kppn"],
            Daftar::Pengguna => &["username", "nama", "peran", "unit", "nip", "no_hp", "email"],
        }
    }

    /// The column counts a file may have: the required ones, then whole optional groups (a
    /// KPPN file of `kode,nama` keeps the recorded telephone, service mailbox and region; one
    /// with `telepon,email` keeps the region).
    pub fn widths(self) -> &'static [usize] {
        match self {
            Daftar::Kppn => &[2, 4, 5],
            Daftar::Kanwil => &[2],
            Daftar::Satker => &[3],
            Daftar::Pengguna => &[7],
        }
    }

    /// The columns a file must have at least.
    pub fn required(self) -> usize {
        self.widths()[0]
    }

    /// What a person calls the list.
    pub fn label(self) -> &'static str {
        match self {
            Daftar::Kanwil => "Kanwil",
            Daftar::Kppn => "KPPN",
            Daftar::Satker => "satker",
            Daftar::Pengguna => "pengguna",
        }
    }
}

/// One KPPN of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KppnBaris {
    pub kode: String,
    pub nama: String,
    /// `None`: the file has no such column (what is recorded stays); `Some("")` clears it.
    pub telepon: Option<String>,
    /// The KPPN's service mailbox: submissions are announced there.
    pub email: Option<String>,
    /// Its regional office's code (2 digits).
    pub kanwil: Option<String>,
}

/// One regional office (Kanwil DJPb) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KanwilBaris {
    pub kode: String,
    pub nama: String,
}

/// One satker of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatkerBaris {
    pub kode: String,
    pub nama: String,
    pub kppn: String,
}

/// One user of the file: the unit is the satker's code, the KPPN's for a CSO, the regional
/// office's for Kanwil, empty for the operator and Pusat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenggunaBaris {
    pub username: String,
    pub nama: String,
    pub peran: Role,
    pub unit: String,
    pub nip: Option<String>,
    pub no_hp: Option<String>,
    pub email: Option<String>,
}

fn kode(raw: &str, digits: usize, what: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(format!("kode {what} harus {digits} angka (bukan {s:?})"))
    }
}

fn optional(raw: &str, check: impl Fn(&str) -> Result<String, String>) -> Result<Option<String>, String> {
    if raw.trim().is_empty() { Ok(None) } else { check(raw).map(Some) }
}

/// A regional office row: `kode` 2 digits, `nama`.
pub fn kanwil(fields: &[&str]) -> Result<KanwilBaris, String> {
    Ok(KanwilBaris { kode: kode(fields[0], 2, "Kanwil")?, nama: validate::text(fields[1], "Nama Kanwil", 100)? })
}

/// A KPPN row: `kode` 3 digits, `nama`, optionally `telepon` (3–40 characters), `email` (its
/// service mailbox) and `kanwil` (its regional office, 2 digits), each may be empty.
pub fn kppn(fields: &[&str]) -> Result<KppnBaris, String> {
    let telepon = fields.get(2).map(|t| t.trim().to_owned());
    if telepon.as_ref().is_some_and(|t| !t.is_empty() && !(3..=40).contains(&t.chars().count())) {
        return Err("Telepon KPPN 3–40 karakter.".into());
    }
    let email = fields.get(3).map(|e| e.trim().to_owned());
    if email.as_ref().is_some_and(|e| !e.is_empty() && !crate::surel::alamat_sah(e)) {
        return Err(format!("Email KPPN tidak sah: {}", email.as_deref().unwrap_or_default()));
    }
    let kanwil = match fields.get(4).map(|k| k.trim()) {
        Some("") => Some(String::new()),
        Some(k) => Some(kode(k, 2, "Kanwil")?),
        None => None,
    };
    Ok(KppnBaris {
        kode: kode(fields[0], 3, "KPPN")?,
        nama: validate::text(fields[1], "Nama KPPN", 100)?,
        telepon,
        email,
        kanwil,
    })
}

/// A satker row: `kode` 6 digits, `nama`, `kppn` 3 digits.
pub fn satker(fields: &[&str]) -> Result<SatkerBaris, String> {
    Ok(SatkerBaris {
        kode: kode(fields[0], 6, "satker")?,
        nama: validate::text(fields[1], "Nama satker", 200)?,
        kppn: kode(fields[2], 3, "KPPN")?,
    })
}

/// A user row: the username's prefix follows the role (`apr_` KPA/PPSPM, `val_` PPK, `adm_`
/// Admin Lokal, `cso_` CSO, `opr_` operator, `kwl_` Kanwil, `pst_` Pusat), the unit fits the
/// role, phone and email (both optional) are well-formed.
pub fn pengguna(fields: &[&str]) -> Result<PenggunaBaris, String> {
    let peran_text = fields[2].trim().to_ascii_uppercase();
    let peran = Role::from_code(&peran_text).ok_or_else(|| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("peran {:?} tidak dikenal (pilih {})", fields[2].trim(), known.join(", "))
    })?;
    let username = fields[0].trim().to_ascii_lowercase();
    let prefix = peran.username_prefix();
    let rest = username
        .strip_prefix(prefix)
        .ok_or_else(|| format!("username {username:?} harus berawalan \"{prefix}\" untuk peran {}", peran.code()))?;
    if rest.is_empty()
        || rest.len() > 60
        || !rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.".contains(&b))
    {
        return Err(format!("username {username:?}: sesudah \"{prefix}\" 1–60 huruf kecil, angka, _ atau ."));
    }
    let unit = match peran {
        Role::Operator | Role::Pusat if fields[3].trim().is_empty() => String::new(),
        Role::Operator | Role::Pusat => {
            return Err(format!("{} tidak terdaftar pada unit (kosongkan kolom unit)", peran.label()));
        }
        Role::Cso => kode(fields[3], 3, "KPPN")?,
        Role::Kanwil => kode(fields[3], 2, "Kanwil")?,
        _ => kode(fields[3], 6, "satker")?,
    };
    Ok(PenggunaBaris {
        username,
        nama: validate::text(fields[1], "Nama", 100)?,
        peran,
        unit,
        nip: optional(fields[4], validate::nip)?,
        no_hp: optional(fields[5], validate::phone)?,
        email: optional(fields[6], validate::email)?,
    })
}

/// A row that cannot be imported, by its line in the file (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarisSalah {
    pub baris: u64,
    pub alasan: String,
}

/// The outcome of an import, applied or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Laporan {
    /// Data rows read.
    pub baris: usize,
    pub dibuat: usize,
    pub diubah: usize,
    pub tetap: usize,
    /// Bad rows (the first 200) and how many there are.
    pub salah: Vec<BarisSalah>,
    pub jumlah_salah: usize,
    /// Users of the file's units that the file does not list (the first 200), and how many.
    pub hilang: Vec<String>,
    pub jumlah_hilang: usize,
    /// Of those, deactivated (only with `deactivate_missing`).
    pub dinonaktifkan: usize,
    /// True when the rows are stored (not a dry run, no bad row).
    pub diterapkan: bool,
}

impl std::fmt::Display for Laporan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.salah {
            writeln!(f, "baris {}: {}", e.baris, e.alasan)?;
        }
        if self.jumlah_salah > self.salah.len() {
            writeln!(f, "… dan {} baris salah lainnya", self.jumlah_salah - self.salah.len())?;
        }
        if self.jumlah_salah > 0 && self.baris == 0 {
            return write!(f, "Berkas tidak dapat dibaca: tidak ada yang disimpan.");
        }
        if self.jumlah_salah > 0 {
            return write!(f, "{} baris salah dari {}: tidak ada yang disimpan.", self.jumlah_salah, self.baris);
        }
        if self.jumlah_hilang > 0 {
            let verb = if self.dinonaktifkan > 0 {
                "dinonaktifkan"
            } else {
                "tidak ada di berkas (tetap aktif; nonaktifkan dengan --deactivate-missing atau pilihan di halaman impor)"
            };
            writeln!(f, "{} pengguna {verb}: {}", self.jumlah_hilang, self.hilang.join(", "))?;
        }
        let how = if self.diterapkan { "disimpan" } else { "uji coba, tidak disimpan" };
        write!(f, "{} baris: {} baru, {} diubah, {} tetap ({how}).", self.baris, self.dibuat, self.diubah, self.tetap)
    }
}

/// An import checked on the operator's page: the file as uploaded and its dry run's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draf {
    pub id: crate::DrafId,
    pub daftar: Daftar,
    pub nama_file: String,
    pub deactivate_missing: bool,
    pub laporan: Laporan,
    /// When it was applied, as `epoch ms`; `None` while it waits for confirmation.
    pub diterapkan_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rows_are_normalised() {
        assert_eq!(kppn(&["019", " KPPN  Jakarta VI "]).unwrap().nama, "KPPN Jakarta VI");
        assert_eq!(satker(&["527010", "Satker", "019"]).unwrap().kppn, "019");
        let u = pengguna(&["APR_Budi527010", "Budi", "kpa", "527010", "", "0812 3456 7890", "budi@kemenkeu.go.id"])
            .unwrap();
        assert_eq!(
            (u.username.as_str(), u.peran, u.no_hp.as_deref()),
            ("apr_budi527010", Role::Kpa, Some("+6281234567890"))
        );
        let cso = pengguna(&["cso_ani", "Ani", "CSO", "019", "", "", ""]).unwrap();
        assert_eq!((cso.unit.as_str(), cso.email), ("019", None));
        assert_eq!(pengguna(&["opr_pusat", "Pusat", "OPERATOR", "", "", "", ""]).unwrap().unit, "");
        let kwl = pengguna(&["kwl_dki", "Kanwil DKI", "kanwil", "09", "", "", ""]).unwrap();
        assert_eq!((kwl.peran, kwl.unit.as_str()), (Role::Kanwil, "09"));
        assert_eq!(pengguna(&["pst_djpb", "Pusat", "PUSAT", "", "", "", ""]).unwrap().unit, "");
        assert_eq!(kanwil(&["09", "Kanwil DJPb DKI Jakarta"]).unwrap().kode, "09");
        assert_eq!(kppn(&["019", "KPPN", "", "", "09"]).unwrap().kanwil.as_deref(), Some("09"));
        assert_eq!(kppn(&["019", "KPPN", "", "", ""]).unwrap().kanwil.as_deref(), Some(""), "clears it");
        assert_eq!(kppn(&["019", "KPPN"]).unwrap().kanwil, None, "keeps what is recorded");
    }

    #[test]
    fn each_bad_row_says_why() {
        let cases: &[(&[&str], &str)] = &[
            (&["19", "x"], "3 angka"),
            (&["52701", "x", "019"], "6 angka"),
            (&["527010", "", "019"], "wajib"),
            (&["val_budi", "Budi", "KPA", "527010", "", "", ""], "apr_"),
            (&["apr_budi", "Budi", "PPK", "527010", "", "", ""], "val_"),
            (&["apr_Bu di", "Budi", "KPA", "527010", "", "", ""], "huruf kecil"),
            (&["adm_x", "X", "ROOT", "527010", "", "", ""], "tidak dikenal"),
            (&["cso_x", "X", "CSO", "527010", "", "", ""], "3 angka"),
            (&["adm_x", "X", "ADMIN_LOKAL", "527010", "", "12345", ""], "seluler"),
            (&["adm_x", "X", "ADMIN_LOKAL", "527010", "", "", "bukan-email"], "email"),
            (&["adm_x", "X", "ADMIN_LOKAL", "527010", "1234", "", ""], "18 angka"),
            (&["opr_x", "X", "OPERATOR", "527010", "", "", ""], "unit"),
            (&["pst_x", "X", "PUSAT", "09", "", "", ""], "unit"),
            (&["kwl_x", "X", "KANWIL", "019", "", "", ""], "2 angka"),
            (&["cso_x", "X", "KANWIL", "09", "", "", ""], "kwl_"),
        ];
        for (fields, why) in cases {
            let err = match fields.len() {
                2 => kppn(fields).map(|_| ()),
                3 => satker(fields).map(|_| ()),
                _ => pengguna(fields).map(|_| ()),
            }
            .unwrap_err();
            assert!(err.contains(why), "{fields:?}: {err}");
        }
    }
}
