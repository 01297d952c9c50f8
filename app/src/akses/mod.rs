//! Sign-in and accounts as people see them: the login page, the second factor at login and
//! its enrolment, the step-up dialog, "Akun" (own sessions and factors), passwords, the
//! passkey ceremony in the browser, the frame around every page after login, and the
//! admins' management of their users.

pub mod akun;
pub mod auth;
pub mod faktor;
pub mod layout;
pub mod masuk;
pub mod passkey;
pub mod pengguna;
pub mod sandi;
pub mod ulang;
pub mod webauthn;
