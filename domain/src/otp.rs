//! The OTP rules: validity, wrong tries, cool-down and daily cap, decided from plain
//! values so that the server applies them and the tests pin them down without a clock.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A code is valid this long after it is sent.
pub const VALID_SECS: i64 = 120;
/// Wrong tries after which a code is void.
pub const MAX_WRONG_TRIES: i32 = 3;
/// Minimum time between two requests for the same pejabat and purpose.
pub const COOLDOWN_SECS: i64 = 60;
/// Requests per pejabat per calendar day (WIB).
pub const DAILY_CAP: i64 = 10;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Consecutive wrong codes on one reference, across codes (a new code does not reset the
/// count, a right one does), after which its OTP steps stay locked until the CSO of its KPPN
/// unlocks them (NIST SP 800-63B-4 §3.1.3.2 and §3.2.2).
pub const MAX_CONSECUTIVE_WRONG: i32 = 10;
/// Code SMS one destination number receives at most within [`NUMBER_WINDOW_SECS`], whoever asks.
pub const NUMBER_IN_WINDOW: i64 = 3;
pub const NUMBER_WINDOW_SECS: i64 = 600;
/// Code SMS one destination number receives at most per calendar day (WIB).
pub const NUMBER_DAILY: i64 = 10;
/// The national ceiling of code SMS per hour when none is configured.
pub const DEFAULT_NATIONAL_PER_HOUR: i64 = 20_000;

crate::stored_enum! {
    /// What a code is for; a code for one purpose never works for another.
    pub enum Purpose as code / from_code {
        VerifikasiHp = "verifikasi_hp",
        Aktivasi = "aktivasi",
        KirimData = "kirim_data",
        /// The code sent to the new number of a number change.
        UbahNomor = "ubah_nomor",
        /// The KPA's own code approving its PPK's/PPSPM's number change.
        SetujuUbahNomor = "setuju_ubah_nomor",
    }
}

impl Purpose {
    /// True when the code works only for one other reference (the one the KPA acts on).
    pub fn is_bound_to_target(self) -> bool {
        matches!(self, Purpose::KirimData | Purpose::SetujuUbahNomor)
    }
}

/// Why a request or a code was refused. Messages are shown to the user as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum OtpRefusal {
    #[error("Tunggu {0} detik sebelum meminta kode baru.")]
    Cooldown(i64),
    #[error("Batas {DAILY_CAP} permintaan kode hari ini telah tercapai. Coba lagi besok.")]
    DailyCap,
    #[error("Belum ada kode yang berlaku. Klik Request OTP terlebih dahulu.")]
    NoPending,
    #[error("Kode sudah kedaluwarsa. Minta kode baru.")]
    Expired,
    #[error("Kode sudah digunakan. Minta kode baru bila perlu.")]
    Used,
    #[error("Kode salah {MAX_WRONG_TRIES} kali dan tidak berlaku lagi. Minta kode baru.")]
    TooManyTries,
    #[error("Kode salah. Sisa percobaan: {0}.")]
    Wrong(i32),
    #[error("Kode harus 6 angka.")]
    Malformed,
    #[error(
        "Langkah OTP pejabat ini dikunci setelah {MAX_CONSECUTIVE_WRONG} kali kode salah berturut-turut. Hubungi CSO KPPN mitra satker untuk membukanya."
    )]
    Locked,
    #[error(
        "Langkah OTP pejabat ini dikunci karena pejabat melaporkan \"Bukan saya\". CSO KPPN membukanya setelah memastikan dengan pejabat lewat kontak resmi."
    )]
    Dilaporkan,
    #[error("Nomor HP ini sudah menerima {NUMBER_IN_WINDOW} kode dalam 10 menit. Coba lagi dalam {0} menit.")]
    NumberBusy(i64),
    #[error("Nomor HP ini sudah menerima {NUMBER_DAILY} kode hari ini. Coba lagi besok.")]
    NumberDaily,
    #[error(
        "Pengiriman kode SMS sedang mencapai batas nasional per jam. Coba lagi beberapa menit lagi; bila mendesak hubungi CSO KPPN."
    )]
    NationalCeiling,
}

impl OtpRefusal {
    /// A short stable name for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            OtpRefusal::Cooldown(_) => "cooldown",
            OtpRefusal::DailyCap => "daily_cap",
            OtpRefusal::NoPending => "no_pending",
            OtpRefusal::Expired => "expired",
            OtpRefusal::Used => "used",
            OtpRefusal::TooManyTries => "too_many_tries",
            OtpRefusal::Wrong(_) => "wrong",
            OtpRefusal::Malformed => "malformed",
            OtpRefusal::Locked => "locked",
            OtpRefusal::Dilaporkan => "reported",
            OtpRefusal::NumberBusy(_) => "number_busy",
            OtpRefusal::NumberDaily => "number_daily",
            OtpRefusal::NationalCeiling => "national_ceiling",
        }
    }
}

