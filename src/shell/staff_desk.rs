//! What the staff screen asks of the tokio half: its figures (devices, store, queue, receipts
//! that did not print, counters, catalog), sending a rejected submission again, and the PIN pad's
//! lockout kept across restarts.

use crate::catalog::active::{CatalogStatus, Origin};
use crate::store::{Counter, Requeued, Store, StoreError, StoreHandle, DAY_MS, EXPIRY_WARNING_MS};
use crate::vocab::staff_report::{
    CatalogInForce, DeliveryPaused, DeviceLine, PinGuardState, RejectedSubmission, RequeueOutcome,
    StaffReport,
};

/// The store setting that keeps the PIN pad's failures and lockout.
const PIN_GUARD_SETTING: &str = "staff_pin_guard";

/// A step of the wall clock is shown to staff for this long (of running time) after it was
/// noticed; the heartbeat always carries the last one.
pub const CLOCK_STEP_SHOWN_MS: i64 = 7 * DAY_MS;

/// The PIN lockout as stored: until a terminal age (ms of running time, store/clock.rs), so that a
/// wall clock stepped forward — by NTP, a dead RTC or a wrong BIOS date — does not lift it. While
/// the terminal is off the age stands still: a lockout is served in running time.
#[derive(serde::Serialize, serde::Deserialize)]
struct PinGuardKept {
    failures: u32,
    lockouts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locked_until_age_ms: Option<i64>,
    /// Kept by firmware before the terminal's age: until a wall-clock time (read, not written).
    #[serde(default, skip_serializing)]
    locked_until_ms: Option<i64>,
}

impl PinGuardKept {
    fn kept(s: PinGuardState, store: &Store) -> PinGuardKept {
        PinGuardKept {
            failures: s.failures,
            lockouts: s.lockouts,
            locked_until_age_ms: Some(
                store
                    .age_ms()
                    .saturating_add(i64::try_from(s.remaining_ms).unwrap_or(i64::MAX)),
            ),
            locked_until_ms: None,
        }
    }

    fn now(&self, store: &Store) -> PinGuardState {
        let left = match (self.locked_until_age_ms, self.locked_until_ms) {
            (Some(until), _) => until.saturating_sub(store.age_ms()),
            (None, Some(until)) => until.saturating_sub(store.now().wall_ms),
            (None, None) => 0,
        };
        PinGuardState {
            failures: self.failures,
            lockouts: self.lockouts,
            remaining_ms: u64::try_from(left).unwrap_or(0),
        }
    }
}

/// The lockout as kept (a power cycle is not five more guesses).
pub async fn kept_pin_guard(store: &StoreHandle) -> Option<PinGuardState> {
    store
        .call(|s| {
            let kept = s.setting(PIN_GUARD_SETTING).ok()??;
            match serde_json::from_str::<PinGuardKept>(&kept) {
                Ok(k) => Some(k.now(s)),
                Err(e) => {
                    tracing::warn!(error = %e, "kept PIN lockout unreadable; ignored");
                    None
                }
            }
        })
        .await
        .ok()?
}

pub fn keep_pin_guard(store: &StoreHandle, state: PinGuardState) {
    store.post(move |s| {
        let kept = serde_json::to_string(&PinGuardKept::kept(state, s)).unwrap_or_default();
        let written = s
            .set_setting(PIN_GUARD_SETTING, &kept)
            .and_then(|()| s.keep_age_now());
        if let Err(e) = written {
            tracing::error!(error = %e, "PIN lockout not kept");
        }
    });
}

/// What the staff screen shows besides the store's figures.
pub struct ReportBasis {
    pub devices: Vec<DeviceLine>,
    pub recording_until: Option<String>,
    /// Supervised tasks restarted since start, and how often.
    pub restarts: Vec<(String, u32)>,
    pub store_problem: Option<String>,
    pub store_fault: Option<crate::store::StoreFault>,
    /// The catalog in force.
    pub catalog: CatalogStatus,
    pub refused: Option<crate::sync::link::Refused>,
    pub retention_ms: i64,
    pub firmware: crate::vocab::firmware::Firmware,
    /// A citizen's last call for staff, if not yet seen on this screen.
    pub help: Option<crate::vocab::help_call::HelpCall>,
}

