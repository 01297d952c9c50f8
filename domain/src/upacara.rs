//! The activation ceremony (issue 26): the aktivasi code read aloud lives inside its session.
//! It may be requested only in the session's window, it is entered only by the CSO who holds
//! the session, both screens show the same session number and who is on the other side, and
//! the CSO ticks what it saw before entering the code.

use crate::Jabatan;
use crate::jadwal::{Mode, Pemegang};
use crate::validate::FieldErrors;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long before its start and after its end a session's code may still be requested
/// (`SAKTI_SESI_TOLERANSI`): a pejabat joining the call a little early or a session
/// running a little late is not turned away.
pub const DEFAULT_TOLERANSI: Duration = Duration::minutes(10);

/// The length of a walk-in session ("sesi langsung") the CSO opens with the pejabat in front
/// of it.
pub const SESI_LANGSUNG_MENIT: i32 = 60;

/// Aktivasi codes one pejabat may ask for inside one session: a ceremony needs one, a slow SMS
/// or a mistyped code a second or third; six leave room without inviting abuse. Inside a held
/// session these replace the number's ten-minute window (`otp::NUMBER_IN_WINDOW`); the number's
/// daily cap, the pejabat's cool-down and daily cap and the national ceiling still hold.
pub const KODE_PER_SESI: i64 = 6;

/// Session numbers have two or three digits: short enough to read out, new per holder.
pub const NOMOR: std::ops::RangeInclusive<i16> = 10..=999;

/// Where `now` stands against a session from `mulai` for `durasi_menit`, widened by `toleransi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posisi {
    Belum,
    Dalam,
    Lewat,
}

/// The session's window: from `toleransi` before its start to `toleransi` after its end.
pub fn jendela(mulai: DateTime<Utc>, durasi_menit: i32, toleransi: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
    (mulai - toleransi, mulai + Duration::minutes(i64::from(durasi_menit)) + toleransi)
}

pub fn posisi(mulai: DateTime<Utc>, durasi_menit: i32, toleransi: Duration, now: DateTime<Utc>) -> Posisi {
    let (buka, tutup) = jendela(mulai, durasi_menit, toleransi);
    if now < buka {
        Posisi::Belum
    } else if now > tutup {
        Posisi::Lewat
    } else {
        Posisi::Dalam
    }
}

/// `Senin, 7 Des 2026 09:00–10:00 WIB`: a session's time as the dialogs say it.
pub fn waktu(mulai_ms: i64, selesai_ms: i64) -> String {
    let mulai = crate::jadwal::waktu(crate::jadwal::wib_of_ms(mulai_ms));
    let selesai = crate::jadwal::wib_of_ms(selesai_ms).format("%H:%M");
    match mulai.strip_suffix(" WIB") {
        Some(m) => format!("{m}–{selesai} WIB"),
        None => mulai,
    }
}

/// What both screens show about the session a code belongs to (the mutual check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoSesi {
    pub jadwal_id: crate::JadwalId,
    /// Read out on the call; the CSO's screen shows the same.
    pub nomor: Option<i16>,
    pub pemegang: Option<Pemegang>,
    pub kppn_nama: String,
    /// The KPPN's published contacts, for a pejabat in doubt.
    pub kppn_telepon: Option<String>,
    pub kppn_email: Option<String>,
    pub mulai_ms: i64,
    pub selesai_ms: i64,
    pub mode: Mode,
    /// A walk-in session the CSO opened with the pejabat present.
    pub langsung: bool,
}

impl InfoSesi {
    pub fn waktu(&self) -> String {
        waktu(self.mulai_ms, self.selesai_ms)
    }

    /// Where `now` stands against this session's window, widened by `toleransi`.
    pub fn posisi(&self, toleransi: Duration, now: DateTime<Utc>) -> Posisi {
        let mulai = DateTime::from_timestamp_millis(self.mulai_ms).unwrap_or(now);
        let durasi = i32::try_from((self.selesai_ms - self.mulai_ms) / 60_000).unwrap_or(0);
        posisi(mulai, durasi, toleransi, now)
    }

    pub fn dipegang(&self, user: crate::UserId) -> bool {
        self.pemegang.as_ref().is_some_and(|p| p.user_id == user)
    }
}

