//! Activation sessions (seed part C): the CSO KPPN publishes slots — when, how long, how
//! many satkers, at the KPPN or by video conference with a link — and a satker's Admin Lokal
//! books one for named pejabat (or the CSO sets a session for a satker by hand: a slot of
//! capacity one, booked at once); afterwards the CSO records who came and what came of it.

use crate::{Jabatan, PejabatId, Status};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// How long ahead a session may be set.
pub const MAX_DAYS_AHEAD: i64 = 180;
/// A slot's length in minutes when the form leaves it empty, and its bounds.
pub const DURASI_BAKU: i32 = 60;
pub const DURASI: std::ops::RangeInclusive<i32> = 10..=480;
/// How many satkers one slot takes at most.
pub const KAPASITAS: std::ops::RangeInclusive<i32> = 1..=50;
/// A booking may be moved or cancelled until this long before its start.
pub const BATAS_UBAH: Duration = Duration::hours(1);
/// The day-before reminder leaves at this WIB hour.
pub const JAM_PENGINGAT: u32 = 8;

crate::stored_enum! {
    /// Where the session takes place.
    pub enum Mode as code / from_code {
        Kppn = "KPPN",
        VideoConference = "VIDEO_CONFERENCE",
    }
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Kppn => "Di KPPN",
            Mode::VideoConference => "Video conference",
        }
    }
}

/// The session form as the browser sends it (all text). Without a satker it publishes an
/// open slot that satkers book; with one it sets that satker's session (capacity one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JadwalInput {
    pub satker_kode: String,
    /// `YYYY-MM-DD`, WIB.
    pub tanggal: String,
    /// `HH:MM`, WIB.
    pub jam: String,
    /// [`Mode::code`].
    pub mode: String,
    pub tautan: String,
    pub catatan: String,
    /// Satkers the slot takes (empty: one).
    #[serde(default)]
    pub kapasitas: String,
    /// Minutes (empty: [`DURASI_BAKU`]).
    #[serde(default)]
    pub durasi: String,
}

/// A checked session: the start as a WIB wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJadwal {
    /// `None`: an open slot for the KPPN's satkers to book.
    pub satker_kode: Option<String>,
    pub kapasitas: i32,
    pub durasi_menit: i32,
    pub mulai_wib: NaiveDateTime,
    pub mode: Mode,
    pub tautan: Option<String>,
    pub catatan: String,
}

/// Checks a session form against `now_wib`; each wrong field gets its own message.
pub fn check(input: &JadwalInput, now_wib: NaiveDateTime) -> Result<NewJadwal, crate::validate::FieldErrors> {
    let mut errors = crate::validate::FieldErrors::default();
    let satker = input.satker_kode.trim();
    let well_formed = satker.len() == 6 && satker.bytes().all(|b| b.is_ascii_digit());
    if !satker.is_empty() && !well_formed {
        errors.add("satker_kode", "Pilih satker, atau kosongkan untuk slot terbuka.");
    }
    let number = |raw: &str, default: i32, range: std::ops::RangeInclusive<i32>| match raw.trim() {
        "" => Some(default),
        t => t.parse::<i32>().ok().filter(|n| range.contains(n)),
    };
    let kapasitas = number(&input.kapasitas, 1, KAPASITAS);
    match kapasitas {
        None => errors.add("kapasitas", format!("Kapasitas {}–{} satker.", KAPASITAS.start(), KAPASITAS.end())),
        Some(k) if k > 1 && !satker.is_empty() => {
            errors.add("kapasitas", "Sesi untuk satu satker berkapasitas 1; kosongkan satker untuk slot terbuka.")
        }
        _ => {}
    }
    let durasi = number(&input.durasi, DURASI_BAKU, DURASI);
    if durasi.is_none() {
        errors.add("durasi", format!("Durasi {}–{} menit.", DURASI.start(), DURASI.end()));
    }
    let tanggal = crate::validate::date(&input.tanggal, "Tanggal");
    let jam = NaiveTime::parse_from_str(input.jam.trim(), "%H:%M").map_err(|_| "Jam wajib diisi (JJ:MM).".to_string());
    let mode =
        Mode::from_code(input.mode.trim()).ok_or_else(|| "Pilih tempat: di KPPN atau video conference.".to_string());
    let mut mulai = None;
    match (&tanggal, &jam) {
        (Ok(t), Ok(j)) => {
            let m = t.and_time(*j);
            if m < now_wib {
                errors.add("tanggal", "Waktu sesi sudah lewat. Pilih tanggal dan jam yang akan datang.");
            } else if m > now_wib + chrono::Duration::days(MAX_DAYS_AHEAD) {
                errors.add("tanggal", format!("Sesi paling lambat {MAX_DAYS_AHEAD} hari dari sekarang."));
            } else {
                mulai = Some(m);
            }
        }
        (t, j) => {
            if let Err(e) = t {
                errors.add("tanggal", e.clone());
            }
            if let Err(e) = j {
                errors.add("jam", e.clone());
            }
        }
    }
    let tautan = input.tautan.trim();
    let tautan = match mode {
        Ok(Mode::VideoConference) => match check_link(tautan) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.add("tautan", e);
                None
            }
        },
        Ok(Mode::Kppn) if !tautan.is_empty() => {
            errors.add("tautan", "Tautan hanya diisi untuk video conference.");
            None
        }
        _ => None,
    };
    if let Err(e) = &mode {
        errors.add("mode", e.clone());
    }
    let catatan = input.catatan.split_whitespace().collect::<Vec<_>>().join(" ");
    if input.catatan.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        errors.add("catatan", "Catatan mengandung karakter yang tidak diizinkan.");
    } else if catatan.chars().count() > 500 {
        errors.add("catatan", "Catatan paling banyak 500 karakter.");
    }
    match (errors.is_empty(), mulai, mode, kapasitas, durasi) {
        (true, Some(mulai_wib), Ok(mode), Some(kapasitas), Some(durasi_menit)) => Ok(NewJadwal {
            satker_kode: (!satker.is_empty()).then(|| satker.to_owned()),
            kapasitas,
            durasi_menit,
            mulai_wib,
            mode,
            tautan,
            catatan,
        }),
        _ => Err(errors),
    }
}

