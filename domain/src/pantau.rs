//! The progress board (`/pantau`): where each satker stands in the roll-out, counted for a
//! KPPN, a region or the nation; who has been stuck too long; and when it will be done at the
//! pace of the last 14 days against the deadline.

use crate::audit::csv_field;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A satker's stage: the furthest it has reached, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Fase {
    /// No KPA, PPK or PPSPM recorded yet.
    Belum,
    /// Its pejabat are recorded.
    Direkam,
    /// Its bundle went to the KPPN.
    Diajukan,
    /// The KPPN accepted a bundle.
    Diterima,
    /// Its KPA is AKTIF.
    KpaAktif,
    /// KPA, PPK and PPSPM are AKTIF: done.
    Selesai,
}

impl Fase {
    pub const ALL: [Fase; 6] =
        [Fase::Belum, Fase::Direkam, Fase::Diajukan, Fase::Diterima, Fase::KpaAktif, Fase::Selesai];

    /// What the board calls the stage.
    pub fn label(self) -> &'static str {
        match self {
            Fase::Belum => "Belum mulai",
            Fase::Direkam => "Pejabat direkam",
            Fase::Diajukan => "Berkas diajukan",
            Fase::Diterima => "Berkas diterima",
            Fase::KpaAktif => "KPA aktif",
            Fase::Selesai => "PPK & PPSPM aktif",
        }
    }

    /// The stage in the CSV export.
    pub fn code(self) -> &'static str {
        match self {
            Fase::Belum => "BELUM",
            Fase::Direkam => "DIREKAM",
            Fase::Diajukan => "DIAJUKAN",
            Fase::Diterima => "DITERIMA",
            Fase::KpaAktif => "KPA_AKTIF",
            Fase::Selesai => "SELESAI",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// When a satker first reached each step, as the database knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fakta {
    /// Its first KPA, PPK or PPSPM recorded.
    pub direkam: Option<DateTime<Utc>>,
    /// Its first submission.
    pub diajukan: Option<DateTime<Utc>>,
    /// Its first activation bundle accepted.
    pub diterima: Option<DateTime<Utc>>,
    /// Its first KPA, PPK and PPSPM AKTIF.
    pub kpa_aktif: Option<DateTime<Utc>>,
    pub ppk_aktif: Option<DateTime<Utc>>,
    pub ppspm_aktif: Option<DateTime<Utc>>,
}

impl Fakta {
    /// The furthest stage reached, and since when (none for [`Fase::Belum`]).
    pub fn tahap(&self) -> (Fase, Option<DateTime<Utc>>) {
        if let (Some(kpa), Some(ppk), Some(ppspm)) = (self.kpa_aktif, self.ppk_aktif, self.ppspm_aktif) {
            return (Fase::Selesai, Some(kpa.max(ppk).max(ppspm)));
        }
        let steps = [
            (Fase::KpaAktif, self.kpa_aktif),
            (Fase::Diterima, self.diterima),
            (Fase::Diajukan, self.diajukan),
            (Fase::Direkam, self.direkam),
        ];
        steps.into_iter().find_map(|(t, at)| at.map(|at| (t, Some(at)))).unwrap_or((Fase::Belum, None))
    }
}

/// Satkers per stage they are at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hitungan([u32; 6]);

impl Hitungan {
    pub fn tambah(&mut self, tahap: Fase) {
        self.0[tahap.index()] += 1;
    }

    pub fn gabung(&mut self, other: &Hitungan) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// Satkers at exactly this stage.
    pub fn di(&self, tahap: Fase) -> u32 {
        self.0[tahap.index()]
    }

