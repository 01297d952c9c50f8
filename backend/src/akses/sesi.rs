//! Sessions known per user: started at login, checked (and their "last seen" moved) on
//! each request, listed on "Sesi saya", ended by their user, by the admins who manage that
//! user, or by a change that must log the user out elsewhere (deactivation, new password,
//! confirmed number change).

use crate::akses::attempt::Attempt;
use crate::akses::auth::{USER_COLUMNS_U, UserRow, sendiri};
use crate::error::{Error, Result};
use crate::{Actor, Caller, StepUp};
use chrono::{DateTime, Utc};
use domain::audit::Aksi;
use domain::sesi::{Ended, Left, Limits, SesiInfo};
use domain::{SesiId, UserId};
use sqlx::{PgConnection, PgPool};

/// Starts the session of a user who has just authenticated fully (password, and the second
/// factor where there is one).
pub async fn mulai(
    pool: &PgPool,
    user_id: UserId,
    addr: Option<&str>,
    browser: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SesiId> {
    let browser = browser.map(|b| b.chars().filter(|c| !c.is_control()).take(300).collect::<String>());
    let id = sqlx::query_scalar(
        "INSERT INTO sesi (user_id, created_at, seen_at, auth_at, addr, browser) VALUES ($1, $2, $2, $2, $3, $4)
         RETURNING id",
    )
    .bind(user_id)
    .bind(now)
    .bind(addr)
    .bind(browser)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Starts a session for `actor`, who has just authenticated fully, and loads it as the next
/// request will: the caller of that session, holding a fresh step-up. For the tools that act
/// as a signed-in user without a browser (load benchmarks, tests).
pub async fn mulai_dan_muat(pool: &PgPool, actor: &Actor, addr: Option<String>, now: DateTime<Utc>) -> Result<Caller> {
    let id = mulai(pool, actor.user_id, addr.as_deref(), None, now).await?;
    match muat(pool, id, actor.user_id, addr, &Limits::default(), now, true).await? {
        Keadaan::Live(live) => Ok(live.caller),
        Keadaan::Ended => Err(Error::Unauthenticated),
    }
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Live {
    /// The session's user, holding the step-up proof when its last full authentication is
    /// recent enough for a sensitive step.
    pub caller: Caller,
    pub left: Left,
}

/// What a session's cookie leads to.
#[derive(Debug, Clone)]
pub enum Keadaan {
    Live(Box<Live>),
    /// It ended (idle, absolute limit, ended by someone, user deactivated): the row is gone.
    Ended,
}

#[derive(sqlx::FromRow)]
struct Row {
    created_at: DateTime<Utc>,
    seen_at: DateTime<Utc>,
    auth_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// Loads session `id` of `user_id` at `now`, for a request from `addr`. `active` says the
/// request is the user's own doing (it moves "last seen"); the page's background checks and
/// event streams are not.
#[allow(clippy::too_many_arguments)]
pub async fn muat(
    pool: &PgPool,
    id: SesiId,
    user_id: UserId,
    addr: Option<String>,
    limits: &Limits,
    now: DateTime<Utc>,
    active: bool,
) -> Result<Keadaan> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT s.created_at, s.seen_at, s.auth_at, {USER_COLUMNS_U}
         FROM sesi s JOIN app_user u ON u.id = s.user_id WHERE s.id = $1 AND s.user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(Keadaan::Ended) };
    let ended = |why: Option<Ended>| async move {
        tracing::info!(sesi = id.0, ?why, "sesi berakhir");
        sqlx::query("DELETE FROM sesi WHERE id = $1").bind(id).execute(pool).await?;
        Ok::<_, Error>(Keadaan::Ended)
    };
    if !row.user.active {
        return ended(None).await;
    }
    let role = row.user.role;
    let mut left = match domain::sesi::check(limits, role, row.created_at, row.seen_at, now) {
        Ok(left) => left,
        Err(why) => return ended(Some(why)).await,
    };
    if active && domain::sesi::touch_due(row.seen_at, now) {
        sqlx::query("UPDATE sesi SET seen_at = $2 WHERE id = $1 AND seen_at < $2")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
        left = domain::sesi::check(limits, role, row.created_at, now, now).unwrap_or(left);
    }
    let step_up = StepUp::issue(row.auth_at, now);
    Ok(Keadaan::Live(Box::new(Live { caller: Caller::of_session(row.user.into_actor()?, addr, id, step_up), left })))
}

/// Is session `id` still there? For the event streams, which close when it is not.
pub async fn ada(pool: &PgPool, id: SesiId) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sesi WHERE id = $1)").bind(id).fetch_one(pool).await?)
}

