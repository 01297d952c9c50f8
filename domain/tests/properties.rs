//! Property tests of every validator: whatever a browser (or an attacker) sends, a
//! validator never panics, and what it accepts is exactly what the database and the
//! rest of the product expect.

use chrono::NaiveDate;
use domain::validate::{self, PejabatInput};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Any text, biased towards the characters that break things.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ \\t\\r\\n\\x00-\\x1f<>\"'%;()&+=@./\\\\-]{0,40}",
        "[0-9 +()-]{0,24}",
        "[a-zA-Z0-9._%+-]{0,20}@[a-zA-Z0-9.-]{0,20}",
        "\\PC{0,300}",
    ]
}

fn no_control(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

proptest! {
    #[test]
    fn text_accepts_only_trimmed_bounded_printable_text(raw in nasty(), max in 1usize..300) {
        if let Ok(s) = validate::text(&raw, "Nama", max) {
            prop_assert!(!s.is_empty() && s.chars().count() <= max);
            prop_assert!(no_control(&s));
            prop_assert_eq!(s.trim(), s.as_str());
            prop_assert!(!s.contains("  "));
        }
    }

    #[test]
    fn nip_is_always_18_ascii_digits(raw in nasty()) {
        if let Ok(n) = validate::nip(&raw) {
            prop_assert!(n.len() == 18 && n.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn any_digits_spelled_with_spaces_are_the_same_nip(d in "[0-9]{18}") {
        let spaced = format!("{} {} {} {}", &d[..8], &d[8..14], &d[14..15], &d[15..]);
        prop_assert_eq!(validate::nip(&spaced).unwrap(), d);
    }

    #[test]
    fn phone_numbers_come_out_as_the_database_wants_them(raw in nasty()) {
        if let Ok(p) = validate::phone(&raw) {
            // ^\+628[0-9]{8,11}$, the CHECK on pejabat.no_hp
            prop_assert!(p.starts_with("+628"));
            prop_assert!((12..=15).contains(&p.len()), "{}", p);
            prop_assert!(p[1..].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn every_spelling_of_a_mobile_number_is_accepted(n in "8[0-9]{8,11}", style in 0..4u8) {
        let raw = match style {
            0 => format!("0{n}"),
            1 => format!("62{n}"),
            2 => format!("+62 {}-{}", &n[..3], &n[3..]),
            _ => format!("(0{}) {}", &n[..3], &n[3..]),
        };
        prop_assert_eq!(validate::phone(&raw).unwrap(), format!("+62{n}"));
    }

    #[test]
    fn emails_accepted_are_plain_ascii_and_fit_the_column(raw in nasty()) {
        if let Ok(e) = validate::email(&raw) {
            prop_assert!(e.is_ascii() && e.len() <= 254 && e.matches('@').count() == 1);
            prop_assert!(!e.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"'));
        }
    }

    #[test]
    fn dates_never_panic_and_birth_dates_are_plausible(raw in nasty(), y in 1800i32..2200, m in 1u32..13, d in 1u32..29) {
        let _ = validate::date(&raw, "Tanggal");
        let typed = format!("{y:04}-{m:02}-{d:02}");
        if let Ok(born) = validate::tanggal_lahir(&typed, today()) {
            prop_assert!(born < today());
            let age = today().years_since(born).unwrap_or(0);
            prop_assert!((17..=100).contains(&age), "{}", age);
        }
    }

    #[test]
    fn a_whole_hostile_form_is_refused_field_by_field_or_fully_valid(
        nip in nasty(), nama in nasty(), email in nasty(), hp in nasty(), jabatan in nasty(), kppn in nasty(),
    ) {
        let input = PejabatInput {
            nip, nama, tempat_lahir: "Jakarta".into(), tanggal_lahir: "1975-01-01".into(), email, no_hp: hp,
            alamat_domisili: "Jl. A".into(), alamat_ktp: "Jl. A".into(), nomor_sk: "SK-1".into(),
            tanggal_sk: "2020-01-01".into(), jabatan, kppn_kode: kppn,
        };
        match validate::pejabat(&input, today()) {
            Ok(p) => {
                prop_assert!(no_control(&p.nama) && p.nama.chars().count() <= 100);
                prop_assert!(p.kppn_kode.len() == 3 && p.kppn_kode.bytes().all(|b| b.is_ascii_digit()));
            }
            Err(fields) => {
                prop_assert!(!fields.is_empty());
                for (field, message) in &fields.0 {
                    prop_assert!(!message.is_empty(), "{}", field);
                }
            }
        }
    }

    #[test]
    fn otp_codes_are_six_ascii_digits_or_refused(raw in nasty()) {
        if let Ok(c) = domain::otp::normalize_code(&raw) {
            prop_assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn uploads_are_pdf_within_the_limit_or_refused(name in nasty(), body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(n) = domain::berkas::check_upload(&name, &body) {
            prop_assert!(n.to_ascii_lowercase().ends_with(".pdf") && no_control(&n));
            prop_assert!(body.starts_with(b"%PDF-"));
        }
    }

    #[test]
    fn sessions_never_panic_and_links_are_https(satker in nasty(), tanggal in nasty(), jam in nasty(), mode in nasty(), tautan in nasty(), catatan in nasty(), kapasitas in nasty(), durasi in nasty()) {
        let input = domain::jadwal::JadwalInput { satker_kode: satker, tanggal, jam, mode, tautan, catatan, kapasitas, durasi };
        let now = today().and_hms_opt(8, 0, 0).unwrap();
        if let Ok(j) = domain::jadwal::check(&input, now) {
            prop_assert!(j.mulai_wib >= now);
            prop_assert!(domain::jadwal::KAPASITAS.contains(&j.kapasitas) && domain::jadwal::DURASI.contains(&j.durasi_menit));
            prop_assert!(j.satker_kode.is_none() || j.kapasitas == 1);
            if let Some(t) = j.tautan {
                prop_assert!(t.starts_with("https://") && !t.contains(['<', '>', '"', ' ']));
            }
        }
    }

    #[test]
    fn audit_filters_never_panic_and_stay_bounded(aktor in nasty(), pejabat in nasty(), aksi in nasty(), hasil in nasty(), dari in nasty()) {
        let q = domain::audit::AuditQuery { dari, sampai: String::new(), aktor, pejabat, aksi, hasil, page: 0 };
        if let Ok(c) = domain::audit::check(&q) {
            prop_assert!(c.aktor.chars().count() <= 100 && c.pejabat.chars().count() <= 100);
            prop_assert!(c.aksi.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'));
            prop_assert!(c.page >= 1);
        }
    }

    #[test]
    fn csv_cells_are_always_quoted_and_never_formulas(value in nasty()) {
        let cell = domain::audit::csv_field(&value);
        prop_assert!(cell.starts_with('"') && cell.ends_with('"'));
        let inner = &cell[1..cell.len() - 1];
        prop_assert!(!inner.replace("\"\"", "").contains('"'));
        prop_assert!(!inner.starts_with(['=', '+', '-', '@']));
    }
}
