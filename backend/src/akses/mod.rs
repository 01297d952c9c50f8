//! Sign-in and accounts: login and the role check every use case starts with (`auth`), the
//! caller and its capabilities (`actor`), second factors and passkeys, sessions, users and
//! their passwords, the step-up re-authentication, and the frame of one attempt at a use case.
//! Owns `app_user`, `faktor`, `passkey`, `sesi`, `login_failure`, `sandi_token`.

pub mod actor;
pub(crate) mod attempt;
pub mod auth;
pub mod faktor;
pub(crate) mod hitung;
pub mod masuk;
pub mod passkey;
pub mod pengguna;
pub mod sandi;
pub mod sesi;
pub mod ulang;

pub use actor::{Actor, Caller, StepUp};