/// The step-up dialog succeeded: the session's last authentication is `now`.
pub(crate) async fn segarkan(conn: &mut PgConnection, id: SesiId, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE sesi SET auth_at = $2, seen_at = greatest(seen_at, $2) WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` but `except` (the caller's own, when it changed its own
/// password); returns how many ended.
pub(crate) async fn akhiri_milik(conn: &mut PgConnection, user_id: UserId, except: Option<SesiId>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sesi WHERE user_id = $1 AND id IS DISTINCT FROM $2")
        .bind(user_id)
        .bind(except)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[derive(sqlx::FromRow)]
struct SesiRow {
    id: SesiId,
    created_at: DateTime<Utc>,
    seen_at: DateTime<Utc>,
    addr: Option<String>,
    browser: Option<String>,
    ini: bool,
}

impl SesiRow {
    fn info(self) -> SesiInfo {
        SesiInfo {
            id: self.id,
            dibuat_ms: self.created_at.timestamp_millis(),
            terakhir_ms: self.seen_at.timestamp_millis(),
            addr: self.addr,
            browser: self.browser,
            ini: self.ini,
        }
    }
}

/// The caller's own sessions, newest first.
/// Sessions that ended by their limits without a request since (a closed browser) are
/// removed first: the list shows only what could still act.
pub async fn daftar(pool: &PgPool, caller: &Caller, limits: &Limits, now: DateTime<Utc>) -> Result<Vec<SesiInfo>> {
    let actor = sendiri(pool, caller, Aksi::AkhiriSesi).await?;
    let (born_after, seen_after) = (now - limits.absolute, now - limits.idle_of(actor.role));
    sqlx::query("DELETE FROM sesi WHERE user_id = $1 AND (created_at <= $2 OR seen_at <= $3)")
        .bind(actor.user_id)
        .bind(born_after)
        .bind(seen_after)
        .execute(pool)
        .await?;
    let rows: Vec<SesiRow> = sqlx::query_as(
        "SELECT id, created_at, seen_at, addr, browser, id IS NOT DISTINCT FROM $2 AS ini
         FROM sesi WHERE user_id = $1 ORDER BY seen_at DESC",
    )
    .bind(actor.user_id)
    .bind(caller.sesi())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(SesiRow::info).collect())
}

/// Ends one of the caller's own sessions (not the current one: that is "Keluar").
#[tracing::instrument(skip_all, fields(sesi = id.0))]
pub async fn akhiri(pool: &PgPool, caller: &Caller, id: SesiId) -> Result<()> {
    let actor = sendiri(pool, caller, Aksi::AkhiriSesi).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::AkhiriSesi).await?;
    let done = sqlx::query("DELETE FROM sesi WHERE id = $1 AND user_id = $2 AND id IS DISTINCT FROM $3")
        .bind(id)
        .bind(actor.user_id)
        .bind(caller.sesi())
        .execute(attempt.tx())
        .await?;
    if done.rows_affected() == 0 {
        return Err(attempt.refuse(Error::Rule("Sesi itu sudah berakhir.".into())).await);
    }
    attempt.done(format!("sesi {id}"), None).await
}

/// Ends all the caller's sessions but the current one.
pub async fn akhiri_lain(pool: &PgPool, caller: &Caller) -> Result<u64> {
    let actor = sendiri(pool, caller, Aksi::AkhiriSesi).await?;
    let mut attempt = Attempt::begin(pool, caller, Aksi::AkhiriSesi).await?;
    let n = akhiri_milik(attempt.tx(), actor.user_id, caller.sesi()).await?;
    attempt.done(format!("{n} sesi lain"), None).await?;
    Ok(n)
}
