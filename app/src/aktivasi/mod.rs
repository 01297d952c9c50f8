//! Activation as people do it: the Tabel Pejabat (seed step 1), the dialogs that wait for a
//! code (steps 3–6), the CSO's console, and changing an active pejabat's number.

pub mod cso;
#[cfg(feature = "ssr")]
pub mod lapor;
pub mod otp;
pub mod pejabat;
pub mod ubah_nomor;
