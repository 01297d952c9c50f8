//! Second factors as the pages show them (the rules and storage are `backend::akses::faktor`).

use crate::FaktorId;
use serde::{Deserialize, Serialize};

crate::stored_enum! {
    /// The methods of a second factor (`faktor.jenis`).
    pub enum Metode as code / from_code {
        Passkey = "PASSKEY",
        Totp = "TOTP",
    }
}

/// An enrolled factor as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaktorInfo {
    pub id: FaktorId,
    pub jenis: Metode,
    pub nama: String,
    pub dibuat_ms: i64,
    pub dipakai_ms: Option<i64>,
}

/// What a user has: its factors and how many recovery codes are left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milik {
    pub faktor: Vec<FaktorInfo>,
    pub sisa_pemulihan: i64,
}

/// An authenticator-app enrolment in progress: its secret (kept in the session until the
/// first code confirms it), the `otpauth://` address and its QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpBaru {
    /// Base32, as apps let it be typed in by hand.
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}
