//! The local store (SQLite): the single source of truth for anything that must survive a power cut.
//!
//! WAL with `synchronous=FULL`: a submission is on disk before the citizen is told it succeeded.
//! Migrations are versioned with `PRAGMA user_version`; a database from a newer firmware is refused.

mod audit_rows;
mod clock;
mod counters;
mod handle;
mod migrations;
mod outbox;
mod payload;
mod upkeep;

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

pub use crate::vocab::submission::StoreFault;

#[cfg(any(test, feature = "dev-tools"))]
pub use clock::ShiftedClock;
pub use clock::{Clock, Now, SystemClock, DAY_MS, STEP_MS};
pub use counters::Counter;
pub use handle::{StoreGone, StoreHandle};
pub use outbox::{Delivery, OutboxRow, QueueCounts, Rejected, Requeued, RequeuedAll};
pub use payload::applicant_payload;
pub use upkeep::{
    probe_store, retention, Purged, StoreVerdict, AUDIT_RETENTION_MS, EXPIRY_WARNING_MS,
};

pub const DB_FILE: &str = "onetrip.sqlite3";

/// Below this much free space on the data partition the terminal takes no new submissions.
pub const MIN_FREE_BYTES: u64 = 16 * 1024 * 1024;

impl StoreError {
    /// Why the store cannot take writes.
    pub fn fault(&self) -> StoreFault {
        use rusqlite::ErrorCode;
        match self {
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                ErrorCode::DiskFull => StoreFault::Full,
                ErrorCode::ReadOnly => StoreFault::ReadOnly,
                ErrorCode::SystemIoFailure => StoreFault::Io,
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreFault::Corrupt,
                _ => StoreFault::Unwritable,
            },
            StoreError::Corrupt { .. } => StoreFault::Corrupt,
            StoreError::Full { .. } => StoreFault::Full,
            _ => StoreFault::Unwritable,
        }
    }
}

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
    #[error("cannot run the store thread: {0}")]
    Thread(std::io::Error),
    #[error("no room for the store: {detail}")]
    Full { detail: String },
    #[error("{path} is readable by others (mode {mode:o}) and cannot be made private: {source}")]
    NotPrivate {
        path: String,
        mode: u32,
        source: std::io::Error,
    },
}

/// Citizens' data is for this terminal's own user only: the data directory 0700, the database
/// and its WAL and shared-memory files 0600. Looser modes (a directory made by hand, a copied
/// file) are tightened and logged; one that cannot be tightened is refused.
fn make_private(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(()); // not there (yet): created private below or by SQLite from the db's mode
    };
    let found = meta.permissions().mode() & 0o777;
    if found & !mode == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        StoreError::NotPrivate {
            path: path.display().to_string(),
            mode: found,
            source,
        }
    })?;
    tracing::warn!(path = %path.display(), was = format!("{found:o}"), now = format!("{mode:o}"), "store file was readable by others; made private");
    Ok(())
}

