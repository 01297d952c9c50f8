//! Live updates across server instances: every change that others should see is
//! announced with PostgreSQL NOTIFY once the transaction that made it committed (`umumkan`),
//! or, for an SMS worker's batch, inside its transaction (`notify_code`); each instance LISTENs
//! and fans the announcements out to its open screens.

use crate::error::Result;
use sqlx::postgres::PgListener;
use sqlx::{PgExecutor, PgPool};
use tokio::sync::broadcast;

/// The NOTIFY channel.
pub const CHANNEL: &str = "sakti_perubahan";

/// What changed, as the open pages need to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Something in one satker (of a KPPN, of a region: empty when the KPPN has none).
    Satker { kanwil_kode: String, kppn_kode: String, satker_kode: String },
    /// Anything may have changed: the listener was away (its connection lost, the database
    /// failing over) and may have missed announcements, so every open page reads again.
    Anything,
}

impl Change {
    /// A NOTIFY payload, `kanwil:kppn:satker`.
    fn parse(payload: &str) -> Option<Change> {
        let mut parts = payload.splitn(3, ':');
        let (kanwil, kppn, satker) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Change::Satker {
            kanwil_kode: kanwil.to_owned(),
            kppn_kode: kppn.to_owned(),
            satker_kode: satker.to_owned(),
        })
    }
}

/// Announces a change of `satker_kode` that has committed, in a one-statement transaction of
/// its own committed asynchronously. A NOTIFY holds a database-wide lock through its
/// transaction's commit: inside the change's own transaction it made every writing request
/// commit (and flush its WAL) one after another, as the audit chain's lock did. Here the lock
/// lasts microseconds, and a notice a crash loses costs nothing (the pages read everything
/// again when their stream reconnects). Sent by a task of its own: the request does not wait
/// for a second connection from the pool (under load, a second turn in its queue; 173 pairs/s
/// against 184 with the notice in the transaction). A failure is logged: the change itself is
/// done.
pub fn umumkan(pool: &PgPool, satker_kode: &str) {
    let (pool, satker_kode) = (pool.clone(), satker_kode.to_owned());
    tokio::spawn(async move { kirim(&pool, &satker_kode).await });
}

async fn kirim(pool: &PgPool, satker_kode: &str) {
    let sent = sqlx::query(
        "SELECT set_config('synchronous_commit', 'off', true),
                pg_notify($1, concat_ws(':', coalesce(k.kanwil_kode, ''), s.kppn_kode, s.kode))
         FROM satker s JOIN kppn k ON k.kode = s.kppn_kode WHERE s.kode = $2",
    )
    .bind(CHANNEL)
    .bind(satker_kode)
    .execute(pool)
    .await;
    if let Err(e) = sent {
        tracing::warn!("perubahan satker {satker_kode} tidak terumumkan ke halaman yang terbuka: {e}");
    }
}

/// Announces a change of the SMS of code `code_id` to the open pages of its satker (the
/// dialog and the console show its delivery state), inside the transaction that makes it
/// (delivered only if it commits): for the relay's transaction, which settles a batch of
/// messages at once. A request announces after its commit ([`umumkan`]).
pub async fn notify_code<'e>(exec: impl PgExecutor<'e>, code_id: i64) -> Result<()> {
    sqlx::query(
        "SELECT pg_notify($1, concat_ws(':', coalesce(k.kanwil_kode, ''), s.kppn_kode, s.kode))
         FROM otp_code c JOIN pejabat p ON p.id = c.pejabat_id JOIN satker s ON s.kode = p.satker_kode
              JOIN kppn k ON k.kode = s.kppn_kode
         WHERE c.id = $2",
    )
    .bind(CHANNEL)
    .bind(code_id)
    .execute(exec)
    .await?;
    Ok(())
}

/// This instance's fan-out of changes to its subscribers.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Change>,
}

impl Hub {
    /// Starts listening on `pool`'s database. When the connection drops (or the database fails
    /// over), the listener is built again on a new connection, once a second until that
    /// works, and every open page is told to read again.
    pub async fn start(pool: &PgPool) -> Result<Self> {
        let (tx, _) = broadcast::channel(256);
        let first = listen(pool).await?;
        let hub = Hub { tx };
        let (sender, pool) = (hub.tx.clone(), pool.clone());
        tokio::spawn(async move {
            let mut listener = Some(first);
            loop {
                let Some(current) = listener.as_mut() else {
                    match listen(&pool).await {
                        Ok(again) => {
                            tracing::info!("LISTEN {CHANNEL}: tersambung kembali");
                            listener = Some(again);
                            let _ = sender.send(Change::Anything);
                        }
                        Err(sqlx::Error::PoolClosed) => break,
                        Err(e) => {
                            tracing::warn!("LISTEN {CHANNEL}: {e}; mencoba lagi");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                    }
                    continue;
                };
                match current.try_recv().await {
                    Ok(Some(n)) => {
                        if let Some(change) = Change::parse(n.payload()) {
                            let _ = sender.send(change);
                        }
                    }
                    // the connection is gone, and with it what was announced meanwhile
                    Ok(None) => {
                        tracing::warn!("LISTEN {CHANNEL}: koneksi terputus; menyambung kembali");
                        listener = None;
                    }
                    // the server is shutting down
                    Err(sqlx::Error::PoolClosed) => break,
                    // a listener whose connection failed is not trusted again (sqlx keeps a dead
                    // connection on some errors, and loses its buffer when a LISTEN fails on a
                    // standby): a new one on a new connection
                    Err(e) => {
                        tracing::warn!("LISTEN {CHANNEL}: {e}; menyambung kembali");
                        listener = None;
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(hub)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
}

/// A listener on its own connection from `pool`, subscribed to [`CHANNEL`].
async fn listen(pool: &PgPool) -> std::result::Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // the hub reconnects itself (and says so to the pages), not try_recv behind its back
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