/// May a new code be requested, given the last one sent for this pejabat and purpose
/// and the number requested today for this pejabat?
pub fn may_request(last_sent: Option<DateTime<Utc>>, sent_today: i64, now: DateTime<Utc>) -> Result<(), OtpRefusal> {
    if sent_today >= DAILY_CAP {
        return Err(OtpRefusal::DailyCap);
    }
    if let Some(last) = last_sent {
        let ready = last + Duration::seconds(COOLDOWN_SECS);
        if now < ready {
            let wait = (ready - now).num_milliseconds();
            return Err(OtpRefusal::Cooldown((wait + 999) / 1000));
        }
    }
    Ok(())
}

/// The code SMS a destination number has received, as counted for its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberUse {
    /// Code SMS to the number within the last [`NUMBER_WINDOW_SECS`].
    pub in_window: i64,
    /// The oldest of those (when the window frees a place).
    pub oldest_in_window: Option<DateTime<Utc>>,
    /// Code SMS to the number since the start of the day (WIB).
    pub today: i64,
}

/// May another code SMS go to a number that has had `used`, when the whole country has sent
/// `national_last_hour` of `national_per_hour`? Whoever asks: the budget is the number's. An
/// aktivasi code asked for inside a session held by its CSO (`dalam_sesi`) is not held to the
/// number's ten-minute window — the session has its own allowance
/// (`upacara::KODE_PER_SESI`) — so a ceremony is never stalled by a budget meant for abuse.
pub fn may_send_to(
    used: NumberUse,
    national_last_hour: i64,
    national_per_hour: i64,
    dalam_sesi: bool,
    now: DateTime<Utc>,
) -> Result<(), OtpRefusal> {
    if national_last_hour >= national_per_hour {
        return Err(OtpRefusal::NationalCeiling);
    }
    if used.today >= NUMBER_DAILY {
        return Err(OtpRefusal::NumberDaily);
    }
    if used.in_window >= NUMBER_IN_WINDOW && !dalam_sesi {
        let frees = used.oldest_in_window.map_or(now, |t| t + Duration::seconds(NUMBER_WINDOW_SECS));
        let secs = (frees - now).num_seconds().max(1);
        return Err(OtpRefusal::NumberBusy((secs + 59) / 60));
    }
    Ok(())
}

/// Whether a reference's OTP steps are open: not after [`MAX_CONSECUTIVE_WRONG`] wrong codes in
/// a row, nor after its pejabat reported "Bukan saya" (`dilaporkan`), until its CSO unlocks them.
pub fn may_use(consecutive_wrong: i32, dilaporkan: bool) -> Result<(), OtpRefusal> {
    if dilaporkan {
        Err(OtpRefusal::Dilaporkan)
    } else if consecutive_wrong >= MAX_CONSECUTIVE_WRONG {
        Err(OtpRefusal::Locked)
    } else {
        Ok(())
    }
}

/// When the number that had `used` before a code sent at `sent_at` may receive the next one
/// (outside a session): the cool-down, or later when that code filled its ten-minute window —
/// the dialog shows the wait before the press.
pub fn next_request_for_number(sent_at: DateTime<Utc>, used: NumberUse, dalam_sesi: bool) -> DateTime<Utc> {
    let cooldown = next_request_at(sent_at);
    if dalam_sesi || used.in_window + 1 < NUMBER_IN_WINDOW {
        return cooldown;
    }
    let frees = used.oldest_in_window.unwrap_or(sent_at) + Duration::seconds(NUMBER_WINDOW_SECS);
    cooldown.max(frees)
}

/// When the next request becomes possible after a code sent at `sent_at`.
pub fn next_request_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::seconds(COOLDOWN_SECS)
}

pub fn expires_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::seconds(VALID_SECS)
}

crate::stored_enum! {
    /// The state of a code as stored (`otp_code.state`).
    pub enum CodeState as code / from_code {
        Pending = "PENDING",
        Used = "USED",
        Void = "VOID",
    }
}

/// May a typed code still be checked against the stored one? (Before comparing.)
pub fn may_check(
    state: CodeState,
    wrong_tries: i32,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), OtpRefusal> {
    match state {
        CodeState::Used => Err(OtpRefusal::Used),
        CodeState::Void if wrong_tries >= MAX_WRONG_TRIES => Err(OtpRefusal::TooManyTries),
        CodeState::Void => Err(OtpRefusal::NoPending),
        CodeState::Pending if wrong_tries >= MAX_WRONG_TRIES => Err(OtpRefusal::TooManyTries),
        CodeState::Pending if now >= expires_at => Err(OtpRefusal::Expired),
        CodeState::Pending => Ok(()),
    }
}

