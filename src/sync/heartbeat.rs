//! The heartbeat: every few minutes the terminal tells upstream its versions, devices, paper, the
//! unsent queue, counters, the catalog in force and whether upstream refuses its deliveries.

use std::time::Duration;

use tokio::sync::watch;

use super::link::{LinkStatus, Refused};
use super::UpstreamClient;
use crate::catalog::active::CatalogStatus;
use crate::store::{QueueCounts, StoreHandle};
use crate::vocab::device_health::DeviceHealth;
use crate::vocab::firmware::Firmware;
use crate::vocab::help_call::HelpCall;
use crate::vocab::restarts::Restarts;
use crate::vocab::staff_report::ClockStep;

#[derive(Clone)]
pub struct Heartbeat {
    pub client: UpstreamClient,
    pub store: StoreHandle,
    /// The catalog in force, as the catalog updater keeps it.
    pub catalog: watch::Receiver<CatalogStatus>,
    /// The community feed in force, as its updater keeps it.
    pub community: watch::Receiver<super::community::CommunityStatus>,
    /// Since when (wall ms) the terminal has been out of service, or serving with printing
    /// paused.
    pub downtime: watch::Receiver<Downtime>,
    /// A citizen's last call for staff: a change is sent at once, not at the next beat.
    pub help: watch::Receiver<Option<HelpCall>>,
    pub link: LinkStatus,
    /// Supervised tasks restarted since start, as the supervisors count them.
    pub restarts: watch::Receiver<Restarts>,
    /// The devices' health, as the drive loop publishes it.
    pub devices: watch::Receiver<DeviceHealth>,
    pub firmware: Firmware,
    pub terminal_id: String,
    pub every: Duration,
    /// The store's retention, to count what is about to be purged undelivered.
    pub retention_ms: i64,
}

/// Since when (wall ms) the terminal has not served in full: out of service (nobody can be
/// served), or printing paused (out of paper: queries and guides on screen only). Both `None`
/// while it serves in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downtime {
    pub out_of_service_since_ms: Option<i64>,
    pub printing_paused_since_ms: Option<i64>,
}

/// What one heartbeat carries. No personal data: counts, versions, device states.
pub struct Body<'a> {
    pub terminal_id: &'a str,
    pub firmware: &'a Firmware,
    pub devices: &'a DeviceHealth,
    pub queue: Option<QueueCounts>,
    /// Undelivered submissions that reach the retention limit within three days.
    pub expiring: Option<i64>,
    pub receipts_printed: i64,
    pub paper_mm: i64,
    pub catalog: serde_json::Value,
    /// The community feed in force (version, issue date, its age in days) and any refusal.
    pub community: serde_json::Value,
    pub downtime: Downtime,
    /// A citizen's last call for staff (呼叫工作人员), and whether staff have seen it.
    pub help: Option<HelpCall>,
    pub refused: Option<Refused>,
    /// Background tasks restarted after a crash, by name.
    pub task_restarts: std::collections::BTreeMap<&'static str, u32>,
    pub at_ms: i64,
    /// The terminal's age (ms of running time, what retention counts) and the last step of the
    /// wall clock it noticed; `None` when the store could not be read.
    pub clock: Option<(i64, Option<ClockStep>)>,
}

impl Body<'_> {
    /// Since when, and for how long by this beat's time (both null when not).
    fn since(&self, since_ms: Option<i64>) -> serde_json::Value {
        serde_json::json!({
            "since_ms": since_ms,
            "for_ms": since_ms.map(|since| (self.at_ms - since).max(0)),
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "terminal_id": self.terminal_id,
            "firmware_version": env!("CARGO_PKG_VERSION"),
            "firmware": self.firmware,
            "at_ms": self.at_ms,
            "devices": self.devices,
            "queue": self.queue.map(|q| serde_json::json!({"pending": q.pending, "rejected": q.rejected, "accepted": q.accepted, "expiring_within_3_days": self.expiring})),
            "delivery": match &self.refused {
                None => serde_json::json!({"paused": false}),
                Some(r) => serde_json::json!({
                    "paused": true,
                    "refusal": r.kind,
                    "words": r.words,
                    "detail": r.detail,
                    "since_ms": r.since_ms,
                }),
            },
            "counters": {"receipts_printed": self.receipts_printed, "paper_mm": self.paper_mm},
            "task_restarts": self.task_restarts,
            "catalog": self.catalog,
            "community": self.community,
            "help": self.help.as_ref().map(|h| serde_json::json!({
                "called_at_ms": h.at_ms,
                "screen": h.screen,
                "seen_at_ms": h.seen_at_ms,
            })),
            "out_of_service": self.since(self.downtime.out_of_service_since_ms),
            "printing_paused": self.since(self.downtime.printing_paused_since_ms),
            "clock": self.clock.map(|(age_ms, step)| serde_json::json!({
                "terminal_age_ms": age_ms,
                "last_step": step,
            })),
        })
    }
}

