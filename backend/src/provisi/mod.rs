//! Provisioning: the operator's CSV import of KPPN, satkers and users (`impor`), and the
//! demo data (`demo`). Owns `kppn`, `satker`, `impor_draf`.

pub mod demo;
pub mod draf;
pub mod impor;