/// The refusal after a wrong code, given the tries on this code and the consecutive wrong
/// codes on the reference, both including this one.
pub fn after_wrong(wrong_tries: i32, consecutive_wrong: i32) -> OtpRefusal {
    if consecutive_wrong >= MAX_CONSECUTIVE_WRONG {
        OtpRefusal::Locked
    } else if wrong_tries >= MAX_WRONG_TRIES {
        OtpRefusal::TooManyTries
    } else {
        OtpRefusal::Wrong(MAX_WRONG_TRIES - wrong_tries)
    }
}

/// Six ASCII digits, spaces ignored (people read codes in groups).
pub fn normalize_code(raw: &str) -> Result<String, OtpRefusal> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) { Ok(code) } else { Err(OtpRefusal::Malformed) }
}

/// `mm:ss` of the seconds left, never negative.
pub fn countdown(seconds_left: i64) -> String {
    let s = seconds_left.max(0);
    format!("{:02}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn cooldown_counts_down_to_zero() {
        assert_eq!(may_request(None, 0, t(0)), Ok(()));
        assert_eq!(may_request(Some(t(0)), 1, t(1)), Err(OtpRefusal::Cooldown(59)));
        assert_eq!(may_request(Some(t(0)), 1, t(59)), Err(OtpRefusal::Cooldown(1)));
        assert_eq!(may_request(Some(t(0)), 1, t(60)), Ok(()));
    }

    #[test]
    fn the_eleventh_request_of_a_day_is_refused() {
        assert_eq!(may_request(None, 9, t(0)), Ok(()));
        assert_eq!(may_request(None, 10, t(0)), Err(OtpRefusal::DailyCap));
    }

    #[test]
    fn a_code_is_valid_for_120_seconds() {
        let exp = expires_at(t(0));
        assert_eq!(may_check(CodeState::Pending, 0, exp, t(119)), Ok(()));
        assert_eq!(may_check(CodeState::Pending, 0, exp, t(120)), Err(OtpRefusal::Expired));
    }

    #[test]
    fn used_and_void_codes_never_check() {
        let exp = expires_at(t(0));
        assert_eq!(may_check(CodeState::Used, 0, exp, t(1)), Err(OtpRefusal::Used));
        assert_eq!(may_check(CodeState::Void, 3, exp, t(1)), Err(OtpRefusal::TooManyTries));
        assert_eq!(may_check(CodeState::Void, 0, exp, t(1)), Err(OtpRefusal::NoPending));
    }

    #[test]
    fn three_wrong_tries_void_the_code() {
        assert_eq!(after_wrong(1, 1), OtpRefusal::Wrong(2));
        assert_eq!(after_wrong(2, 2), OtpRefusal::Wrong(1));
        assert_eq!(after_wrong(3, 3), OtpRefusal::TooManyTries);
    }

    #[test]
    fn the_tenth_consecutive_wrong_code_locks_the_reference_whatever_the_code() {
        // a fourth code's first wrong try is the tenth in a row
        assert_eq!(after_wrong(1, 9), OtpRefusal::Wrong(2));
        assert_eq!(after_wrong(1, 10), OtpRefusal::Locked);
        assert_eq!(may_use(9, false), Ok(()));
        assert_eq!(may_use(10, false), Err(OtpRefusal::Locked));
        assert_eq!(may_use(0, true), Err(OtpRefusal::Dilaporkan));
    }

    #[test]
    fn a_number_gets_three_codes_per_ten_minutes_and_ten_a_day() {
        let free = NumberUse { in_window: 2, oldest_in_window: Some(t(0)), today: 9 };
        assert_eq!(may_send_to(free, 0, 100, false, t(60)), Ok(()));
        let busy = NumberUse { in_window: 3, oldest_in_window: Some(t(0)), today: 3 };
        assert_eq!(may_send_to(busy, 0, 100, false, t(60)), Err(OtpRefusal::NumberBusy(9)));
        assert_eq!(may_send_to(busy, 0, 100, false, t(599)), Err(OtpRefusal::NumberBusy(1)));
        let full = NumberUse { in_window: 0, oldest_in_window: None, today: 10 };
        assert_eq!(may_send_to(full, 0, 100, false, t(0)), Err(OtpRefusal::NumberDaily));
        // inside a held session the number's window does not apply; the day and the country do
        assert_eq!(may_send_to(busy, 0, 100, true, t(60)), Ok(()));
        assert_eq!(may_send_to(full, 0, 100, true, t(0)), Err(OtpRefusal::NumberDaily));
        // the third code in ten minutes: the next waits for the window, before the press
        let two = NumberUse { in_window: 2, oldest_in_window: Some(t(0)), today: 2 };
        assert_eq!(next_request_for_number(t(120), two, false), t(600));
        assert_eq!(next_request_for_number(t(120), two, true), t(180));
        let one = NumberUse { in_window: 1, oldest_in_window: Some(t(0)), today: 1 };
        assert_eq!(next_request_for_number(t(120), one, false), t(180));
    }

    #[test]
    fn the_national_ceiling_refuses_everyone() {
        let free = NumberUse { in_window: 0, oldest_in_window: None, today: 0 };
        assert_eq!(may_send_to(free, 99, 100, false, t(0)), Ok(()));
        assert_eq!(may_send_to(free, 100, 100, false, t(0)), Err(OtpRefusal::NationalCeiling));
    }

    #[test]
    fn codes_are_six_ascii_digits() {
        assert_eq!(normalize_code(" 505 362 ").unwrap(), "505362");
        for bad in ["50536", "5053621", "50536a", "٥٠٥٣٦٢", ""] {
            assert_eq!(normalize_code(bad), Err(OtpRefusal::Malformed), "{bad}");
        }
    }

    #[test]
    fn countdown_formats_minutes_and_seconds() {
        assert_eq!(countdown(119), "01:59");
        assert_eq!(countdown(0), "00:00");
        assert_eq!(countdown(-5), "00:00");
    }

    #[test]
    fn purposes_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::from_code(p.code()), Some(p));
        }
    }
}

