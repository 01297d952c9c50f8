//! The audit page: what the Admin Lokal (its satker) and the CSO (its KPPN) may search
//! for in the trail, and the rows they get back; also the CSV export's escaping.

use serde::{Deserialize, Serialize};

crate::stored_enum! {
    /// Every action the audit trail records, as stored in `audit_log.action`: the one
    /// vocabulary of the trail (the audit page's filter lists it).
    pub enum Aksi as code / from_code {
        Login = "LOGIN",
        Logout = "LOGOUT",
        LihatPejabat = "LIHAT_PEJABAT",
        RekamPejabat = "REKAM_PEJABAT",
        HapusPejabat = "HAPUS_PEJABAT",
        UnduhFormulir = "UNDUH_FORMULIR",
        CekFormulir = "CEK_FORMULIR",
        LihatBerkas = "LIHAT_BERKAS",
        UnggahBerkas = "UNGGAH_BERKAS",
        AjukanBerkas = "AJUKAN_BERKAS",
        BukaBerkas = "BUKA_BERKAS",
        TerimaBerkas = "TERIMA_BERKAS",
        KembalikanBerkas = "KEMBALIKAN_BERKAS",
        KonsolCso = "KONSOL_CSO",
        MejaCso = "MEJA_CSO",
        JadwalCso = "JADWAL_CSO",
        BuatJadwal = "BUAT_JADWAL",
        CatatJadwal = "CATAT_JADWAL",
        RequestOtpVerifikasiHp = "REQUEST_OTP_VERIFIKASI_HP",
        VerifikasiHp = "VERIFIKASI_HP",
        RequestOtpKirimData = "REQUEST_OTP_KIRIM_DATA",
        KirimData = "KIRIM_DATA",
        RequestOtpAktivasi = "REQUEST_OTP_AKTIVASI",
        AktivasiOtp = "AKTIVASI_OTP",
        UbahNomor = "UBAH_NOMOR",
        RequestOtpUbahNomor = "REQUEST_OTP_UBAH_NOMOR",
        VerifikasiNomorBaru = "VERIFIKASI_NOMOR_BARU",
        SetujuUbahNomor = "SETUJU_UBAH_NOMOR",
        RequestOtpSetujuUbahNomor = "REQUEST_OTP_SETUJU_UBAH_NOMOR",
        KonfirmasiUbahNomor = "KONFIRMASI_UBAH_NOMOR",
        BatalUbahNomor = "BATAL_UBAH_NOMOR",
        LihatAudit = "LIHAT_AUDIT",
        EksporAudit = "EKSPOR_AUDIT",
        PermintaanLintasSitus = "PERMINTAAN_LINTAS_SITUS",
        ImporKanwil = "IMPOR_KANWIL",
        ImporKppn = "IMPOR_KPPN",
        ImporSatker = "IMPOR_SATKER",
        ImporPengguna = "IMPOR_PENGGUNA",
        UndangPengguna = "UNDANG_PENGGUNA",
        ResetSandi = "RESET_SANDI",
        AturSandi = "ATUR_SANDI",
        GantiSandi = "GANTI_SANDI",
        NonaktifkanPengguna = "NONAKTIFKAN_PENGGUNA",
        BukaKunciPengguna = "BUKA_KUNCI_PENGGUNA",
        AkhiriSesi = "AKHIRI_SESI",
        DaftarkanFaktor = "DAFTAR_FAKTOR",
        ResetFaktor = "RESET_FAKTOR",
        FaktorKedua = "FAKTOR_KEDUA",
        AutentikasiUlang = "AUTENTIKASI_ULANG",
        BukaKunciOtp = "BUKA_KUNCI_OTP",
        LihatPantau = "LIHAT_PANTAU",
        PesanJadwal = "PESAN_JADWAL",
        PindahJadwal = "PINDAH_JADWAL",
        BatalJadwal = "BATAL_JADWAL",
        TibaJadwal = "TIBA_JADWAL",
        AmbilSesi = "AMBIL_SESI",
        SesiLangsung = "SESI_LANGSUNG",
        LaporBukanSaya = "LAPOR_BUKAN_SAYA",
        UnduhBukti = "UNDUH_BUKTI",
    }
}

