//! Documents: the printed forms with their verification codes (`formulir`) and the signed
//! bundles and submissions the CSO checks (`berkas`).
//! Owns `cetakan`, `berkas`, `pengajuan`.

pub mod berkas;
pub mod formulir;