/// A video-conference link: `https://`, a host, no spaces or control characters.
pub fn check_link(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    let host = t.strip_prefix("https://").map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = matches!(host, Some(h) if !h.is_empty() && h.contains('.'))
        && t.len() <= 500
        && !t.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'));
    if ok { Ok(t.to_owned()) } else { Err("Tautan video conference harus alamat https:// yang lengkap.".into()) }
}

crate::stored_enum! {
    /// Who came to a session.
    pub enum Kehadiran as label / from_label {
        Hadir = "HADIR",
        TidakHadir = "TIDAK HADIR",
    }
}

/// A satker the CSO can schedule a session with (its KPPN's partner satkers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatkerMitra {
    pub kode: String,
    pub nama: String,
}

/// The CSO's sessions page: bookings from today on (today's are the queue), the open slots,
/// the KPPN's satkers, and the server's clock (epoch ms) so the page splits "today" the same
/// way on the server and in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MejaJadwal {
    pub sesi: Vec<JadwalRow>,
    pub slot: Vec<SlotRow>,
    pub satker: Vec<SatkerMitra>,
    pub now_ms: i64,
}

/// The CSO holding a session (issue 26): only it enters the session's aktivasi codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pemegang {
    pub user_id: crate::UserId,
    pub nama: String,
}

/// One booked session as the satker's users and the CSO see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JadwalRow {
    pub id: crate::JadwalId,
    pub slot_id: crate::SlotId,
    pub satker_kode: String,
    pub satker_nama: String,
    /// Start, epoch milliseconds.
    pub mulai_ms: i64,
    pub durasi_menit: i32,
    pub mode: Mode,
    pub tautan: Option<String>,
    pub catatan: String,
    /// The pejabat it names, as `KPA Nama` (none for a session the CSO set by hand).
    pub pejabat: Vec<String>,
    /// When the CSO saw the satker arrive.
    pub tiba_ms: Option<i64>,
    pub kehadiran: Option<Kehadiran>,
    pub hasil: Option<String>,
    /// The CSO holding the session (issue 26: only it enters the session's aktivasi codes),
    /// and the number both screens show.
    pub pemegang: Option<Pemegang>,
    pub nomor_sesi: Option<i16>,
    /// A walk-in session the CSO opened with the pejabat present.
    pub langsung: bool,
}

impl JadwalRow {
    /// Whether the Admin Lokal may still move or cancel it at `now_ms`.
    pub fn dapat_diubah(&self, now_ms: i64) -> bool {
        self.kehadiran.is_none() && now_ms <= self.mulai_ms - BATAS_UBAH.num_milliseconds()
    }
}

