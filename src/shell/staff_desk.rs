//! What the staff screen asks of the tokio half: its figures (devices, store, queue, receipts
//! that did not print, counters, catalog), sending a rejected submission again, and the PIN pad's
//! lockout kept across restarts.

use crate::catalog::active::{CatalogStatus, Origin};
use crate::store::{now_ms, Counter, Requeued, StoreError, StoreHandle, EXPIRY_WARNING_MS};
use crate::vocab::staff_report::{
    CatalogInForce, DeliveryPaused, DeviceLine, PinGuardState, RejectedSubmission, RequeueOutcome,
    StaffReport,
};

/// The store setting that keeps the PIN pad's failures and lockout.
const PIN_GUARD_SETTING: &str = "staff_pin_guard";

/// The PIN lockout as stored: until a wall-clock time, so that it runs on while powered off.
#[derive(serde::Serialize, serde::Deserialize)]
struct PinGuardKept {
    failures: u32,
    lockouts: u32,
    locked_until_ms: i64,
}

impl From<PinGuardState> for PinGuardKept {
    fn from(s: PinGuardState) -> PinGuardKept {
        PinGuardKept {
            failures: s.failures,
            lockouts: s.lockouts,
            locked_until_ms: now_ms()
                .saturating_add(i64::try_from(s.remaining_ms).unwrap_or(i64::MAX)),
        }
    }
}

impl PinGuardKept {
    fn now(&self) -> PinGuardState {
        PinGuardState {
            failures: self.failures,
            lockouts: self.lockouts,
            remaining_ms: u64::try_from(self.locked_until_ms.saturating_sub(now_ms())).unwrap_or(0),
        }
    }
}

/// The lockout as kept (a power cycle is not five more guesses).
pub async fn kept_pin_guard(store: &StoreHandle) -> Option<PinGuardState> {
    let kept = store
        .call(|s| s.setting(PIN_GUARD_SETTING))
        .await
        .ok()?
        .ok()??;
    match serde_json::from_str::<PinGuardKept>(&kept) {
        Ok(k) => Some(k.now()),
        Err(e) => {
            tracing::warn!(error = %e, "kept PIN lockout unreadable; ignored");
            None
        }
    }
}

pub fn keep_pin_guard(store: &StoreHandle, state: PinGuardState) {
    let kept = serde_json::to_string(&PinGuardKept::from(state)).unwrap_or_default();
    store.post(move |s| {
        if let Err(e) = s.set_setting(PIN_GUARD_SETTING, &kept) {
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
        ..StaffReport::default()
    };
    let Some(store) = store else {
        return report;
    };
    let retention_ms = basis.retention_ms;
    let gathered = store
        .call(move |s| {
            let q = s.queue_counts()?;
            let expiring = s.expiring(now_ms(), retention_ms, EXPIRY_WARNING_MS)?;
            Ok::<_, StoreError>((
                q,
                expiring,
                s.rejected_submissions(20)?,
                s.unprinted_receipts()?,
                s.count(&Counter::ReceiptsPrinted)?,
                s.count(&Counter::PaperMm)?,
            ))
        })
        .await;
    match gathered {
        Ok(Ok((q, expiring, rejected, unprinted, receipts, paper))) => {
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
                    at: chrono::DateTime::from_timestamp_millis(r.at_ms)
                        .map(|t| {
                            t.with_timezone(&chrono::Local)
                                .format("%m-%d %H:%M")
                                .to_string()
                        })
                        .unwrap_or_default(),
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

/// Staff put in a new roll: the paper estimate starts again.
pub fn paper_replaced(store: &StoreHandle) {
    store.post(|s| {
        if let Err(e) = s.reset(&Counter::PaperMm) {
            tracing::error!(error = %e, "counter write failed");
        }
    });
}
