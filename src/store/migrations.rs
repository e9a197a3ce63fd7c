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
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn apply(conn: &Connection, path: &str) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_string(),
            found,
            known: LATEST,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = i as i64 + 1;
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "store schema migrated");
    }
    Ok(())
}
