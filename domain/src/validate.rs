//! Validation of what people type, with one Indonesian message per invalid field.
//!
//! The browser runs the same functions before sending; the server runs them again
//! and is the one that counts.

use crate::Jabatan;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, for every field that is wrong. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Records a message for `field`, keeping the first one when a field fails twice.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|m| self.add(field, m)).ok()
    }
}

/// The Rekam form as typed, every field a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PejabatInput {
    pub nip: String,
    pub nama: String,
    pub tempat_lahir: String,
    /// `YYYY-MM-DD`, as an `<input type="date">` sends it.
    pub tanggal_lahir: String,
    pub email: String,
    pub no_hp: String,
    pub alamat_domisili: String,
    pub alamat_ktp: String,
    pub nomor_sk: String,
    pub tanggal_sk: String,
    /// A jabatan label, e.g. `PEJABAT SPM`.
    pub jabatan: String,
    pub kppn_kode: String,
}

/// A pejabat reference whose every field passed validation, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPejabat {
    pub nip: String,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: NaiveDate,
    pub email: String,
    /// `+628…`
    pub no_hp: String,
    pub alamat_domisili: String,
    pub alamat_ktp: String,
    pub nomor_sk: String,
    pub tanggal_sk: NaiveDate,
    pub jabatan: Jabatan,
    pub kppn_kode: String,
}

/// Youngest and oldest plausible age of a civil servant on the day of recording.
const MIN_AGE: i32 = 17;
const MAX_AGE: i32 = 100;

/// Checks every field on its own and returns the normalised reference, or all errors.
pub fn pejabat(input: &PejabatInput, today: NaiveDate) -> Result<NewPejabat, FieldErrors> {
    let mut e = FieldErrors::default();
    let nip = e.take("nip", nip(&input.nip));
    let nama = e.take("nama", text(&input.nama, "Nama", 100));
    let tempat_lahir = e.take("tempat_lahir", text(&input.tempat_lahir, "Tempat lahir", 60));
    let tanggal_lahir = e.take("tanggal_lahir", tanggal_lahir(&input.tanggal_lahir, today));
    let email = e.take("email", email(&input.email));
    let no_hp = e.take("no_hp", phone(&input.no_hp));
    let alamat_domisili = e.take("alamat_domisili", text(&input.alamat_domisili, "Alamat tempat tinggal", 250));
    let alamat_ktp = e.take("alamat_ktp", text(&input.alamat_ktp, "Alamat sesuai KTP", 250));
    let nomor_sk = e.take("nomor_sk", text(&input.nomor_sk, "Nomor SK", 100));
    let tanggal_sk = e.take("tanggal_sk", tanggal_sk(&input.tanggal_sk, tanggal_lahir, today));
    let jabatan = e.take("jabatan", jabatan(&input.jabatan));
    let kppn_kode = e.take("kppn_kode", kppn_kode(&input.kppn_kode));
    // every field was checked above, so every error is in `e`; `?` only unwraps
    let built = (|| {
        Some(NewPejabat {
            nip: nip?,
            nama: nama?,
            tempat_lahir: tempat_lahir?,
            tanggal_lahir: tanggal_lahir?,
            email: email?,
            no_hp: no_hp?,
            alamat_domisili: alamat_domisili?,
            alamat_ktp: alamat_ktp?,
            nomor_sk: nomor_sk?,
            tanggal_sk: tanggal_sk?,
            jabatan: jabatan?,
            kppn_kode: kppn_kode?,
        })
    })();
    match built {
        Some(p) if e.is_empty() => Ok(p),
        _ => Err(e),
    }
}

/// What the satker's data says about a reference: checked after the fields themselves.
pub struct PejabatContext<'a> {
    /// The SAKTI username of the satker's user with the chosen NIP, if there is one.
    pub username_for_nip: Option<&'a str>,
    /// The satker's partner KPPN (KPPN mitra).
    pub kppn_mitra: &'a str,
}

/// Checks a valid reference against the satker: the NIP is one of its users, the user's
/// prefix fits the jabatan (seed B.1), and the KPPN is the satker's partner.
pub fn pejabat_in_context(p: &NewPejabat, ctx: &PejabatContext<'_>) -> FieldErrors {
    let mut e = FieldErrors::default();
    match ctx.username_for_nip {
        None => e.add("nip", "NIP/NRP ini bukan milik user SAKTI satker Anda. Pilih dari daftar user satker."),
        Some(username) => {
            if let Err(m) = prefix_fits(p.jabatan, username) {
                e.add("nip", m);
            }
        }
    }
    if p.kppn_kode != ctx.kppn_mitra {
        e.add("kppn_kode", "KPPN harus KPPN mitra satker Anda.");
    }
    e
}

