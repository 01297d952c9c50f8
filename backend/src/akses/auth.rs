//! Login, password hashing, loading the caller, and the role check every use case starts with.

use crate::akses::hitung::{self, Penghitung};
use crate::audit::{self, Entry, Outcome, refuse};
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::authz::{self, Action};
use domain::login::Failures;
use domain::stored::UnknownValue;
use domain::{Role, Unit, UserId};
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
async fn verify_password(password: &str, hash: &str) -> Result<bool> {
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
async fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return h;
    }
    let h = hash_password("decoy-password-never-valid").await.unwrap_or_default();
    DECOY.get_or_init(|| h)
}

#[derive(Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    id: UserId,
    username: String,
    nama: String,
    nip: Option<String>,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Role>")]
    pub(crate) role: Role,
    satker_kode: Option<String>,
    kppn_kode: Option<String>,
    kanwil_kode: Option<String>,
    password_hash: Option<String>,
    pub(crate) active: bool,
    failed_logins: i32,
    last_failed_at: Option<DateTime<Utc>>,
}

impl UserRow {
    /// The table's CHECK holds at most one of the three codes; a row that breaks it is a
    /// decode error, not a user without an office.
    pub(crate) fn into_actor(self) -> Result<Actor> {
        let unit = match (self.satker_kode, self.kppn_kode, self.kanwil_kode) {
            (Some(satker), None, None) => Unit::Satker(satker),
            (None, Some(kppn), None) => Unit::Kppn(kppn),
            (None, None, Some(kanwil)) if self.role == Role::Kanwil => Unit::Kanwil(kanwil),
            (None, None, None) if matches!(self.role, Role::Operator | Role::Pusat) => Unit::Nasional,
            (satker, kppn, kanwil) => {
                let value = format!("satker_kode {satker:?}, kppn_kode {kppn:?}, kanwil_kode {kanwil:?}");
                return Err(UnknownValue { kind: "app_user unit", value }.into());
            }
        };
        Ok(Actor { user_id: self.id, username: self.username, nama: self.nama, nip: self.nip, role: self.role, unit })
    }

    fn failures(&self) -> Failures {
        Failures { count: self.failed_logins, last: self.last_failed_at }
    }
}

const USER_COLUMNS: &str = "id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, \
     active, failed_logins, last_failed_at";
/// [`USER_COLUMNS`] of `app_user u`, for joins.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.username, u.nama, u.nip, u.role, u.satker_kode, u.kppn_kode, \
     u.kanwil_kode, u.password_hash, u.active, u.failed_logins, u.last_failed_at";

/// What a login's password step leads to.
#[derive(Debug, Clone)]
pub enum Masuk {
    /// Signed in: the session may start.
    Selesai(Actor),
    /// The user has a second factor: it must be given next — whether or not the password was
    /// right, so that the answer never tells a guesser ([`Sandi`] carries which it was).
    Faktor(Actor, Sandi),
    /// Staff without a second factor: one must be enrolled before the session starts.
    Daftar(Actor),
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
            Masuk::Selesai(a) | Masuk::Faktor(a, _) | Masuk::Daftar(a) => a,
        }
    }

    pub fn into_actor(self) -> Actor {
        match self {
            Masuk::Selesai(a) | Masuk::Faktor(a, _) | Masuk::Daftar(a) => a,
        }
    }
}

/// Checks a username and password. Every attempt, good or bad, goes to the audit trail.
pub async fn login(pool: &PgPool, addr: Option<String>, username: &str, password: &str) -> Result<Masuk> {
    login_at(pool, addr, None, username, password, chrono::Utc::now()).await
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
        let anonymous = Caller::anonymous(addr.clone());
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
                    (Masuk::Daftar(actor), "kata sandi benar; faktor kedua belum didaftarkan")
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
        Ok(Masuk::Daftar(_)) => "daftar_faktor",
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
        beri_tahu_kunci(pool, user_id, b).await?;
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
            Error::Ditahan { pesan: format!("Username atau password salah. {b}"), tunggu: b.retry_after_secs() }
        }
        Ok(_) => Error::LoginFailed,
    }
}

/// Tells the user its account was locked: an SMS to its verified number (the number of an
/// `AKTIF` OTP reference of its own), when it has one.
async fn beri_tahu_kunci(pool: &PgPool, user_id: UserId, blocked: &domain::login::Blocked) -> Result<()> {
    metrics::counter!("sakti_account_locks_total").increment(1);
    let mut conn = pool.acquire().await?;
    crate::pesan::sms::enqueue_to_user(&mut conn, user_id, &domain::sms::akun_terkunci(&blocked.to_string())).await
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

/// Loads the user behind a session; `None` when it no longer exists or was deactivated.
pub async fn load_actor(pool: &PgPool, user_id: UserId) -> Result<Option<Actor>> {
    let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"))
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    row.filter(|r| r.active).map(UserRow::into_actor).transpose()
}

/// The first step of every use case: the caller is logged in and its role may attempt
/// `action`. A refusal is written to the audit trail before it is returned.
pub async fn authorize<'c>(pool: &PgPool, caller: &'c Caller, action: Action) -> Result<&'c Actor> {
    match caller.actor() {
        None => Err(refuse(pool, caller, action, None, Error::Unauthenticated).await),
        Some(actor) if !authz::role_may(actor.role, action) => {
            let err = Error::Forbidden(authz::refusal_message(actor.role, action));
            Err(refuse(pool, caller, action, None, err).await)
        }
        Some(actor) => Ok(actor),
    }
}

/// The first step of a use case on the caller's own account (its password, factors,
/// sessions): the caller is signed in, or half-way through its own sign-in
/// ([`Caller::pending`]), whatever its role. A refusal is written to the trail.
pub async fn sendiri<'c>(pool: &PgPool, caller: &'c Caller, action: Aksi) -> Result<&'c Actor> {
    match caller.actor() {
        Some(actor) => Ok(actor),
        None => Err(refuse(pool, caller, action, None, Error::Unauthenticated).await),
    }
}

pub use crate::akses::actor::step_up;

/// Whether the user has a second factor (an authenticator app or a passkey).
pub(crate) async fn punya_faktor(pool: &PgPool, user_id: UserId) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM faktor WHERE user_id = $1)")
        .bind(user_id)
        .fetch_one(pool)
        .await?)
}

/// An office as the page header names it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitName {
    pub kode: String,
    pub nama: String,
}

/// The code and name of the actor's satker, or of its KPPN for the CSO.
pub async fn unit_of(pool: &PgPool, actor: &Actor) -> Result<UnitName> {
    let table = match actor.unit {
        Unit::Satker(_) => "satker",
        Unit::Kppn(_) => "kppn",
        Unit::Kanwil(_) => "kanwil",
        Unit::Nasional => return Ok(UnitName { kode: String::new(), nama: "Nasional".into() }),
    };
    let row: Option<UnitName> = sqlx::query_as(&format!("SELECT kode, nama FROM {table} WHERE kode = $1"))
        .bind(actor.unit.kode())
        .fetch_optional(pool)
        .await?;
    row.ok_or(Error::Unauthenticated)
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
