//! The step-up dialog's re-authentication: the caller's password again and, when it has a
//! second factor, a code or a passkey (`auth::step_up` asks for it before a sensitive step).
//! Above the password check (`auth`), the factors (`faktor`, `passkey`) and the sessions
//! (`sesi`), which it uses; none of them uses it.

use crate::akses::masuk::{Sandi, periksa_sandi};
use crate::audit::{self, Entry, Outcome};
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use sqlx::PgPool;

/// The step-up dialog: the caller's password again and, when it has a second factor, a
/// code from it (or a passkey: [`autentikasi_ulang_passkey`]). Wrong ones count against the
/// account like at login. Success makes the session's authentication fresh (`auth_at`).
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn autentikasi_ulang(
    pool: &PgPool,
    kunci: &crate::sistem::kunci::KunciFaktor,
    caller: &Caller,
    password: &str,
    bukti: Option<&crate::akses::faktor::Bukti>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (actor, sesi) = password_again(pool, caller, password, now).await?;
    if crate::akses::auth::punya_faktor(pool, actor.user_id).await? {
        match bukti {
            Some(bukti) => {
                crate::akses::faktor::periksa(pool, kunci, caller, actor, Sandi::benar(), bukti, now).await?
            }
            None => {
                return Err(Error::Rule(
                    "Masukkan juga kode dari aplikasi autentikator, kode pemulihan, atau pakai passkey.".into(),
                ));
            }
        }
    }
    segar(pool, caller, sesi, now).await
}

/// [`autentikasi_ulang`] with a passkey as the second factor (the answer to
/// `passkey::masuk_mulai`).
pub async fn autentikasi_ulang_passkey(
    pool: &PgPool,
    caller: &Caller,
    password: &str,
    jawaban: crate::akses::passkey::Jawaban<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (actor, sesi) = password_again(pool, caller, password, now).await?;
    crate::akses::passkey::masuk_selesai(pool, caller, actor, Sandi::benar(), jawaban, now).await?;
    segar(pool, caller, sesi, now).await
}

/// The step-up's password: the caller's, counted like at login.
async fn password_again<'c>(
    pool: &PgPool,
    caller: &'c Caller,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(&'c Actor, domain::SesiId)> {
    let (Some(actor), Some(sesi)) = (caller.actor(), caller.sesi()) else { return Err(Error::Unauthenticated) };
    if !periksa_sandi(pool, caller, actor, Aksi::AutentikasiUlang, password, now).await? {
        return Err(Error::Forbidden("Kata sandi salah.".into()));
    }
    Ok((actor, sesi))
}

/// The session's authentication is fresh from `now` (step-up passed).
async fn segar(pool: &PgPool, caller: &Caller, sesi: domain::SesiId, now: DateTime<Utc>) -> Result<()> {
    let mut conn = pool.acquire().await?;
    crate::akses::sesi::segarkan(&mut conn, sesi, now).await?;
    audit::record(pool, Entry::new(caller, Aksi::AutentikasiUlang, Outcome::Berhasil)).await
}