    /// Satkers that reached at least this stage: the funnel.
    pub fn sampai(&self, tahap: Fase) -> u32 {
        self.0[tahap.index()..].iter().sum()
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

/// Days in a stage after which a satker is listed as stuck (`SAKTI_PANTAU_MACET_HARI`).
pub const DEFAULT_MACET_HARI: u32 = 7;
/// The window of the pace the projection assumes.
pub const LAJU_HARI: i64 = 14;
/// Days of activations the chart shows.
pub const GRAFIK_HARI: i64 = 30;

/// The days a satker has been at a stage it should have left, if longer than `hari`. Done
/// satkers and those not started are never stuck (the deadline speaks for the latter).
pub fn macet(tahap: Fase, sejak: Option<DateTime<Utc>>, now: DateTime<Utc>, hari: u32) -> Option<i64> {
    if matches!(tahap, Fase::Belum | Fase::Selesai) {
        return None;
    }
    let days = (now - sejak?).num_days();
    (days > i64::from(hari)).then_some(days)
}

/// The WIB calendar day of an instant (UTC+7, no daylight saving).
pub fn tanggal_wib(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(7)).date_naive()
}

/// When it will be done at the recent pace, and what the deadline asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proyeksi {
    pub total: u32,
    pub selesai: u32,
    /// Satkers done per day over the last [`LAJU_HARI`] days.
    pub laju_per_hari: f64,
    /// The day the last satker would be done at that pace; none while the pace is zero.
    pub perkiraan_selesai: Option<NaiveDate>,
    pub tenggat: Option<NaiveDate>,
    /// Days from today to the deadline (negative once it passed).
    pub sisa_hari: Option<i64>,
    /// Satkers a day needed from today to meet the deadline; none when it passed or no
    /// deadline is set.
    pub perlu_per_hari: Option<f64>,
}

impl Proyeksi {
    /// Whether the recent pace meets the deadline.
    pub fn tepat_waktu(&self) -> Option<bool> {
        match (self.tenggat, self.perkiraan_selesai) {
            (Some(t), Some(p)) => Some(p <= t),
            (Some(_), None) => Some(self.selesai == self.total),
            _ => None,
        }
    }
}

/// The projection from `selesai` of `total` done, `terakhir` of them in the last
/// [`LAJU_HARI`] days, on `hari_ini`.
pub fn proyeksi(total: u32, selesai: u32, terakhir: u32, hari_ini: NaiveDate, tenggat: Option<NaiveDate>) -> Proyeksi {
    let sisa = total.saturating_sub(selesai);
    let laju = f64::from(terakhir) / LAJU_HARI as f64;
    let perkiraan_selesai = if sisa == 0 {
        Some(hari_ini)
    } else if terakhir == 0 {
        None
    } else {
        let days = (f64::from(sisa) / laju).ceil() as i64;
        Some(hari_ini + Duration::days(days))
    };
    let sisa_hari = tenggat.map(|t| (t - hari_ini).num_days());
    let perlu_per_hari = sisa_hari.filter(|d| *d > 0).map(|d| f64::from(sisa) / d as f64);
    Proyeksi { total, selesai, laju_per_hari: laju, perkiraan_selesai, tenggat, sisa_hari, perlu_per_hari }
}

/// Counts per day for the `hari` days up to and including `hari_ini`, zero where none.
pub fn per_hari(events: &[(NaiveDate, u32)], hari_ini: NaiveDate, hari: i64) -> Vec<(NaiveDate, u32)> {
    (0..hari)
        .rev()
        .map(|back| {
            let day = hari_ini - Duration::days(back);
            (day, events.iter().filter(|(d, _)| *d == day).map(|(_, n)| n).sum())
        })
        .collect()
}

/// One bar of a chart, in the SVG's user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batang {
    pub x: f64,
    pub y: f64,
    pub lebar: f64,
    pub tinggi: f64,
}

/// Where a horizontal bar's label goes (11 px text, about 6 units a character): inside the bar
/// from its start when it fits there (white on the bar), else just past the bar's end (dark on
/// the page) — never drawn over a bar too short to hold it. Returns its x and whether inside.
pub fn letak_label(lebar_batang: f64, teks: &str) -> (f64, bool) {
    let perlu = 6.2 * teks.chars().count() as f64 + 8.0;
    if lebar_batang >= perlu { (4.0, true) } else { (lebar_batang.max(0.0) + 4.0, false) }
}

