//! The store's background upkeep: a small write now and then to notice a full or read-only disk
//! before a citizen does (and to keep the terminal's age), and the hourly purge at the retention
//! limits. Retention counts the terminal's age (clock.rs), never the wall clock: a clock stepped
//! forward by a month erases nothing.

use std::time::Duration;

use rusqlite::params;
use tokio::sync::mpsc;

use super::{Store, StoreError, StoreFault, StoreHandle};

/// Audit rows are kept this long (a year of who did what at the terminal).
pub const AUDIT_RETENTION_MS: i64 = 365 * 24 * 3600 * 1000;
/// Staff and upstream are told this long before an undelivered submission is purged; none is
/// purged before it was reported for this long.
pub const EXPIRY_WARNING_MS: i64 = 3 * 24 * 3600 * 1000;

/// What the store said to a write: fine, or why not.
pub type StoreVerdict = Result<(), StoreFault>;

/// What one retention round removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Undelivered submissions whose personal data went.
    pub undelivered: usize,
    /// Masked receipts kept for reprints.
    pub receipts: usize,
    pub audit: usize,
}

impl Store {
    /// The hourly round: undelivered submissions at the retention limit lose their personal data
    /// (once they were reported for [`EXPIRY_WARNING_MS`]), masked receipts go after the same time
    /// and audit rows after [`AUDIT_RETENTION_MS`], each by the terminal's age.
    pub fn apply_retention(&self, retention_ms: i64) -> Result<Purged, StoreError> {
        let undelivered = self.purge_expired(retention_ms)?;
        let (receipts, audit) = self.purge_old_records(retention_ms, AUDIT_RETENTION_MS)?;
        Ok(Purged {
            undelivered,
            receipts,
            audit,
        })
    }

    /// Purges personal data of undelivered submissions (pending or rejected) at the retention
    /// limit, counted in the terminal's running time — never by the wall clock — and only those
    /// staff and the heartbeat were told about for [`EXPIRY_WARNING_MS`] of it. Returns how many
    /// were purged; each one is audited.
    pub fn purge_expired(&self, retention_ms: i64) -> Result<usize, StoreError> {
        let now = self.now();
        let tx = self.write_transaction()?;
        // From now on these are reported (`expiring`): the purge waits for the warning's time.
        tx.execute(
            "UPDATE submissions SET warned_age_ms = ?1
             WHERE warned_age_ms IS NULL AND payload IS NOT NULL AND state != 'accepted'
               AND created_age_ms <= ?2",
            params![
                now.age_ms,
                warning_from(now.age_ms, retention_ms, EXPIRY_WARNING_MS)
            ],
        )?;
        let ids: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, number FROM submissions WHERE payload IS NOT NULL AND state != 'accepted'
                 AND created_age_ms <= ?1 AND warned_age_ms <= ?2",
            )?;
            let rows = stmt.query_map(
                params![
                    now.age_ms.saturating_sub(retention_ms),
                    now.age_ms.saturating_sub(EXPIRY_WARNING_MS)
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, number) in &ids {
            tx.execute(
                "UPDATE submissions SET payload = NULL, purged_at = ?2, updated_at = ?2,
                        last_error = COALESCE(last_error, '') || ' [purged: retention limit]'
                 WHERE id = ?1",
                params![id, now.wall_ms],
            )?;
            tx.execute(
                "INSERT INTO audit (at, actor, event, detail, age_ms)
                 VALUES (?1, 'retention', 'submission_purged_undelivered', ?2, ?3)",
                params![now.wall_ms, format!("{number} {id}"), now.age_ms],
            )?;
        }
        tx.commit()?;
        if !ids.is_empty() {
            self.scrub_wal();
        }
        Ok(ids.len())
    }

    /// How many undelivered submissions reach the retention limit within `warn_ms` of running
    /// time (reported to staff and upstream before anything is erased).
    pub fn expiring(&self, retention_ms: i64, warn_ms: i64) -> Result<i64, StoreError> {
        let now = self.now();
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM submissions WHERE payload IS NOT NULL AND state != 'accepted'
             AND created_age_ms <= ?1",
            [warning_from(now.age_ms, retention_ms, warn_ms)],
            |r| r.get(0),
        )?)
    }

    /// Masked receipts older than `receipts_ms` and audit rows older than `audit_ms` of running
    /// time go; returns (receipts, audit rows) deleted. An audit row younger than 30 days by the
    /// wall clock stays too (the table refuses to delete it: after a clock set back, a while
    /// longer).
    pub fn purge_old_records(
        &self,
        receipts_ms: i64,
        audit_ms: i64,
    ) -> Result<(usize, usize), StoreError> {
        let now = self.now();
        let tx = self.write_transaction()?;
        let receipts = tx.execute(
            "DELETE FROM receipts WHERE updated_age_ms < ?1",
            [now.age_ms.saturating_sub(receipts_ms)],
        )?;
        let audit = tx.execute(
            "DELETE FROM audit WHERE age_ms < ?1
               AND at <= (CAST(strftime('%s', 'now') AS INTEGER) - 30 * 86400) * 1000",
            [now.age_ms.saturating_sub(audit_ms)],
        )?;
        tx.commit()?;
        Ok((receipts, audit))
    }
}

/// Submissions created at this age or earlier are within `warn_ms` of the limit.
fn warning_from(age_ms: i64, retention_ms: i64, warn_ms: i64) -> i64 {
    age_ms.saturating_sub(retention_ms).saturating_add(warn_ms)
}

/// Writes a little to the store now and then (more often while it fails), so that a full disk or
/// a read-only remount takes the terminal out of service before a citizen fills in a form, and
/// back in service once it is mended. Each probe keeps the terminal's age too.
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
/// receipts and old audit rows go (by the terminal's age).
pub async fn retention(store: StoreHandle, retention_ms: i64) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match store.call(move |s| s.apply_retention(retention_ms)).await {
            Ok(Ok(purged)) => {
                if purged.undelivered > 0 {
                    tracing::warn!(
                        purged = purged.undelivered,
                        "undelivered submissions purged at the retention limit"
                    );
                }
                if purged.receipts + purged.audit > 0 {
                    tracing::info!(
                        receipts = purged.receipts,
                        audit = purged.audit,
                        "old receipts and audit rows removed"
                    );
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "retention round failed"),
            Err(_) => {}
        }
    }
}
