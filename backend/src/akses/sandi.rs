//! Password hashing (argon2id) off the async threads, a few at a time: a flood of logins
//! queues here instead of starving every other request.

use crate::audit::{self, Entry};
use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use sqlx::PgPool;
use std::sync::OnceLock;

/// How many Argon2 computations run at once. Each takes a core and 19 MiB for tens of
/// milliseconds: a flood of logins queues here instead of starving every other request.
pub const ARGON2_PARALLEL: usize = 4;
/// How long a computation waits for its turn before the request is answered "busy" (429).
const ARGON2_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ARGON2_PARALLEL);

/// A turn at Argon2, or [`Error::Sibuk`] when none came within [`ARGON2_WAIT`].
async fn argon2_turn() -> Result<tokio::sync::SemaphorePermit<'static>> {
    match tokio::time::timeout(ARGON2_WAIT, ARGON2_SLOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            metrics::counter!("sakti_argon2_busy_total").increment(1);
            Err(Error::Sibuk)
        }
    }
}

/// Hashes `password` with argon2id (the crate's defaults), off the async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    let _turn = argon2_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Hash(e.to_string()))
    })
    .await
    .map_err(|e| Error::Hash(e.to_string()))?
}

/// What a count let through, or the hold that stopped it: written to the trail (`entry`)
/// and returned as [`Error::Ditahan`].
pub(crate) async fn or_held<'a, T>(
    pool: &PgPool,
    counted: std::result::Result<T, domain::login::Blocked>,
    entry: impl FnOnce(&domain::login::Blocked) -> Entry<'a>,
) -> Result<T> {
    match counted {
        Ok(counted) => Ok(counted),
        Err(blocked) => {
            audit::record(pool, entry(&blocked)).await?;
            Err(Error::ditahan(&blocked))
        }
    }
}

/// Verifies `password` against `hash`, under the Argon2 cap. Only [`login_at`] and
/// [`periksa_sandi`] call it: each counts the try first.
pub(crate) async fn verify_password(password: &str, hash: &str) -> Result<bool> {
    argon2_cocok(password, hash).await
}

/// Whether `secret` matches the Argon2 PHC string `hash`, under the Argon2 cap: a password
/// (only through [`verify_password`]) or a recovery code (`faktor`, after counting the try).
pub(crate) async fn argon2_cocok(secret: &str, hash: &str) -> Result<bool> {
    let (password, hash) = (secret.to_owned(), hash.to_owned());
    let _turn = argon2_turn().await?;
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false))
}

/// A hash to verify against when the username does not exist, so that an unknown
/// username takes as long to refuse as a wrong password.
pub(crate) async fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return h;
    }
    let h = hash_password("decoy-password-never-valid").await.unwrap_or_default();
    DECOY.get_or_init(|| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the cap a check waits its turn, and one that waited [`ARGON2_WAIT`] is answered
    /// "busy" without running Argon2; a free turn runs it.
    #[tokio::test(start_paused = true)]
    async fn past_the_argon2_cap_a_check_waits_then_is_answered_busy() {
        let all = ARGON2_SLOTS.acquire_many(u32::try_from(ARGON2_PARALLEL).unwrap()).await.unwrap();
        let started = tokio::time::Instant::now();
        let busy = argon2_cocok("kata sandi", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").await;
        assert!(matches!(busy, Err(Error::Sibuk)), "{busy:?}");
        assert_eq!(started.elapsed(), ARGON2_WAIT, "it waited its time first");
        assert!(matches!(hash_password("kata sandi").await, Err(Error::Sibuk)));
        drop(all);
        assert!(!argon2_cocok("kata sandi", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").await.unwrap());
    }
}
