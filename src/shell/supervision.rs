//! The terminal's own background tasks — delivery, catalog updates, the heartbeat, retention — are
//! supervised like the device tasks (the drivers' supervisor, with a slower backoff): a panic (a
//! bug) restarts the task instead of silently ending deliveries until the next reboot, and every
//! restart, of a background or a device task, is counted for staff and the heartbeat.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use onetrip_drivers::supervisor::{supervise_with, OnRestart, Policy, Pulse};
use tokio::sync::watch;

use crate::vocab::restarts::Restarts;

/// The restart counts' one writer: every supervisor's restart callback counts into it, and the
/// staff screen and the heartbeat watch it.
#[derive(Debug, Clone)]
pub struct RestartTally(watch::Sender<Restarts>);

impl Default for RestartTally {
    fn default() -> Self {
        RestartTally(watch::Sender::new(Restarts::default()))
    }
}

impl RestartTally {
    /// The counts so far, by task.
    pub fn counts(&self) -> std::collections::BTreeMap<&'static str, u32> {
        self.0.borrow().counts().clone()
    }

    /// For a reader: the counts, kept current.
    pub fn watch(&self) -> watch::Receiver<Restarts> {
        self.0.subscribe()
    }

    /// Counts every restart the supervisor tells of.
    pub fn counter(&self) -> OnRestart {
        let restarts = self.0.clone();
        Arc::new(move |task, _| restarts.send_modify(|r| r.count(task)))
    }
}

/// The terminal's background tasks: back after 1 s, then waiting longer up to 5 minutes.
fn background(stall_after: Option<Duration>) -> Policy {
    Policy {
        stall_after,
        first_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(300),
    }
}

/// Runs `make()` as a task, again after every panic (waiting 1 s, doubling up to 5 min), counting
/// each restart in `restarts`. A task that returns (or is cancelled) is not restarted.
pub fn supervise<F, Fut>(
    task: &'static str,
    restarts: RestartTally,
    mut make: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    supervise_with(task, background(None), restarts.counter(), move |_| make())
}

/// As [`supervise`], and also restarts the task (counted, logged) when it has not beaten its
/// [`Pulse`] for `stall_after`: alive but stuck is as bad as crashed for a delivery queue.
pub fn supervise_watched<F, Fut>(
    task: &'static str,
    restarts: RestartTally,
    stall_after: Duration,
    make: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut(Pulse) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    supervise_with(
        task,
        background(Some(stall_after)),
        restarts.counter(),
        make,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_crashing_task_is_restarted_counted_and_reported() {
        let runs = Arc::new(AtomicU32::new(0));
        let restarts = RestartTally::default();
        let counter = runs.clone();
        let handle = supervise("sync", restarts.clone(), move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("simulated bug in the sync worker");
                }
            }
        });
        handle.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(restarts.counts().get("sync"), Some(&2));
        assert!(Restarts::default().counts().is_empty());
    }

    #[tokio::test]
    async fn a_task_that_stops_making_progress_is_restarted() {
        let runs = Arc::new(AtomicU32::new(0));
        let restarts = RestartTally::default();
        let counter = runs.clone();
        let handle = supervise_watched(
            "sync",
            restarts.clone(),
            Duration::from_millis(200),
            move |pulse| {
                let counter = counter.clone();
                async move {
                    if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                        // Beats for a while, then hangs (a store that never answers).
                        for _ in 0..5 {
                            pulse.beat();
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        std::future::pending::<()>().await;
                    }
                }
            },
        );
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("restarted, then ended normally")
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(restarts.counts().get("sync"), Some(&1));
    }
}
