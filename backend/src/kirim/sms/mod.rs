//! SMS: the outbox written in the same transaction as the change that causes a message,
//! and the worker that delivers it through an ordered list of gateways, skipping one that
//! failed for [`BREAKER_SECS`], with capped retries, so none is lost and none is late: a code
//! SMS is never delivered after its code expired. Every message has a delivery state
//! (antre → terkirim → diterima HP, or gagal / kedaluwarsa) that the OTP dialog and the CSO
//! console show. Several server instances may run workers: rows are claimed with `SKIP LOCKED`.
//!
//! The outbox (`outbox`), the gateways (`gateway`) and the built-in one (`simulator`), the
//! worker (`relay`) and the delivery reports (`kuitansi`); their items are re-exported here.

mod gateway;
mod kuitansi;
mod outbox;
mod relay;
mod simulator;

pub use gateway::*;
pub use kuitansi::*;
pub use outbox::*;
pub use relay::*;
pub use simulator::*;
