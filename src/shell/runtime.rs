//! The tokio half: a thin drive loop over the device tasks, the engine's effects and the store's
//! verdicts (after quinn's `ConnectionDriver`). Opening the devices, the background tasks, carrying
//! out effects, printing and the staff desk each have their own module; every answer goes to the
//! UI thread as an engine event.

use std::sync::Arc;

use onetrip_drivers::device::DeviceKind;
use onetrip_drivers::id_card::reader::IdCardEvent;
use onetrip_drivers::printer::task::PrinterEvent;
use onetrip_drivers::scanner::task::ScannerEvent;
use tokio::sync::{mpsc, watch, Notify};

use super::availability::{keep_health_for_technician, Devices};
use super::effects::Effects;
use super::options::{RuntimeOptions, UiSink};
use super::printing::PrintJob;
use super::staff_desk::{self, ReportBasis};
use super::supervision::RestartTally;
use super::{background, device_tasks};
use crate::catalog::active::CatalogStatus;
use crate::config::Config;
use crate::engine::{Availability, Effect, Event, Outage};
use crate::store::{StoreFault, StoreHandle, StoreVerdict};
use crate::sync::heartbeat::Downtime;
use crate::sync::{LinkStatus, UpstreamClient};
use crate::vocab::device_health::DeviceHealth;
use crate::vocab::help_call::HelpCall;
use crate::vocab::restarts::Restarts;
use crate::vocab::staff_report::StaffRequest;

/// Whether the store could be opened (the terminal is READY for systemd only once this is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreState {
    Opening,
    Open,
    /// Out of service; the reason is for staff and the technician.
    Unusable(String),
}

/// Handle to the running tokio half: the engine's effects go in, events come out of the sink.
#[derive(Clone)]
pub struct Runtime {
    pub effects: mpsc::UnboundedSender<Effect>,
    pub store_state: watch::Receiver<StoreState>,
}

impl Runtime {
    /// Starts everything on `handle`; returns at once.
    pub fn start(
        options: RuntimeOptions,
        handle: &tokio::runtime::Handle,
        sink: UiSink,
    ) -> Runtime {
        let (tx, rx) = mpsc::unbounded_channel();
        let (state_tx, store_state) = watch::channel(StoreState::Opening);
        handle.spawn(run(options, sink, rx, state_tx));
        Runtime {
            effects: tx,
            store_state,
        }
    }
}

/// Opens the store in the data directory, with its size cap.
async fn open_store(cfg: &Config) -> Result<StoreHandle, String> {
    let cap = u64::from(cfg.data.max_store_mb) * 1024 * 1024;
    match StoreHandle::open(cfg.data.dir.clone()).await {
        Ok(store) => {
            let capped = store.call(move |s| s.limit_size(cap)).await;
            if let Ok(Err(e)) = capped {
                tracing::warn!(error = %e, "store size limit not set");
            }
            Ok(store)
        }
        Err(e) => {
            tracing::error!(error = %e, "store unusable: terminal out of service");
            Err(e.to_string())
        }
    }
}

