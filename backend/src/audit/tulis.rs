//! The audit trail's writer: every login, action and refusal, append-only. A leaf: it
//! imports no use case (the audit page's search is `jejak`).

use crate::Caller;
use crate::error::{Error, Result};
use crate::sistem::kunci::KunciMac;
use domain::PejabatId;
pub use domain::audit::Aksi;
use sqlx::PgExecutor;
use std::sync::OnceLock;

/// The key each line's MAC is made with, installed once at start-up (`pasang_kunci_mac`).
/// Kept by the process rather than passed along: every use case writes the trail, and the
/// key is the process's, not the caller's. Without it (a test that does not ask), lines are
/// written without a MAC and `verify` names them.
static KUNCI_MAC: OnceLock<KunciMac> = OnceLock::new();

/// Installs the trail's MAC key for the life of the process; a second call keeps the first.
pub fn pasang_kunci_mac(kunci: KunciMac) {
    let _ = KUNCI_MAC.set(kunci);
}

/// What a line's MAC covers: every field the server writes, in a fixed text form.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Isi {
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_role: Option<String>,
    pub satker_kode: Option<String>,
    pub kppn_kode: Option<String>,
    pub client_addr: Option<String>,
    pub action: String,
    pub outcome: String,
    pub pejabat_id: Option<i64>,
    pub detail: String,
}

impl Isi {
    fn bytes(&self, nonce: &[u8]) -> Vec<u8> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        [
            "sakti-audit-v1".to_owned(),
            hex::encode(nonce),
            num(self.actor_user_id),
            opt(&self.actor_username),
            opt(&self.actor_role),
            opt(&self.satker_kode),
            opt(&self.kppn_kode),
            opt(&self.client_addr),
            self.action.clone(),
            self.outcome.clone(),
            num(self.pejabat_id),
            self.detail.clone(),
        ]
        .join("\u{1f}")
        .into_bytes()
    }

    /// A fresh nonce and the MAC over it and this content (none without a key).
    fn segel(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        use rand::RngCore;
        let mut nonce = vec![0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mac = KUNCI_MAC.get().map(|k| k.mac(&self.bytes(&nonce)));
        (nonce, mac)
    }

    /// Does `mac` authenticate this content with `nonce` under `kunci`?
    pub fn cocok(&self, kunci: &KunciMac, nonce: &[u8], mac: &[u8]) -> bool {
        kunci.cocok(&self.bytes(nonce), mac)
    }
}

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
    let actor = entry.caller.actor();
    let username = actor.map(|a| a.username.as_str()).or(entry.attempted_username);
    // whatever a caller typed ends up here: no NUL (PostgreSQL refuses it), bounded
    let username: Option<String> = username.map(|u| u.chars().filter(|c| *c != '\0').take(200).collect());
    let detail: String = entry.detail.chars().filter(|c| *c != '\0').take(2000).collect();
    if let (Some(at), Outcome::Ditolak) = (entry.caller.anonymous_at(), entry.outcome) {
        return hitung_tolak(exec, entry.caller.addr(), entry.action, &detail, username.as_deref(), at).await;
    }
    let isi = Isi {
        actor_user_id: actor.map(|a| a.user_id.0),
        actor_username: username,
        actor_role: actor.map(|a| a.role.code().to_owned()),
        satker_kode: actor.and_then(|a| a.unit.satker()).map(str::to_owned),
        kppn_kode: actor.and_then(|a| a.unit.kppn()).map(str::to_owned),
        client_addr: entry.caller.addr().map(str::to_owned),
        action: entry.action.code().to_owned(),
        outcome: entry.outcome.code().to_owned(),
        pejabat_id: entry.pejabat_id.map(|p| p.0),
        detail,
    };
    tulis(exec, &isi).await
}

