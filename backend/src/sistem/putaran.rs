//! The loop of a periodic background job: a round every interval and a last one at shutdown.

use std::future::Future;
use std::time::Duration;

/// Runs `round` every `every`, and once more when `stop` resolves (told so by its argument,
/// `true`), then returns: a job that collects (the trail's counts, the chain's linking) leaves
/// nothing behind at shutdown.
pub async fn tiap<F, Fut>(every: Duration, stop: impl Future<Output = ()>, mut round: F)
where
    F: FnMut(bool) -> Fut,
    Fut: Future<Output = ()>,
{
    tokio::pin!(stop);
    loop {
        let stopping = tokio::select! {
            biased;
            () = &mut stop => true,
            () = tokio::time::sleep(every) => false,
        };
        round(stopping).await;
        if stopping {
            break;
        }
    }
}