pub struct Store {
    conn: Connection,
    /// The wall clock and the terminal's age (see clock.rs).
    age: clock::Age,
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
        Store::open_with_clock(dir, std::sync::Arc::new(SystemClock::default()))
    }

    /// As `open`, reading time from `clock` (tests step it).
    pub fn open_with_clock(
        dir: &Path,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| StoreError::Dir {
                    path: dir.display().to_string(),
                    source,
                })?;
        }
        make_private(dir, 0o700)?;
        let path = dir.join(DB_FILE);
        // SQLite gives the -wal and -shm files the database file's mode: create it 0600 first.
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .map_err(|source| StoreError::Dir {
                    path: path.display().to_string(),
                    source,
                })?;
        }
        for file in [DB_FILE, "onetrip.sqlite3-wal", "onetrip.sqlite3-shm"] {
            make_private(&dir.join(file), 0o600)?;
        }
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
        // Deleted content (a purged payload) is overwritten with zeros in its page, not left in
        // the free space of the file.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(corrupt)?;
        // After a checkpoint the WAL shrinks to this, so it does not keep old frames at length.
        conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)
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
        let age = clock::Age::open(&conn, clock)?;
        let store = Store { conn, age };
        store.check_step_while_off();
        Ok(store)
    }

    /// Copies the WAL into the database and empties it: with `secure_delete` the purged cells are
    /// already zeroed in their pages, and the older frames that still held them go with the WAL.
    /// Best effort: a reader holding an old snapshot makes it partial; the next one completes it.
    pub(crate) fn scrub_wal(&self) {
        let done = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
        if !matches!(done, Ok(0)) {
            tracing::debug!(
                ?done,
                "WAL not fully checkpointed after a purge; retried next time"
            );
        }
    }

    /// Caps the database file at `bytes` (SQLite's `max_page_count`): a write beyond it fails as
    /// a full disk would, and the terminal says so instead of filling the partition.
    pub fn limit_size(&self, bytes: u64) -> Result<(), StoreError> {
        let page: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = (bytes / page.max(512) as u64).max(1);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get::<_, i64>(0)
            })?;
        Ok(())
    }

    /// Whether the store can still take a citizen's submission: room in the file system (at least
    /// `MIN_FREE_BYTES`) and under its own size cap, and a small committed write goes through
    /// (a read-only remount or I/O errors fail it). Called a minute apart and after a failed write.
    pub fn probe_write(&self) -> Result<(), StoreError> {
        if let Some(free) = self.free_bytes() {
            if free < MIN_FREE_BYTES {
                return Err(StoreError::Full {
                    detail: format!("{free} bytes free on the data partition"),
                });
            }
        }
        let (pages, free_pages, max): (i64, i64, i64) = self.conn.query_row(
            "SELECT (SELECT page_count FROM pragma_page_count),
                    (SELECT freelist_count FROM pragma_freelist_count),
                    (SELECT max_page_count FROM pragma_max_page_count)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // A few pages of headroom: one submission with its receipt and audit rows.
        if pages - free_pages + 16 > max {
            return Err(StoreError::Full {
                detail: format!("{pages} pages of at most {max}"),
            });
        }
        let now = self.now();
        self.keep_age(now)?;
        self.set_setting("store_probe_at", &now.wall_ms.to_string())
    }

    /// Free bytes in the file system that holds the database.
    fn free_bytes(&self) -> Option<u64> {
        let st = rustix::fs::statvfs(self.conn.path()?).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Appends to the audit log (never personal data: callers pass ids and codes).
    pub fn audit(&self, actor: &str, event: &str, detail: &str) -> Result<(), StoreError> {
        let now = self.now();
        self.conn.execute(
            "INSERT INTO audit (at, actor, event, detail, age_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now.wall_ms, actor, event, detail, now.age_ms],
        )?;
        Ok(())
    }

    /// Every session-journal row of the audit log, oldest first: (time in ms, detail).
    pub fn journal_rows(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, detail FROM audit WHERE event = 'journal' ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
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

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_data_is_private_to_the_terminal_user() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let s = Store::open(&data).unwrap();
        s.audit("citizen", "x", "").unwrap();
        assert_eq!(mode(&data), 0o700);
        for f in [DB_FILE, "onetrip.sqlite3-wal", "onetrip.sqlite3-shm"] {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
        drop(s);

        // Made by hand or copied in with open modes: tightened at the next start.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        for f in [DB_FILE, "onetrip.sqlite3-wal", "onetrip.sqlite3-shm"] {
            let p = data.join(f);
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        let s = Store::open(&data).unwrap();
        s.audit("citizen", "y", "").unwrap();
        assert_eq!(mode(&data), 0o700);
        for f in [DB_FILE, "onetrip.sqlite3-wal", "onetrip.sqlite3-shm"] {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
    }

    /// A purged payload is overwritten: not in the database file's free space, not in the WAL.
    #[test]
    fn purged_personal_data_is_gone_from_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        let marker = "阿依古丽-PURGE-MARKER-650102194807050023";
        let big = marker.repeat(200); // overflow pages too
        let ids: Vec<String> = (0..3)
            .map(|_| {
                s.insert_submission(
                    "T1",
                    "application",
                    "X",
                    &serde_json::json!({"applicant": {"name": marker, "notes": big}}),
                )
                .unwrap()
                .id
            })
            .collect();
        // On disk in the database itself, as after a busy day.
        s.connection()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap();
        let found = |s: &Store| {
            let _ = s; // the files, not the connection's view
            [DB_FILE, "onetrip.sqlite3-wal"].iter().any(|f| {
                std::fs::read(dir.path().join(f))
                    .map(|b| b.windows(marker.len()).any(|w| w == marker.as_bytes()))
                    .unwrap_or(false)
            })
        };
        assert!(found(&s), "the marker is written before the purge");
        s.record_deliveries(&[
            (
                ids[0].clone(),
                Delivery::Accepted {
                    reference: "R1".into(),
                },
            ),
            (
                ids[1].clone(),
                Delivery::Accepted {
                    reference: "R2".into(),
                },
            ),
        ])
        .unwrap();
        // Reported first, purged after the warning's time (of running time).
        assert_eq!(s.purge_expired(0).unwrap(), 0);
        clock.run_for(EXPIRY_WARNING_MS);
        assert_eq!(s.purge_expired(0).unwrap(), 1);
        assert!(!found(&s), "a purged payload is still in the store's files");
    }

    #[test]
    fn receipts_and_audit_rows_have_a_retention_and_recent_audit_rows_cannot_be_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        let day = DAY_MS;
        let now = now_ms();
        for (at, event) in [(now - 400 * day, "old"), (now - day, "recent")] {
            s.connection()
                .execute(
                    "INSERT INTO audit (at, actor, event, detail) VALUES (?1, 'citizen', ?2, '')",
                    params![at, event],
                )
                .unwrap();
        }
        let deleted = s
            .connection()
            .execute("DELETE FROM audit WHERE event = 'recent'", []);
        assert!(deleted.is_err(), "a recent audit row was deleted");
        // Retention counts running time: a wall clock a year ahead removes nothing...
        clock.step_wall(400 * day);
        assert_eq!(s.purge_old_records(30 * day, 365 * day).unwrap(), (0, 0));
        // ...a year of running does; a row younger than 30 days by the wall clock stays.
        clock.run_for(366 * day);
        let (receipts, audit) = s.purge_old_records(30 * day, 365 * day).unwrap();
        assert_eq!((receipts, audit), (0, 1));
        let left: Vec<String> = s
            .connection()
            .prepare("SELECT event FROM audit")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(left, ["recent", "clock_step"]);
    }

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
    fn audit_rows_are_appended() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
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
