//! Terminal availability from device statuses: available only while every required device is ready
//! and the store is usable (the CUSS rule) — but a printer that cannot print only pauses what
//! prints: queries and guides read on screen need no paper.

use std::collections::BTreeMap;

use onetrip_drivers::device::{DeviceKind, DeviceStatus};

use crate::engine::{Availability, Outage};
use crate::vocab::device_health::{device_name, DeviceCondition, DeviceHealth};
use crate::vocab::staff_report::DeviceLine;

#[derive(Debug, Default, Clone)]
pub struct Devices {
    statuses: BTreeMap<&'static str, (DeviceKind, bool, Option<DeviceStatus>)>,
    store_problem: Option<Outage>,
    recording: Option<String>,
}

impl Devices {
    pub fn register(&mut self, kind: DeviceKind, required: bool) {
        self.statuses
            .insert(device_name(kind), (kind, required, None));
    }

    pub fn update(&mut self, kind: DeviceKind, status: DeviceStatus) {
        if let Some(entry) = self.statuses.get_mut(device_name(kind)) {
            entry.2 = Some(status);
        }
    }

    /// Device I/O is being recorded until this time (for the staff screen).
    pub fn set_recording(&mut self, until: Option<String>) {
        self.recording = until;
    }

    pub fn set_store_problem(&mut self, problem: Option<Outage>) {
        self.store_problem = problem;
    }

    pub fn status(&self, kind: DeviceKind) -> Option<&DeviceStatus> {
        self.statuses
            .get(device_name(kind))
            .and_then(|e| e.2.as_ref())
    }

    /// The required devices that are not ready (or not heard from yet).
    fn outages(&self) -> Vec<Outage> {
        self.statuses
            .values()
            .filter(|(_, required, status)| {
                *required && !status.as_ref().is_some_and(|s| s.is_ready())
            })
            .map(|(kind, _, status)| Outage::Device {
                kind: *kind,
                status: status.clone(),
            })
            .collect()
    }

    /// Every configured device, for the staff screen (the engine words them).
    pub fn staff_lines(&self) -> Vec<DeviceLine> {
        self.statuses
            .values()
            .map(|(kind, required, status)| DeviceLine {
                kind: *kind,
                required: *required,
                status: status.clone(),
            })
            .collect()
    }

    /// Until when device I/O is being recorded, if it is.
    pub fn recording_until(&self) -> Option<String> {
        self.recording.clone()
    }

    /// Every configured device's status, for the heartbeat (no personal data).
    pub fn snapshot(&self) -> DeviceHealth {
        let mut health = DeviceHealth::default();
        for (kind, required, status) in self.statuses.values() {
            health.insert(*kind, DeviceCondition::of(*required, status.as_ref()));
        }
        health
    }

    pub fn availability(&self) -> Availability {
        let mut problems = self.outages();
        if let Some(p) = &self.store_problem {
            problems.insert(0, p.clone());
        }
        let printer_only = problems.iter().all(|p| {
            matches!(
                p,
                Outage::Device {
                    kind: DeviceKind::Printer,
                    status: Some(_),
                }
            )
        });
        if problems.is_empty() {
            Availability::Available
        } else if printer_only {
            Availability::PrintingPaused(problems)
        } else {
            Availability::OutOfService(problems)
        }
    }
}

