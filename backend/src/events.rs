//! Live updates across server instances: every change that others should see is
//! announced with PostgreSQL NOTIFY in the transaction that makes it; each instance
//! LISTENs and fans the announcements out to its open screens.

use crate::error::Result;
use sqlx::postgres::PgListener;
use sqlx::{PgExecutor, PgPool};
use tokio::sync::broadcast;

/// The NOTIFY channel.
pub const CHANNEL: &str = "sakti_perubahan";

/// Something changed in a satker (of a KPPN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kppn_kode: String,
    pub satker_kode: String,
}

/// Announces a change of `satker_kode`; delivered only if the transaction commits.
pub async fn notify<'e>(exec: impl PgExecutor<'e>, satker_kode: &str) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, s.kppn_kode || ':' || s.kode) FROM satker s WHERE s.kode = $2")
        .bind(CHANNEL)
        .bind(satker_kode)
        .execute(exec)
        .await?;
    Ok(())
}

/// Announces a change of the SMS of code `code_id` to the open pages of its satker (the
/// dialog and the console show its delivery state).
pub async fn notify_code<'e>(exec: impl PgExecutor<'e>, code_id: i64) -> Result<()> {
    sqlx::query(
        "SELECT pg_notify($1, s.kppn_kode || ':' || s.kode)
         FROM otp_code c JOIN pejabat p ON p.id = c.pejabat_id JOIN satker s ON s.kode = p.satker_kode
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
    /// Starts listening on `pool`'s database. The listener reconnects by itself when
    /// the connection drops.
    pub async fn start(pool: &PgPool) -> Result<Self> {
        let (tx, _) = broadcast::channel(256);
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        let hub = Hub { tx };
        let sender = hub.tx.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        if let Some((kppn, satker)) = n.payload().split_once(':') {
                            let _ = sender.send(Change { kppn_kode: kppn.to_owned(), satker_kode: satker.to_owned() });
                        }
                    }
                    // the server is shutting down
                    Err(sqlx::Error::PoolClosed) => break,
                    Err(e) => {
                        tracing::warn!("LISTEN {CHANNEL}: {e}; mencoba lagi");
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
