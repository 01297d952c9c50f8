//! Messages: the SMS outbox, its gateways, relay and delivery receipts (`sms`), email
//! (`email`), and the delivery loop both workers share (`pekerja`).
//! Owns `sms_outbox`, `email_outbox`.

pub mod email;
pub mod pekerja;
pub mod sms;
