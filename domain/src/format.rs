//! How dates look to people: Indonesian month abbreviations, as in the seed's table.

use chrono::{Datelike, NaiveDate};

const BULAN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
];

/// `20 Des 1970`.
pub fn tanggal(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        BULAN[date.month0() as usize],
        date.year()
    )
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
}
