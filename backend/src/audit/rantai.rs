//! The audit trail's hash chain (migrations `…_audit_chain`, `…_audit_penyambung`): lines are
//! written without a place in it and linked after they commit, in batches, by one linker at a
//! time (`sambung`), so no request waits on the chain's lock; `verify` recomputes it and every
//! line's MAC. The checkpoints that seal its head are `titik`.

use super::tulis::Isi;
use crate::error::Result;
use crate::sistem::kunci::KunciMac;

/// Lines linked per call at most: one batch of the linker.
const BATCH: i32 = 5000;

/// Links every committed line not yet in the chain, in id order after the chain's head, under
/// the chain's lock (one linker at a time across instances); returns how many. Called every
/// [`SELANG`] by each instance's worker, and before anything reads the head: a checkpoint, an
/// evidence record, `verify`.
pub async fn sambung(pool: &sqlx::PgPool) -> Result<u64> {
    let mut total = 0u64;
    loop {
        let n: i32 = sqlx::query_scalar("SELECT audit_sambung($1)").bind(BATCH).fetch_one(pool).await?;
        total += u64::try_from(n).unwrap_or(0);
        if n < BATCH {
            return Ok(total);
        }
    }
}

/// How often each instance links the lines written since.
pub const SELANG: std::time::Duration = std::time::Duration::from_millis(250);

/// Links the trail every `every`, and once more at `stop`.
pub async fn run_penyambung(
    pool: sqlx::PgPool,
    every: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    let pool = &pool;
    crate::sistem::putaran::tiap(every, stop, |_| async move {
        if let Err(e) = sambung(pool).await {
            tracing::warn!("baris jejak audit belum tersambung ke rantai: {e}");
        }
    })
    .await;
}

/// The first line where the audit trail's hash chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patah {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    /// Why: its content does not match its hash, or it does not follow the line before it.
    pub alasan: &'static str,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Laporan {
    /// Lines checked.
    pub baris: i64,
    /// Lines written before lines carried a MAC (migration `…_audit_mac`): the chain holds
    /// them, no key does.
    pub sebelum_mac: i64,
    /// The first broken line, if any.
    pub patah: Option<Patah>,
}

/// The first line whose hash does not hold, and which of its checks failed.
#[derive(sqlx::FromRow)]
struct BarisPatah {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    action: String,
    content_ok: bool,
}

#[derive(sqlx::FromRow)]
struct BarisMac {
    id: i64,
    seq: i64,
    at: chrono::DateTime<chrono::Utc>,
    mac_nonce: Option<Vec<u8>>,
    mac: Option<Vec<u8>>,
    #[sqlx(flatten)]
    isi: Isi,
}

/// Links what waits ([`sambung`]: a line written a moment ago is checked too), then recomputes
/// the whole chain (migration `…_audit_chain`): every line's hash over its content and the
/// previous line's hash, in chain order; then every line's MAC under `kunci`, which the
/// database never holds: a line written or changed through the database alone (the linker
/// chained it, so the chain holds) fails here. Lines committed after the linking wait for the
/// next run. Run by `server audit verify`.
pub async fn verify(pool: &sqlx::PgPool, kunci: &KunciMac) -> Result<Laporan> {
    sambung(pool).await?;
    let baris: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(pool).await?;
    let broken: Option<BarisPatah> = sqlx::query_as(
        "SELECT id, at, action, content_ok FROM (
             SELECT a.id, a.at, a.action, a.seq,
                    a.hash IS NOT NULL AND a.prev_hash IS NOT DISTINCT FROM lag(a.hash) OVER (ORDER BY a.seq) AS chained,
                    coalesce(a.hash = sha256(coalesce(a.prev_hash, ''::bytea) || audit_line_bytes(a)), false) AS content_ok
             FROM audit_log a) lines
         WHERE seq IS NOT NULL AND (NOT chained OR NOT content_ok)
         ORDER BY seq LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    if let Some(BarisPatah { id, at, action, content_ok }) = broken {
        let alasan = if content_ok {
            "tidak menyambung ke baris sebelumnya (baris sebelumnya dihapus atau disisipkan)"
        } else {
            "isinya tidak cocok dengan hash-nya (diubah)"
        };
        return Ok(Laporan { baris, sebelum_mac: 0, patah: Some(Patah { id, at, action, alasan }) });
    }
    // in pages of the chain's order, so a trail of millions of lines is never held at once
    let (mut sebelum_mac, mut mac_seen, mut after) = (0, false, i64::MIN);
    loop {
        let page: Vec<BarisMac> = sqlx::query_as(
            "SELECT id, seq, at, mac_nonce, mac, actor_user_id, actor_username, actor_role, satker_kode,
                    kppn_kode, client_addr, action, outcome, pejabat_id, detail
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for line in page {
            let alasan = match (&line.mac_nonce, &line.mac) {
                (Some(nonce), Some(mac)) if line.isi.cocok(kunci, nonce, mac) => {
                    mac_seen = true;
                    continue;
                }
                (_, None) if !mac_seen => {
                    sebelum_mac += 1;
                    continue;
                }
                (_, None) => "tanpa MAC: ditulis lewat basis data, bukan oleh server",
                (_, Some(_)) => "MAC tidak cocok: ditulis atau diubah lewat basis data, atau kunci MAC lain",
            };
            let patah = Patah { id: line.id, at: line.at, action: line.isi.action, alasan };
            return Ok(Laporan { baris, sebelum_mac, patah: Some(patah) });
        }
    }
    Ok(Laporan { baris, sebelum_mac, patah: None })
}
