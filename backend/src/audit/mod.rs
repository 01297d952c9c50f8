//! The audit trail itself: the writer every use case records through (`tulis`, re-exported
//! here) and the signed checkpoints of the chain (`titik`). The audit page's search is
//! `pantau::jejak`. Owns `audit_log`, `audit_checkpoint`.

pub mod titik;

mod tulis;
pub use tulis::*;