/// Inserts one line with its nonce and MAC; the chain trigger adds its place and hash. Its
/// time (`at`) is left to the database, under the chain's hash: the MAC covers exactly what
/// the server writes ([`Isi`]), so a time written here would need a new form of the MAC.
async fn tulis<'e>(exec: impl PgExecutor<'e>, isi: &Isi) -> Result<()> {
    let (nonce, mac) = isi.segel();
    sqlx::query(
        "WITH unit AS (SELECT coalesce((SELECT satker_kode FROM pejabat WHERE id = $9), $4) AS satker)
         INSERT INTO audit_log (actor_user_id, actor_username, actor_role, satker_kode, kppn_kode,
                                client_addr, action, outcome, pejabat_id, detail, scope_satker, scope_kppn,
                                mac_nonce, mac)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, unit.satker,
                coalesce((SELECT kppn_kode FROM satker WHERE kode = unit.satker), $5), $11, $12
         FROM unit",
    )
    .bind(isi.actor_user_id)
    .bind(&isi.actor_username)
    .bind(&isi.actor_role)
    .bind(&isi.satker_kode)
    .bind(&isi.kppn_kode)
    .bind(&isi.client_addr)
    .bind(&isi.action)
    .bind(&isi.outcome)
    .bind(isi.pejabat_id)
    .bind(&isi.detail)
    .bind(nonce)
    .bind(mac)
    .execute(exec)
    .await?;
    Ok(())
}

/// Counts an anonymous refusal against its address, action and the minute of `at` (the
/// injected clock's, as the `until` that [`tutup_hitungan`] closes minutes by): one upsert on a
/// row of that address, never a line of the trail each.
async fn hitung_tolak<'e>(
    exec: impl PgExecutor<'e>,
    addr: Option<&str>,
    action: Aksi,
    detail: &str,
    username: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_hitungan (addr, action, menit, jumlah, contoh, username)
         VALUES ($1, $2, date_trunc('minute', $5), 1, $3, $4)
         ON CONFLICT (addr, action, menit) DO UPDATE SET jumlah = audit_hitungan.jumlah + 1",
    )
    .bind(addr.unwrap_or(""))
    .bind(action.code())
    .bind(detail)
    .bind(username)
    .bind(at)
    .execute(exec)
    .await?;
    Ok(())
}

/// The anonymous refusals of one address and action in one minute, as counted.
#[derive(sqlx::FromRow)]
struct Hitungan {
    addr: String,
    action: String,
    menit: chrono::DateTime<chrono::Utc>,
    jumlah: i32,
    contoh: String,
    username: Option<String>,
}

/// Writes the counts of the minutes before `until` to the trail, one line per address, action
/// and minute, and removes them; returns how many lines. Rows are taken once (`DELETE …
/// RETURNING` in the statement that writes the lines), so several instances never write one twice.
pub async fn tutup_hitungan(pool: &sqlx::PgPool, until: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let mut tx = pool.begin().await?;
    let mut closed: Vec<Hitungan> = sqlx::query_as(
        "DELETE FROM audit_hitungan WHERE menit < date_trunc('minute', $1)
         RETURNING addr, action, menit, jumlah, contoh, username",
    )
    .bind(until)
    .fetch_all(&mut *tx)
    .await?;
    closed.sort_by(|a, b| (a.menit, &a.addr, &a.action).cmp(&(b.menit, &b.addr, &b.action)));
    for Hitungan { addr, action, menit, jumlah, contoh, username } in &closed {
        let menit = menit.with_timezone(&chrono_tz::Asia::Jakarta).format("%Y-%m-%d %H:%M");
        let isi = Isi {
            actor_username: username.clone(),
            client_addr: Some(addr.clone()).filter(|a| !a.is_empty()),
            action: action.clone(),
            outcome: Outcome::Ditolak.code().to_owned(),
            detail: format!("{jumlah}× dalam menit {menit} WIB; yang pertama: {contoh}"),
            ..Isi::default()
        };
        tulis(&mut *tx, &isi).await?;
    }
    tx.commit().await?;
    Ok(u64::try_from(closed.len()).unwrap_or(0))
}

/// Writes the counts of each minute once it is over (every `every`), and every count at `stop`.
pub async fn run_worker(pool: sqlx::PgPool, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
    let pool = &pool;
    crate::sistem::putaran::tiap(every, stop, |stopping| async move {
        // at shutdown the current minute too: nothing counted is lost
        let until = crate::now() + if stopping { chrono::Duration::minutes(1) } else { chrono::Duration::zero() };
        if let Err(e) = tutup_hitungan(pool, until).await {
            tracing::warn!("hitungan penolakan tidak tertulis ke jejak audit: {e}");
        }
    })
    .await;
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
pub(crate) async fn refuse(
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
