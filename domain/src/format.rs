//! How dates look to people: Indonesian month abbreviations, as in the seed's table.

use chrono::{Datelike, NaiveDate};

const BULAN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];

/// `20 Des 1970`.
pub fn tanggal(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), BULAN[date.month0() as usize], date.year())
}

/// `1,7`: one decimal, the Indonesian comma.
pub fn desimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_seed_table() {
        let d = NaiveDate::from_ymd_opt(1970, 12, 20).unwrap();
        assert_eq!(tanggal(d), "20 Des 1970");
        let d = NaiveDate::from_ymd_opt(1957, 5, 3).unwrap();
        assert_eq!(tanggal(d), "3 Mei 1957");
        let d = NaiveDate::from_ymd_opt(2001, 8, 17).unwrap();
        assert_eq!(tanggal(d), "17 Agu 2001");
    }

    #[test]
    fn decimals_take_the_comma() {
        assert_eq!(desimal(1.66), "1,7");
        assert_eq!(desimal(0.0), "0,0");
    }
}

/// `2021-01-25 08:42:12` in WIB (UTC+7, no daylight saving) from epoch milliseconds.
pub fn wib_ms(epoch_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(epoch_ms + 7 * 3600 * 1000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// `text` as a URL query value: every byte but the unreserved characters percent-encoded.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A phone number with its middle hidden, the one way every page, message and trail line
/// shows it: `+62 812-****-7890` (another form: its middle starred, `+15551**4567`).
pub fn masked_phone(phone: &str) -> String {
    if let Some(digits) = phone.strip_prefix("+62").filter(|d| d.len() >= 8 && d.bytes().all(|b| b.is_ascii_digit())) {
        return format!("+62 {}-****-{}", &digits[..3], &digits[digits.len() - 4..]);
    }
    let n = phone.chars().count();
    if n <= 9 {
        return phone.to_owned();
    }
    phone.chars().enumerate().map(|(i, c)| if i >= 6 && i < n - 4 { '*' } else { c }).collect()
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn wib_is_seven_hours_ahead_of_utc() {
        // 2021-01-25 01:59:50 UTC
        assert_eq!(wib_ms(1_611_539_990_000), "2021-01-25 08:59:50");
    }

    #[test]
    fn phone_numbers_are_masked_in_the_middle() {
        assert_eq!(masked_phone("+6281234567890"), "+62 812-****-7890");
        assert_eq!(masked_phone("+62812345678"), "+62 812-****-5678");
        assert_eq!(masked_phone("+15551234567"), "+15551**4567");
    }
}