/// Vertical bars for `values` in a `lebar` × `tinggi` box, scaled to the largest value, with
/// a gap of a fifth of a slot between bars; a zero is a bar of no height on the baseline.
pub fn batang(values: &[u32], lebar: f64, tinggi: f64) -> Vec<Batang> {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let slot = lebar / values.len().max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = tinggi * f64::from(*v) / f64::from(max);
            Batang { x: i as f64 * slot + slot * 0.1, y: tinggi - h, lebar: slot * 0.8, tinggi: h }
        })
        .collect()
}

/// Where the board looks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lingkup {
    Nasional,
    Kanwil(String),
    Kppn(String),
    Satker(String),
}

impl Lingkup {
    /// The query string of the board's URL for this scope.
    pub fn query(&self) -> String {
        match self {
            Lingkup::Nasional => String::new(),
            Lingkup::Kanwil(k) => format!("?kanwil={k}"),
            Lingkup::Kppn(k) => format!("?kppn={k}"),
            Lingkup::Satker(k) => format!("?satker={k}"),
        }
    }

    /// The scope a query asks for (the most specific one given).
    pub fn from_query(kanwil: &str, kppn: &str, satker: &str) -> Lingkup {
        let given = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        if let Some(s) = given(satker) {
            Lingkup::Satker(s)
        } else if let Some(k) = given(kppn) {
            Lingkup::Kppn(k)
        } else if let Some(w) = given(kanwil) {
            Lingkup::Kanwil(w)
        } else {
            Lingkup::Nasional
        }
    }
}

/// The board's URL query: the scope asked for (`?kanwil=`, `?kppn=` or `?satker=`, the most
/// specific wins); none asks for the viewer's own scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PantauQuery {
    #[serde(default)]
    pub kanwil: String,
    #[serde(default)]
    pub kppn: String,
    #[serde(default)]
    pub satker: String,
}

impl PantauQuery {
    pub fn lingkup(&self) -> Option<Lingkup> {
        match Lingkup::from_query(&self.kanwil, &self.kppn, &self.satker) {
            Lingkup::Nasional => None,
            other => Some(other),
        }
    }
}

/// One line of the board's table: a region, a KPPN or a satker under the scope shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baris {
    pub lingkup: Lingkup,
    pub kode: String,
    pub nama: String,
    pub hitungan: Hitungan,
    /// For a satker: its stage and since when.
    pub tahap: Option<(Fase, Option<DateTime<Utc>>)>,
}

/// A satker past the stuck limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Macet {
    pub satker_kode: String,
    pub satker_nama: String,
    pub kppn_kode: String,
    pub tahap: Fase,
    pub sejak: DateTime<Utc>,
    pub hari: i64,
}

/// One pejabat of a satker, as the board shows it (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PejabatPantau {
    /// For the link to its evidence record, when its activation left one (`bukti`).
    pub id: crate::PejabatId,
    pub bukti: bool,
    pub nama: String,
    pub jabatan: crate::Jabatan,
    pub status: crate::Status,
    pub direkam: DateTime<Utc>,
    pub aktif: Option<DateTime<Utc>>,
}

/// Stuck satkers listed at most; the board gives the full count.
pub const MACET_MAKS: usize = 50;

/// The board for one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Papan {
    pub lingkup: Lingkup,
    /// The way down from the viewer's own scope to this one, each with its name.
    pub jejak: Vec<(Lingkup, String)>,
    pub hitungan: Hitungan,
    pub baris: Vec<Baris>,
    /// The longest stuck first, at most [`MACET_MAKS`].
    pub macet: Vec<Macet>,
    pub macet_total: u32,
    pub macet_hari: u32,
    /// Pejabat activated per WIB day, the last [`GRAFIK_HARI`] days.
    pub aktivasi_per_hari: Vec<(NaiveDate, u32)>,
    pub proyeksi: Proyeksi,
    /// For one satker: its pejabat.
    pub pejabat: Vec<PejabatPantau>,
}