impl Aksi {
    /// The steps that need a recent authentication (a step-up, `domain::sesi`): each hands
    /// someone a way into an account (a set-password link, a reset of the second factors), moves
    /// a pejabat's OTP number, reopens OTP steps that were locked (after wrong codes or a "Bukan
    /// saya" report), or takes the trail's personal data away in bulk. The use cases'
    /// transaction refuses them without one (`backend::akses::attempt`), and the authorization matrix
    /// fails for a server function that writes one without asking.
    pub fn perlu_step_up(self) -> bool {
        matches!(
            self,
            Aksi::UndangPengguna
                | Aksi::ResetSandi
                | Aksi::ResetFaktor
                | Aksi::UbahNomor
                | Aksi::KonfirmasiUbahNomor
                | Aksi::EksporAudit
                | Aksi::BukaKunciOtp
        )
    }

    /// The line of an OTP step: its request (`submit` false) or the typed code (`submit` true).
    pub fn otp(purpose: crate::otp::Purpose, submit: bool) -> Aksi {
        use crate::otp::Purpose as P;
        match (purpose, submit) {
            (P::UbahNomor, false) => Aksi::RequestOtpUbahNomor,
            (P::UbahNomor, true) => Aksi::VerifikasiNomorBaru,
            (P::SetujuUbahNomor, false) => Aksi::RequestOtpSetujuUbahNomor,
            (P::SetujuUbahNomor, true) => Aksi::SetujuUbahNomor,
            (P::VerifikasiHp, false) => Aksi::RequestOtpVerifikasiHp,
            (P::VerifikasiHp, true) => Aksi::VerifikasiHp,
            (P::Aktivasi, false) => Aksi::RequestOtpAktivasi,
            (P::Aktivasi, true) => Aksi::AktivasiOtp,
            (P::KirimData, false) => Aksi::RequestOtpKirimData,
            (P::KirimData, true) => Aksi::KirimData,
        }
    }
}

/// Rows per page of the audit page.
pub const PER_PAGE: u32 = 50;
/// Matching lines counted at most; beyond it the page says "more than".
pub const COUNT_CAP: i64 = 10_000;
/// Rows in one CSV export at most.
pub const MAX_EXPORT: i64 = 100_000;

/// The filters of the audit page, as typed (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// First day (WIB), `YYYY-MM-DD`.
    pub dari: String,
    /// Last day (WIB), inclusive.
    pub sampai: String,
    /// Part of the actor's username.
    pub aktor: String,
    /// Part of the pejabat's name or NIP.
    pub pejabat: String,
    /// The action code, exactly (e.g. `AKTIVASI_OTP`).
    pub aksi: String,
    /// `BERHASIL`, `DITOLAK` or `GAGAL`.
    pub hasil: String,
    /// 1-based.
    pub page: u32,
}

/// Filters checked: dates parsed, texts trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuery {
    pub dari: Option<chrono::NaiveDate>,
    pub sampai: Option<chrono::NaiveDate>,
    pub aktor: String,
    pub pejabat: String,
    pub aksi: String,
    pub hasil: String,
    pub page: u32,
}

fn bounded(raw: &str, max: usize) -> String {
    raw.chars().filter(|c| !c.is_control()).take(max).collect::<String>().trim().to_owned()
}

