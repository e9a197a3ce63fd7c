//! The submission outbox: written in one transaction with the submission itself, delivered by the
//! sync worker, acknowledged in batches, purged of personal data once upstream has it.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::{now_ms, Store, StoreError};
use crate::vocab::submission::{ReceiptRequest, StoredSubmission};

/// A submission waiting for delivery.
#[derive(Clone)]
pub struct OutboxRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub item_code: String,
    /// JSON; personal data.
    pub payload: String,
    pub attempts: i64,
    pub created_at: i64,
}

impl std::fmt::Debug for OutboxRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRow")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Accepted {
        reference: String,
    },
    /// Try again at `next_attempt_at` (ms).
    Retry {
        error: String,
        next_attempt_at: i64,
    },
    /// Upstream refused it for good (400, 409, 422): shown to staff, who may send it again.
    Rejected {
        error: String,
    },
    /// Upstream refused the terminal, not this submission: it keeps its place and attempts; only
    /// the last error is noted.
    Paused {
        error: String,
    },
}

/// What asking to send a rejected submission again did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeued {
    /// Back in the queue, as due now.
    Queued,
    /// No submission has this number.
    Unknown,
    /// It is not rejected (pending or accepted): nothing to do.
    NotRejected,
    /// Rejected and its personal data already purged at the retention limit: nothing to send.
    Purged,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: i64,
    pub accepted: i64,
    pub rejected: i64,
}

/// A submission upstream refused: what staff need to follow it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub number: String,
    pub item_code: String,
    pub reason: String,
    pub at_ms: i64,
}

