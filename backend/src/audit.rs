//! The audit trail's writer: every login, action and refusal, append-only. A leaf: it
//! imports no use case (the audit page's search is `jejak`).

use crate::Caller;
use crate::error::{Error, Result};
use domain::PejabatId;
pub use domain::audit::Aksi;
use sqlx::PgExecutor;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Berhasil,
    /// Refused by a rule (wrong role, other satker, invalid input).
    Ditolak,
    /// Failed (wrong password).
    Gagal,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Berhasil => "BERHASIL",
            Outcome::Ditolak => "DITOLAK",
            Outcome::Gagal => "GAGAL",
        }
    }
}

/// One line of the trail. `detail` must never hold a password, code or secret.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub caller: &'a Caller,
    /// For failed logins: the username that was tried.
    pub attempted_username: Option<&'a str>,
    pub action: Aksi,
    pub outcome: Outcome,
    pub pejabat_id: Option<PejabatId>,
    pub detail: String,
}

impl<'a> Entry<'a> {
    pub fn new(caller: &'a Caller, action: impl Into<Aksi>, outcome: Outcome) -> Self {
        let action = action.into();
        Entry { caller, attempted_username: None, action, outcome, pejabat_id: None, detail: String::new() }
    }

    pub fn pejabat(mut self, id: PejabatId) -> Self {
        self.pejabat_id = Some(id);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Appends `entry` using `exec`, so it commits or rolls back with the change it describes.
/// A refusal of a caller who is not logged in is counted instead ([`hitung_tolak`]).
pub async fn record<'e>(exec: impl PgExecutor<'e>, entry: Entry<'_>) -> Result<()> {
    let actor = entry.caller.actor.as_ref();
    let username = actor.map(|a| a.username.as_str()).or(entry.attempted_username);
    // whatever a caller typed ends up here: no NUL (PostgreSQL refuses it), bounded
    let username: Option<String> = username.map(|u| u.chars().filter(|c| *c != '\0').take(200).collect());
    let detail: String = entry.detail.chars().filter(|c| *c != '\0').take(2000).collect();
    if actor.is_none() && !entry.caller.command_line && entry.outcome == Outcome::Ditolak {
        return hitung_tolak(exec, entry.caller.addr.as_deref(), entry.action, &detail, username.as_deref()).await;
    }
    sqlx::query(
        "WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = $9), $4) AS satker)
         INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode,
                                client_addr, action, outcome, pejabat_id, detail, scope_satker, scope_kppn)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, unit.satker,
                coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), $5)
         FROM unit",
    )
    .bind(actor.map(|a| a.user_id.0))
    .bind(username)
    .bind(actor.map(|a| a.role.code()))
    .bind(actor.and_then(|a| a.unit.satker()))
    .bind(actor.and_then(|a| a.unit.kppn()))
    .bind(entry.caller.addr.as_deref())
    .bind(entry.action.code())
    .bind(entry.outcome.code())
    .bind(entry.pejabat_id)
    .bind(detail)
    .execute(exec)
    .await?;
    Ok(())
}

/// Counts an anonymous refusal against its address, action and minute (the database's clock):
/// one upsert on a row of that address, never a line of the trail each.
async fn hitung_tolak<'e>(
    exec: impl PgExecutor<'e>,
    addr: Option<&str>,
    action: Aksi,
    detail: &str,
    username: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_hitungan (addr, action, menit, jumlah, contoh, username)
         VALUES ($1, $2, date_trunc('minute', now()), 1, $3, $4)
         ON CONFLICT (addr, action, menit) DO UPDATE SET jumlah = audit_hitungan.jumlah + 1",
    )
    .bind(addr.unwrap_or(""))
    .bind(action.code())
    .bind(detail)
    .bind(username)
    .execute(exec)
    .await?;
    Ok(())
}

