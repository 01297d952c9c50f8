//! Activation sessions: the CSO KPPN publishes slots, or sets a session for one satker by
//! hand (a slot of capacity one, booked at once); a satker's Admin Lokal books a slot for
//! named pejabat, moves or cancels it up to an hour before; the CSO sees today's queue,
//! who has arrived, and records attendance and outcome; it holds a session to enter its
//! aktivasi codes (`pegang`). Reminders go out by SMS (and email)
//! the day before at 08:00 WIB and an hour before.
//!
//! The shared rows and checks (`baris`), the CSO's slots (`slot`), a satker's bookings
//! (`reservasi`), the CSO's day (`antrean`) and the reminders (`pengingat`); the use cases
//! are re-exported here.

mod antrean;
mod baris;
mod pegang;
mod pengingat;
mod reservasi;
mod slot;

pub use antrean::*;
pub(crate) use baris::*;
pub use pegang::*;
pub use pengingat::*;
pub use reservasi::*;
pub use slot::*;