async fn run(
    options: RuntimeOptions,
    sink: UiSink,
    mut effects: mpsc::UnboundedReceiver<Effect>,
    store_state: watch::Sender<StoreState>,
) {
    if let Some(reason) = options.not_configured.clone() {
        tracing::warn!("terminal not configured: out of service until provisioned");
        sink(Event::Availability(Availability::OutOfService(vec![
            reason,
        ])));
        // After the screen's event: READY follows the frame that shows it (terminal::service).
        let _ = store_state.send(StoreState::Unusable("not configured".into()));
        // Nothing to open, nothing to deliver: only wait for the kiosk to stop.
        while effects.recv().await.is_some() {}
        return;
    }
    let cfg = options.config.clone();
    let mut devices = Devices::default();
    let restarts = RestartTally::default();
    // The devices first: a printer is judged only after its recovery bytes have left (about a
    // second at 9600 baud), which now passes while the store opens instead of after it.
    let mut tasks = device_tasks::open(&options, &restarts, &mut devices);
    let opened = open_store(&cfg).await;
    let state = match &opened {
        Ok(_) => StoreState::Open,
        Err(e) => StoreState::Unusable(e.clone()),
    };
    let (store, store_error) = match opened {
        Ok(store) => (Some(store), None),
        Err(e) => {
            devices.set_store_problem(Some(Outage::StoreUnusable));
            (None, Some(e))
        }
    };
    if let Some(store) = &store {
        // The PIN pad's lockout survives a restart; "most used here" starts from this
        // terminal's counts so far.
        if let Some(kept) = staff_desk::kept_pin_guard(store).await {
            sink(Event::PinGuardRestored(kept));
        }
        if let Ok(Ok(usage)) = store.call(|s| s.item_starts()).await {
            sink(Event::UsageCounts(usage));
        }
    }
    // One client for everything upstream: its connection pool and TLS setup are shared.
    let client = UpstreamClient::new(&cfg.upstream)
        .map_err(|e| tracing::error!(error = %e, "cannot build the upstream client"))
        .ok();
    // What the tasks tell staff and the heartbeat, each on a watch channel its writer owns (the
    // supervisors' restart counts above): whether upstream refuses the terminal (the delivery
    // worker), the catalog in force (the catalog updater) and the devices' health (this drive loop).
    let link = LinkStatus::default();
    let (catalog, catalog_status) = watch::channel(options.catalog_status.clone());
    let community = watch::Sender::new(options.community_status.clone());
    // Since when (wall ms) the terminal has been out of service or without printing, for the
    // heartbeat: the fleet flags "down for more than a day" or "no paper since yesterday"
    // without anyone having to read the screen.
    let downtime = watch::Sender::new(Downtime::default());
    // A citizen's last call for staff: the heartbeat sends it at once; opening the staff screen
    // answers it.
    let help = watch::Sender::new(None::<HelpCall>);
    let (health, health_rx) = watch::channel(devices.snapshot());
    let wake = Arc::new(Notify::new());
    // Store writes that fail after start-up (disk full, read-only, I/O errors), and the probe's
    // verdicts: the drive loop takes the terminal out of service and back.
    let (store_faults, mut verdicts) = mpsc::unbounded_channel::<StoreVerdict>();
    background::start(
        &options,
        background::Wiring {
            store: store.clone(),
            client: client.clone(),
            wake: wake.clone(),
            store_faults: store_faults.clone(),
            health: health_rx,
            catalog,
            community,
            downtime: downtime.subscribe(),
            help: help.subscribe(),
            restarts: restarts.clone(),
            link: link.clone(),
            sink: sink.clone(),
        },
    );
    let published = devices.availability();
    sink(Event::Availability(published.clone()));
    // The store's fate once the screen has been sent what follows from it: both reach the event
    // loop through one queue, so READY (terminal::service) comes after the frame that shows it.
    let _ = store_state.send(state);
    let mut driver = Driver {
        effects: Effects {
            terminal_id: cfg.terminal.id.clone(),
            store: store.clone(),
            client,
            print_job: PrintJob::new(&cfg, &tasks.printer),
            wake,
            store_faults,
            test_submissions: options.test_submissions,
            help,
            sink: sink.clone(),
        },
        options,
        sink,
        devices,
        published,
        health,
        restarts: restarts.watch(),
        catalog: catalog_status,
        downtime,
        link,
        store_error,
        store_fault: None,
    };
    loop {
        tokio::select! {
            ev = tasks.id_card.recv() => match ev {
                None => break,
                Some(ev) => driver.drive_card(ev),
            },
            ev = tasks.printer_events.recv() => match ev {
                None => break,
                Some(PrinterEvent::Status(s)) => driver.devices.update(DeviceKind::Printer, s),
                Some(PrinterEvent::Printed { .. }) => {}
            },
            // Disabled once the channel closes (no scanner configured).
            Some(ev) = tasks.scanner.recv() => driver.drive_scanner(ev),
            effect = effects.recv() => match effect {
                None => break,
                Some(Effect::Staff(StaffRequest::Report)) => driver.drive_staff_report(),
                Some(effect) => driver.effects.carry_out(effect),
            },
            Some(verdict) = verdicts.recv() => driver.drive_store_verdict(verdict),
        }
        driver.publish();
    }
}

/// The drive loop's state: what the devices and the store said last, and what was published.
struct Driver {
    options: RuntimeOptions,
    sink: UiSink,
    effects: Effects,
    devices: Devices,
    published: Availability,
    health: watch::Sender<DeviceHealth>,
    /// Supervised tasks restarted since start.
    restarts: watch::Receiver<Restarts>,
    /// The catalog in force.
    catalog: watch::Receiver<CatalogStatus>,
    /// Since when the terminal has been out of service (wall ms), for the heartbeat.
    downtime: watch::Sender<Downtime>,
    /// Whether upstream refuses the terminal.
    link: LinkStatus,
    /// Why the store could not be opened (for staff; the citizen sees the plain sentence).
    store_error: Option<String>,
    /// Why the store stopped taking writes, until a probe succeeds again.
    store_fault: Option<StoreFault>,
}