/// Why an aktivasi code cannot be requested now, in the words the dialog shows; `None` when
/// `sesi` (the pejabat's session nearest to `now`, if any) is in its window and held.
pub fn tolak_permintaan(sesi: Option<&InfoSesi>, toleransi: Duration, now: DateTime<Utc>) -> Option<String> {
    let Some(s) = sesi else {
        return Some(
            "Belum ada sesi aktivasi untuk pejabat ini. Minta Admin Lokal memesan sesi di Berkas & Jadwal, \
             atau datang ke KPPN: CSO membuka sesi langsung."
                .into(),
        );
    };
    let menit = toleransi.num_minutes();
    match s.posisi(toleransi, now) {
        Posisi::Belum => Some(format!(
            "Kode aktivasi diminta pada sesi Anda: {} (dapat diminta sejak {menit} menit sebelumnya).",
            s.waktu()
        )),
        Posisi::Lewat => Some(format!(
            "Sesi Anda {} telah berakhir. Minta Admin Lokal memesan sesi baru di Berkas & Jadwal.",
            s.waktu()
        )),
        Posisi::Dalam if s.pemegang.is_none() => Some(format!(
            "Sesi Anda {} belum diambil CSO KPPN. Tunggu CSO membuka sesi, lalu minta kode lagi.",
            s.waktu()
        )),
        Posisi::Dalam => None,
    }
}

/// What a press of "Request OTP" would meet now, shown before the press: the refusal's words
/// and, for a wait that ends (the number's window, the session's start), the seconds to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tunggu {
    pub teks: String,
    pub detik: Option<i64>,
}

/// [`tolak_permintaan`] as the dialog shows it before the press: with the seconds until the
/// window opens when the session is still to come (the button waits that long).
pub fn tunggu_sesi(sesi: Option<&InfoSesi>, toleransi: Duration, now: DateTime<Utc>) -> Option<Tunggu> {
    let teks = tolak_permintaan(sesi, toleransi, now)?;
    let detik = sesi.filter(|s| s.posisi(toleransi, now) == Posisi::Belum).map(|s| {
        let buka = DateTime::<Utc>::from_timestamp_millis(s.mulai_ms).unwrap_or(now) - toleransi;
        (buka - now).num_seconds().max(1)
    });
    Some(Tunggu { teks, detik })
}

crate::stored_enum! {
    /// One thing the CSO confirms it saw before entering a code.
    pub enum Butir as code / from_code {
        HadirLangsung = "HADIR_LANGSUNG",
        WajahDiKamera = "WAJAH_DI_KAMERA",
        KtpCocok = "KTP_COCOK",
        KodeDiKamera = "KODE_DI_KAMERA",
    }
}

impl Butir {
    pub fn label(self) -> &'static str {
        match self {
            Butir::HadirLangsung => "Pejabat (atau penerima kuasa) hadir di hadapan saya",
            Butir::WajahDiKamera => "Pejabat (atau penerima kuasa) tampak di kamera sepanjang sesi",
            Butir::KtpCocok => "KTP ditunjukkan dan cocok dengan pindaian KTP pada berkas",
            Butir::KodeDiKamera => "Kode dibacakan di depan kamera",
        }
    }

    /// The checklist of a session held in `mode`: video sessions watch the whole call;
    /// in-person sessions have the shorter one.
    pub fn untuk(mode: Mode) -> &'static [Butir] {
        match mode {
            Mode::Kppn => &[Butir::HadirLangsung, Butir::KtpCocok],
            Mode::VideoConference => &[Butir::WajahDiKamera, Butir::KtpCocok, Butir::KodeDiKamera],
        }
    }
}

/// The mandate letter of a proxy (kuasa) activating for a KPA, as the CSO types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KuasaInput {
    pub nomor_surat: String,
    /// `dd/mm/yyyy`.
    pub tanggal_surat: String,
    pub nama: String,
    pub nip: String,
}

/// The checklist as the CSO sends it (nothing ticked is a form without the field at all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CeklisInput {
    pub dicentang: Vec<Butir>,
    pub kuasa: Option<KuasaInput>,
}

/// A checked mandate letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kuasa {
    pub nomor_surat: String,
    pub tanggal_surat: NaiveDate,
    pub nama: String,
    pub nip: String,
}

/// A checked checklist: every item of its mode ticked, the mandate (if any) complete. It is
/// stored with the activation and written to the audit line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceklis {
    pub mode: Mode,
    pub dicentang: Vec<Butir>,
    pub kuasa: Option<Kuasa>,
}