/// A published slot: its place, how many satkers it takes and how many have booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRow {
    pub id: crate::SlotId,
    pub mulai_ms: i64,
    pub durasi_menit: i32,
    pub mode: Mode,
    pub catatan: String,
    pub kapasitas: i32,
    pub terisi: i32,
}

impl SlotRow {
    pub fn sisa(&self) -> i32 {
        (self.kapasitas - self.terisi).max(0)
    }
}

/// A pejabat of the satker as booking needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calon {
    pub id: PejabatId,
    pub nama: String,
    pub jabatan: Jabatan,
    pub status: Status,
    /// Its activation bundle was accepted by the CSO.
    pub berkas_diterima: bool,
    /// It is named in a booking still to come.
    pub terjadwal: bool,
}

impl Calon {
    /// `KPA Nama`, as a booking lists it.
    pub fn sebutan(&self) -> String {
        format!("{} {}", self.jabatan.short(), self.nama)
    }

    /// Why this pejabat cannot be booked now, among the satker's pejabat `semua` (KPA
    /// first; PPK and PPSPM once the KPA is AKTIF and has sent their data).
    pub fn halangan(&self, semua: &[Calon]) -> Option<String> {
        let kpa_aktif = semua.iter().any(|c| c.jabatan == Jabatan::Kpa && c.status == Status::Aktif);
        let nama = &self.nama;
        if self.status == Status::Aktif {
            Some(format!("{nama} sudah AKTIF."))
        } else if !self.berkas_diterima {
            Some(format!("Berkas {nama} belum diterima CSO KPPN."))
        } else if self.terjadwal {
            Some(format!("{nama} sudah terjadwal; pindahkan atau batalkan sesi itu bila perlu."))
        } else if self.jabatan != Jabatan::Kpa && !kpa_aktif {
            Some(format!("Sesi {} dipesan setelah KPA AKTIF.", self.jabatan.short()))
        } else if self.jabatan != Jabatan::Kpa && self.status != Status::Kirim {
            Some(format!("KPA belum melakukan Kirim Data untuk {nama}."))
        } else {
            None
        }
    }
}

/// Checks a booking of `pilih` among the satker's pejabat `semua`: the first reason it
/// cannot be made.
pub fn cek_pesan(semua: &[Calon], pilih: &[PejabatId]) -> Result<(), String> {
    if pilih.is_empty() {
        return Err("Pilih pejabat yang akan diaktivasi pada sesi ini.".into());
    }
    for id in pilih {
        let Some(c) = semua.iter().find(|c| c.id == *id) else {
            return Err("Pejabat tidak ditemukan pada satker Anda. Klik Refresh.".into());
        };
        if let Some(why) = c.halangan(semua) {
            return Err(why);
        }
    }
    Ok(())
}

/// What the satker's page shows: its bookings, the open slots of its KPPN, its pejabat,
/// and the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JadwalSatker {
    pub sesi: Vec<JadwalRow>,
    pub slot: Vec<SlotRow>,
    pub calon: Vec<Calon>,
    pub now_ms: i64,
}

/// The two reminders of a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pengingat {
    /// The day before at [`JAM_PENGINGAT`] WIB.
    Hari,
    /// One hour before.
    Jam,
}

/// The reminder due at `now` for a session starting at `mulai` booked at `dipesan`, given
/// which were sent. A booking made after the day-before moment gets no day-before
/// reminder; one made within the last hour gets the one-hour reminder at once.
pub fn pengingat(
    mulai: DateTime<Utc>,
    dipesan: DateTime<Utc>,
    now: DateTime<Utc>,
    hari_sent: bool,
    jam_sent: bool,
) -> Option<Pengingat> {
    let jam = mulai - BATAS_UBAH;
    let wib = mulai.naive_utc() + Duration::hours(7);
    let hari = (wib.date() - Duration::days(1)).and_hms_opt(JAM_PENGINGAT, 0, 0)?.and_utc() - Duration::hours(7);
    if now >= mulai {
        None
    } else if now >= jam {
        (!jam_sent).then_some(Pengingat::Jam)
    } else if now >= hari && dipesan < hari && !hari_sent {
        Some(Pengingat::Hari)
    } else {
        None
    }
}

