//! Schema migrations, one per version, applied in order inside a transaction.

use rusqlite::Connection;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: the outbox, the audit log, counters and settings.
    "CREATE TABLE submissions (
        id TEXT PRIMARY KEY,              -- UUID; also the Idempotency-Key upstream
        seq INTEGER NOT NULL UNIQUE,      -- local running number
        number TEXT NOT NULL UNIQUE,      -- printed on the receipt, tracked by the citizen
        kind TEXT NOT NULL,
        item_code TEXT NOT NULL,
        payload TEXT,                     -- JSON with personal data; NULL once purged
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        upstream_ref TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        purged_at INTEGER
    );
    CREATE INDEX submissions_due ON submissions (state, next_attempt_at, seq);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: receipts kept (masked) so staff can reprint one that failed.
    "CREATE TABLE receipts (
        submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
        number TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,               -- the masked receipt request, JSON
        state TEXT NOT NULL CHECK (state IN ('printed', 'failed')),
        prints INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    );",
    // 3: the audit log gets a retention: rows older than 30 days may be deleted (by the hourly
    // retention, which keeps a year), younger ones stay untouchable.
    "DROP TRIGGER audit_append_only_delete;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        WHEN old.at > (CAST(strftime('%s', 'now') AS INTEGER) - 30 * 86400) * 1000
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only for 30 days'); END;",
    // 4: every row carries the terminal's age (ms of running time, clock.rs) it was written at:
    // retention counts that, not the wall clock. Rows from before start at age 0, so their
    // retention counts from this upgrade: kept longer, never shorter. `warned_age_ms`: when an
    // undelivered submission was first reported as near its limit (none is purged before staff
    // and the heartbeat were told for EXPIRY_WARNING_MS of running time).
    "ALTER TABLE submissions ADD COLUMN created_age_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE submissions ADD COLUMN warned_age_ms INTEGER;
    ALTER TABLE receipts ADD COLUMN updated_age_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE audit ADD COLUMN age_ms INTEGER NOT NULL DEFAULT 0;",
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn apply(conn: &Connection, path: &str) -> Result<(), StoreError> {
    apply_up_to(conn, path, LATEST)
}

/// Applies migrations up to `target` (tests build databases of every earlier version with it).
pub fn apply_up_to(conn: &Connection, path: &str, target: i64) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_string(),
            found,
            known: LATEST,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(found as usize)
    {
        let version = i as i64 + 1;
        // IMMEDIATE: two processes opening an old store migrate one after the other.
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "store schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, DB_FILE};

    #[test]
    fn every_earlier_version_migrates_to_the_latest_keeping_its_rows() {
        for version in 0..LATEST {
            let dir = tempfile::tempdir().unwrap();
            {
                let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
                apply_up_to(&conn, "test", version).unwrap();
                if version >= 1 {
                    conn.execute(
                        "INSERT INTO submissions (id, seq, number, kind, item_code, payload, state,
                         next_attempt_at, created_at, updated_at)
                         VALUES ('old', 1, 'T-000001', 'application', 'X', '{}', 'pending', 0, 0, 0)",
                        [],
                    )
                    .unwrap();
                }
            }
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.schema_version().unwrap(), LATEST, "from {version}");
            if version >= 1 {
                assert_eq!(store.queue_counts().unwrap().pending, 1, "from {version}");
            }
            let next = store
                .insert_submission("T", "application", "X", &serde_json::json!({}))
                .unwrap();
            assert_eq!(
                next.number,
                if version >= 1 { "T-000002" } else { "T-000001" }
            );
        }
    }
}