/// The seed's rule: KPA and PPSPM must be `apr_` users, PPK a `val_` user.
pub fn prefix_fits(jabatan: Jabatan, username: &str) -> Result<(), String> {
    match jabatan.required_prefix() {
        Some(prefix) if !username.starts_with(prefix) => Err(format!(
            "Untuk jabatan {} pilih user SAKTI berawalan \"{prefix}\"; user {username} tidak dapat dipakai.",
            jabatan.label()
        )),
        _ => Ok(()),
    }
}

/// NIP/NRP: 18 digits; spaces between the groups are allowed and removed.
pub fn nip(raw: &str) -> Result<String, String> {
    let digits: String = raw.chars().filter(|c| *c != ' ').collect();
    if digits.is_empty() {
        return Err("NIP/NRP wajib diisi.".into());
    }
    if digits.len() != 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("NIP/NRP harus 18 angka.".into());
    }
    Ok(digits)
}

/// An Indonesian mobile number in any usual spelling (`0812…`, `62812…`, `+62 812-…`),
/// normalised to `+628…` with 9 to 12 digits after the country code.
pub fn phone(raw: &str) -> Result<String, String> {
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    if compact.is_empty() {
        return Err("Nomor HP wajib diisi.".into());
    }
    let national =
        compact.strip_prefix("+62").or_else(|| compact.strip_prefix("62")).or_else(|| compact.strip_prefix('0'));
    let ok = |n: &str| n.starts_with('8') && (9..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit());
    match national {
        Some(n) if ok(n) => Ok(format!("+62{n}")),
        _ => Err("Nomor HP harus nomor seluler Indonesia, misalnya 0812 3456 7890.".into()),
    }
}

/// An email address of plain ASCII form: `local@domain.tld`.
pub fn email(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Email wajib diisi.".into());
    }
    let invalid = || Err("Format email tidak valid, misalnya nama@kemenkeu.go.id.".to_string());
    if s.len() > 254 {
        return invalid();
    }
    let Some((local, domain)) = s.split_once('@') else {
        return invalid();
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if local_ok && domain_ok { Ok(s.to_owned()) } else { invalid() }
}

/// Free text such as a name or an address: trimmed, not empty, at most `max`
/// characters, no control characters, inner runs of spaces collapsed.
pub fn text(raw: &str, label: &str, max: usize) -> Result<String, String> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return Err(format!("{label} wajib diisi."));
    }
    if raw.chars().any(|c| c.is_control() && !c.is_whitespace()) || raw.contains('\0') {
        return Err(format!("{label} mengandung karakter yang tidak diizinkan."));
    }
    if s.chars().count() > max {
        return Err(format!("{label} paling banyak {max} karakter."));
    }
    Ok(s)
}

