//! Activation: the pejabat references (seed step 1), the OTP steps and their engine (steps
//! 3–6), the CSO's console, and changing an active pejabat's number (part C).
//! Owns `pejabat`, `otp_code`, `otp_key`, `ubah_nomor`.

pub mod bukti;
pub mod cso;
pub mod jendela;
pub mod kunci_otp;
pub mod lapor;
pub mod otp;
pub mod otp_engine;
pub mod pejabat;
pub mod ubah_nomor;
