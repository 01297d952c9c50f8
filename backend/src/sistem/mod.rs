//! Running the service: the database pool and migrations, the private cluster, retention,
//! the live-update events, client addresses behind a proxy, secrets and the server's keys,
//! decoding stored enums and the loop of periodic jobs (`putaran`). Uses no other context.

pub mod db;
pub mod events;
pub mod kunci;
pub mod net;
pub mod pgcluster;
pub mod putaran;
pub mod retensi;
pub mod secret;
pub mod stored;
