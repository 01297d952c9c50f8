//! Login, password hashing, loading the caller, and the role check every use case starts with.

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

/// Hashes `password` with argon2id (the crate's defaults), off the async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
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

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
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
    #[sqlx(try_from = "crate::stored::Stored<Role>")]
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

/// What a right password leads to.
#[derive(Debug, Clone)]
pub enum Masuk {
    /// Signed in: the session may start.
    Selesai(Actor),
    /// The user has a second factor: it must be given next.
    Faktor(Actor),
    /// Staff without a second factor: one must be enrolled before the session starts.
    Daftar(Actor),
}

impl Masuk {
    pub fn actor(&self) -> &Actor {
        match self {
            Masuk::Selesai(a) | Masuk::Faktor(a) | Masuk::Daftar(a) => a,
        }
    }

    pub fn into_actor(self) -> Actor {
        match self {
            Masuk::Selesai(a) | Masuk::Faktor(a) | Masuk::Daftar(a) => a,
        }
    }
}

/// Checks a username and password. Every attempt, good or bad, goes to the audit trail.
pub async fn login(pool: &PgPool, addr: Option<String>, username: &str, password: &str) -> Result<Masuk> {
    login_at(pool, addr, None, username, password, chrono::Utc::now()).await
}

/// A known device of the user: its own failure count.
#[derive(sqlx::FromRow)]
struct Device {
    id: i64,
    failed_logins: i32,
    last_failed_at: Option<DateTime<Utc>>,
}

/// [`login`] at a given time, from a browser that may hold a known-device token (`device`):
/// the limits of `domain::login`, kept in the database so that they hold across instances.
///
/// Whose failures count: a known device's own (so nobody elsewhere can lock its user out);
/// for a user with a second factor, none from elsewhere (the password alone opens nothing:
/// the second factor has its own count, and the address limit still holds); for anyone else,
/// the account's.
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
        if let Some(a) = &addr {
            let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM login_failure WHERE addr = $1 AND at > $2")
                .bind(a)
                .bind(domain::login::window_start(now))
                .fetch_one(pool)
                .await?;
            if let Err(blocked) = domain::login::address_blocked(failures) {
                audit::record(pool, refused(Outcome::Ditolak, blocked.to_string())).await?;
                return Err(Error::Forbidden(blocked.to_string()));
            }
        }
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE username = $1"))
            .bind(&username)
            .fetch_optional(pool)
            .await?;
        let known: Option<Device> =
            match (&row, device) {
                (Some(row), Some(token)) => sqlx::query_as(
                    "SELECT id, failed_logins, last_failed_at FROM perangkat WHERE token_hash = $1 AND user_id = $2",
                )
                .bind(crate::secret::sha256(token))
                .bind(row.id)
                .fetch_optional(pool)
                .await?,
                _ => None,
            };
        let has_factor = match &row {
            Some(row) => crate::faktor::ada(pool, row.id).await?,
            None => false,
        };
        let counted: Option<Failures> = match (&row, &known) {
            (_, Some(d)) => Some(Failures { count: d.failed_logins, last: d.last_failed_at }),
            (Some(_), None) if has_factor => None,
            (Some(row), None) => Some(row.failures()),
            (None, None) => None,
        };
        if let Some(f) = counted
            && let Err(blocked) = domain::login::gate(f, now)
        {
            audit::record(pool, refused(Outcome::Ditolak, blocked.to_string())).await?;
            return Err(Error::Forbidden(blocked.to_string()));
        }
        // a user without a password (imported, link not used yet) fails like an unknown one
        let good = match row.as_ref().and_then(|r| r.password_hash.as_deref().map(|h| (r, h))) {
            Some((row, hash)) => verify_password(password, hash).await && row.active,
            None => {
                verify_password(password, decoy_hash().await).await;
                false
            }
        };
        if let (true, Some(row)) = (good, row.clone()) {
            let actor = row.into_actor()?;
            let caller = Caller::user(actor.clone(), addr);
            if has_factor {
                audit::record(
                    pool,
                    Entry::new(&caller, Aksi::Login, Outcome::Berhasil)
                        .detail("kata sandi benar; menunggu faktor kedua"),
                )
                .await?;
                return Ok(Masuk::Faktor(actor));
            }
            if actor.role.is_staff() {
                audit::record(
                    pool,
                    Entry::new(&caller, Aksi::Login, Outcome::Berhasil)
                        .detail("kata sandi benar; faktor kedua belum didaftarkan"),
                )
                .await?;
                return Ok(Masuk::Daftar(actor));
            }
            berhasil(pool, actor.user_id, device).await?;
            audit::record(pool, Entry::new(&caller, Aksi::Login, Outcome::Berhasil)).await?;
            return Ok(Masuk::Selesai(actor));
        }
        if let Some(a) = &addr {
            sqlx::query("INSERT INTO login_failure (addr, at) VALUES ($1, $2)").bind(a).bind(now).execute(pool).await?;
        }
        let count = match (&row, &known) {
            (_, Some(d)) => Some(
                sqlx::query_scalar::<_, i32>(
                    "UPDATE perangkat SET failed_logins = failed_logins + 1, last_failed_at = $2 WHERE id = $1
                     RETURNING failed_logins",
                )
                .bind(d.id)
                .bind(now)
                .fetch_one(pool)
                .await?,
            ),
            (Some(row), None) if counted.is_some() => Some(gagal(pool, row.id, now).await?),
            _ => None,
        };
        let detail = "username atau password salah".to_string();
        if let (Some(count), Some(row)) = (count, &row) {
            return Err(locked_after(pool, row.id, count, now, refused(Outcome::Gagal, detail)).await);
        }
        audit::record(pool, refused(Outcome::Gagal, detail)).await?;
        Err(Error::LoginFailed)
    }
    .await;
    let outcome = match &result {
        Ok(Masuk::Selesai(_)) => "berhasil",
        Ok(Masuk::Faktor(_)) => "faktor_kedua",
        Ok(Masuk::Daftar(_)) => "daftar_faktor",
        Err(Error::Forbidden(_)) => "ditahan",
        Err(e) if e.is_refusal() => "gagal",
        Err(_) => "galat",
    };
    metrics::counter!("sakti_logins_total", "outcome" => outcome).increment(1);
    result
}