impl Driver {
    fn drive_card(&mut self, ev: IdCardEvent) {
        let event = match ev {
            IdCardEvent::Status(s) => return self.devices.update(DeviceKind::IdCard, s),
            IdCardEvent::CardDetected => Event::CardDetected,
            IdCardEvent::CardPresented(id) => Event::CardPresented(id),
            IdCardEvent::CardRemoved => Event::CardRemoved,
            IdCardEvent::ReadFailed(e) => Event::CardReadFailed(e.to_string()),
        };
        (self.sink)(event);
    }

    fn drive_scanner(&mut self, ev: ScannerEvent) {
        match ev {
            ScannerEvent::Status(s) => self.devices.update(DeviceKind::Scanner, s),
            ScannerEvent::Scanned(scan) => {
                // Never logged: a code may carry personal data.
                let tracking = &self.options.config.upstream.tracking_url;
                let event = match scan
                    .text
                    .as_deref()
                    .and_then(|t| crate::receipt::number_in_scan(tracking, t))
                {
                    Some(number) => Event::ReceiptScanned(number),
                    None => Event::UnknownCodeScanned,
                };
                (self.sink)(event);
            }
        }
    }

    fn drive_staff_report(&mut self) {
        let basis = ReportBasis {
            devices: self.devices.staff_lines(),
            recording_until: self.devices.recording_until(),
            restarts: self.restarts.borrow().staff_lines(),
            store_problem: self.store_error.clone(),
            store_fault: self.store_fault,
            catalog: self.catalog.borrow().clone(),
            refused: self.link.refused(),
            retention_ms: self.options.retention_ms(),
            firmware: self.options.firmware.clone(),
            help: self.effects.help.borrow().clone(),
        };
        // Staff opened their screen: it shows the call, which is answered (the heartbeat says so).
        self.effects.help.send_if_modified(|call| match call {
            Some(c) if c.seen_at_ms.is_none() => {
                c.seen_at_ms = Some(crate::store::now_ms());
                true
            }
            _ => false,
        });
        let (store, sink) = (self.effects.store.clone(), self.sink.clone());
        tokio::spawn(async move {
            let report = staff_desk::staff_report(basis, store).await;
            sink(Event::StaffReport(Box::new(report)));
        });
    }

    fn drive_store_verdict(&mut self, verdict: StoreVerdict) {
        match verdict {
            Err(fault) if self.store_fault != Some(fault) => {
                tracing::error!(
                    problem = ?fault,
                    "the store cannot take writes: out of service"
                );
                self.store_fault = Some(fault);
                self.devices.set_store_problem(Some(Outage::Store(fault)));
            }
            Ok(()) if self.store_fault.is_some() => {
                tracing::warn!("the store takes writes again: back in service");
                self.store_fault = None;
                self.devices.set_store_problem(None);
            }
            _ => {}
        }
    }

    /// Tells the engine when availability changed, and the technician's health file when the
    /// devices' state did.
    fn publish(&mut self) {
        let now = self.devices.availability();
        if now != self.published {
            tracing::info!(availability = ?now, "terminal availability changed");
            self.published = now.clone();
            let out = matches!(now, Availability::OutOfService(_));
            // The printer's outage lasts through an out-of-service spell that has it among its
            // reasons (paper out, then the reader pulled and replugged): one pause, not two.
            let paused = match &now {
                Availability::PrintingPaused(_) => true,
                Availability::OutOfService(outages) => outages.iter().any(|o| {
                    matches!(
                        o,
                        crate::engine::Outage::Device {
                            kind: DeviceKind::Printer,
                            ..
                        }
                    )
                }),
                _ => false,
            };
            // Kept from the first moment of each, however its reasons change meanwhile.
            let since = |is: bool, since: Option<i64>| match (is, since) {
                (true, Some(t)) => Some(t),
                (true, None) => Some(crate::store::now_ms()),
                (false, _) => None,
            };
            self.downtime.send_modify(|d| {
                d.out_of_service_since_ms = since(out, d.out_of_service_since_ms);
                d.printing_paused_since_ms = since(paused, d.printing_paused_since_ms);
            });
            (self.sink)(Event::Availability(now));
        }
        let devices = &self.devices;
        let changed = self.health.send_if_modified(|h| {
            let now = devices.snapshot();
            let changed = *h != now;
            *h = now;
            changed
        });
        if changed {
            keep_health_for_technician(&self.health.borrow(), &self.published);
        }
    }
}
