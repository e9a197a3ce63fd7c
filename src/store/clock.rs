//! The store's two clocks. The wall clock dates what people read (`at`, `created_at`, the staff
//! screen's times); the **terminal's age** — milliseconds of running time, accumulated from the
//! monotonic clock and kept in the store — decides everything that erases or unlocks: retention
//! and the kept PIN lockout. Every row carries the age it was written at.
//!
//! Why the age, and not the wall clock or upstream's `Date`: the wall clock is set by DHCP-supplied
//! (unauthenticated) NTP, a dead RTC battery or a wrong BIOS date, and one step of +31 days would
//! erase every undelivered application at once. Upstream's `Date` is there only while the link is
//! up — a terminal offline for a month is exactly when retention matters — and it is one more
//! answer from the network to trust. CLOCK_MONOTONIC (`Instant`) cannot be set by anyone; it counts
//! only the time this terminal ran, so the age never runs ahead of real time: while the terminal
//! is off it stands still, and a retention limit counts running days (a terminal switched off at
//! night keeps data longer in calendar days, never shorter).
//!
//! A step of the wall clock is noticed by comparing it with the monotonic clock between two
//! readings (the store is read at least once a minute by its probe): more than [`STEP_MS`] apart is
//! a step, logged, audited and kept for staff and the heartbeat. Across a power cut only a step
//! backwards can be told (the time off is unknown); it is reported the same way. (A suspend would
//! read as a step forward and not count as running time — the safe side; the kiosk never
//! suspends.) The age is kept every minute by the store probe; after a power cut it resumes from
//! the latest of that and the rows written since, so at most a minute is lost, never gained.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};

use super::Store;
use crate::vocab::staff_report::ClockStep;

pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// Wall and monotonic clocks that disagree by more than this between two readings: the wall clock
/// was stepped (NTP slews at most 0.5 ms a second, 43 s a day).
pub const STEP_MS: i64 = DAY_MS;

/// Settings the age and the last step are kept under.
const AGE_SETTING: &str = "terminal_age_ms";
const WALL_SETTING: &str = "clock_wall_ms";
const STEP_SETTING: &str = "clock_last_step";

/// Where the store reads time: the wall clock, which may be stepped, and a monotonic clock, which
/// never goes back and counts only the time this process ran.
pub trait Clock: Send + Sync {
    fn wall_ms(&self) -> i64;
    fn monotonic(&self) -> Duration;
}

/// The system's clocks: `now_ms()` and CLOCK_MONOTONIC (std's `Instant` on Linux).
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn wall_ms(&self) -> i64 {
        super::now_ms()
    }
    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// The system's clocks moved by hand, for tests: `step_wall` is a step of the wall clock alone
/// (NTP, a wrong RTC); `run_for` is time passing, both clocks together.
#[cfg(any(test, feature = "dev-tools"))]
#[derive(Default)]
pub struct ShiftedClock {
    system: SystemClock,
    wall_by: std::sync::atomic::AtomicI64,
    run_by: std::sync::atomic::AtomicI64,
}

#[cfg(any(test, feature = "dev-tools"))]
impl ShiftedClock {
    pub fn step_wall(&self, by_ms: i64) {
        use std::sync::atomic::Ordering;
        self.wall_by.fetch_add(by_ms, Ordering::SeqCst);
    }

    pub fn run_for(&self, ms: i64) {
        use std::sync::atomic::Ordering;
        self.run_by.fetch_add(ms.max(0), Ordering::SeqCst);
        self.wall_by.fetch_add(ms.max(0), Ordering::SeqCst);
    }
}

#[cfg(any(test, feature = "dev-tools"))]
impl Clock for ShiftedClock {
    fn wall_ms(&self) -> i64 {
        use std::sync::atomic::Ordering;
        self.system.wall_ms() + self.wall_by.load(Ordering::SeqCst)
    }
    fn monotonic(&self) -> Duration {
        use std::sync::atomic::Ordering;
        let run = u64::try_from(self.run_by.load(Ordering::SeqCst)).unwrap_or(0);
        self.system.monotonic() + Duration::from_millis(run)
    }
}

/// One reading of both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub wall_ms: i64,
    /// The terminal's age: milliseconds of running time.
    pub age_ms: i64,
}

/// The terminal's age as this connection counts it: the age kept when it opened, plus the
/// monotonic time since.
pub(super) struct Age {
    clock: Arc<dyn Clock>,
    base_ms: i64,
    opened: Duration,
    /// The previous reading (wall ms, monotonic), to notice a step between two.
    last: Cell<(i64, Duration)>,
    /// The wall clock last kept by a running terminal, when this connection opened.
    kept_wall_ms: Option<i64>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Age {
    /// The kept age: the largest of the kept counter and every row's age (a counter a minute
    /// behind after a power cut is caught up by the rows written meanwhile).
    pub(super) fn open(conn: &Connection, clock: Arc<dyn Clock>) -> rusqlite::Result<Age> {
        let setting = |key: &str| -> rusqlite::Result<Option<i64>> {
            Ok(conn
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .and_then(|v| v.parse().ok()))
        };
        let rows: i64 = conn.query_row(
            "SELECT MAX(COALESCE((SELECT MAX(created_age_ms) FROM submissions), 0),
                        COALESCE((SELECT MAX(updated_age_ms) FROM receipts), 0),
                        COALESCE((SELECT MAX(age_ms) FROM audit), 0))",
            [],
            |r| r.get(0),
        )?;
        let base_ms = setting(AGE_SETTING)?.unwrap_or(0).max(rows).max(0);
        let (wall, opened) = (clock.wall_ms(), clock.monotonic());
        Ok(Age {
            clock,
            base_ms,
            opened,
            last: Cell::new((wall, opened)),
            kept_wall_ms: setting(WALL_SETTING)?,
        })
    }
}