impl Store {
    /// Commits a new submission and its outbox entry. Returns once it is on disk.
    /// A transaction that takes the write lock at BEGIN (IMMEDIATE), waiting for it under the busy
    /// timeout. A deferred one reads first and upgrades at its first write; if another connection
    /// (a technician's `onetrip outbox`, the store thread) committed in between, SQLite fails the
    /// upgrade at once with "database is locked", without waiting — a citizen's submission must
    /// not be lost to that.
    pub(crate) fn write_transaction(&self) -> rusqlite::Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
    }

    pub fn insert_submission(
        &self,
        terminal_id: &str,
        kind: &str,
        item_code: &str,
        payload: &serde_json::Value,
    ) -> Result<StoredSubmission, StoreError> {
        let tx = self.write_transaction()?;
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions",
            [],
            |r| r.get(0),
        )?;
        let id = uuid::Uuid::new_v4().to_string();
        let number = format!("{terminal_id}-{seq:06}");
        let now = now_ms();
        let mut body = payload.clone();
        if let Some(obj) = body.as_object_mut() {
            obj.insert("id".into(), id.clone().into());
            obj.insert("number".into(), number.clone().into());
            obj.insert("terminal_id".into(), terminal_id.into());
            obj.insert("kind".into(), kind.into());
            obj.insert("item_code".into(), item_code.into());
            obj.insert("created_at_ms".into(), now.into());
        }
        tx.execute(
            "INSERT INTO submissions (id, seq, number, kind, item_code, payload, state, attempts,
                                      next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)",
            params![id, seq, number, kind, item_code, body.to_string(), now],
        )?;
        tx.execute(
            "INSERT INTO audit (at, actor, event, detail) VALUES (?1, 'citizen', 'submission_committed', ?2)",
            params![now, id],
        )?;
        tx.commit()?;
        Ok(StoredSubmission { id, number })
    }

    /// Pending submissions due at `now`, oldest first. Delivery is strictly in order: while the
    /// oldest pending submission waits for its retry, nothing behind it is sent.
    pub fn due(&self, now: i64, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, kind, item_code, payload, attempts, created_at, next_attempt_at
             FROM submissions WHERE state = 'pending' AND payload IS NOT NULL
             ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok((
                OutboxRow {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    kind: r.get(2)?,
                    item_code: r.get(3)?,
                    payload: r.get(4)?,
                    attempts: r.get(5)?,
                    created_at: r.get(6)?,
                },
                r.get::<_, i64>(7)?,
            ))
        })?;
        let mut due = Vec::new();
        for row in rows {
            let (row, at) = row?;
            if at > now {
                break;
            }
            due.push(row);
        }
        Ok(due)
    }

    /// When the oldest pending submission is due (ms), if any.
    pub fn next_due_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT next_attempt_at FROM submissions WHERE state = 'pending' AND payload IS NOT NULL
                 ORDER BY seq LIMIT 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()?)
    }

    /// Records a batch of delivery outcomes in one transaction. Accepted ones lose their personal data.
    pub fn record_deliveries(&self, outcomes: &[(String, Delivery)]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        let now = now_ms();
        for (id, outcome) in outcomes {
            match outcome {
                Delivery::Accepted { reference } => {
                    tx.execute(
                        "UPDATE submissions SET state = 'accepted', upstream_ref = ?2, payload = NULL,
                                purged_at = ?3, updated_at = ?3, attempts = attempts + 1, last_error = NULL
                         WHERE id = ?1",
                        params![id, reference, now],
                    )?;
                }
                Delivery::Retry {
                    error,
                    next_attempt_at,
                } => {
                    tx.execute(
                        "UPDATE submissions SET attempts = attempts + 1, last_error = ?2,
                                next_attempt_at = ?3, updated_at = ?4
                         WHERE id = ?1 AND state = 'pending'",
                        params![id, error, next_attempt_at, now],
                    )?;
                }
                Delivery::Paused { error } => {
                    tx.execute(
                        "UPDATE submissions SET last_error = ?2, updated_at = ?3
                         WHERE id = ?1 AND state = 'pending'",
                        params![id, error, now],
                    )?;
                }
                Delivery::Rejected { error } => {
                    tx.execute(
                        "UPDATE submissions SET state = 'rejected', attempts = attempts + 1,
                                last_error = ?2, updated_at = ?3
                         WHERE id = ?1",
                        params![id, error, now],
                    )?;
                    tx.execute(
                        "INSERT INTO audit (at, actor, event, detail) VALUES (?1, 'sync', 'submission_rejected', ?2)",
                        params![now, id],
                    )?;
                }
            }
        }
        tx.commit()?;
        if outcomes
            .iter()
            .any(|(_, o)| matches!(o, Delivery::Accepted { .. }))
        {
            self.scrub_wal();
        }
        Ok(())
    }

    /// Puts a rejected submission back in the queue, due now, with its attempts reset; audited
    /// with who asked (`staff` at the screen, `technician` from the command line).
    pub fn requeue(&self, number: &str, actor: &str) -> Result<Requeued, StoreError> {
        let tx = self.write_transaction()?;
        let found: Option<(String, String, bool)> = tx
            .query_row(
                "SELECT id, state, payload IS NOT NULL FROM submissions WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let outcome = match found {
            None => Requeued::Unknown,
            Some((_, state, _)) if state != "rejected" => Requeued::NotRejected,
            Some((_, _, false)) => Requeued::Purged,
            Some((id, _, true)) => {
                let now = now_ms();
                tx.execute(
                    "UPDATE submissions SET state = 'pending', attempts = 0, next_attempt_at = ?2,
                            updated_at = ?2,
                            last_error = 'requeued after: ' || COALESCE(last_error, '')
                     WHERE id = ?1",
                    params![id, now],
                )?;
                tx.execute(
                    "INSERT INTO audit (at, actor, event, detail) VALUES (?1, ?2, 'submission_requeued', ?3)",
                    params![now, actor, format!("{number} {id}")],
                )?;
                Requeued::Queued
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Keeps the (masked) receipt of a submission, and whether it printed, for staff reprints.
    pub fn save_receipt(&self, receipt: &ReceiptRequest, printed: bool) -> Result<(), StoreError> {
        let body = serde_json::to_string(receipt).unwrap_or_default();
        self.conn.execute(
            "INSERT INTO receipts (submission_id, number, body, state, prints, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(submission_id) DO UPDATE SET state = excluded.state,
                 prints = prints + excluded.prints, updated_at = excluded.updated_at",
            params![
                receipt.submission.id,
                receipt.submission.number,
                body,
                if printed { "printed" } else { "failed" },
                printed as i64,
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// The receipt of a submission number, for a reprint.
    pub fn receipt(&self, number: &str) -> Result<Option<ReceiptRequest>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM receipts WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    /// The most recently rejected submissions, newest first (for the staff screen; no personal data).
    pub fn rejected_submissions(&self, limit: usize) -> Result<Vec<Rejected>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT number, item_code, COALESCE(last_error, ''), updated_at FROM submissions
             WHERE state = 'rejected' ORDER BY updated_at DESC, seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(Rejected {
                number: r.get(0)?,
                item_code: r.get(1)?,
                reason: r.get(2)?,
                at_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Numbers of receipts that never printed (for the staff screen).
    pub fn unprinted_receipts(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT number FROM receipts WHERE state = 'failed' ORDER BY updated_at")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn queue_counts(&self) -> Result<QueueCounts, StoreError> {
        let mut c = QueueCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM submissions GROUP BY state")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n: i64 = r.get(1)?;
            match r.get::<_, String>(0)?.as_str() {
                "pending" => c.pending = n,
                "accepted" => c.accepted = n,
                "rejected" => c.rejected = n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// Purges personal data of submissions older than `retention_ms` that never got through.
    /// Returns how many were purged; each one is audited.
    pub fn purge_expired(&self, now: i64, retention_ms: i64) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let ids: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, number FROM submissions WHERE payload IS NOT NULL AND state != 'accepted'
                 AND created_at < ?1",
            )?;
            let rows = stmt.query_map([now - retention_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, number) in &ids {
            tx.execute(
                "UPDATE submissions SET payload = NULL, purged_at = ?2, updated_at = ?2,
                        last_error = COALESCE(last_error, '') || ' [purged: retention limit]'
                 WHERE id = ?1",
                params![id, now],
            )?;
            tx.execute(
                "INSERT INTO audit (at, actor, event, detail) VALUES (?1, 'retention', 'submission_purged_undelivered', ?2)",
                params![now, format!("{number} {id}")],
            )?;
        }
        tx.commit()?;
        if !ids.is_empty() {
            self.scrub_wal();
        }
        Ok(ids.len())
    }

    /// How many undelivered submissions reach the retention limit within `warn_ms` (reported to
    /// staff and upstream before anything is erased).
    pub fn expiring(&self, now: i64, retention_ms: i64, warn_ms: i64) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM submissions WHERE payload IS NOT NULL AND state != 'accepted'
             AND created_at < ?1",
            [now.saturating_sub(retention_ms).saturating_add(warn_ms)],
            |r| r.get(0),
        )?)
    }

    /// Masked receipts older than `receipts_ms` and audit rows older than `audit_ms` go; returns
    /// (receipts, audit rows) deleted.
    pub fn purge_old_records(
        &self,
        now: i64,
        receipts_ms: i64,
        audit_ms: i64,
    ) -> Result<(usize, usize), StoreError> {
        let tx = self.write_transaction()?;
        let receipts = tx.execute(
            "DELETE FROM receipts WHERE updated_at < ?1",
            [now.saturating_sub(receipts_ms)],
        )?;
        let audit = tx.execute(
            "DELETE FROM audit WHERE at < ?1",
            [now.saturating_sub(audit_ms)],
        )?;
        tx.commit()?;
        Ok((receipts, audit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    fn payload() -> serde_json::Value {
        serde_json::json!({"applicant": {"name": "张晓明", "id_number": "330106198503121231"}})
    }

    /// Another connection writing (a technician's `onetrip outbox requeue`, the audit) while a
    /// citizen's submission is stored: the submission waits for the lock and is stored after it,
    /// instead of failing with "database is locked" (a deferred transaction's read-then-write
    /// cannot wait: its snapshot is stale once the other commits). Seen once in tests/sync.rs.
    #[test]
    fn a_submission_waits_for_another_writer_instead_of_failing() {
        let (_d, s) = store();
        let path = s.connection().path().unwrap().to_string();
        let other = rusqlite::Connection::open(&path).unwrap();
        other
            .execute_batch(
                "BEGIN IMMEDIATE;
                 INSERT INTO audit (at, actor, event, detail)
                 VALUES (0, 'technician', 'test', 'holding the write lock');",
            )
            .unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        let stored = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        writer.join().unwrap();
        assert_eq!(stored.number, "T1-000001");
        assert_eq!(s.queue_counts().unwrap().pending, 1);
    }

    #[test]
    fn undelivered_submissions_near_the_retention_limit_are_counted_before_any_purge() {
        let (_d, s) = store();
        let day = 24 * 3600 * 1000i64;
        let a = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        s.insert_submission("T1", "application", "X", &payload())
            .unwrap();
        s.connection()
            .execute(
                "UPDATE submissions SET created_at = ?2 WHERE id = ?1",
                params![a.id, now_ms() - 28 * day],
            )
            .unwrap();
        // 30 days kept, 3 days' warning: the 28-day-old one is reported, nothing purged yet.
        assert_eq!(s.expiring(now_ms(), 30 * day, 3 * day).unwrap(), 1);
        assert_eq!(s.purge_expired(now_ms(), 30 * day).unwrap(), 0);
        assert_eq!(s.expiring(now_ms(), 30 * day, 0).unwrap(), 0);
    }

    #[test]
    fn insert_then_deliver_then_purge() {
        let (_d, s) = store();
        let a = s
            .insert_submission("T1", "application", "X-1", &payload())
            .unwrap();
        let b = s
            .insert_submission("T1", "application", "X-2", &payload())
            .unwrap();
        assert_eq!(a.number, "T1-000001");
        assert_eq!(b.number, "T1-000002");
        let due = s.due(now_ms(), 10).unwrap();
        assert_eq!(
            due.iter().map(|r| &r.id).collect::<Vec<_>>(),
            vec![&a.id, &b.id]
        );
        let body: serde_json::Value = serde_json::from_str(&due[0].payload).unwrap();
        assert_eq!(body["id"], a.id.as_str());
        assert_eq!(body["item_code"], "X-1");

        s.record_deliveries(&[
            (
                a.id.clone(),
                Delivery::Accepted {
                    reference: "UP-1".into(),
                },
            ),
            (
                b.id.clone(),
                Delivery::Retry {
                    error: "503".into(),
                    next_attempt_at: now_ms() + 60_000,
                },
            ),
        ])
        .unwrap();
        let counts = s.queue_counts().unwrap();
        assert_eq!((counts.pending, counts.accepted), (1, 1));
        let payload_a: Option<String> = s
            .connection()
            .query_row(
                "SELECT payload FROM submissions WHERE id = ?1",
                [&a.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(payload_a, None, "personal data purged on acceptance");
        assert!(
            s.due(now_ms(), 10).unwrap().is_empty(),
            "b waits for its backoff"
        );
        assert!(s.next_due_at().unwrap().unwrap() > now_ms());
    }

    #[test]
    fn rejection_is_kept_for_staff_and_audited() {
        let (_d, s) = store();
        let a = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        s.record_deliveries(&[(
            a.id.clone(),
            Delivery::Rejected {
                error: "400 bad item".into(),
            },
        )])
        .unwrap();
        assert_eq!(s.queue_counts().unwrap().rejected, 1);
        assert!(s.due(i64::MAX, 10).unwrap().is_empty());
        let n: i64 = s
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE event = 'submission_rejected'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn retention_purges_undelivered_personal_data() {
        let (_d, s) = store();
        let a = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        let week = 7 * 24 * 3600 * 1000;
        assert_eq!(s.purge_expired(now_ms(), week).unwrap(), 0);
        assert_eq!(s.purge_expired(now_ms() + week + 1, week).unwrap(), 1);
        let (payload, err): (Option<String>, String) = s
            .connection()
            .query_row(
                "SELECT payload, last_error FROM submissions WHERE id = ?1",
                [&a.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(payload, None);
        assert!(err.contains("retention"));
    }

    #[test]
    fn a_failed_receipt_is_kept_for_reprint() {
        let (_d, s) = store();
        let sub = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        let receipt = ReceiptRequest {
            submission: sub.clone(),
            item_code: "X".into(),
            item_name: "无犯罪记录证明申请".into(),
            next_steps: vec!["7个工作日内办结".into()],
            name_masked: "张*明".into(),
            id_masked: "330106********1231".into(),
            english: false,
        };
        s.save_receipt(&receipt, false).unwrap();
        assert_eq!(s.unprinted_receipts().unwrap(), vec![sub.number.clone()]);
        assert_eq!(s.receipt(&sub.number).unwrap(), Some(receipt.clone()));
        s.save_receipt(&receipt, true).unwrap();
        assert!(s.unprinted_receipts().unwrap().is_empty());
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let (_d, s) = store();
        s.audit("staff", "reset", "").unwrap();
        assert!(s.connection().execute("DELETE FROM audit", []).is_err());
        assert!(s
            .connection()
            .execute("UPDATE audit SET actor = 'x'", [])
            .is_err());
    }
}