/// The CSV export of a board's table: one line per region, KPPN or satker, with the count at
/// each stage (codes and names as the audit export writes fields: quoted, formula-safe).
pub fn csv(papan: &Papan) -> String {
    let mut out = String::from("kode,nama");
    for t in Fase::ALL {
        out.push(',');
        out.push_str(t.code());
    }
    out.push_str(",total,tahap,sejak\n");
    for b in &papan.baris {
        out.push_str(&csv_field(&b.kode));
        out.push(',');
        out.push_str(&csv_field(&b.nama));
        for t in Fase::ALL {
            out.push_str(&format!(",{}", b.hitungan.di(t)));
        }
        out.push_str(&format!(",{}", b.hitungan.total()));
        match &b.tahap {
            Some((t, sejak)) => {
                let sejak = sejak.map(|s| tanggal_wib(s).to_string()).unwrap_or_default();
                out.push_str(&format!(",{},{sejak}\n", t.code()));
            }
            None => out.push_str(",,\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_label_goes_inside_a_bar_that_holds_it_and_beside_one_that_does_not() {
        assert_eq!(letak_label(300.0, "Pejabat direkam · 120"), (4.0, true));
        assert_eq!(letak_label(0.0, "KPA aktif · 0"), (4.0, false));
        let (x, dalam) = letak_label(40.0, "Berkas diterima · 3");
        assert!(!dalam && x > 40.0, "beside the bar, not over it");
    }

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + i64::from(day) * 86_400, 0).unwrap()
    }

    #[test]
    fn the_stage_is_the_furthest_reached_and_since_when() {
        let mut f = Fakta::default();
        assert_eq!(f.tahap(), (Fase::Belum, None));
        f.direkam = Some(at(1));
        assert_eq!(f.tahap(), (Fase::Direkam, Some(at(1))));
        f.diajukan = Some(at(2));
        f.diterima = Some(at(4));
        assert_eq!(f.tahap(), (Fase::Diterima, Some(at(4))));
        f.kpa_aktif = Some(at(5));
        f.ppk_aktif = Some(at(9));
        assert_eq!(f.tahap(), (Fase::KpaAktif, Some(at(5))), "PPK without PPSPM is not done");
        f.ppspm_aktif = Some(at(7));
        assert_eq!(f.tahap(), (Fase::Selesai, Some(at(9))), "done when the last of the three is");
    }

    #[test]
    fn the_funnel_counts_everyone_who_reached_a_stage() {
        let mut h = Hitungan::default();
        for t in [Fase::Belum, Fase::Direkam, Fase::Direkam, Fase::Diterima, Fase::Selesai] {
            h.tambah(t);
        }
        assert_eq!(h.total(), 5);
        assert_eq!(h.di(Fase::Direkam), 2);
        assert_eq!(h.sampai(Fase::Belum), 5);
        assert_eq!(h.sampai(Fase::Direkam), 4);
        assert_eq!(h.sampai(Fase::Diajukan), 2);
        assert_eq!(h.sampai(Fase::Selesai), 1);
        let mut all = Hitungan::default();
        all.gabung(&h);
        all.gabung(&h);
        assert_eq!(all.sampai(Fase::Direkam), 8);
    }

    #[test]
    fn stuck_means_longer_than_the_limit_in_an_unfinished_stage() {
        assert_eq!(macet(Fase::Diajukan, Some(at(0)), at(7), 7), None, "exactly the limit is not stuck");
        assert_eq!(macet(Fase::Diajukan, Some(at(0)), at(8), 7), Some(8));
        assert_eq!(macet(Fase::Selesai, Some(at(0)), at(30), 7), None);
        assert_eq!(macet(Fase::Belum, None, at(30), 7), None);
    }

    #[test]
    fn the_projection_follows_the_last_fourteen_days() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let deadline = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        // 100 of 1,000 done, 70 of them in the last 14 days: 5 a day, 180 days to go
        let p = proyeksi(1000, 100, 70, today, Some(deadline));
        assert_eq!(p.laju_per_hari, 5.0);
        assert_eq!(p.perkiraan_selesai, NaiveDate::from_ymd_opt(2027, 5, 30));
        assert_eq!(p.sisa_hari, Some(30));
        assert_eq!(p.perlu_per_hari, Some(30.0));
        assert_eq!(p.tepat_waktu(), Some(false));
        // no pace, no date
        assert_eq!(proyeksi(10, 0, 0, today, None).perkiraan_selesai, None);
        // all done: today
        let done = proyeksi(10, 10, 3, today, Some(deadline));
        assert_eq!((done.perkiraan_selesai, done.tepat_waktu()), (Some(today), Some(true)));
        // the deadline passed: nothing a day can meet it
        let late = proyeksi(10, 5, 1, deadline + Duration::days(3), Some(deadline));
        assert_eq!((late.sisa_hari, late.perlu_per_hari), (Some(-3), None));
    }

    #[test]
    fn days_without_activations_are_zero_and_the_wib_day_starts_at_17_utc() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let series = per_hari(&[(d(10), 4), (d(8), 2), (d(1), 9)], today, 3);
        assert_eq!(series, [(d(8), 2), (d(9), 0), (d(10), 4)]);
        let evening = DateTime::parse_from_rfc3339("2026-12-09T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(tanggal_wib(evening), d(10));
    }

    #[test]
    fn bars_scale_to_the_largest_and_sit_on_the_baseline() {
        let bars = batang(&[0, 5, 10], 300.0, 100.0);
        assert_eq!(bars.len(), 3);
        assert_eq!((bars[0].tinggi, bars[0].y), (0.0, 100.0));
        assert_eq!((bars[1].tinggi, bars[1].y), (50.0, 50.0));
        assert_eq!((bars[2].tinggi, bars[2].y), (100.0, 0.0));
        assert_eq!((bars[1].x, bars[1].lebar), (110.0, 80.0));
        assert!(batang(&[0, 0], 100.0, 50.0).iter().all(|b| b.tinggi == 0.0));
    }

    #[test]
    fn a_query_names_the_most_specific_scope() {
        assert_eq!(Lingkup::from_query("", "", ""), Lingkup::Nasional);
        assert_eq!(Lingkup::from_query("01", "", ""), Lingkup::Kanwil("01".into()));
        assert_eq!(Lingkup::from_query("01", "019", " "), Lingkup::Kppn("019".into()));
        assert_eq!(Lingkup::from_query("", "019", "561403"), Lingkup::Satker("561403".into()));
        assert_eq!(Lingkup::Kppn("019".into()).query(), "?kppn=019");
    }

    #[test]
    fn the_csv_has_a_line_per_row_and_is_formula_safe() {
        let mut h = Hitungan::default();
        h.tambah(Fase::Diajukan);
        let papan = Papan {
            lingkup: Lingkup::Kppn("019".into()),
            jejak: vec![],
            hitungan: h,
            baris: vec![Baris {
                lingkup: Lingkup::Satker("561403".into()),
                kode: "561403".into(),
                nama: "=HYPERLINK(\"x\"), satu".into(),
                hitungan: h,
                tahap: Some((Fase::Diajukan, Some(at(0)))),
            }],
            macet: vec![],
            macet_total: 0,
            macet_hari: 7,
            aktivasi_per_hari: vec![],
            proyeksi: proyeksi(1, 0, 0, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), None),
            pejabat: vec![],
        };
        let text = csv(&papan);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "kode,nama,BELUM,DIREKAM,DIAJUKAN,DITERIMA,KPA_AKTIF,SELESAI,total,tahap,sejak");
        assert_eq!(lines[1], "\"561403\",\"'=HYPERLINK(\"\"x\"\"), satu\",0,0,1,0,0,0,1,DIAJUKAN,2026-05-29");
    }
}