impl Store {
    /// Both clocks now. A wall clock that moved more than [`STEP_MS`] away from the monotonic
    /// clock since the previous reading is reported as a step (once).
    pub fn now(&self) -> Now {
        let (wall, mono) = (self.age.clock.wall_ms(), self.age.clock.monotonic());
        let age_ms = self
            .age
            .base_ms
            .saturating_add(millis(mono.saturating_sub(self.age.opened)));
        let (last_wall, last_mono) = self.age.last.replace((wall, mono));
        let skew = wall
            .saturating_sub(last_wall)
            .saturating_sub(millis(mono.saturating_sub(last_mono)));
        if skew.abs() > STEP_MS {
            self.record_step(skew, wall, age_ms);
        }
        Now {
            wall_ms: wall,
            age_ms,
        }
    }

    /// The terminal's age now, in ms of running time.
    pub fn age_ms(&self) -> i64 {
        self.now().age_ms
    }

    /// At opening: a wall clock more than a day behind the one the running terminal last kept
    /// went backwards while it was off (forwards cannot be told from time off).
    pub(super) fn check_step_while_off(&self) {
        let now = self.now();
        if let Some(kept) = self.age.kept_wall_ms {
            let skew = now.wall_ms.saturating_sub(kept);
            if skew < -STEP_MS {
                self.record_step(skew, now.wall_ms, now.age_ms);
                // Kept at once: the next opening (a restart, a technician's CLI) before the minute
                // probe would report the same step again.
                let _ = self.keep_age(now);
            }
        }
    }

    /// Keeps the age now (the store probe does every minute; a write that counts on the age, such
    /// as the PIN lockout, does at once, so a restart does not take it back).
    pub fn keep_age_now(&self) -> Result<(), super::StoreError> {
        Ok(self.keep_age(self.now())?)
    }

    /// Keeps the age (never lowering it: another process may have kept a later one) and the wall
    /// clock it was read with.
    pub(super) fn keep_age(&self, now: Now) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET
                 value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
            params![AGE_SETTING, now.age_ms.to_string()],
        )?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![WALL_SETTING, now.wall_ms.to_string()],
        )?;
        Ok(())
    }

    /// The last step of the wall clock this terminal noticed, if any.
    pub fn clock_step(&self) -> Option<ClockStep> {
        let kept = self.setting(STEP_SETTING).ok().flatten()?;
        serde_json::from_str(&kept).ok()
    }

    /// Logs, audits and keeps a step. Written directly (not through `audit`, which reads the
    /// clock): a failure is logged, never raised into the caller's write.
    fn record_step(&self, step_ms: i64, wall_ms: i64, age_ms: i64) {
        let count = self.clock_step().map_or(0, |s| s.count).saturating_add(1);
        let step = ClockStep {
            step_ms,
            wall_ms,
            age_ms,
            count,
        };
        tracing::warn!(
            step_ms,
            count,
            "the wall clock stepped by more than a day; retention and the PIN lockout keep to the \
             terminal's own running time"
        );
        let kept = serde_json::to_string(&step).unwrap_or_default();
        let written = self
            .conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![STEP_SETTING, kept],
            )
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO audit (at, actor, event, detail, age_ms)
                     VALUES (?1, 'terminal', 'clock_step', ?2, ?3)",
                    params![wall_ms, format!("{step_ms:+} ms"), age_ms],
                )
            });
        if let Err(e) = written {
            tracing::error!(error = %e, "the clock step could not be kept");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(clock: &Arc<ShiftedClock>) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        (dir, s)
    }

    #[test]
    fn the_age_counts_running_time_and_ignores_wall_clock_steps() {
        let clock = Arc::new(ShiftedClock::default());
        let (dir, s) = store(&clock);
        let start = s.now();
        clock.step_wall(31 * DAY_MS);
        let after = s.now();
        assert!(after.age_ms - start.age_ms < 60_000, "{after:?}");
        assert!(after.wall_ms - start.wall_ms >= 31 * DAY_MS);
        let step = s.clock_step().expect("the step is kept");
        assert!(
            step.step_ms >= 31 * DAY_MS - 60_000 && step.count == 1,
            "{step:?}"
        );
        // Time passing is no step.
        clock.run_for(40 * DAY_MS);
        let later = s.now();
        assert!(later.age_ms >= 40 * DAY_MS);
        assert_eq!(s.clock_step().unwrap().count, 1);
        // Kept: a store opened again starts at the kept age, not at 0.
        s.keep_age(later).unwrap();
        drop(s);
        let again = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        assert!(again.age_ms() >= later.age_ms);
        let audited: i64 = again
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE event = 'clock_step' AND actor = 'terminal'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 1);
    }

    #[test]
    fn a_clock_set_back_while_off_is_reported_at_the_next_start() {
        let clock = Arc::new(ShiftedClock::default());
        let (dir, s) = store(&clock);
        s.keep_age(s.now()).unwrap();
        drop(s);
        clock.step_wall(-365 * DAY_MS);
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        let step = s.clock_step().expect("reported at start");
        assert!(step.step_ms <= -364 * DAY_MS, "{step:?}");
        // Forwards while off cannot be told from time off: no report.
        s.keep_age(s.now()).unwrap();
        drop(s);
        clock.step_wall(400 * DAY_MS);
        let s = Store::open_with_clock(dir.path(), clock.clone()).unwrap();
        assert_eq!(s.clock_step().unwrap().count, 1);
    }
}