/// Gathers the staff screen's figures.
pub async fn staff_report(basis: ReportBasis, store: Option<StoreHandle>) -> StaffReport {
    let catalog = basis.catalog;
    let mut report = StaffReport {
        devices: basis.devices,
        recording_until: basis.recording_until,
        restarts: basis.restarts,
        store_problem: basis.store_problem,
        store_fault: basis.store_fault,
        catalog: CatalogInForce {
            version: catalog.version,
            updated: matches!(catalog.origin, Origin::Update { .. }),
        },
        catalog_problem: catalog.last_rejection,
        delivery_paused: basis.refused.map(|r| DeliveryPaused {
            refusal: r.kind,
            detail: r.detail,
        }),
        firmware: basis.firmware,
        help_call: basis
            .help
            .filter(|c| c.seen_at_ms.is_none())
            .map(|c| (c.screen, local(c.at_ms, "%H:%M"))),
        ..StaffReport::default()
    };
    let Some(store) = store else {
        return report;
    };
    let retention_ms = basis.retention_ms;
    let gathered = store
        .call(move |s| {
            let q = s.queue_counts()?;
            let expiring = s.expiring(retention_ms, EXPIRY_WARNING_MS)?;
            let age = s.age_ms();
            let step = s
                .clock_step()
                .filter(|c| age.saturating_sub(c.age_ms) < CLOCK_STEP_SHOWN_MS);
            Ok::<_, StoreError>((
                (q, step),
                expiring,
                s.rejected_submissions(20)?,
                s.unprinted_receipts()?,
                s.count(&Counter::ReceiptsPrinted)?,
                s.count(&Counter::PaperMm)?,
            ))
        })
        .await;
    match gathered {
        Ok(Ok(((q, step), expiring, rejected, unprinted, receipts, paper))) => {
            report.clock_step_at = step
                .map(|c| local(c.wall_ms, "%Y-%m-%d %H:%M"))
                .unwrap_or_default();
            report.clock_step = step;
            report.pending = q.pending;
            report.expiring = expiring;
            report.rejected = q.rejected;
            report.accepted = q.accepted;
            report.rejected_list = rejected
                .into_iter()
                .map(|r| RejectedSubmission {
                    number: r.number,
                    item_code: r.item_code,
                    reason: r.reason,
                    at: local(r.at_ms, "%m-%d %H:%M"),
                })
                .collect();
            report.unprinted = unprinted;
            report.receipts_printed = receipts;
            report.paper_mm = paper;
        }
        Ok(Err(e)) => report.store_problem = Some(e.to_string()),
        Err(e) => report.store_problem = Some(e.to_string()),
    }
    report
}

/// Staff asked to send a rejected submission again: how it ended.
pub async fn requeue(store: Option<StoreHandle>, number: String) -> RequeueOutcome {
    let Some(store) = store else {
        return RequeueOutcome::Failed(None);
    };
    let n = number.clone();
    match store.call(move |s| s.requeue(&n, "staff")).await {
        Ok(Ok(Requeued::Queued)) => {
            tracing::info!(%number, "rejected submission requeued by staff");
            RequeueOutcome::Queued
        }
        Ok(Ok(Requeued::Purged)) => RequeueOutcome::Purged,
        Ok(Ok(Requeued::NotRejected)) => RequeueOutcome::NotRejected,
        Ok(Ok(Requeued::Unknown)) => RequeueOutcome::Unknown,
        Ok(Err(e)) => RequeueOutcome::Failed(Some(e.to_string())),
        Err(e) => RequeueOutcome::Failed(Some(e.to_string())),
    }
}

/// Staff asked to put every rejected submission back in the queue at once: how it ended.
pub async fn requeue_all(store: Option<StoreHandle>) -> RequeueOutcome {
    let Some(store) = store else {
        return RequeueOutcome::Failed(None);
    };
    match store.call(|s| s.requeue_all_rejected("staff")).await {
        Ok(Ok(done)) => {
            tracing::info!(
                queued = done.queued,
                purged = done.purged,
                "every rejected submission requeued by staff"
            );
            RequeueOutcome::All {
                queued: done.queued,
                purged: done.purged,
            }
        }
        Ok(Err(e)) => RequeueOutcome::Failed(Some(e.to_string())),
        Err(e) => RequeueOutcome::Failed(Some(e.to_string())),
    }
}

/// A wall-clock time as local time text.
fn local(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format(format).to_string())
        .unwrap_or_default()
}

/// Staff put in a new roll: the paper estimate starts again.
pub fn paper_replaced(store: &StoreHandle) {
    store.post(|s| {
        if let Err(e) = s.reset(&Counter::PaperMm) {
            tracing::error!(error = %e, "counter write failed");
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::ShiftedClock;

    /// Review N4: the kept lockout ran until a wall-clock time, so a clock stepped forward (NTP
    /// from DHCP, a wrong BIOS date) and a restart cleared it. It is served in running time now:
    /// neither a step forward nor one back a year moves it, only the terminal's own time.
    #[test]
    fn a_clock_step_neither_lifts_nor_stretches_the_kept_lockout() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ShiftedClock::default());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let open =
            || StoreHandle::spawn(Store::open_with_clock(dir.path(), clock.clone()).unwrap());
        rt.block_on(async {
            let store = open();
            keep_pin_guard(
                &store,
                PinGuardState {
                    failures: 0,
                    lockouts: 1,
                    remaining_ms: 300_000,
                },
            );
            let left = |s: Option<PinGuardState>| s.expect("kept").remaining_ms;
            assert!(left(kept_pin_guard(&store).await) > 290_000);
            // The clock jumps 31 days ahead, then the terminal restarts: still locked.
            clock.step_wall(31 * DAY_MS);
            drop(store);
            let store = open();
            let kept = kept_pin_guard(&store).await;
            assert!(left(kept) > 290_000, "{kept:?}");
            assert_eq!(kept.unwrap().lockouts, 1);
            // A year back: not a year longer either.
            clock.step_wall(-(365 + 31) * DAY_MS);
            assert!(left(kept_pin_guard(&store).await) <= 300_000);
            // Five minutes of the terminal's own time end it.
            clock.run_for(300_001);
            assert_eq!(left(kept_pin_guard(&store).await), 0);
        });
    }
}
