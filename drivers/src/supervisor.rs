//! Keeps a task alive: every driver already reopens its port by itself (cable pulls,
//! re-enumeration); the supervisor also restarts the task if it panics, or — when it is watched —
//! if it stops making progress (it beats a [`Pulse`] at every step; no beat for `stall_after`
//! aborts it, which closes its port, and starts it again). Restarts wait with backoff, are logged
//! and are told to whoever counts them (the staff screen, the heartbeat). A task that returns
//! normally (nobody listens any more) is not restarted.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A task's sign of life: it beats whenever it makes progress; the supervisor watches the age.
/// A default pulse that nobody watches costs one lock per beat.
#[derive(Debug, Clone)]
pub struct Pulse(Arc<Mutex<tokio::time::Instant>>);

impl Default for Pulse {
    fn default() -> Self {
        Pulse(Arc::new(Mutex::new(tokio::time::Instant::now())))
    }
}

impl Pulse {
    pub fn beat(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = tokio::time::Instant::now();
    }

    fn age(&self) -> Duration {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }
}

/// Why a supervised task was started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// It panicked (a bug).
    Crashed,
    /// It was alive but did not beat its pulse for the stall time (a hung write, a lost wake-up).
    Stalled,
}

/// How a task is watched and restarted.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Restart when the pulse is older than this; `None`: only panics restart.
    pub stall_after: Option<Duration>,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Policy {
    /// Device tasks: back quickly (a citizen may be waiting), at most every 30 s.
    pub fn device(stall_after: Option<Duration>) -> Policy {
        Policy {
            stall_after,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Told of every restart: the task's name and why.
pub type OnRestart = Arc<dyn Fn(&'static str, Restart) + Send + Sync>;

/// Runs `make(pulse)` as a task under `policy`, again after every panic or stall.
pub fn supervise_with<F, Fut>(
    name: &'static str,
    policy: Policy,
    on_restart: OnRestart,
    mut make: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut(Pulse) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut backoff = policy.first_backoff;
        loop {
            let pulse = Pulse::default();
            let mut running = tokio::spawn(make(pulse.clone()));
            // Without a stall time the check never fires (a day between looks costs nothing).
            let every = policy
                .stall_after
                .map_or(Duration::from_secs(86_400), |s| s / 4);
            let mut check = tokio::time::interval(every);
            let why = loop {
                tokio::select! {
                    ended = &mut running => match ended {
                        Ok(()) => return,
                        Err(e) if e.is_cancelled() => return,
                        Err(_) => break Restart::Crashed,
                    },
                    _ = check.tick() => {
                        if policy.stall_after.is_some_and(|s| pulse.age() >= s) {
                            running.abort();
                            let _ = (&mut running).await;
                            break Restart::Stalled;
                        }
                    }
                }
            };
            on_restart(name, why);
            match why {
                Restart::Crashed => tracing::error!(
                    task = name,
                    retry_in_ms = backoff.as_millis() as u64,
                    "task crashed; restarting"
                ),
                Restart::Stalled => tracing::error!(
                    task = name,
                    stalled_s = policy.stall_after.unwrap_or_default().as_secs(),
                    retry_in_ms = backoff.as_millis() as u64,
                    "task stopped making progress; restarting"
                ),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(policy.max_backoff);
        }
    })
}

/// How a device task is supervised: its policy and who is told of restarts. Part of each
/// driver's configuration; the default restarts after panics only and tells nobody.
#[derive(Clone)]
pub struct Supervision {
    pub policy: Policy,
    pub on_restart: OnRestart,
}

impl Default for Supervision {
    fn default() -> Self {
        Supervision {
            policy: Policy::device(None),
            on_restart: Arc::new(|_, _| {}),
        }
    }
}

impl std::fmt::Debug for Supervision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervision")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Supervision {
    pub fn spawn<F, Fut>(&self, name: &'static str, make: F) -> tokio::task::JoinHandle<()>
    where
        F: FnMut(Pulse) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        supervise_with(name, self.policy, self.on_restart.clone(), make)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_crashing_task_is_restarted_until_it_ends_normally() {
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        let handle = Supervision::default().spawn("test", move |_| {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("simulated driver bug");
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_task_that_stops_beating_is_restarted_and_reported_one_that_beats_is_not() {
        let told = Arc::new(Mutex::new(Vec::new()));
        let log = told.clone();
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        let handle = supervise_with(
            "printer",
            Policy {
                stall_after: Some(Duration::from_millis(200)),
                first_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(10),
            },
            Arc::new(move |name, why| log.lock().unwrap().push((name, why))),
            move |pulse| {
                let run = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    // Beats every 20 ms for three stall times: alive, not restarted.
                    for _ in 0..30 {
                        pulse.beat();
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    if run == 0 {
                        // Then hangs, as a write to a stuck line would.
                        std::future::pending::<()>().await;
                    }
                }
            },
        );
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("restarted once, then ended normally")
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(*told.lock().unwrap(), [("printer", Restart::Stalled)]);
    }
}
