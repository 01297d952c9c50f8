//! The rules of the SAKTI OTP activation procedure, in plain Rust.
//!
//! No I/O and no framework types: this crate compiles for the server and for the
//! browser (WASM), and it is the one place that decides whether something is allowed.
//! Everything a user reads is Indonesian; identifiers use the procedure's own words.

pub mod audit;
pub mod authz;
pub mod berikut;
pub mod berkas;
pub mod faktor;
pub mod format;
pub mod formulir;
pub mod id;
pub mod impor;
pub mod jabatan;
pub mod jadwal;
pub mod login;
pub mod otp;
pub mod pantau;
pub mod pejabat;
pub mod role;
pub mod sesi;
pub mod sms;
pub mod status;
pub mod stored;
pub mod surel;
pub mod ubah_nomor;
pub mod upacara;
pub mod validate;
pub mod workflow;

pub use id::{BerkasId, DrafId, FaktorId, JadwalId, PejabatId, PengajuanId, SesiId, SlotId, UbahNomorId, Unit, UserId};
pub use jabatan::Jabatan;
pub use role::Role;
pub use status::Status;
