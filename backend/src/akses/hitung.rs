//! The one counted check of a secret: a password (login, step-up, ganti sandi) or a second
//! factor. Every try is counted *before* it is verified, under the counter's row lock, and the
//! limit (`domain::login::gate`) is read in the same transaction. Parallel guesses therefore
//! queue on the lock, and each sees the count of every try before it: none gets past the
//! limit, and the lock sets in at the documented count, never later.
//!
//! A try that turns out right takes its count back ([`Dihitung::benar`]) or clears the count
//! when the sign-in is complete (`masuk::berhasil`); a wrong one keeps it.

use crate::error::Result;
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::login::{Blocked, Failures};
use sqlx::PgPool;

/// Whose failures a try counts against: the account's, or a known device's own (so that
/// nobody guessing elsewhere can lock the user out of the browser it always uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Penghitung {
    Akun(UserId),
    Perangkat(i64),
}

impl Penghitung {
    fn table(self) -> (&'static str, i64) {
        match self {
            Penghitung::Akun(id) => ("app_user", id.0),
            Penghitung::Perangkat(id) => ("perangkat", id),
        }
    }
}

/// A try that was counted: the count already includes it.
#[derive(Debug)]
#[must_use = "a counted try is settled as right or wrong"]
pub(crate) struct Dihitung {
    penghitung: Penghitung,
    /// The consecutive failures including this try.
    pub(crate) count: i32,
    /// The counter before this try, restored when the try was right.
    before: Failures,
}

/// Counts a try against `penghitung` unless its limit holds the try back (then nothing is
/// counted and the reason is returned). One transaction: the row locked, the limit read,
/// the count raised.
pub(crate) async fn hitung(
    pool: &PgPool,
    penghitung: Penghitung,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Dihitung, Blocked>> {
    let (table, id) = penghitung.table();
    let mut tx = pool.begin().await?;
    let row: Option<(i32, Option<DateTime<Utc>>)> =
        sqlx::query_as(&format!("SELECT failed_logins, last_failed_at FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let before = row.map(|(count, last)| Failures { count, last }).unwrap_or_default();
    if let Err(blocked) = domain::login::gate(before, now) {
        return Ok(Err(blocked));
    }
    let count: i32 = sqlx::query_scalar(&format!(
        "UPDATE {table} SET failed_logins = failed_logins + 1, last_failed_at = $2 WHERE id = $1 RETURNING failed_logins"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(before.count + 1);
    tx.commit().await?;
    Ok(Ok(Dihitung { penghitung, count, before }))
}

impl Dihitung {
    /// The try was right but the sign-in goes on (a second factor is next): its count is taken
    /// back, and the time of the last failure is the one before it (unless another try was
    /// counted meanwhile, which then stands).
    pub(crate) async fn benar(self, pool: &PgPool) -> Result<()> {
        let (table, id) = self.penghitung.table();
        sqlx::query(&format!(
            "UPDATE {table} SET failed_logins = greatest(failed_logins - 1, 0),
                    last_failed_at = CASE WHEN failed_logins = $2 THEN $3 ELSE last_failed_at END
             WHERE id = $1"
        ))
        .bind(id)
        .bind(self.count)
        .bind(self.before.last)
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// A try from a client address, counted first like an account's (`login_failure`): the
/// address's tries are serialised by an advisory lock on the address, so the window's
/// limit holds under parallel tries too.
#[derive(Debug)]
#[must_use = "a counted try is settled as right or wrong"]
pub(crate) struct DariAlamat {
    id: i64,
}

/// Counts a login try from `addr` unless the address is over its limit.
pub(crate) async fn hitung_alamat(
    pool: &PgPool,
    addr: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<DariAlamat, Blocked>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login_failure:' || $1, 0))")
        .bind(addr)
        .execute(&mut *tx)
        .await?;
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM login_failure WHERE addr = $1 AND at > $2")
        .bind(addr)
        .bind(domain::login::window_start(now))
        .fetch_one(&mut *tx)
        .await?;
    if let Err(blocked) = domain::login::address_blocked(failures) {
        return Ok(Err(blocked));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO login_failure (addr, at) VALUES ($1, $2) RETURNING id")
        .bind(addr)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(DariAlamat { id }))
}

impl DariAlamat {
    /// The password was right: the try is not a failure of the address.
    pub(crate) async fn benar(self, pool: &PgPool) -> Result<()> {
        sqlx::query("DELETE FROM login_failure WHERE id = $1").bind(self.id).execute(pool).await?;
        Ok(())
    }
}