/// Checks the filters; a wrong date or outcome gets its own message.
pub fn check(q: &AuditQuery) -> Result<CheckedQuery, crate::validate::FieldErrors> {
    let mut errors = crate::validate::FieldErrors::default();
    let mut date = |raw: &str, field: &str, label: &str| {
        if raw.trim().is_empty() {
            return None;
        }
        match crate::validate::date(raw, label) {
            Ok(d) => Some(d),
            Err(m) => {
                errors.add(field, m);
                None
            }
        }
    };
    let dari = date(&q.dari, "dari", "Tanggal awal");
    let sampai = date(&q.sampai, "sampai", "Tanggal akhir");
    let hasil = q.hasil.trim().to_uppercase();
    if !matches!(hasil.as_str(), "" | "BERHASIL" | "DITOLAK" | "GAGAL") {
        errors.add("hasil", "Hasil harus BERHASIL, DITOLAK atau GAGAL.");
    }
    let aksi = bounded(&q.aksi, 60).to_uppercase();
    if !aksi.is_empty() && Aksi::from_code(&aksi).is_none() {
        errors.add("aksi", "Pilih aksi dari daftar, misalnya AKTIVASI_OTP.");
    }
    if let (Some(a), Some(b)) = (dari, sampai)
        && a > b
    {
        errors.add("sampai", "Tanggal akhir sebelum tanggal awal.");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CheckedQuery {
        dari,
        sampai,
        aktor: bounded(&q.aktor, 100),
        pejabat: bounded(&q.pejabat, 100),
        aksi,
        hasil,
        page: q.page.max(1),
    })
}

/// One line of the trail as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub aktor: String,
    pub peran: String,
    pub unit: String,
    pub alamat: String,
    pub aksi: String,
    pub hasil: String,
    pub pejabat: String,
    pub detail: String,
}

/// One CSV field: quoted, quotes doubled, and a leading `= + - @` (or tab/CR) neutralised
/// with an apostrophe so a spreadsheet never runs it as a formula.
pub fn csv_field(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

impl AuditQuery {
    /// The filters as a URL query string (for the CSV link).
    pub fn to_query_string(&self) -> String {
        let enc = crate::format::query_value;
        [
            ("dari", &self.dari),
            ("sampai", &self.sampai),
            ("aktor", &self.aktor),
            ("pejabat", &self.pejabat),
            ("aksi", &self.aksi),
            ("hasil", &self.hasil),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The CSV header line.
pub const CSV_HEADER: &str = "id,waktu_wib,aktor,peran,unit,alamat,aksi,hasil,pejabat,detail";

impl AuditRow {
    /// The row as one CSV line (no line end).
    pub fn csv(&self) -> String {
        [
            self.id.to_string(),
            crate::format::wib_ms(self.at_ms),
            self.aktor.clone(),
            self.peran.clone(),
            self.unit.clone(),
            self.alamat.clone(),
            self.aksi.clone(),
            self.hasil.clone(),
            self.pejabat.clone(),
            self.detail.clone(),
        ]
        .iter()
        .map(|v| csv_field(v))
        .collect::<Vec<_>>()
        .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_bounded() {
        let q = AuditQuery {
            dari: "2026-11-01".into(),
            sampai: "2026-11-24".into(),
            aktor: format!(" adm_{} ", "x".repeat(200)),
            aksi: "aktivasi_otp".into(),
            hasil: "ditolak".into(),
            ..Default::default()
        };
        let c = check(&q).unwrap();
        assert_eq!(c.aktor.chars().count(), 99);
        assert_eq!((c.aksi.as_str(), c.hasil.as_str(), c.page), ("AKTIVASI_OTP", "DITOLAK", 1));
        let bad = AuditQuery {
            dari: "2026-12-01".into(),
            sampai: "2026-11-01".into(),
            hasil: "X".into(),
            aksi: "a;drop".into(),
            ..Default::default()
        };
        let e = check(&bad).unwrap_err();
        assert!(e.get("sampai").is_some() && e.get("hasil").is_some() && e.get("aksi").is_some());
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "\"'-1\"");
        assert_eq!(csv_field("baris\nbaru"), "\"baris\nbaru\"");
    }
}