/// Counts a failure of `user_id`'s account (a password, or a second factor); returns the
/// new consecutive count.
pub(crate) async fn gagal(pool: &PgPool, user_id: UserId, now: DateTime<Utc>) -> Result<i32> {
    Ok(sqlx::query_scalar(
        "UPDATE app_user SET failed_logins = failed_logins + 1, last_failed_at = $2 WHERE id = $1 RETURNING failed_logins",
    )
    .bind(user_id)
    .bind(now)
    .fetch_one(pool)
    .await?)
}

/// After the `count`th consecutive failure: the audit line (with the lock, when one
/// starts, and then the user is told) and the error the login page shows.
pub(crate) async fn locked_after(
    pool: &PgPool,
    user_id: UserId,
    count: i32,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> Error {
    let blocked = domain::login::gate(Failures { count, last: Some(now) }, now).err();
    let lock = blocked.as_ref().filter(|b| b.is_lock());
    let detail = match lock {
        Some(b) => format!("{}; {b}", entry.detail),
        None => entry.detail.clone(),
    };
    if let Err(e) = audit::record(pool, entry.detail(detail)).await {
        return e;
    }
    if let Some(b) = lock
        && domain::login::lock_started(count)
        && let Err(e) = beri_tahu_kunci(pool, user_id, b).await
    {
        return e;
    }
    match blocked {
        Some(b) if b.is_lock() => Error::Forbidden(format!("Username atau password salah. {b}")),
        _ => Error::LoginFailed,
    }
}

/// Tells the user its account was locked: an SMS to its verified number (the number of an
/// `AKTIF` OTP reference of its own), when it has one.
async fn beri_tahu_kunci(pool: &PgPool, user_id: UserId, blocked: &domain::login::Blocked) -> Result<()> {
    metrics::counter!("sakti_account_locks_total").increment(1);
    let mut conn = pool.acquire().await?;
    crate::sms::enqueue_to_user(&mut conn, user_id, &domain::sms::akun_terkunci(&blocked.to_string())).await
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
        .bind(crate::secret::sha256(token))
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
            .bind(crate::secret::sha256(token))
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
        if known.rows_affected() == 1 {
            return Ok(token.to_owned());
        }
    }
    let token = crate::secret::random_hex();
    sqlx::query("INSERT INTO perangkat (user_id, token_hash, created_at, seen_at) VALUES ($1, $2, $3, $3)")
        .bind(user_id)
        .bind(crate::secret::sha256(&token))
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
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn logout(pool: &PgPool, caller: &Caller) -> Result<()> {
    if let Some(id) = caller.sesi {
        sqlx::query("DELETE FROM sesi WHERE id = $1").bind(id).execute(pool).await?;
    }
    if caller.actor.is_some() {
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
    match &caller.actor {
        None => Err(refuse(pool, caller, action, None, Error::Unauthenticated).await),
        Some(actor) if !authz::role_may(actor.role, action) => {
            let err = Error::Forbidden(authz::refusal_message(actor.role, action));
            Err(refuse(pool, caller, action, None, err).await)
        }
        Some(actor) => Ok(actor),
    }
}

/// A sensitive step (starting a number change, confirming one, Hapus of an `AKTIF`
/// reference, the audit export, resetting someone's password or factors): the caller's last
/// authentication must be at most five minutes old. Not a refusal for the trail: the page
/// asks for the password (and second factor) in place and then goes on.
pub fn step_up(caller: &Caller) -> Result<()> {
    if caller.step_up || caller.command_line { Ok(()) } else { Err(Error::StepUp) }
}

/// The step-up dialog: the caller's password again and, when it has a second factor, a
/// code from it (or a passkey: [`autentikasi_ulang_passkey`]). Wrong ones count against the
/// account like at login. Success makes the session's authentication fresh (`auth_at`).
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn autentikasi_ulang(
    pool: &PgPool,
    caller: &Caller,
    password: &str,
    bukti: Option<&crate::faktor::Bukti>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (actor, sesi) = password_again(pool, caller, password, now).await?;
    if crate::faktor::ada(pool, actor.user_id).await? {
        match bukti {
            Some(bukti) => crate::faktor::periksa(pool, caller, actor, bukti, now).await?,
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
    jawaban: crate::passkey::Jawaban<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (actor, sesi) = password_again(pool, caller, password, now).await?;
    crate::passkey::masuk_selesai(pool, caller, actor, jawaban, now).await?;
    segar(pool, caller, sesi, now).await
}

/// The step-up's password: the caller's, counted like at login.
async fn password_again<'c>(
    pool: &PgPool,
    caller: &'c Caller,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(&'c Actor, domain::SesiId)> {
    let (Some(actor), Some(sesi)) = (caller.actor.as_ref(), caller.sesi) else { return Err(Error::Unauthenticated) };
    crate::faktor::gate(pool, caller, actor, now).await?;
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(pool)
        .await?;
    if !verify_password(password, hash.as_deref().unwrap_or("")).await {
        let count = gagal(pool, actor.user_id, now).await?;
        let entry = Entry::new(caller, Aksi::AutentikasiUlang, Outcome::Gagal).detail("kata sandi salah");
        return Err(match locked_after(pool, actor.user_id, count, now, entry).await {
            Error::LoginFailed => Error::Forbidden("Kata sandi salah.".into()),
            other => other,
        });
    }
    Ok((actor, sesi))
}

/// The session's authentication is fresh from `now` (step-up passed).
pub(crate) async fn segar(pool: &PgPool, caller: &Caller, sesi: domain::SesiId, now: DateTime<Utc>) -> Result<()> {
    let mut conn = pool.acquire().await?;
    crate::sesi::segarkan(&mut conn, sesi, now).await?;
    audit::record(pool, Entry::new(caller, Aksi::AutentikasiUlang, Outcome::Berhasil)).await
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
