//! One thread owns the SQLite connection; everyone else holds a cloneable [`StoreHandle`] and sends
//! it work (the shape of tokio-rusqlite's `Connection::call`). Jobs run one at a time in the order
//! they were queued, so audit and journal rows commit in the order the engine emitted them, and no
//! caller needs `spawn_blocking` or a mutex.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use super::Store;

type Job = Box<dyn FnOnce(&Store) + Send>;

/// The store thread has stopped (it only stops when every handle is gone, or it could not start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the store is no longer running")]
pub struct StoreGone;

/// Runs the queued jobs until every handle is gone.
fn serve(store: &Store, queue: mpsc::Receiver<Job>) {
    for job in queue {
        // A panicking job (a bug) must not take every later write with it.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(store))).is_err() {
            tracing::error!("a store job panicked; the store keeps running");
        }
    }
}

#[derive(Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Moves `store` onto its own thread.
    pub fn spawn(store: Store) -> StoreHandle {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("onetrip-store".into())
            .spawn(move || serve(&store, queue));
        if let Err(e) = started {
            tracing::error!(error = %e, "cannot start the store thread");
        }
        StoreHandle { jobs }
    }

    /// Opens the store in `dir` on its own thread (opening checks and migrates: blocking work that
    /// must not stall the async runtime) and resolves once it is open, or with why not.
    pub async fn open(dir: std::path::PathBuf) -> Result<StoreHandle, super::StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (opened, open) = tokio::sync::oneshot::channel();
        let started = std::thread::Builder::new()
            .name("onetrip-store".into())
            .spawn(move || {
                let store = match Store::open(&dir) {
                    Ok(store) => {
                        let _ = opened.send(Ok(()));
                        store
                    }
                    Err(e) => {
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                serve(&store, queue);
            });
        if let Err(source) = started {
            return Err(super::StoreError::Thread(source));
        }
        match open.await {
            Ok(Ok(())) => Ok(StoreHandle { jobs }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(super::StoreError::Thread(std::io::Error::other(
                "the store thread ended while opening",
            ))),
        }
    }

    /// Queues `f` at once (so calls keep the caller's order even if the futures are polled in
    /// another order) and resolves with its result.
    pub fn call<R, F>(&self, f: F) -> impl Future<Output = Result<R, StoreGone>> + Send + 'static
    where
        R: Send + 'static,
        F: FnOnce(&Store) -> R + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued = self
            .jobs
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreGone);
        async move {
            queued?;
            rx.await.map_err(|_| StoreGone)
        }
    }

    /// Queues `f` and does not wait for it; it still runs in order with every other job.
    pub fn post<F>(&self, f: F)
    where
        F: FnOnce(&Store) + Send + 'static,
    {
        if self.jobs.send(Box::new(f)).is_err() {
            tracing::error!("the store is no longer running; a write was dropped");
        }
    }

    /// Runs `f` on the store thread and blocks the calling (non-async) thread until it is done
    /// (the unit tests read back through it; the kiosk only uses `call` and `post`).
    #[cfg(test)]
    fn call_blocking<R, F>(&self, f: F) -> Result<R, StoreGone>
    where
        R: Send + 'static,
        F: FnOnce(&Store) -> R + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreGone)?;
        rx.recv().map_err(|_| StoreGone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit_details(h: &StoreHandle) -> Vec<String> {
        h.call_blocking(|s| {
            let mut stmt = s
                .connection()
                .prepare("SELECT detail FROM audit ORDER BY seq")
                .unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>()
        })
        .unwrap()
    }

    #[test]
    fn writes_commit_in_the_order_they_were_queued() {
        let dir = tempfile::tempdir().unwrap();
        let h = StoreHandle::spawn(Store::open(dir.path()).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // Queued in order, awaited in reverse on many tasks: the rows keep the queue's order.
        let calls: Vec<_> = (0..200)
            .map(|i| h.call(move |s| s.audit("citizen", "journal", &i.to_string())))
            .collect();
        rt.block_on(async {
            let tasks: Vec<_> = calls.into_iter().rev().map(tokio::spawn).collect();
            for t in tasks {
                t.await.unwrap().unwrap().unwrap();
            }
        });
        for i in 200..210 {
            h.post(move |s| s.audit("citizen", "journal", &i.to_string()).unwrap());
        }
        let expected: Vec<String> = (0..210).map(|i| i.to_string()).collect();
        assert_eq!(audit_details(&h), expected);
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let h = StoreHandle::spawn(Store::open(dir.path()).unwrap());
        h.post(|_| panic!("a bug in one job"));
        h.post(|s| s.audit("citizen", "journal", "after").unwrap());
        assert_eq!(audit_details(&h), vec!["after".to_string()]);
    }
}