/// A date as people in Indonesia write it, `17/08/1985` (day first; `-` or `.` between the
/// parts also do), or as ISO `1985-08-17` (pasted, or from older pages). The date fields are
/// text fields with this format on every browser: a native date input shows the browser's
/// locale (`mm/dd/yyyy` on an English Chromium) beside the Indonesian dates of the table.
pub fn date(raw: &str, label: &str) -> Result<NaiveDate, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(format!("{label} wajib diisi."));
    }
    let invalid = || format!("{label} bukan tanggal yang valid; tulis seperti 17/08/1985 (tanggal/bulan/tahun).");
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    let number = |p: &str, max_len: usize| -> Option<u32> {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten()
    };
    let iso = s.contains('-') && parts.first().is_some_and(|y| y.len() == 4);
    let (d, m, y) = match parts.as_slice() {
        [y, m, d] if iso => (number(d, 2), number(m, 2), number(y, 4)),
        [d, m, y] if y.len() == 4 => (number(d, 2), number(m, 2), number(y, 4)),
        _ => return Err(invalid()),
    };
    match (d, m, y) {
        (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// Date of birth: a real date in the past, of someone aged 17 to 100.
pub fn tanggal_lahir(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let d = date(raw, "Tanggal lahir")?;
    if d > today {
        return Err("Tanggal lahir tidak boleh di masa depan.".into());
    }
    let age = years_between(d, today);
    if !(MIN_AGE..=MAX_AGE).contains(&age) {
        return Err(format!("Tanggal lahir tidak wajar: usia harus {MIN_AGE} sampai {MAX_AGE} tahun."));
    }
    Ok(d)
}

/// Date of the SK: not in the future and not before the pejabat's 17th birthday.
pub fn tanggal_sk(raw: &str, lahir: Option<NaiveDate>, today: NaiveDate) -> Result<NaiveDate, String> {
    let d = date(raw, "Tanggal SK")?;
    if d > today {
        return Err("Tanggal SK tidak boleh di masa depan.".into());
    }
    if let Some(lahir) = lahir
        && years_between(lahir, d) < MIN_AGE
    {
        return Err("Tanggal SK harus sesudah pejabat berusia 17 tahun.".into());
    }
    Ok(d)
}

/// [`nomor_dipakai`] when the holder cannot be named (it changed while we looked).
pub const NOMOR_DIPAKAI_ORANG_LAIN: &str = "Nomor HP ini sudah menjadi nomor OTP pejabat lain (NIP lain). \
     Satu nomor HP hanya untuk satu orang: gunakan nomor HP milik pejabat ini sendiri.";

/// The refusal of a phone number already bound to another person's active reference.
pub fn nomor_dipakai(jabatan: &str, satker_kode: &str, satker_nama: &str) -> String {
    format!(
        "Nomor HP ini sudah menjadi nomor OTP {jabatan} satker {satker_kode} {satker_nama} (NIP lain). \
         Satu nomor HP hanya untuk satu orang: gunakan nomor HP milik pejabat ini sendiri."
    )
}

pub fn jabatan(raw: &str) -> Result<Jabatan, String> {
    Jabatan::from_label(raw.trim()).ok_or_else(|| "Pilih jabatan dari daftar.".to_string())
}

/// KPPN code: 3 digits.
pub fn kppn_kode(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) { Ok(s.to_owned()) } else { Err("Pilih KPPN.".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn good() -> PejabatInput {
        PejabatInput {
            nip: "199109112010111001".into(),
            nama: "  KPA   PSIE I ".into(),
            tempat_lahir: "Jakarta".into(),
            tanggal_lahir: "1970-12-20".into(),
            email: "kpa.psie@kemenkeu.go.id".into(),
            no_hp: "0812-3456-7890".into(),
            alamat_domisili: "Jl. Medan Merdeka Timur No. 16".into(),
            alamat_ktp: "Jl. Medan Merdeka Timur No. 16".into(),
            nomor_sk: "KEP-12/PJ.07/2026".into(),
            tanggal_sk: "2026-01-05".into(),
            jabatan: "KUASA PENGGUNA ANGGARAN".into(),
            kppn_kode: "019".into(),
        }
    }

    #[test]
    fn dates_are_read_day_first_as_written_in_indonesia() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date("17/08/1985", "Tanggal"), Ok(d(1985, 8, 17)));
        assert_eq!(date(" 3/1/2026 ", "Tanggal"), Ok(d(2026, 1, 3)));
        assert_eq!(date("17-08-1985", "Tanggal"), Ok(d(1985, 8, 17)));
        assert_eq!(date("17.08.1985", "Tanggal"), Ok(d(1985, 8, 17)));
        assert_eq!(date("1985-08-17", "Tanggal"), Ok(d(1985, 8, 17)));
        // never month first: 08/17 is not a month 17
        assert!(date("08/17/1985", "Tanggal").unwrap_err().contains("17/08/1985"));
        for bad in
            ["31/02/2020", "17/08/85", "17/08", "aa/bb/cccc", "1/1/1/2020", "+1/01/2020", "017/01/2020", "2026/01/01"]
        {
            assert!(date(bad, "Tanggal").is_err(), "{bad}");
        }
        assert_eq!(date("", "Tanggal"), Err("Tanggal wajib diisi.".into()));
    }

    #[test]
    fn a_complete_form_is_accepted_and_normalised() {
        let p = pejabat(&good(), today()).unwrap();
        assert_eq!(p.nama, "KPA PSIE I");
        assert_eq!(p.no_hp, "+6281234567890");
        assert_eq!(p.jabatan, Jabatan::Kpa);
    }

    #[test]
    fn every_invalid_field_gets_its_own_message() {
        let e = pejabat(&PejabatInput::default(), today()).unwrap_err();
        for field in [
            "nip",
            "nama",
            "tempat_lahir",
            "tanggal_lahir",
            "email",
            "no_hp",
            "alamat_domisili",
            "alamat_ktp",
            "nomor_sk",
            "tanggal_sk",
            "jabatan",
            "kppn_kode",
        ] {
            assert!(e.get(field).is_some(), "no message for {field}");
        }
    }

    #[test]
    fn nip_must_be_eighteen_digits() {
        assert_eq!(nip("19910911 201011 1 001").unwrap(), "199109112010111001");
        assert!(nip("19910911201011100").is_err());
        assert!(nip("1991091120101110011").is_err());
        assert!(nip("19910911201011100a").is_err());
        assert!(nip("١٩٩١٠٩١١٢٠١٠١١١٠٠١").is_err(), "non-ASCII digits");
        assert!(nip("").unwrap_err().contains("wajib"));
    }

    #[test]
    fn phone_numbers_are_normalised_to_plus_62() {
        for raw in ["081234567890", "+62 812-3456-7890", "6281234567890", "(0812) 3456.7890"] {
            assert_eq!(phone(raw).unwrap(), "+6281234567890", "{raw}");
        }
        assert_eq!(phone("0811234567").unwrap(), "+62811234567");
        for raw in ["0212345678", "+6581234567", "08123", "08123456789012", "0812abc45678", "+62+812345678"] {
            assert!(phone(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn email_needs_a_local_part_and_a_dotted_domain() {
        assert!(email("nama@kemenkeu.go.id").is_ok());
        for raw in ["nama", "@x.id", "nama@localhost", "a b@x.id", "nama@x..id", "nama@-x.id", "<script>@x.id"] {
            assert!(email(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn text_refuses_control_characters_and_overlong_values() {
        assert!(text("Budi\0", "Nama", 10).is_err());
        assert!(text("Budi\u{7}", "Nama", 10).is_err());
        assert!(text(&"a".repeat(11), "Nama", 10).unwrap_err().contains("10"));
        assert_eq!(text(" Dedi  Haryanto,S.E. ", "Nama", 100).unwrap(), "Dedi Haryanto,S.E.");
    }

    #[test]
    fn birth_and_sk_dates_must_be_plausible() {
        assert!(tanggal_lahir("2030-01-01", today()).is_err());
        assert!(tanggal_lahir("2015-01-01", today()).is_err());
        assert!(tanggal_lahir("1900-01-01", today()).is_err());
        assert!(tanggal_lahir("1970-02-30", today()).is_err());
        let lahir = NaiveDate::from_ymd_opt(1970, 12, 20);
        assert!(tanggal_sk("2027-01-01", lahir, today()).is_err());
        assert!(tanggal_sk("1980-01-01", lahir, today()).is_err());
        assert!(tanggal_sk("2026-11-24", lahir, today()).is_ok());
    }

    #[test]
    fn ppspm_must_choose_pejabat_spm_by_its_label() {
        assert_eq!(jabatan("PEJABAT SPM").unwrap(), Jabatan::PejabatSpm);
        assert!(jabatan("PPSPM").is_err());
    }

    #[test]
    fn context_checks_prefix_and_partner_kppn() {
        let p = pejabat(&good(), today()).unwrap();
        let ok = PejabatContext { username_for_nip: Some("apr_kpa561403"), kppn_mitra: "019" };
        assert!(pejabat_in_context(&p, &ok).is_empty());

        let wrong_prefix = PejabatContext { username_for_nip: Some("val_ppk561403"), kppn_mitra: "019" };
        assert!(pejabat_in_context(&p, &wrong_prefix).get("nip").unwrap().contains("apr_"));

        let not_ours = PejabatContext { username_for_nip: None, kppn_mitra: "019" };
        assert!(pejabat_in_context(&p, &not_ours).get("nip").is_some());

        let other_kppn = PejabatContext { username_for_nip: Some("apr_kpa561403"), kppn_mitra: "020" };
        assert!(pejabat_in_context(&p, &other_kppn).get("kppn_kode").is_some());
    }

    #[test]
    fn ppk_needs_val_and_other_jabatan_take_any_user() {
        assert!(prefix_fits(Jabatan::Ppk, "apr_x").is_err());
        assert!(prefix_fits(Jabatan::Ppk, "val_x").is_ok());
        assert!(prefix_fits(Jabatan::PejabatSpm, "val_x").is_err());
        assert!(prefix_fits(Jabatan::Bendahara, "val_x").is_ok());
    }
}