/// Writes the counts of the minutes before `until` to the trail, one line per address, action
/// and minute, and removes them; returns how many lines. Rows are taken once (`DELETE …
/// RETURNING` in the statement that writes the lines), so several instances never write one twice.
pub async fn tutup_hitungan(pool: &sqlx::PgPool, until: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let written = sqlx::query(
        "WITH closed AS (
             DELETE FROM audit_hitungan WHERE menit < date_trunc('minute', $1)
             RETURNING addr, action, menit, jumlah, contoh, username)
         INSERT INTO audit_log (actor_username, client_addr, action, outcome, detail)
         SELECT username, nullif(addr, ''), action, 'DITOLAK',
                jumlah || '× dalam menit ' || to_char(menit AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI')
                    || ' WIB; yang pertama: ' || contoh
         FROM closed ORDER BY menit, addr, action",
    )
    .bind(until)
    .execute(pool)
    .await?;
    Ok(written.rows_affected())
}

/// Writes the counts of each minute once it is over (every `every`), and every count at `stop`.
pub async fn run_worker(pool: sqlx::PgPool, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        let stopping = tokio::select! {
            biased;
            () = &mut stop => true,
            () = tokio::time::sleep(every) => false,
        };
        // at shutdown the current minute too: nothing counted is lost
        let until = crate::now() + if stopping { chrono::Duration::minutes(1) } else { chrono::Duration::zero() };
        if let Err(e) = tutup_hitungan(&pool, until).await {
            tracing::warn!("hitungan penolakan tidak tertulis ke jejak audit: {e}");
        }
        if stopping {
            break;
        }
    }
}

/// One line of the trail as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Record {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_username: Option<String>,
    pub actor_role: Option<String>,
    pub satker_kode: Option<String>,
    pub client_addr: Option<String>,
    pub action: String,
    pub outcome: String,
    pub pejabat_id: Option<PejabatId>,
    pub detail: String,
}

/// The newest `limit` lines, newest first (for tests and, later, the audit page).
pub async fn latest<'e>(exec: impl PgExecutor<'e>, limit: i64) -> Result<Vec<Record>> {
    Ok(sqlx::query_as::<_, Record>(
        "SELECT id, at, actor_username, actor_role, satker_kode, client_addr, action, outcome, pejabat_id, detail
         FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(exec)
    .await?)
}

/// Writes a refusal to the audit trail and hands back the error to return.
/// When the trail itself cannot be written, that failure is returned instead.
pub async fn refuse(
    pool: &sqlx::PgPool,
    caller: &Caller,
    action: impl Into<Aksi>,
    pejabat_id: Option<PejabatId>,
    err: Error,
) -> Error {
    let detail = match &err {
        Error::Invalid(fields) => {
            format!("isian tidak valid: {}", fields.0.keys().cloned().collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    };
    let mut entry = Entry::new(caller, action, Outcome::Ditolak).detail(detail);
    entry.pejabat_id = pejabat_id;
    match record(pool, entry).await {
        Ok(()) => err,
        Err(audit_err) => audit_err,
    }
}

/// The first line where the audit trail's hash chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patah {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    /// Why: its content does not match its hash, it does not follow the line before it, or it
    /// was written outside the chain.
    pub alasan: &'static str,
}

/// Recomputes the whole chain (migration `…_audit_chain`): every line's hash over its content
/// and the previous line's hash, in chain order. Returns the number of lines checked and the
/// first broken one. Run by `server audit verify`.
pub async fn verify(pool: &sqlx::PgPool) -> Result<(i64, Option<Patah>)> {
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(pool).await?;
    let broken: Option<(i64, chrono::DateTime<chrono::Utc>, String, bool, bool)> = sqlx::query_as(
        "SELECT id, at, action, chained, content_ok FROM (
             SELECT a.id, a.at, a.action, a.seq,
                    a.hash IS NOT NULL AND a.prev_hash IS NOT DISTINCT FROM lag(a.hash) OVER (ORDER BY a.seq) AS chained,
                    a.hash = sha256(coalesce(a.prev_hash, ''::bytea) || audit_line_bytes(a)) AS content_ok
             FROM audit_log a) lines
         WHERE seq IS NULL OR NOT chained OR NOT content_ok
         ORDER BY seq NULLS FIRST LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok((
        lines,
        broken.map(|(id, at, action, chained, content_ok)| Patah {
            id,
            at,
            action,
            alasan: if !content_ok {
                "isinya tidak cocok dengan hash-nya (diubah)"
            } else if !chained {
                "tidak menyambung ke baris sebelumnya (baris sebelumnya dihapus atau disisipkan)"
            } else {
                "ditulis di luar rantai"
            },
        }),
    ))
}
