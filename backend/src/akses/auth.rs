//! Loading the caller, the role check every use case starts with (`authorize`, and `sendiri`
//! for self-service), and the unit a page's header names.

use crate::audit::refuse;
use crate::error::{Error, Result};
use crate::{Actor, Caller};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::authz::{self, Action};
use domain::login::Failures;
use domain::stored::UnknownValue;
use domain::{Role, Unit, UserId};
use sqlx::PgPool;

#[derive(Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: UserId,
    username: String,
    nama: String,
    nip: Option<String>,
    #[sqlx(try_from = "crate::sistem::stored::Stored<Role>")]
    pub(crate) role: Role,
    satker_kode: Option<String>,
    kppn_kode: Option<String>,
    kanwil_kode: Option<String>,
    pub(crate) password_hash: Option<String>,
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

    pub(crate) fn failures(&self) -> Failures {
        Failures { count: self.failed_logins, last: self.last_failed_at }
    }
}

pub(crate) const USER_COLUMNS: &str = "id, username, nama, nip, role, satker_kode, kppn_kode, kanwil_kode, password_hash, \
     active, failed_logins, last_failed_at";
/// [`USER_COLUMNS`] of `app_user u`, for joins.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.username, u.nama, u.nip, u.role, u.satker_kode, u.kppn_kode, \
     u.kanwil_kode, u.password_hash, u.active, u.failed_logins, u.last_failed_at";

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
