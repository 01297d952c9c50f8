//! Oversight: the progress board (`/pantau`, `papan`, re-exported here) and the audit page
//! (`/audit`, `jejak`).

pub mod jejak;

mod papan;
pub use papan::*;