/// The timing of a sent code as the browser needs it: epoch milliseconds, with the
/// server's clock at the time of the answer so the device can correct its own offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpTiming {
    pub sent_at_ms: i64,
    pub expires_at_ms: i64,
    pub next_request_at_ms: i64,
    pub server_now_ms: i64,
}

/// The latest code as the dialog and the console show it: its timing and the SMS that
/// carried it (number masked, delivery state, send time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KodeTerakhir {
    pub timing: OtpTiming,
    pub kiriman: Option<crate::sms::Kiriman>,
    /// An aktivasi code's session (the mutual check): the CSO, the KPPN, the time, the number.
    pub sesi: Option<crate::upacara::InfoSesi>,
}

/// A code dialog as it opens: the latest code (if any), the session an aktivasi code would
/// be read in, and any wait before the next request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BukaKode {
    pub terakhir: Option<KodeTerakhir>,
    pub sesi: Option<crate::upacara::InfoSesi>,
    pub tunggu: Option<crate::upacara::Tunggu>,
}

impl OtpTiming {
    /// Whole seconds left until `deadline_ms` at server time `server_now_ms` (rounded up).
    pub fn seconds_left(deadline_ms: i64, server_now_ms: i64) -> i64 {
        ((deadline_ms - server_now_ms).max(0) + 999) / 1000
    }

    /// Seconds until the code expires at (estimated) server time `server_now_ms`, never more
    /// than the code's validity: a device's estimate of the server clock can lag (a clock
    /// read a moment before the answer arrived), and a countdown that starts at `02:01` for a
    /// code valid two minutes misleads.
    pub fn expires_in(&self, server_now_ms: i64) -> i64 {
        let validity = Self::seconds_left(self.expires_at_ms, self.sent_at_ms);
        Self::seconds_left(self.expires_at_ms, server_now_ms).min(validity)
    }

    /// Seconds until a new code may be requested, never more than the cool-down.
    pub fn resend_in(&self, server_now_ms: i64) -> i64 {
        let cooldown = Self::seconds_left(self.next_request_at_ms, self.sent_at_ms);
        Self::seconds_left(self.next_request_at_ms, server_now_ms).min(cooldown)
    }
}

#[cfg(test)]
mod timing_tests {
    use super::*;

    fn sent_at(ms: i64) -> OtpTiming {
        OtpTiming {
            sent_at_ms: ms,
            expires_at_ms: ms + 120_000,
            next_request_at_ms: ms + 60_000,
            server_now_ms: ms + 3,
        }
    }

    #[test]
    fn the_countdown_never_shows_more_than_the_validity() {
        let t = sent_at(1_000_000);
        // a device estimate 250 ms behind the moment the code was sent
        assert_eq!(t.expires_in(999_750), 120);
        assert_eq!(countdown(t.expires_in(999_750)), "02:00");
        assert_eq!(t.resend_in(999_750), 60);
        assert_eq!(t.expires_in(1_000_001), 120);
        assert_eq!(t.expires_in(1_001_001), 119);
        assert_eq!(t.expires_in(1_200_000), 0);
        assert_eq!(t.resend_in(1_060_000), 0);
    }
}
