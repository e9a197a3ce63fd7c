//! Keeps a driver task alive: every driver already reopens its port by itself (cable pulls,
//! re-enumeration); the supervisor also restarts the task if it ever panics, with backoff, and
//! says so in the log. A task that returns normally (nobody listens any more) is not restarted.

use std::future::Future;
use std::time::Duration;

/// Runs `make()` as a task, again and again while it panics, waiting longer each time (up to 30 s).
pub fn supervise<F, Fut>(device: &'static str, mut make: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            match tokio::spawn(make()).await {
                Ok(()) => return,
                Err(e) if e.is_cancelled() => return,
                Err(_) => {
                    tracing::error!(
                        device,
                        retry_in_ms = backoff.as_millis() as u64,
                        "driver task crashed; restarting"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_crashing_task_is_restarted_until_it_ends_normally() {
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        let handle = supervise("test", move || {
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
}
