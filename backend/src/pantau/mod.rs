//! Oversight: the progress board (`papan`, re-exported here) and the audit page's search
//! (`jejak`). Reads every context's tables; writes none but its own audit lines.

pub mod jejak;

mod papan;
pub use papan::*;
