//! Every HTTP-level test of the server in one binary, so the tests compile and link once: the
//! authorization matrix, hostile input and the faults with real processes. `common` drives
//! the real router in-process.

mod authz_matrix;
mod common;
mod faults;
mod hostile;
mod kuitansi;
mod modes;
mod ops;
mod sesi;
