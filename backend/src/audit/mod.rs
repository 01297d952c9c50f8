//! The audit trail itself: the writer every use case records through (`tulis`, re-exported
//! here), its hash chain (`rantai`: linked after commit, verified) and the signed checkpoints
//! of the chain (`titik`). The audit page's search is
//! `pantau::jejak`. Owns `audit_log`, `audit_checkpoint`.

pub mod titik;

mod rantai;
pub use rantai::*;

mod tulis;
pub use tulis::*;
