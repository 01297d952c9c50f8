//! Every integration test of the backend in one binary, so the tests compile and link once
//! (each file under `tests/` would be its own crate linked against sqlx, axum and tokio).
//! Each module is one aggregate's tests against a real PostgreSQL (`#[sqlx::test]`: a fresh
//! database per test); `common` holds the helpers they share.

mod architecture;
mod audit;
mod auth;
mod bench;
mod berikut;
mod berkas;
mod capabilities;
mod common;
mod database_away;
mod demo;
mod email;
mod faktor;
mod impor;
mod jadwal;
mod jam;
mod otp;
mod pantau;
mod pejabat;
mod retensi;
mod roles;
mod sms_http;
mod ubah_nomor;
mod upacara;
