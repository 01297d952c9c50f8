//! Typed ids: a pejabat's id cannot be passed where a bundle's is expected. Each is an
//! `i64` on the wire (`#[serde(transparent)]`) and in the database (with the `sqlx` feature,
//! which only the server build turns on, a column decodes straight into it).

macro_rules! ids {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )+};
}

ids! {
    /// A pejabat reference (a row of the Tabel Pejabat).
    PejabatId,
    /// A login account.
    UserId,
    /// One uploaded file of a bundle.
    BerkasId,
    /// One request to change a pejabat's OTP number.
    UbahNomorId,
    /// One appointment with the CSO.
    JadwalId,
    /// One submission of a satker's bundle to its KPPN.
    PengajuanId,
    /// One login's session (`sesi`).
    SesiId,
    /// One enrolled second factor (a passkey or the authenticator app).
    FaktorId,
    /// One published slot of a KPPN's activation sessions.
    SlotId,
    /// One import file checked by the operator and waiting to be stored (`impor_draf`).
    DrafId,
}

/// The office a staff user belongs to: a satker (Admin Lokal and the pejabat) or a KPPN (the
/// CSO). One value, so a user can never be in both or neither.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Unit {
    /// A work unit, by its six-digit code.
    Satker(String),
    /// A treasury office, by its three-digit code.
    Kppn(String),
    /// A regional office (Kanwil DJPb) over several KPPN, by its two-digit code.
    Kanwil(String),
    /// No office: the national operator, and Pusat.
    Nasional,
}

impl Unit {
    /// The satker code, for a satker's user.
    pub fn satker(&self) -> Option<&str> {
        match self {
            Unit::Satker(kode) => Some(kode),
            Unit::Kppn(_) | Unit::Kanwil(_) | Unit::Nasional => None,
        }
    }

    /// The KPPN code, for a KPPN's user.
    pub fn kppn(&self) -> Option<&str> {
        match self {
            Unit::Kppn(kode) => Some(kode),
            Unit::Satker(_) | Unit::Kanwil(_) | Unit::Nasional => None,
        }
    }

    /// The regional office's code, for a Kanwil user.
    pub fn kanwil(&self) -> Option<&str> {
        match self {
            Unit::Kanwil(kode) => Some(kode),
            Unit::Satker(_) | Unit::Kppn(_) | Unit::Nasional => None,
        }
    }

    /// The code, whichever kind of office (empty for the national operator).
    pub fn kode(&self) -> &str {
        match self {
            Unit::Satker(kode) | Unit::Kppn(kode) | Unit::Kanwil(kode) => kode,
            Unit::Nasional => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_on_the_wire() {
        assert_eq!(serde_json::to_string(&PejabatId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<BerkasId>("7").unwrap(), BerkasId(7));
        assert_eq!("12".parse::<JadwalId>(), Ok(JadwalId(12)));
        assert_eq!(UserId(3).to_string(), "3");
    }

    #[test]
    fn a_unit_is_one_kind_of_office() {
        let satker = Unit::Satker("527010".into());
        assert_eq!((satker.satker(), satker.kppn(), satker.kode()), (Some("527010"), None, "527010"));
        let kppn = Unit::Kppn("019".into());
        assert_eq!((kppn.satker(), kppn.kppn()), (None, Some("019")));
    }
}
