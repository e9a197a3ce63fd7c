//! The store's background upkeep: a small write now and then to notice a full or read-only disk
//! before a citizen does, and the hourly purge at the retention limits.

use std::time::Duration;

use tokio::sync::mpsc;

use super::{now_ms, StoreFault, StoreHandle};

/// Audit rows are kept this long (a year of who did what at the terminal).
pub const AUDIT_RETENTION_MS: i64 = 365 * 24 * 3600 * 1000;
/// Staff and upstream are told this long before an undelivered submission is purged.
pub const EXPIRY_WARNING_MS: i64 = 3 * 24 * 3600 * 1000;

/// What the store said to a write: fine, or why not.
pub type StoreVerdict = Result<(), StoreFault>;

/// Writes a little to the store now and then (more often while it fails), so that a full disk or
/// a read-only remount takes the terminal out of service before a citizen fills in a form, and
/// back in service once it is mended.
pub async fn probe_store(
    store: StoreHandle,
    every: Duration,
    verdicts: mpsc::UnboundedSender<StoreVerdict>,
) {
    loop {
        let verdict = match store.call(|s| s.probe_write()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.fault()),
            Err(_) => Err(StoreFault::Unwritable),
        };
        let failing = verdict.is_err();
        if verdicts.send(verdict).is_err() {
            return;
        }
        tokio::time::sleep(if failing {
            every.min(Duration::from_secs(10))
        } else {
            every
        })
        .await;
    }
}

/// Every hour: personal data of undeliverable submissions at the retention limit, old masked
/// receipts and old audit rows go.
pub async fn retention(store: StoreHandle, retention_ms: i64) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let purged = store
            .call(move |s| {
                let now = now_ms();
                let old = s.purge_old_records(now, retention_ms, AUDIT_RETENTION_MS);
                (s.purge_expired(now, retention_ms), old)
            })
            .await;
        if let Ok((Ok(n), old)) = purged {
            if n > 0 {
                tracing::warn!(
                    purged = n,
                    "undelivered submissions purged at the retention limit"
                );
            }
            if let Ok((receipts, audit)) = old {
                if receipts + audit > 0 {
                    tracing::info!(receipts, audit, "old receipts and audit rows removed");
                }
            }
        }
    }
}