impl Ceklis {
    /// The audit line's words: `ceklis video conference: … ; kuasa surat … tgl … Nama (NIP …)`.
    pub fn ringkas(&self) -> String {
        let butir: Vec<&str> = self.dicentang.iter().map(|b| b.code()).collect();
        let mut s = format!("ceklis {}: {}", self.mode.label().to_lowercase(), butir.join(", "));
        if let Some(k) = &self.kuasa {
            s.push_str(&format!(
                "; penerima kuasa {} (NIP {}) surat kuasa {} tanggal {}",
                k.nama,
                k.nip,
                k.nomor_surat,
                crate::format::tanggal(k.tanggal_surat)
            ));
        }
        s
    }
}

/// Checks the CSO's checklist for a session in `mode` and a pejabat with `jabatan`, on `today`.
pub fn periksa(input: &CeklisInput, mode: Mode, jabatan: Jabatan, today: NaiveDate) -> Result<Ceklis, FieldErrors> {
    let mut errors = FieldErrors::default();
    let perlu = Butir::untuk(mode);
    if perlu.iter().any(|b| !input.dicentang.contains(b)) {
        errors.add("ceklis", "Centang setiap butir pemeriksaan sebelum memasukkan kode.");
    }
    let kuasa = match &input.kuasa {
        None => None,
        Some(_) if jabatan != Jabatan::Kpa => {
            errors.add("kuasa", "Aktivasi OTP PPK dan PPSPM tidak dapat diwakilkan.");
            None
        }
        Some(k) => {
            let nomor = crate::validate::text(&k.nomor_surat, "Nomor surat kuasa", 100);
            let tanggal = crate::validate::date(&k.tanggal_surat, "Tanggal surat kuasa").and_then(|d| {
                if d > today { Err("Tanggal surat kuasa tidak boleh di masa depan.".to_string()) } else { Ok(d) }
            });
            let nama = crate::validate::text(&k.nama, "Nama penerima kuasa", 100);
            let nip = crate::validate::nip(&k.nip);
            for (field, r) in [("kuasa_nomor", nomor.as_ref().err()), ("kuasa_nama", nama.as_ref().err())] {
                if let Some(m) = r {
                    errors.add(field, m.clone());
                }
            }
            if let Err(m) = &tanggal {
                errors.add("kuasa_tanggal", m.clone());
            }
            if let Err(m) = &nip {
                errors.add("kuasa_nip", m.clone());
            }
            match (nomor, tanggal, nama, nip) {
                (Ok(nomor_surat), Ok(tanggal_surat), Ok(nama), Ok(nip)) => {
                    Some(Kuasa { nomor_surat, tanggal_surat, nama, nip })
                }
                _ => None,
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Ceklis { mode, dicentang: perlu.to_vec(), kuasa })
}

/// The dialog's warning beside the session, in plain words (the point of the ceremony).
pub const PERINGATAN: &str = "Bacakan kode hanya kepada CSO yang namanya tertera di atas, hanya dalam sesi ini, \
     dan pastikan nomor sesi yang disebut CSO sama. Setelah aktivasi, tidak ada petugas yang akan meminta \
     kode OTP SAKTI Anda lagi: siapa pun yang memintanya bukan petugas.";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, h, m, 0).unwrap()
    }

    fn sesi(held: bool) -> InfoSesi {
        InfoSesi {
            jadwal_id: crate::JadwalId(1),
            nomor: held.then_some(47),
            pemegang: held.then(|| Pemegang { user_id: crate::UserId(9), nama: "CSO KPPN Jakarta VI".into() }),
            kppn_nama: "KPPN Jakarta VI".into(),
            kppn_telepon: None,
            kppn_email: None,
            mulai_ms: at(2, 0).timestamp_millis(),
            selesai_ms: at(3, 0).timestamp_millis(),
            mode: Mode::VideoConference,
            langsung: false,
        }
    }

    #[test]
    fn the_dialog_counts_down_to_the_window_before_the_press_and_only_then() {
        let g = Duration::minutes(10);
        let held = sesi(true);
        let t = tunggu_sesi(Some(&held), g, at(1, 40)).unwrap();
        assert_eq!(t.detik, Some(600), "the window opens at 08:50 WIB");
        assert!(t.teks.contains("Kode aktivasi diminta pada sesi Anda"), "{}", t.teks);
        assert_eq!(tunggu_sesi(Some(&held), g, at(1, 50)), None);
        // no session, one not held, one past: words, no count
        assert_eq!(tunggu_sesi(None, g, at(1, 40)).unwrap().detik, None);
        assert_eq!(tunggu_sesi(Some(&sesi(false)), g, at(2, 5)).unwrap().detik, None);
        assert_eq!(tunggu_sesi(Some(&held), g, at(3, 30)).unwrap().detik, None);
    }

    #[test]
    fn the_window_opens_and_closes_with_the_grace() {
        let g = Duration::minutes(10);
        assert_eq!(posisi(at(2, 0), 60, g, at(1, 49)), Posisi::Belum);
        assert_eq!(posisi(at(2, 0), 60, g, at(1, 50)), Posisi::Dalam);
        assert_eq!(posisi(at(2, 0), 60, g, at(3, 10)), Posisi::Dalam);
        assert_eq!(posisi(at(2, 0), 60, g, at(3, 11)), Posisi::Lewat);
        assert_eq!(posisi(at(2, 0), 60, Duration::zero(), at(1, 59)), Posisi::Belum);
    }

    #[test]
    fn a_request_outside_the_window_says_when_the_session_is() {
        let g = Duration::minutes(10);
        let early = tolak_permintaan(Some(&sesi(true)), g, at(1, 0)).unwrap();
        assert_eq!(
            early,
            "Kode aktivasi diminta pada sesi Anda: Selasa, 8 Des 2026 09:00–10:00 WIB (dapat diminta sejak 10 menit sebelumnya)."
        );
        assert!(tolak_permintaan(Some(&sesi(true)), g, at(4, 0)).unwrap().contains("telah berakhir"));
        assert!(tolak_permintaan(Some(&sesi(false)), g, at(2, 5)).unwrap().contains("belum diambil CSO"));
        assert!(tolak_permintaan(None, g, at(2, 5)).unwrap().starts_with("Belum ada sesi aktivasi"));
        assert_eq!(tolak_permintaan(Some(&sesi(true)), g, at(2, 5)), None);
    }

    #[test]
    fn a_checklist_needs_every_item_of_its_mode() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let video = Butir::untuk(Mode::VideoConference).to_vec();
        let partial = CeklisInput { dicentang: video[..2].to_vec(), kuasa: None };
        let e = periksa(&partial, Mode::VideoConference, Jabatan::Ppk, today).unwrap_err();
        assert!(e.get("ceklis").is_some());
        // the in-person list is shorter, and a video list's items do not stand in for it
        let in_person = CeklisInput { dicentang: Butir::untuk(Mode::Kppn).to_vec(), kuasa: None };
        assert!(periksa(&in_person, Mode::Kppn, Jabatan::Ppk, today).is_ok());
        assert!(periksa(&in_person, Mode::VideoConference, Jabatan::Ppk, today).is_err());
        let full = CeklisInput { dicentang: video.clone(), kuasa: None };
        let c = periksa(&full, Mode::VideoConference, Jabatan::Ppk, today).unwrap();
        assert_eq!(c.ringkas(), "ceklis video conference: WAJAH_DI_KAMERA, KTP_COCOK, KODE_DI_KAMERA");
    }

    #[test]
    fn a_mandate_is_complete_and_for_a_kpa_only() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let kuasa = KuasaInput {
            nomor_surat: "SK-7/KPA/2026".into(),
            tanggal_surat: "01/12/2026".into(),
            nama: "Rina Wulandari".into(),
            nip: "199001012015012001".into(),
        };
        let input = CeklisInput { dicentang: Butir::untuk(Mode::Kppn).to_vec(), kuasa: Some(kuasa.clone()) };
        let c = periksa(&input, Mode::Kppn, Jabatan::Kpa, today).unwrap();
        assert!(c.ringkas().ends_with(
            "penerima kuasa Rina Wulandari (NIP 199001012015012001) surat kuasa SK-7/KPA/2026 tanggal 1 Des 2026"
        ));
        assert!(periksa(&input, Mode::Kppn, Jabatan::Ppk, today).unwrap_err().get("kuasa").is_some());
        let future = CeklisInput {
            kuasa: Some(KuasaInput { tanggal_surat: "09/12/2026".into(), nip: "12".into(), ..kuasa }),
            ..input
        };
        let e = periksa(&future, Mode::Kppn, Jabatan::Kpa, today).unwrap_err();
        assert!(e.get("kuasa_tanggal").is_some() && e.get("kuasa_nip").is_some());
    }
}
