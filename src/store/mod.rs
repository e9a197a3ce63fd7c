//! The local store (SQLite): the single source of truth for anything that must survive a power cut.
//!
//! WAL with `synchronous=FULL`: a submission is on disk before the citizen is told it succeeded.
//! Migrations are versioned with `PRAGMA user_version`; a database from a newer firmware is refused.

mod handle;
mod migrations;
mod outbox;

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

pub use handle::{StoreGone, StoreHandle};
pub use outbox::{Delivery, OutboxRow, QueueCounts, Rejected, Requeued};

pub const DB_FILE: &str = "onetrip.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path} was written by a newer firmware (schema {found}, this firmware knows {known}); refusing to touch it")]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("database {path} is damaged: {detail}")]
    Corrupt { path: String, detail: String },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("data directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
}

pub struct Store {
    conn: Connection,
}

/// Milliseconds since the Unix epoch (the store's time unit).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the store in `dir` and brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let display = path.display().to_string();
        let corrupt = |e: rusqlite::Error| StoreError::Corrupt {
            path: display.clone(),
            detail: e.to_string(),
        };
        let conn = Connection::open(&path)?;
        // A file that is not a database fails on the first real statement.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(corrupt)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(corrupt)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(corrupt)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(corrupt)?;
        if check != "ok" {
            return Err(StoreError::Corrupt {
                path: display,
                detail: check,
            });
        }
        migrations::apply(&conn, &display)?;
        Ok(Store { conn })
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Appends to the audit log (never personal data: callers pass ids and codes).
    pub fn audit(&self, actor: &str, event: &str, detail: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO audit (at, actor, event, detail) VALUES (?1, ?2, ?3, ?4)",
            params![now_ms(), actor, event, detail],
        )?;
        Ok(())
    }

    pub fn bump_counter(&self, name: &str, by: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            params![name, by],
        )?;
        Ok(())
    }

    pub fn set_counter(&self, name: &str, value: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    pub fn counter(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM counters WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0))
    }

    /// Every counter whose name starts with `prefix`, keyed by the rest of the name.
    pub fn counters_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, value FROM counters WHERE substr(name, 1, length(?1)) = ?1")?;
        let rows = stmt.query_map([prefix], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (name, value) = row?;
            out.insert(name[prefix.len()..].to_string(), value);
        }
        Ok(out)
    }

    /// Every session-journal row of the audit log, oldest first: (time in ms, detail).
    pub fn journal_rows(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, detail FROM audit WHERE event = 'journal' ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let mode: String = s
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = s
            .connection()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        assert_eq!(s.schema_version().unwrap(), migrations::LATEST);
    }

    #[test]
    fn counters_and_audit() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.bump_counter("receipts", 1).unwrap();
        s.bump_counter("receipts", 2).unwrap();
        assert_eq!(s.counter("receipts").unwrap(), 3);
        assert_eq!(s.counter("never").unwrap(), 0);
        s.audit("citizen", "session_started", "Resident").unwrap();
        let n: i64 = s
            .connection()
            .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.connection()
                .pragma_update(None, "user_version", 99)
                .unwrap();
        }
        let e = Store::open(dir.path()).err().unwrap().to_string();
        assert!(e.contains("newer firmware"), "{e}");
    }

    #[test]
    fn a_corrupt_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let junk = vec![0x5Au8; 8192];
        std::fs::write(dir.path().join(DB_FILE), &junk).unwrap();
        let e = Store::open(dir.path()).err().unwrap();
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
        assert_eq!(std::fs::read(dir.path().join(DB_FILE)).unwrap(), junk);
    }
}
