//! Login, password hashing, loading the caller, and the role check every use case starts with.

use crate::audit::{self, Entry, Outcome, refuse};
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use domain::audit::Aksi;
use domain::authz::{self, Action};
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
struct UserRow {
    id: UserId,
    username: String,
    nama: String,
    nip: Option<String>,
    #[sqlx(try_from = "crate::stored::Stored<Role>")]
    role: Role,
    satker_kode: Option<String>,
    kppn_kode: Option<String>,
    password_hash: Option<String>,
    active: bool,
    locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl UserRow {
    /// The table's CHECK holds exactly one of the two codes; a row without it is a decode
    /// error, not a user without an office.
    fn into_actor(self) -> Result<Actor> {
        let unit = match (self.satker_kode, self.kppn_kode) {
            (Some(satker), None) => Unit::Satker(satker),
            (None, Some(kppn)) => Unit::Kppn(kppn),
            (None, None) if self.role == Role::Operator => Unit::Nasional,
            (satker, kppn) => {
                let value = format!("satker_kode {satker:?}, kppn_kode {kppn:?}");
                return Err(UnknownValue { kind: "app_user unit", value }.into());
            }
        };
        Ok(Actor { user_id: self.id, username: self.username, nama: self.nama, nip: self.nip, role: self.role, unit })
    }
}

const USER_COLUMNS: &str = "id, username, nama, nip, role, satker_kode, kppn_kode, password_hash, active, locked_until";

/// Checks a username and password. Every attempt, good or bad, goes to the audit trail.
pub async fn login(pool: &PgPool, addr: Option<String>, username: &str, password: &str) -> Result<Actor> {
    login_at(pool, addr, username, password, chrono::Utc::now()).await
}

/// [`login`] at a given time: the lock-out rules of `domain::login`, kept in the
/// database so that they hold across instances.
pub async fn login_at(
    pool: &PgPool,
    addr: Option<String>,
    username: &str,
    password: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Actor> {
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
    if let Some(row) = &row
        && let Err(blocked) = domain::login::account_blocked(row.locked_until, now)
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
        sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(actor.user_id)
            .execute(pool)
            .await?;
        let caller = Caller::user(actor.clone(), addr);
        audit::record(pool, Entry::new(&caller, Aksi::Login, Outcome::Berhasil)).await?;
        return Ok(actor);
    }
    if let Some(a) = &addr {
        sqlx::query("INSERT INTO login_failure (addr, at) VALUES ($1, $2)").bind(a).bind(now).execute(pool).await?;
    }
    let mut locked = false;
    if let Some(row) = &row {
        let failed: i32 = sqlx::query_scalar(
            "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        )
        .bind(row.id)
        .fetch_one(pool)
        .await?;
        if let (_, Some(until)) = domain::login::after_failure(failed - 1, now) {
            sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = $2 WHERE id = $1")
                .bind(row.id)
                .bind(until)
                .execute(pool)
                .await?;
            locked = true;
        }
    }
    if locked {
        let blocked = domain::login::Blocked::Account(domain::login::LOCK_MINUTES);
        audit::record(pool, refused(Outcome::Gagal, format!("username atau password salah; {blocked}"))).await?;
        return Err(Error::Forbidden(format!("Username atau password salah. {blocked}")));
    }
    audit::record(pool, refused(Outcome::Gagal, "username atau password salah".into())).await?;
    Err(Error::LoginFailed)
}

/// Records a logout.
#[tracing::instrument(skip_all, fields(user_id = caller.actor.as_ref().map(|a| a.user_id.0)))]
pub async fn logout(pool: &PgPool, caller: &Caller) -> Result<()> {
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
        Unit::Nasional => return Ok(UnitName { kode: String::new(), nama: "Nasional".into() }),
    };
    let row: Option<UnitName> = sqlx::query_as(&format!("SELECT kode, nama FROM {table} WHERE kode = $1"))
        .bind(actor.unit.kode())
        .fetch_optional(pool)
        .await?;
    row.ok_or(Error::Unauthenticated)
}
