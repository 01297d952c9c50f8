//! What every page and server function is built on: the error the browser receives, the
//! server-side state and caller (`ssr`), live updates, the shared components, and the
//! addresses pages build. Uses no other context.

pub mod error;
#[cfg(feature = "ssr")]
pub mod http;
pub mod komponen;
pub mod live;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod urls;