/// `Selasa, 24 Nov 2026 09:30 WIB` from a WIB wall-clock time.
pub fn waktu(mulai_wib: NaiveDateTime) -> String {
    use chrono::Datelike;
    const HARI: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
    let hari = HARI[mulai_wib.weekday().num_days_from_monday() as usize];
    format!("{hari}, {} {} WIB", crate::format::tanggal(mulai_wib.date()), mulai_wib.format("%H:%M"))
}

/// The WIB wall-clock time of epoch milliseconds (WIB is UTC+7 all year).
pub fn wib_of_ms(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms + 7 * 3_600_000).map(|t| t.naive_utc()).unwrap_or_default()
}

/// The WIB date of epoch milliseconds.
pub fn wib_date_of_ms(ms: i64) -> NaiveDate {
    wib_of_ms(ms).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(8, 0, 0).unwrap()
    }

    fn input(mode: &str, tautan: &str) -> JadwalInput {
        JadwalInput {
            satker_kode: "561403".into(),
            tanggal: "2026-11-25".into(),
            jam: "09:30".into(),
            mode: mode.into(),
            tautan: tautan.into(),
            catatan: " bawa  KTP asli ".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_session_at_the_kppn_or_by_video_is_accepted() {
        let j = check(&input("KPPN", ""), now()).unwrap();
        assert_eq!(j.mode, Mode::Kppn);
        assert_eq!(j.catatan, "bawa KTP asli");
        assert_eq!(waktu(j.mulai_wib), "Rabu, 25 Nov 2026 09:30 WIB");
        let v = check(&input("VIDEO_CONFERENCE", "https://zoom.us/j/123?pwd=x"), now()).unwrap();
        assert_eq!(v.tautan.as_deref(), Some("https://zoom.us/j/123?pwd=x"));
    }

    #[test]
    fn video_needs_an_https_link_and_the_kppn_none() {
        for bad in
            ["", "http://zoom.us/j/1", "https://", "javascript:alert(1)", "https://a b.com", "https://x/\"><script>"]
        {
            let e = check(&input("VIDEO_CONFERENCE", bad), now()).unwrap_err();
            assert!(e.get("tautan").is_some(), "{bad}");
        }
        assert!(check(&input("KPPN", "https://zoom.us/j/1"), now()).unwrap_err().get("tautan").is_some());
    }

    #[test]
    fn past_far_and_malformed_times_are_refused() {
        let mut i = input("KPPN", "");
        i.tanggal = "2026-11-24".into();
        i.jam = "07:59".into();
        assert!(check(&i, now()).unwrap_err().get("tanggal").is_some());
        i.tanggal = "2027-11-24".into();
        assert!(check(&i, now()).unwrap_err().get("tanggal").is_some());
        i.jam = "25:00".into();
        assert!(check(&i, now()).unwrap_err().get("jam").is_some());
        let mut m = input("DI_RUMAH", "");
        m.satker_kode = "56140".into();
        let e = check(&m, now()).unwrap_err();
        assert!(e.get("mode").is_some() && e.get("satker_kode").is_some());
    }

    #[test]
    fn without_a_satker_the_form_publishes_an_open_slot() {
        let mut i = input("KPPN", "");
        i.satker_kode = String::new();
        i.kapasitas = "5".into();
        i.durasi = "45".into();
        let j = check(&i, now()).unwrap();
        assert_eq!((j.satker_kode, j.kapasitas, j.durasi_menit), (None, 5, 45));
        // a satker's own session takes one; empty fields are one satker, an hour
        let j = check(&input("KPPN", ""), now()).unwrap();
        assert_eq!((j.satker_kode.as_deref(), j.kapasitas, j.durasi_menit), (Some("561403"), 1, DURASI_BAKU));
        let mut many = input("KPPN", "");
        many.kapasitas = "3".into();
        assert!(check(&many, now()).unwrap_err().get("kapasitas").is_some());
        for (k, d) in [("0", ""), ("51", ""), ("x", ""), ("", "5"), ("", "481"), ("", "1j")] {
            i.kapasitas = k.into();
            i.durasi = d.into();
            let e = check(&i, now()).unwrap_err();
            assert!(e.get("kapasitas").is_some() || e.get("durasi").is_some(), "{k} {d}");
        }
    }

    fn calon(id: i64, jabatan: Jabatan, status: Status) -> Calon {
        Calon { id: PejabatId(id), nama: format!("P{id}"), jabatan, status, berkas_diterima: true, terjadwal: false }
    }

    #[test]
    fn the_kpa_is_booked_first_then_ppk_and_ppspm_after_kirim_data() {
        let kpa = calon(1, Jabatan::Kpa, Status::Baru);
        let ppk = calon(2, Jabatan::Ppk, Status::Baru);
        let ppspm = calon(3, Jabatan::PejabatSpm, Status::Baru);
        let mut semua = vec![kpa, ppk, ppspm];
        assert_eq!(cek_pesan(&semua, &[PejabatId(1)]), Ok(()));
        assert!(cek_pesan(&semua, &[PejabatId(1), PejabatId(2)]).unwrap_err().contains("setelah KPA AKTIF"));
        assert!(cek_pesan(&semua, &[]).is_err());
        assert!(cek_pesan(&semua, &[PejabatId(9)]).unwrap_err().contains("tidak ditemukan"));
        semua[0].status = Status::Aktif;
        assert!(cek_pesan(&semua, &[PejabatId(1)]).unwrap_err().contains("sudah AKTIF"));
        // the KPA is active but has not sent the PPK's data yet
        semua[1].status = Status::VerifikasiPejabat;
        assert!(cek_pesan(&semua, &[PejabatId(2)]).unwrap_err().contains("Kirim Data"));
        semua[1].status = Status::Kirim;
        semua[2].status = Status::Kirim;
        assert_eq!(cek_pesan(&semua, &[PejabatId(2), PejabatId(3)]), Ok(()));
        semua[2].terjadwal = true;
        assert!(cek_pesan(&semua, &[PejabatId(2), PejabatId(3)]).unwrap_err().contains("sudah terjadwal"));
        semua[1].berkas_diterima = false;
        assert!(cek_pesan(&semua, &[PejabatId(2)]).unwrap_err().contains("belum diterima"));
    }

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        // WIB wall-clock on November 2026
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(h, m, 0).unwrap().and_utc() - Duration::hours(7)
    }

    #[test]
    fn reminders_the_day_before_at_eight_and_an_hour_before() {
        let mulai = utc(27, 10, 0);
        let booked = utc(20, 9, 0);
        assert_eq!(pengingat(mulai, booked, utc(26, 7, 59), false, false), None);
        assert_eq!(pengingat(mulai, booked, utc(26, 8, 0), false, false), Some(Pengingat::Hari));
        assert_eq!(pengingat(mulai, booked, utc(26, 8, 0), true, false), None);
        assert_eq!(pengingat(mulai, booked, utc(27, 8, 59), true, false), None);
        assert_eq!(pengingat(mulai, booked, utc(27, 9, 0), true, false), Some(Pengingat::Jam));
        // the day-before one missed (the server was down) is not sent an hour before
        assert_eq!(pengingat(mulai, booked, utc(27, 9, 30), false, false), Some(Pengingat::Jam));
        assert_eq!(pengingat(mulai, booked, utc(27, 9, 30), true, true), None);
        assert_eq!(pengingat(mulai, booked, utc(27, 10, 0), false, false), None);
        // booked after the day-before moment: only the hour-before one
        assert_eq!(pengingat(mulai, utc(26, 12, 0), utc(26, 12, 1), false, false), None);
        // a session just after midnight: the day before is two days back on the calendar
        assert_eq!(pengingat(utc(27, 0, 30), booked, utc(26, 8, 0), false, false), Some(Pengingat::Hari));
    }

    #[test]
    fn a_booking_changes_until_an_hour_before() {
        let j = JadwalRow {
            id: crate::JadwalId(1),
            slot_id: crate::SlotId(1),
            satker_kode: "561403".into(),
            satker_nama: String::new(),
            mulai_ms: 10_000_000,
            durasi_menit: 60,
            mode: Mode::Kppn,
            tautan: None,
            catatan: String::new(),
            pejabat: vec![],
            tiba_ms: None,
            kehadiran: None,
            hasil: None,
            pemegang: None,
            nomor_sesi: None,
            langsung: false,
        };
        assert!(j.dapat_diubah(10_000_000 - 3_600_000));
        assert!(!j.dapat_diubah(10_000_000 - 3_599_999));
    }

    #[test]
    fn wib_of_ms_is_utc_plus_seven() {
        // 2021-01-25 01:59:50 UTC
        assert_eq!(wib_of_ms(1_611_539_990_000).format("%Y-%m-%d %H:%M").to_string(), "2021-01-25 08:59");
    }
}