/// Under systemd (RuntimeDirectory=onetrip) the latest device health goes to a file in RAM that
/// `onetrip logs` copies into the technician's bundle.
pub fn keep_health_for_technician(devices: &DeviceHealth, availability: &Availability) {
    let Some(dir) = std::env::var_os("RUNTIME_DIRECTORY") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let body = serde_json::json!({
        "at_ms": crate::store::now_ms(),
        // What the screen said, in the words a Chinese terminal shows ("available" when in
        // service); the devices' own states follow.
        "availability": match availability {
            Availability::Available => "available".to_string(),
            Availability::PrintingPaused(why) => {
                format!("printing paused: {}", crate::engine::outage::reason(why, false))
            }
            Availability::OutOfService(why) => crate::engine::outage::reason(why, false),
        },
        "devices": devices,
    });
    let tmp = dir.join("health.json.tmp");
    let written = std::fs::write(&tmp, body.to_string())
        .and_then(|()| std::fs::rename(&tmp, dir.join("health.json")));
    if let Err(e) = written {
        tracing::debug!(error = %e, "device health not kept for the technician");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::outage::reason;
    use crate::vocab::submission::StoreFault;
    use onetrip_drivers::device::{DeviceState, PaperLevel};

    /// The out-of-service reason as a Chinese terminal shows it ("" when available; "暂停打印："
    /// and the printer's problem when only printing is paused).
    fn shown(a: Availability) -> String {
        match a {
            Availability::Available => String::new(),
            Availability::PrintingPaused(why) => format!("暂停打印：{}", reason(&why, false)),
            Availability::OutOfService(why) => reason(&why, false),
        }
    }

    #[test]
    fn available_only_when_every_required_device_is_ready() {
        let mut d = Devices::default();
        d.register(DeviceKind::IdCard, true);
        d.register(DeviceKind::Printer, true);
        d.register(DeviceKind::Scanner, false);
        assert!(matches!(d.availability(), Availability::OutOfService(_)));
        d.update(DeviceKind::IdCard, DeviceStatus::new(DeviceState::Online));
        let ok_printer = DeviceStatus {
            paper: Some(PaperLevel::Low),
            ..DeviceStatus::new(DeviceState::Online)
        };
        d.update(DeviceKind::Printer, ok_printer.clone());
        assert_eq!(d.availability(), Availability::Available);
        // The optional scanner and the low paper are for staff, not an outage (their words:
        // engine::staff_words).
        assert_eq!(d.staff_lines().len(), 3);
        d.update(
            DeviceKind::Printer,
            DeviceStatus {
                paper: Some(PaperLevel::Out),
                ..ok_printer
            },
        );
        // Out of paper pauses printing only: queries and guides need none.
        assert_eq!(shown(d.availability()), "暂停打印：回执打印机缺纸");
        d.update(DeviceKind::Printer, DeviceStatus::new(DeviceState::Offline));
        assert_eq!(
            shown(d.availability()),
            "暂停打印：回执打印机未连接或无响应"
        );
        // With the reader down too, nobody can be served.
        d.update(DeviceKind::IdCard, DeviceStatus::new(DeviceState::Offline));
        assert_eq!(
            shown(d.availability()),
            "身份证阅读器未连接或无响应；回执打印机未连接或无响应"
        );
        d.update(DeviceKind::IdCard, DeviceStatus::new(DeviceState::Online));
        d.set_store_problem(Some(Outage::Store(StoreFault::Corrupt)));
        assert!(shown(d.availability()).starts_with("本地存储已损坏"));
    }

    /// A printer not heard from yet is the terminal starting, not a paused printer.
    #[test]
    fn a_printer_not_heard_from_keeps_the_terminal_starting() {
        let mut d = Devices::default();
        d.register(DeviceKind::IdCard, true);
        d.register(DeviceKind::Printer, true);
        d.update(DeviceKind::IdCard, DeviceStatus::new(DeviceState::Online));
        assert!(matches!(d.availability(), Availability::OutOfService(_)));
    }

    /// Issue 32: one missed status reply took the printer offline, and the terminal went in and
    /// out of service every few seconds. The real printer task against a simulated printer that
    /// leaves every other status request unanswered: the terminal stays in service throughout.
    #[cfg(feature = "dev-tools")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_printer_missing_every_other_status_reply_keeps_the_terminal_in_service() {
        use onetrip_drivers::printer::sim::PrinterSim;
        use onetrip_drivers::printer::task::{self, PrinterConfig, PrinterEvent};
        use std::time::Duration;

        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("printer");
        let sim = PrinterSim::start(&link).unwrap();
        let mut cfg = PrinterConfig::new(&link, 115_200);
        cfg.status_interval = Duration::from_millis(100);
        cfg.latency = Duration::from_millis(300);
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let _printer = task::spawn(cfg, tx);
        let mut d = Devices::default();
        d.register(DeviceKind::Printer, true);
        let ready = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(PrinterEvent::Status(s)) = rx.recv().await {
                d.update(DeviceKind::Printer, s);
                if d.availability() == Availability::Available {
                    return;
                }
            }
        });
        ready.await.expect("in service");

        sim.drop_status_replies(Some(2));
        let until = tokio::time::Instant::now() + Duration::from_secs(5);
        while let Ok(Some(event)) = tokio::time::timeout_at(until, rx.recv()).await {
            if let PrinterEvent::Status(s) = event {
                d.update(DeviceKind::Printer, s);
            }
            assert_eq!(d.availability(), Availability::Available);
        }
    }
}