impl Heartbeat {
    pub async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Let the devices report first, so the first heartbeat says something.
        tokio::time::sleep(self.every.min(Duration::from_secs(3))).await;
        loop {
            // A call for staff, or its answer, goes at once: somebody waits at the screen.
            tokio::select! {
                _ = ticker.tick() => {}
                Ok(()) = self.help.changed() => {}
            }
            let retention_ms = self.retention_ms;
            let local = self
                .store
                .call(move |s| {
                    (
                        s.queue_counts().ok(),
                        s.expiring(retention_ms, crate::store::EXPIRY_WARNING_MS)
                            .ok(),
                        s.count(&crate::store::Counter::ReceiptsPrinted)
                            .unwrap_or(0),
                        s.count(&crate::store::Counter::PaperMm).unwrap_or(0),
                        (s.age_ms(), s.clock_step()),
                    )
                })
                .await;
            let Ok((queue, expiring, receipts_printed, paper_mm, clock)) = local else {
                continue;
            };
            let catalog = self.catalog.borrow().to_json();
            let community = self.community.borrow().to_json();
            let devices = self.devices.borrow().clone();
            let task_restarts = self.restarts.borrow().counts().clone();
            let body = Body {
                terminal_id: &self.terminal_id,
                firmware: &self.firmware,
                devices: &devices,
                queue,
                expiring,
                receipts_printed,
                paper_mm,
                catalog,
                community,
                downtime: *self.downtime.borrow(),
                help: self.help.borrow_and_update().clone(),
                refused: self.link.refused(),
                task_restarts,
                at_ms: crate::store::now_ms(),
                clock: Some(clock),
            }
            .to_json();
            if let Err(e) = self.client.send_heartbeat(&body).await {
                tracing::warn!(error = %e, "heartbeat not delivered");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Refusal;

    #[test]
    fn a_paused_queue_is_reported_in_words() {
        let link = LinkStatus::default();
        let devices = DeviceHealth::default();
        let firmware = Firmware::default();
        let body = |link: &LinkStatus| {
            Body {
                terminal_id: "T1",
                firmware: &firmware,
                devices: &devices,
                queue: Some(QueueCounts {
                    pending: 100,
                    accepted: 0,
                    rejected: 0,
                }),
                expiring: Some(2),
                receipts_printed: 0,
                paper_mm: 0,
                catalog: serde_json::json!({}),
                community: serde_json::json!({}),
                downtime: Downtime::default(),
                help: None,
                refused: link.refused(),
                task_restarts: [("sync", 1)].into(),
                at_ms: 1,
                clock: Some((
                    90_000,
                    Some(ClockStep {
                        step_ms: 31 * 24 * 3600 * 1000,
                        wall_ms: 5,
                        age_ms: 60_000,
                        count: 1,
                    }),
                )),
            }
            .to_json()
        };
        assert_eq!(
            body(&link)["delivery"],
            serde_json::json!({"paused": false})
        );
        link.set_refused(
            Refusal::Credentials,
            "HTTP 401: unknown terminal token".into(),
            7,
        );
        link.set_refused(
            Refusal::Credentials,
            "HTTP 401: unknown terminal token".into(),
            9,
        );
        let b = body(&link);
        assert_eq!(b["delivery"]["paused"], true);
        assert_eq!(b["delivery"]["refusal"], "credentials");
        assert_eq!(b["delivery"]["words"], "上游拒绝本机凭证");
        assert_eq!(
            b["delivery"]["since_ms"], 7,
            "the spell started at the first refusal"
        );
        assert_eq!(b["queue"]["pending"], 100);
        assert_eq!(b["queue"]["expiring_within_3_days"], 2);
        assert_eq!(b["task_restarts"]["sync"], 1);
        // A wall clock stepped forward a month is reported, with the running time retention
        // counts.
        assert_eq!(b["clock"]["terminal_age_ms"], 90_000);
        assert_eq!(b["clock"]["last_step"]["step_ms"], 2_678_400_000i64);
        assert_eq!(b["clock"]["last_step"]["count"], 1);
        // Rejections in a row with the same answer: paused, in words, with the typed reason.
        link.set_refused(
            Refusal::RepeatedRejection,
            "HTTP 400: a JSON answer without the platform's error field · body 1a2b3c4d".into(),
            11,
        );
        let b = body(&link);
        assert_eq!(b["delivery"]["paused"], true);
        assert_eq!(b["delivery"]["refusal"], "repeated_rejection");
        assert_eq!(b["delivery"]["since_ms"], 11);
        assert!(b["delivery"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 400"));
        link.clear();
        assert_eq!(body(&link)["delivery"]["paused"], false);
    }
}
