//! Documents: the satker's bundles (`/berkas`), the CSO's desk (`/meja`), and the routes
//! that move files (the form PDF, a stored bundle, the upload).

pub mod berkas;
#[cfg(feature = "ssr")]
pub mod files;
pub mod meja;
