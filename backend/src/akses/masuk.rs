//! Login: the password (counted before it is checked), the second factor a login goes on to,
//! the lock after too many tries and its notice, a known device, logout.

use crate::akses::auth::{USER_COLUMNS, UserRow, punya_faktor};
use crate::akses::hitung::{self, Penghitung};
use crate::akses::sandi::{decoy_hash, or_held, verify_password};
use crate::audit::{self, Entry, Outcome};
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::audit::Aksi;
use domain::login::Failures;
use sqlx::PgPool;

/// What a login's password step leads to.
#[derive(Debug, Clone)]
pub enum Masuk {
    /// Signed in: the session may start.
    Selesai(Actor),
    /// The user has a second factor: it must be given next — whether or not the password was
    /// right, so that the answer never tells a guesser ([`Sandi`] carries which it was).
    Faktor(Actor, Sandi),
    /// Staff without a second factor: one must be enrolled before the session starts.
    Daftarkan(Actor),
}

/// Whether a pending login's password was right, carried (in the server-side session) to its
/// second step, which refuses a wrong password there without saying which was wrong. Only a
/// login makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sandi {
    benar: bool,
}

impl Sandi {
    /// A password right a moment ago, as the step-up checks it just before the factor.
    pub(crate) fn benar() -> Sandi {
        Sandi { benar: true }
    }

    pub(crate) fn is_benar(self) -> bool {
        self.benar
    }
}

impl Masuk {
    pub fn actor(&self) -> &Actor {
        match self {
            Masuk::Selesai(a) | Masuk::Faktor(a, _) | Masuk::Daftarkan(a) => a,
        }
    }

    pub fn into_actor(self) -> Actor {
        match self {
            Masuk::Selesai(a) | Masuk::Faktor(a, _) | Masuk::Daftarkan(a) => a,
        }
    }
}

/// Checks a username and password on the system clock (the tools and tests that sign in
/// without a browser; the login page's clock is its state's: [`login_at`]). Every attempt,
/// good or bad, goes to the audit trail.
pub async fn login(pool: &PgPool, addr: Option<String>, username: &str, password: &str) -> Result<Masuk> {
    login_at(pool, addr, None, username, password, crate::now()).await
}

