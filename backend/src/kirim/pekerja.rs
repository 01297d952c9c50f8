//! What the outbox workers (SMS, email) share: the wait before a retry, the loop of delivery
//! rounds with its batch, and the heartbeat the readiness probe reads.

use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use std::future::Future;

/// Wait before retry `attempts` (1, 2, 4 … 60 seconds).
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(1i64 << attempts.clamp(0, 6)).min(Duration::seconds(60))
}

/// When a worker last finished a round, for the readiness probe (`/readyz`).
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl Heartbeat {
    fn beat(&self) {
        self.0.store(Utc::now().timestamp_millis(), std::sync::atomic::Ordering::Release);
    }

    /// When the last round finished, if one has.
    pub fn last(&self) -> Option<DateTime<Utc>> {
        match self.0.load(std::sync::atomic::Ordering::Acquire) {
            0 => None,
            ms => DateTime::from_timestamp_millis(ms),
        }
    }
}

/// Messages a worker takes per round.
pub(crate) const WORKER_BATCH: i64 = 20;

/// An outbox worker's loop: `round` every `interval` until `stop` resolves; a full batch
/// ([`WORKER_BATCH`]: more may be waiting, a deadline rush) goes on without pausing. Each
/// round that reached the database beats `beat`.
pub(crate) async fn run_rounds<F, Fut>(
    what: &str,
    interval: std::time::Duration,
    stop: impl Future<Output = ()>,
    round: F,
    beat: Heartbeat,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<usize>>,
{
    tokio::pin!(stop);
    loop {
        let result = round().await;
        if result.is_ok() {
            beat.beat();
        }
        let pause = match result {
            Ok(n) if n as i64 == WORKER_BATCH => std::time::Duration::ZERO,
            Ok(_) => interval,
            Err(e) => {
                tracing::warn!("pekerja {what}: {e}");
                interval
            }
        };
        tokio::select! {
            biased;
            () = &mut stop => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(1).num_seconds(), 2);
        assert_eq!(backoff(2).num_seconds(), 4);
        assert_eq!(backoff(10).num_seconds(), 60);
    }
}
