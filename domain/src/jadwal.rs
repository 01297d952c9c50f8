//! Activation sessions the CSO KPPN schedules with a satker (seed part C): when, where
//! (at the KPPN or by video conference with a link), and afterwards who came and what
//! came of it.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// How long ahead a session may be set.
pub const MAX_DAYS_AHEAD: i64 = 180;

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

/// The session form as the browser sends it (all text).
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
}

/// A checked session: the start as a WIB wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJadwal {
    pub satker_kode: String,
    pub mulai_wib: NaiveDateTime,
    pub mode: Mode,
    pub tautan: Option<String>,
    pub catatan: String,
}

/// Checks a session form against `now_wib`; each wrong field gets its own message.
pub fn check(input: &JadwalInput, now_wib: NaiveDateTime) -> Result<NewJadwal, crate::validate::FieldErrors> {
    let mut errors = crate::validate::FieldErrors::default();
    let satker = input.satker_kode.trim();
    if !(satker.len() == 6 && satker.bytes().all(|b| b.is_ascii_digit())) {
        errors.add("satker_kode", "Pilih satker.");
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
    match (errors.is_empty(), mulai, mode) {
        (true, Some(mulai_wib), Ok(mode)) => {
            Ok(NewJadwal { satker_kode: satker.to_owned(), mulai_wib, mode, tautan, catatan })
        }
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

/// The CSO's sessions page: sessions from today on, the KPPN's satkers, and the server's
/// clock (epoch ms) so the page splits "today" the same way on the server and in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MejaJadwal {
    pub sesi: Vec<JadwalRow>,
    pub satker: Vec<SatkerMitra>,
    pub now_ms: i64,
}

/// One session as the satker's users and the CSO see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JadwalRow {
    pub id: crate::JadwalId,
    pub satker_kode: String,
    pub satker_nama: String,
    /// Start, epoch milliseconds.
    pub mulai_ms: i64,
    pub mode: Mode,
    pub tautan: Option<String>,
    pub catatan: String,
    pub kehadiran: Option<Kehadiran>,
    pub hasil: Option<String>,
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
    fn wib_of_ms_is_utc_plus_seven() {
        // 2021-01-25 01:59:50 UTC
        assert_eq!(wib_of_ms(1_611_539_990_000).format("%Y-%m-%d %H:%M").to_string(), "2021-01-25 08:59");
    }
}