/// [`login`] at a given time, from a browser that may hold a known-device token (`device`):
/// the limits of `domain::login`, kept in the database so that they hold across instances.
///
/// Every try is counted before the password is verified (`hitung`): against the client
/// address, and against a known device's own count (so nobody elsewhere can lock its user out
/// of it) or else the account's — for a user with a second factor too. For such a user a
/// wrong password still leads to the second step, refused there without saying which factor
/// was wrong.
pub async fn login_at(
    pool: &PgPool,
    addr: Option<String>,
    device: Option<&str>,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Masuk> {
    let result = async {
        // no control characters (PostgreSQL text cannot even hold NUL): such a name is no user's
        let username: String = username.trim().to_lowercase().chars().filter(|c| !c.is_control()).take(100).collect();
        let anonymous = Caller::anonymous(addr.clone(), now);
        let refused = |outcome: Outcome, detail: String| {
            let mut entry = Entry::new(&anonymous, Aksi::Login, outcome).detail(detail);
            entry.attempted_username = Some(&username);
            entry
        };
        let held = |blocked: &domain::login::Blocked| refused(Outcome::Ditolak, blocked.to_string());
        let alamat = match &addr {
            Some(a) => Some(or_held(pool, hitung::hitung_alamat(pool, a, now).await?, held).await?),
            None => None,
        };
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE username = $1"))
            .bind(&username)
            .fetch_optional(pool)
            .await?;
        let known: Option<i64> = match (&row, device) {
            (Some(row), Some(token)) => {
                sqlx::query_scalar("SELECT id FROM perangkat WHERE token_hash = $1 AND user_id = $2")
                    .bind(crate::sistem::secret::sha256(token))
                    .bind(row.id)
                    .fetch_optional(pool)
                    .await?
            }
            _ => None,
        };
        let has_factor = match &row {
            Some(row) => punya_faktor(pool, row.id).await?,
            None => false,
        };
        let penghitung = match (&row, known) {
            (_, Some(device)) => Some(Penghitung::Perangkat(device)),
            (Some(row), None) => Some(Penghitung::Akun(row.id)),
            (None, None) => None,
        };
        let counted = match penghitung {
            Some(p) => Some(or_held(pool, hitung::hitung(pool, p, now).await?, held).await?),
            None => None,
        };
        // a user without a password (imported, link not used yet) fails like an unknown one
        let good = match row.as_ref().and_then(|r| r.password_hash.as_deref().map(|h| (r, h))) {
            Some((row, hash)) => verify_password(password, hash).await? && row.active,
            None => {
                verify_password(password, decoy_hash().await).await?;
                false
            }
        };
        let Some(row) = row else {
            audit::record(pool, refused(Outcome::Gagal, "username atau password salah".into())).await?;
            return Err(Error::LoginFailed);
        };
        if good {
            if let Some(alamat) = alamat {
                alamat.benar(pool).await?;
            }
            let actor = row.into_actor()?;
            let caller = Caller::pending(actor.clone(), addr);
            if has_factor || actor.role.is_staff() {
                // the sign-in is not complete: the try is not a failure, nor yet a success
                if let Some(counted) = counted {
                    counted.benar(pool).await?;
                }
                let (masuk, detail) = if has_factor {
                    (Masuk::Faktor(actor, Sandi { benar: true }), "kata sandi benar; menunggu faktor kedua")
                } else {
                    (Masuk::Daftarkan(actor), "kata sandi benar; faktor kedua belum didaftarkan")
                };
                audit::record(pool, Entry::new(&caller, Aksi::Login, Outcome::Berhasil).detail(detail)).await?;
                return Ok(masuk);
            }
            berhasil(pool, actor.user_id, device).await?;
            audit::record(pool, Entry::new(&caller, Aksi::Login, Outcome::Berhasil)).await?;
            return Ok(Masuk::Selesai(actor));
        }
        let user_id = row.id;
        let entry = refused(Outcome::Gagal, "username atau password salah".into());
        if has_factor && row.active {
            // counted, and the user told of a lock it starts, but the answer is the second
            // step's, as for a right password
            if let Some(counted) = counted {
                catat_gagal(
                    pool,
                    user_id,
                    counted.count,
                    now,
                    entry.detail("kata sandi salah; faktor kedua tetap diminta"),
                )
                .await?;
            } else {
                audit::record(pool, entry).await?;
            }
            return Ok(Masuk::Faktor(row.into_actor()?, Sandi { benar: false }));
        }
        match counted {
            Some(counted) => Err(locked_after(pool, user_id, counted.count, now, entry).await),
            None => {
                audit::record(pool, entry).await?;
                Err(Error::LoginFailed)
            }
        }
    }
    .await;
    let outcome = match &result {
        Ok(Masuk::Selesai(_)) => "berhasil",
        Ok(Masuk::Faktor(..)) => "faktor_kedua",
        Ok(Masuk::Daftarkan(_)) => "daftar_faktor",
        Err(Error::Ditahan { .. }) => "ditahan",
        Err(e) if e.is_refusal() => "gagal",
        Err(_) => "galat",
    };
    metrics::counter!("sakti_logins_total", "outcome" => outcome).increment(1);
    result
}

/// The one check of a signed-in user's password (the step-up, ganti sandi): counted against
/// the account before it is verified, like a login. `Ok(true)` for a right one (its count
/// taken back); `Ok(false)` for a wrong one, counted and in the trail; an error when the
/// account's limit holds the try back or this try started a lock.
pub(crate) async fn periksa_sandi(
    pool: &PgPool,
    caller: &Caller,
    actor: &Actor,
    aksi: Aksi,
    password: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let counted = hitung::hitung(pool, Penghitung::Akun(actor.user_id), now).await?;
    let counted = or_held(pool, counted, |b| Entry::new(caller, aksi, Outcome::Ditolak).detail(b.to_string())).await?;
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(pool)
        .await?;
    if verify_password(password, hash.as_deref().unwrap_or("")).await? {
        counted.benar(pool).await?;
        return Ok(true);
    }
    let entry = Entry::new(caller, aksi, Outcome::Gagal).detail("kata sandi salah");
    match locked_after(pool, actor.user_id, counted.count, now, entry).await {
        Error::LoginFailed => Ok(false),
        other => Err(other),
    }
}

/// After the `count`th consecutive failure: the audit line (with the lock, when one starts,
/// and then the user is told). Returns the limit now in force, if any.
pub(crate) async fn catat_gagal(
    pool: &PgPool,
    user_id: UserId,
    count: i32,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> Result<Option<domain::login::Blocked>> {
    let blocked = domain::login::gate(Failures { count, last: Some(now) }, now).err();
    let lock = blocked.as_ref().filter(|b| b.is_lock());
    let detail = match lock {
        Some(b) => format!("{}; {b}", entry.detail),
        None => entry.detail.clone(),
    };
    audit::record(pool, entry.detail(detail)).await?;
    if let Some(b) = lock
        && domain::login::lock_started(count)
    {
        beri_tahu_kunci(pool, user_id, b, now).await?;
    }
    Ok(blocked)
}

/// [`catat_gagal`], and the error the login page shows.
pub(crate) async fn locked_after(
    pool: &PgPool,
    user_id: UserId,
    count: i32,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> Error {
    match catat_gagal(pool, user_id, count, now, entry).await {
        Err(e) => e,
        Ok(Some(b)) if b.is_lock() => {
            Error::Ditahan { teks: format!("Username atau password salah. {b}"), tunggu: b.retry_after_secs() }
        }
        Ok(_) => Error::LoginFailed,
    }
}

/// Tells the user its account was locked: an SMS to its verified number (the number of an
/// `AKTIF` OTP reference of its own), when it has one.
async fn beri_tahu_kunci(
    pool: &PgPool,
    user_id: UserId,
    blocked: &domain::login::Blocked,
    now: DateTime<Utc>,
) -> Result<()> {
    metrics::counter!("sakti_account_locks_total").increment(1);
    let mut conn = pool.acquire().await?;
    let text = domain::sms::akun_terkunci(&blocked.to_string());
    crate::kirim::sms::enqueue_to_user(&mut conn, user_id, &text, now).await
}

/// A complete sign-in clears the failure counts of the account and of the device it came from.
pub async fn berhasil(pool: &PgPool, user_id: UserId, device: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE app_user SET failed_logins = 0, last_failed_at = NULL WHERE id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    if let Some(token) = device {
        sqlx::query(
            "UPDATE perangkat SET failed_logins = 0, last_failed_at = NULL WHERE token_hash = $1 AND user_id = $2",
        )
        .bind(crate::sistem::secret::sha256(token))
        .bind(user_id)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Remembers the browser a user just signed in with: the token for its device cookie (the
/// one it already had when it was this user's).
pub async fn ingat_perangkat(
    pool: &PgPool,
    user_id: UserId,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    if let Some(token) = device {
        let known = sqlx::query("UPDATE perangkat SET seen_at = $3 WHERE token_hash = $1 AND user_id = $2")
            .bind(crate::sistem::secret::sha256(token))
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
        if known.rows_affected() == 1 {
            return Ok(token.to_owned());
        }
    }
    let token = crate::sistem::secret::random_hex();
    sqlx::query("INSERT INTO perangkat (user_id, token_hash, created_at, seen_at) VALUES ($1, $2, $3, $3)")
        .bind(user_id)
        .bind(crate::sistem::secret::sha256(&token))
        .bind(now)
        .execute(pool)
        .await?;
    Ok(token)
}

/// The user a pending login (password given, second factor not yet) is for.
pub async fn load_pending(pool: &PgPool, user_id: UserId) -> Result<Option<(Actor, Failures)>> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"))
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    match row.filter(|r| r.active) {
        Some(r) => {
            let failures = r.failures();
            Ok(Some((r.into_actor()?, failures)))
        }
        None => Ok(None),
    }
}

/// Records a logout.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn logout(pool: &PgPool, caller: &Caller) -> Result<()> {
    if let Some(id) = caller.sesi() {
        sqlx::query("DELETE FROM sesi WHERE id = $1").bind(id).execute(pool).await?;
    }
    if caller.actor().is_some() {
        audit::record(pool, Entry::new(caller, Aksi::Logout, Outcome::Berhasil)).await?;
    }
    Ok(())
}
