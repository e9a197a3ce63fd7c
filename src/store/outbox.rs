//! The submission outbox: written in one transaction with the submission itself, delivered by the
//! sync worker, acknowledged in batches, purged of personal data once upstream has it.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::{Now, Store, StoreError};
use crate::vocab::submission::{ReceiptRequest, StoredSubmission};

/// The longest a delivery ever waits (the worker's backoff and `Retry-After` are capped at
/// 15 minutes); a retry scheduled further ahead than this was scheduled by a clock since set back.
pub const MAX_WAIT_AHEAD_MS: i64 = 3600 * 1000;

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

/// What putting back every rejected submission did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequeuedAll {
    /// Back in the queue, due now.
    pub queued: usize,
    /// Rejected and already purged at the retention limit: left as they are.
    pub purged: usize,
}

/// One rejected submission back in the queue, due now, its attempts reset; audited.
fn requeue_one(
    tx: &Transaction<'_>,
    id: &str,
    number: &str,
    actor: &str,
    now: Now,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE submissions SET state = 'pending', attempts = 0, next_attempt_at = ?2,
                updated_at = ?2,
                last_error = 'requeued after: ' || COALESCE(last_error, '')
         WHERE id = ?1",
        params![id, now.wall_ms],
    )?;
    tx.execute(
        "INSERT INTO audit (at, actor, event, detail, age_ms)
         VALUES (?1, ?2, 'submission_requeued', ?3, ?4)",
        params![now.wall_ms, actor, format!("{number} {id}"), now.age_ms],
    )?;
    Ok(())
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
        let now = self.now();
        let tx = self.write_transaction()?;
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions",
            [],
            |r| r.get(0),
        )?;
        let id = uuid::Uuid::new_v4().to_string();
        let number = format!("{terminal_id}-{seq:06}");
        let Now {
            wall_ms: now,
            age_ms: age,
        } = now;
        let verification_code = if kind == "visit_request" {
            Some(crate::vocab::submission::new_verification_code())
        } else {
            None
        };
        let mut body = payload.clone();
        if let Some(obj) = body.as_object_mut() {
            obj.insert("id".into(), id.clone().into());
            obj.insert("number".into(), number.clone().into());
            obj.insert("terminal_id".into(), terminal_id.into());
            obj.insert("kind".into(), kind.into());
            obj.insert("item_code".into(), item_code.into());
            obj.insert("created_at_ms".into(), now.into());
            if let Some(code) = &verification_code {
                // The officer's work queue shows it; the receipt prints the same code.
                obj.insert("verification_code".into(), code.clone().into());
            }
        }
        tx.execute(
            "INSERT INTO submissions (id, seq, number, kind, item_code, payload, state, attempts,
                                      next_attempt_at, created_at, updated_at, created_age_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7, ?8)",
            params![id, seq, number, kind, item_code, body.to_string(), now, age],
        )?;
        tx.execute(
            "INSERT INTO audit (at, actor, event, detail, age_ms)
             VALUES (?1, 'citizen', 'submission_committed', ?2, ?3)",
            params![now, id, age],
        )?;
        tx.commit()?;
        Ok(StoredSubmission {
            id,
            number,
            verification_code,
            pin: None,
        })
    }

    /// Pending submissions due at `now`, oldest first. Delivery is strictly in order: while the
    /// oldest pending submission waits for its retry, nothing behind it is sent. A retry set more
    /// than [`MAX_WAIT_AHEAD_MS`] after `now` is due at once: no wait is that long, so the wall
    /// clock was set back since (a year back must not hold the queue for a year).
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
            if at > now && at <= now.saturating_add(MAX_WAIT_AHEAD_MS) {
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
        let Now {
            wall_ms: now,
            age_ms: age,
        } = self.now();
        let tx = self.write_transaction()?;
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
                        "INSERT INTO audit (at, actor, event, detail, age_ms)
                         VALUES (?1, 'sync', 'submission_rejected', ?2, ?3)",
                        params![now, id, age],
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
        let now = self.now();
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
                requeue_one(&tx, &id, number, actor, now)?;
                Requeued::Queued
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Puts every rejected submission back in the queue at once (after staff or a technician
    /// checked with the platform why they were refused: a gateway that rejected a backlog). Each
    /// is audited as one `submission_requeued`, and the whole as `submissions_requeued_all`
    /// with who asked. Those whose data was purged stay rejected: nothing to send.
    pub fn requeue_all_rejected(&self, actor: &str) -> Result<RequeuedAll, StoreError> {
        let now = self.now();
        let tx = self.write_transaction()?;
        let rows: Vec<(String, String, bool)> = {
            let mut stmt = tx.prepare(
                "SELECT id, number, payload IS NOT NULL FROM submissions WHERE state = 'rejected'
                 ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut done = RequeuedAll::default();
        for (id, number, _) in rows.iter().filter(|r| r.2) {
            requeue_one(&tx, id, number, actor, now)?;
            done.queued += 1;
        }
        done.purged = rows.len() - done.queued;
        tx.execute(
            "INSERT INTO audit (at, actor, event, detail, age_ms)
             VALUES (?1, ?2, 'submissions_requeued_all', ?3, ?4)",
            params![
                now.wall_ms,
                actor,
                format!("{} queued, {} purged", done.queued, done.purged),
                now.age_ms
            ],
        )?;
        tx.commit()?;
        Ok(done)
    }

    /// Keeps the (masked) receipt of a submission, and whether it printed, for staff reprints.
    pub fn save_receipt(&self, receipt: &ReceiptRequest, printed: bool) -> Result<(), StoreError> {
        let body = serde_json::to_string(receipt).unwrap_or_default();
        let now = self.now();
        self.conn.execute(
            "INSERT INTO receipts (submission_id, number, body, state, prints, updated_at,
                                   updated_age_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(submission_id) DO UPDATE SET state = excluded.state,
                 prints = prints + excluded.prints, updated_at = excluded.updated_at,
                 updated_age_ms = excluded.updated_age_ms",
            params![
                receipt.submission.id,
                receipt.submission.number,
                body,
                if printed { "printed" } else { "failed" },
                printed as i64,
                now.wall_ms,
                now.age_ms
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
        use crate::store::{ShiftedClock, DAY_MS};
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        s.insert_submission("T1", "application", "X", &payload())
            .unwrap();
        // 28 days of running later, another one.
        clock.run_for(28 * DAY_MS);
        s.insert_submission("T1", "application", "X", &payload())
            .unwrap();
        // 30 days kept, 3 days' warning: the 28-day-old one is reported, nothing purged yet.
        assert_eq!(s.expiring(30 * DAY_MS, 3 * DAY_MS).unwrap(), 1);
        assert_eq!(s.purge_expired(30 * DAY_MS).unwrap(), 0);
        assert_eq!(s.expiring(30 * DAY_MS, 0).unwrap(), 0);
        // At the limit, and reported for three days (since the round above): purged.
        clock.run_for(2 * DAY_MS + 1);
        assert_eq!(s.purge_expired(30 * DAY_MS).unwrap(), 0, "told 2 days ago");
        clock.run_for(DAY_MS);
        assert_eq!(s.purge_expired(30 * DAY_MS).unwrap(), 1);
    }

    /// A backlog rejected by a gateway: put back all at once, audited; a purged one stays.
    #[test]
    fn every_rejected_submission_is_put_back_at_once() {
        let (_d, s) = store();
        let ids: Vec<String> = (0..4)
            .map(|_| {
                s.insert_submission("T1", "application", "X", &payload())
                    .unwrap()
                    .id
            })
            .collect();
        let rejected: Vec<(String, Delivery)> = ids[..3]
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    Delivery::Rejected {
                        error: "HTTP 400: a JSON answer without the platform's error field".into(),
                    },
                )
            })
            .collect();
        s.record_deliveries(&rejected).unwrap();
        s.connection()
            .execute(
                "UPDATE submissions SET payload = NULL WHERE id = ?1",
                [&ids[2]],
            )
            .unwrap();
        let done = s.requeue_all_rejected("technician").unwrap();
        assert_eq!(
            done,
            RequeuedAll {
                queued: 2,
                purged: 1
            }
        );
        let c = s.queue_counts().unwrap();
        assert_eq!((c.pending, c.rejected), (3, 1));
        let audit: Vec<(String, String, String)> = s
            .connection()
            .prepare(
                "SELECT actor, event, detail FROM audit WHERE event LIKE 'submission%requeued%'
                 ORDER BY seq",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(audit.len(), 3, "{audit:?}");
        assert!(audit[..2]
            .iter()
            .all(|(a, e, _)| a == "technician" && e == "submission_requeued"));
        assert_eq!(
            audit[2],
            (
                "technician".to_string(),
                "submissions_requeued_all".to_string(),
                "2 queued, 1 purged".to_string()
            )
        );
        assert_eq!(
            s.requeue_all_rejected("staff").unwrap(),
            RequeuedAll {
                queued: 0,
                purged: 1
            }
        );
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
        let due = s.due(crate::store::now_ms(), 10).unwrap();
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
                    next_attempt_at: crate::store::now_ms() + 60_000,
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
            s.due(crate::store::now_ms(), 10).unwrap().is_empty(),
            "b waits for its backoff"
        );
        assert!(s.next_due_at().unwrap().unwrap() > crate::store::now_ms());
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
        use crate::store::{ShiftedClock, DAY_MS};
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        let a = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        let week = 7 * DAY_MS;
        assert_eq!(s.purge_expired(week).unwrap(), 0);
        clock.run_for(week + 1);
        assert_eq!(s.purge_expired(week).unwrap(), 0, "not reported yet");
        clock.run_for(3 * DAY_MS);
        assert_eq!(s.purge_expired(week).unwrap(), 1);
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

    /// A retry set by a clock since set back a year is due at once, not in a year.
    #[test]
    fn a_retry_set_before_the_clock_went_back_is_due() {
        let (_d, s) = store();
        let a = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        s.record_deliveries(&[(
            a.id.clone(),
            Delivery::Retry {
                error: "timeout".into(),
                next_attempt_at: crate::store::now_ms() + 60_000,
            },
        )])
        .unwrap();
        assert!(s.due(crate::store::now_ms(), 10).unwrap().is_empty());
        let year_back = crate::store::now_ms() - 365 * crate::store::DAY_MS;
        assert_eq!(s.due(year_back, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_failed_receipt_is_kept_for_reprint() {
        let (_d, s) = store();
        let sub = s
            .insert_submission("T1", "application", "X", &payload())
            .unwrap();
        let receipt = ReceiptRequest {
            kind: Default::default(),
            submission: sub.clone(),
            item_code: "X".into(),
            item_name: "无犯罪记录证明申请".into(),
            next_steps: vec!["7个工作日内办结".into()],
            name_masked: "张*明".into(),
            id_masked: "330106********1231".into(),
            english: false,
            acceptance: None,
            decision: None,
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
