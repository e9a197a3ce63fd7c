//! The tokio half: device tasks, the store, the sync worker, and the effects the engine asks for.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use onetrip_drivers::device::DeviceKind;
use onetrip_drivers::id_card::reader::{self, IdCardEvent, ReaderConfig};
use onetrip_drivers::printer::task::{self as printer_task, PrinterConfig, PrinterEvent};
use onetrip_drivers::printer::{commands, Block, PrinterHandle};
use onetrip_drivers::scanner::task::{self as scanner, ScannerConfig, ScannerEvent};
use tokio::sync::{mpsc, Notify};

use super::availability::Devices;
use super::supervision::{supervise, supervise_watched};
use crate::catalog::active::CatalogStatus;
use crate::config::Config;
use crate::engine::staff::{RejectedSubmission, StaffReport, StaffRequest};
use crate::engine::{AuditEvent, Event, NewSubmission, ReceiptRequest, StoredSubmission};
use crate::engine::{QueryOutcome, SlotsOutcome};
use crate::receipt::Receipt;
use crate::store::{Store, StoreHandle};
use crate::sync::catalog::CatalogUpdater;
use crate::sync::worker::Backoff;
use crate::sync::{SyncWorker, UpstreamClient};

/// What the runtime tells the UI thread.
#[derive(Debug, Clone)]
pub enum UiMessage {
    Engine(Event),
    /// A staff reprint finished.
    Reprinted {
        number: String,
        result: Result<(), String>,
    },
}

/// What the store said to a write: fine, or why not in words.
type StoreVerdict = Result<(), &'static str>;

/// What effects need besides the store and devices: the delivery worker's wake-up, and where
/// failed store writes are reported.
struct Links {
    wake: Arc<Notify>,
    store_faults: mpsc::UnboundedSender<StoreVerdict>,
    /// Submissions carry `"test": true` (a technician's burn-in, never a citizen's application).
    test_submissions: bool,
}

/// Writes a little to the store now and then (more often while it fails), so that a full disk or
/// a read-only remount takes the terminal out of service before a citizen fills in a form, and
/// back in service once it is mended.
async fn probe_store(
    store: StoreHandle,
    every: Duration,
    verdicts: mpsc::UnboundedSender<StoreVerdict>,
) {
    loop {
        let verdict = match store.call(|s| s.probe_write()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.in_words()),
            Err(_) => Err("本地存储无法写入"),
        };
        let failing = verdict.is_err();
        if verdicts.send(verdict).is_err() {
            return;
        }
        tokio::time::sleep(if failing {
            every.min(Duration::from_secs(10))
        } else {
            every
        })
        .await;
    }
}

/// Every hour: personal data of undeliverable submissions at the retention limit, old masked
/// receipts and old audit rows go.
async fn retention(store: StoreHandle, retention_ms: i64) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let purged = store
            .call(move |s| {
                let now = crate::store::now_ms();
                let old = s.purge_old_records(now, retention_ms, AUDIT_RETENTION_MS);
                (s.purge_expired(now, retention_ms), old)
            })
            .await;
        if let Ok((Ok(n), old)) = purged {
            if n > 0 {
                tracing::warn!(
                    purged = n,
                    "undelivered submissions purged at the retention limit"
                );
            }
            if let Ok((receipts, audit)) = old {
                if receipts + audit > 0 {
                    tracing::info!(receipts, audit, "old receipts and audit rows removed");
                }
            }
        }
    }
}

/// The store setting that keeps the PIN pad's failures and lockout.
const PIN_GUARD_SETTING: &str = "staff_pin_guard";

/// The PIN lockout as stored: until a wall-clock time, so that it runs on while powered off.
#[derive(serde::Serialize, serde::Deserialize)]
struct PinGuardKept {
    failures: u32,
    lockouts: u32,
    locked_until_ms: i64,
}

impl From<crate::engine::staff::PinGuardState> for PinGuardKept {
    fn from(s: crate::engine::staff::PinGuardState) -> PinGuardKept {
        PinGuardKept {
            failures: s.failures,
            lockouts: s.lockouts,
            locked_until_ms: crate::store::now_ms()
                .saturating_add(i64::try_from(s.remaining_ms).unwrap_or(i64::MAX)),
        }
    }
}

impl PinGuardKept {
    fn now(&self) -> crate::engine::staff::PinGuardState {
        crate::engine::staff::PinGuardState {
            failures: self.failures,
            lockouts: self.lockouts,
            remaining_ms: u64::try_from(
                self.locked_until_ms.saturating_sub(crate::store::now_ms()),
            )
            .unwrap_or(0),
        }
    }
}

fn retention_ms(cfg: &Config) -> i64 {
    i64::from(cfg.data.retention_days) * 24 * 3600 * 1000
}

/// Audit rows are kept this long (a year of who did what at the terminal).
pub const AUDIT_RETENTION_MS: i64 = 365 * 24 * 3600 * 1000;
/// Staff and upstream are told this long before an undelivered submission is purged.
pub const EXPIRY_WARNING_MS: i64 = 3 * 24 * 3600 * 1000;

/// Counter name prefix of how often each item was started here ("most used here").
pub const ITEM_COUNTER: &str = "item:";

/// Delivers a message to the UI thread (and wakes it).
pub type UiSink = Arc<dyn Fn(UiMessage) + Send + Sync>;

/// What the UI thread asks of the runtime (the engine's I/O effects).
#[derive(Debug)]
pub enum Command {
    Submit(NewSubmission),
    Print(ReceiptRequest),
    Audit(AuditEvent),
    /// Staff: print the kept receipt of a submission number again.
    Reprint(String),
    Staff(StaffRequest),
    Query(crate::engine::CaseQuery),
    FetchSlots(String),
}

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    pub config: Config,
    pub reader_poll: Duration,
    pub printer_status_interval: Duration,
    pub backoff: Backoff,
    pub heartbeat: Duration,
    pub catalog_check: Duration,
    /// The catalog in force (set by `launch`), for the heartbeat; the updater keeps it current.
    pub catalog_status: Arc<Mutex<CatalogStatus>>,
    /// Whether upstream refuses the terminal (set by the sync worker; staff and heartbeat read it).
    pub link: crate::sync::LinkStatus,
    /// Restarts of the supervised background tasks (staff and heartbeat read them).
    pub restarts: super::supervision::Restarts,
    /// How often the store is probed with a small write (see `probe_store`).
    pub store_probe: Duration,
    /// A device task whose loop has not turned for this long is stuck (a write the line never
    /// takes): it is aborted, its port closed and reopened, and the restart counted. Longer than
    /// any step a driver takes (a print job is cut at 30 s, a status query at 2 s).
    pub device_stall: Duration,
    /// Set when the terminal has no usable configuration: nothing is opened, the screen says
    /// this (with the hardware id) until a technician provisions the terminal.
    pub not_configured: Option<String>,
    /// Every submission is marked as a test (`onetrip burn-in`).
    pub test_submissions: bool,
}

impl RuntimeOptions {
    pub fn new(config: Config) -> RuntimeOptions {
        RuntimeOptions {
            reader_poll: Duration::from_millis(300),
            printer_status_interval: Duration::from_secs(2),
            backoff: Backoff::default(),
            heartbeat: Duration::from_secs(config.upstream.heartbeat_secs),
            catalog_check: Duration::from_secs(config.catalog.check_secs),
            catalog_status: Arc::new(Mutex::new(CatalogStatus {
                version: String::new(),
                origin: crate::catalog::active::Origin::Shipped,
                last_rejection: None,
            })),
            config,
            link: Default::default(),
            restarts: Default::default(),
            store_probe: Duration::from_secs(60),
            device_stall: Duration::from_secs(120),
            not_configured: None,
            test_submissions: false,
        }
    }
}

/// Hands the engine's I/O effects to the runtime; returns true when the session was wiped (the
/// caller clears whatever it shows).
pub fn carry_out_effects(
    engine: &mut crate::engine::Engine,
    commands: &mpsc::UnboundedSender<Command>,
) -> bool {
    let mut wiped = false;
    while let Some(effect) = engine.poll_effect() {
        let cmd = match effect {
            crate::engine::Effect::WipeSession => {
                wiped = true;
                continue;
            }
            crate::engine::Effect::Submit(s) => Command::Submit(s),
            crate::engine::Effect::Print(r) => Command::Print(r),
            crate::engine::Effect::Audit(a) => Command::Audit(a),
            crate::engine::Effect::Staff(r) => Command::Staff(r),
            crate::engine::Effect::Query(q) => Command::Query(q),
            crate::engine::Effect::FetchSlots { item_code } => Command::FetchSlots(item_code),
        };
        if commands.send(cmd).is_err() {
            tracing::error!("runtime is gone; effect dropped");
        }
    }
    wiped
}

/// Whether the store could be opened (the terminal is READY for systemd only once this is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreState {
    Opening,
    Open,
    /// Out of service; the reason is for staff and the technician.
    Unusable(String),
}

/// Handle to the running tokio half.
#[derive(Clone)]
pub struct Runtime {
    pub commands: mpsc::UnboundedSender<Command>,
    pub store_state: tokio::sync::watch::Receiver<StoreState>,
}

impl Runtime {
    /// Starts everything on `handle`; returns at once.
    pub fn start(
        options: RuntimeOptions,
        handle: &tokio::runtime::Handle,
        sink: UiSink,
    ) -> Runtime {
        let (tx, rx) = mpsc::unbounded_channel();
        let (state_tx, store_state) = tokio::sync::watch::channel(StoreState::Opening);
        handle.spawn(main_loop(options, sink, rx, state_tx));
        Runtime {
            commands: tx,
            store_state,
        }
    }
}

fn applicant_payload(s: &NewSubmission) -> serde_json::Value {
    let id = &s.identity;
    let answers: serde_json::Map<String, serde_json::Value> = s
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::json!({
        "language": if s.english { "en" } else { "zh" },
        "answers": answers,
        "applicant": {
            "card_type": id.card_type,
            "name": id.name,
            "english_name": id.english_name,
            "sex": id.sex,
            "nation": id.nation,
            "birth_date": id.birth_date.map(|d| d.to_string()),
            "address": id.address,
            "id_number": id.id_number,
            "id_number_valid": id.id_number_valid,
            "nationality": id.nationality,
        }
    })
}

async fn main_loop(
    options: RuntimeOptions,
    sink: UiSink,
    mut commands: mpsc::UnboundedReceiver<Command>,
    store_state: tokio::sync::watch::Sender<StoreState>,
) {
    if let Some(reason) = options.not_configured.clone() {
        tracing::warn!("terminal not configured: out of service until provisioned");
        let _ = store_state.send(StoreState::Unusable("not configured".into()));
        sink(UiMessage::Engine(Event::Availability(
            crate::engine::Availability::OutOfService(reason),
        )));
        // Nothing to open, nothing to deliver: only wait for the kiosk to stop.
        while commands.recv().await.is_some() {}
        return;
    }
    let cfg = options.config.clone();
    let mut devices = Devices::default();
    devices.register(DeviceKind::IdCard, cfg.devices.id_card.required);
    devices.register(DeviceKind::Printer, cfg.devices.printer.required);

    let data_dir: PathBuf = cfg.data.dir.clone();
    // Why the store cannot be used, for the staff screen (the citizen sees the plain sentence).
    let mut store_error: Option<String> = None;
    let store = match tokio::task::spawn_blocking(move || Store::open(&data_dir)).await {
        Ok(Ok(store)) => {
            let cap = u64::from(cfg.data.max_store_mb) * 1024 * 1024;
            if let Err(e) = store.limit_size(cap) {
                tracing::warn!(error = %e, "store size limit not set");
            }
            Some(StoreHandle::spawn(store))
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "store unusable: terminal out of service");
            devices.set_store_problem(Some("本地存储无法使用，请联系工作人员".into()));
            store_error = Some(e.to_string());
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "store task failed");
            devices.set_store_problem(Some("本地存储无法使用，请联系工作人员".into()));
            store_error = Some(e.to_string());
            None
        }
    };

    let _ = store_state.send(match &store_error {
        None => StoreState::Open,
        Some(e) => StoreState::Unusable(e.clone()),
    });
    let wake = Arc::new(Notify::new());
    // Store writes that fail after start-up (disk full, read-only, I/O errors), and the probe's
    // verdicts: the loop below takes the terminal out of service and back.
    let (store_faults, mut store_fault_rx) = mpsc::unbounded_channel::<StoreVerdict>();
    let mut store_fault: Option<&'static str> = None;
    if let Some(store) = &store {
        let (store, every, faults) = (store.clone(), options.store_probe, store_faults.clone());
        supervise("store_probe", options.restarts.clone(), move || {
            probe_store(store.clone(), every, faults.clone())
        });
    }
    let links = Links {
        wake: wake.clone(),
        store_faults: store_faults.clone(),
        test_submissions: options.test_submissions,
    };
    if let Some(store) = &store {
        // The PIN pad's lockout survives a restart (a power cycle is not five more guesses).
        if let Ok(Ok(Some(kept))) = store.call(|s| s.setting(PIN_GUARD_SETTING)).await {
            match serde_json::from_str::<PinGuardKept>(&kept) {
                Ok(k) => sink(UiMessage::Engine(Event::PinGuardRestored(k.now()))),
                Err(e) => tracing::warn!(error = %e, "kept PIN lockout unreadable; ignored"),
            }
        }
        // "Most used here" starts from what this terminal has counted so far.
        let s = store.clone();
        if let Ok(Ok(counts)) = s.call(|s| s.counters_with_prefix(ITEM_COUNTER)).await {
            let usage = counts
                .into_iter()
                .map(|(k, v)| (k, v.max(0) as u64))
                .collect();
            sink(UiMessage::Engine(Event::UsageCounts(usage)));
        }
    }
    // One client for everything upstream: its connection pool and TLS setup are shared.
    let client = match UpstreamClient::new(&cfg.upstream) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the upstream client");
            None
        }
    };
    if let Some(client) = client.clone() {
        let deliver_to = sink.clone();
        let updater = CatalogUpdater {
            client,
            data_dir: cfg.data.dir.clone(),
            key: cfg.catalog.key(),
            capabilities: cfg.terminal.capabilities.clone(),
            status: options.catalog_status.clone(),
            deliver: Arc::new(move |c| deliver_to(UiMessage::Engine(Event::CatalogUpdated(c)))),
        };
        if updater.key.is_some() {
            let every = options.catalog_check;
            supervise("catalog", options.restarts.clone(), move || {
                updater.clone().run(every)
            });
        } else {
            tracing::warn!("no catalog.public_key configured: catalog updates are off");
        }
    }
    if let (Some(fleet), Some(controller_id)) = (&cfg.fleet, cfg.fleet_controller_id()) {
        let installer = crate::sync::fleet::Installer::default();
        match crate::sync::fleet::FleetClient::new(
            fleet,
            &controller_id,
            &cfg.data.dir.join("fleet"),
            installer,
        ) {
            Ok(f) => {
                supervise("fleet", options.restarts.clone(), move || f.clone().run());
            }
            Err(e) => tracing::error!(error = %e, "fleet updates are off"),
        }
    }
    if let Some(store) = &store {
        if let Some(client) = client.clone() {
            let worker = SyncWorker {
                store: store.clone(),
                clock: crate::sync::worker::system_clock(),
                client,
                wake: wake.clone(),
                backoff: options.backoff,
                batch: 64,
                link: options.link.clone(),
            };
            // One send lasts at most request_timeout_secs (≤ 10 min) and no wait is longer than
            // a minute: a worker without a step for 15 min is stuck, not slow.
            supervise_watched(
                "sync",
                options.restarts.clone(),
                Duration::from_secs(15 * 60),
                move |pulse| worker.clone().run_with(pulse),
            );
        }
        // Retention: personal data of undeliverable submissions does not stay for ever.
        let store = store.clone();
        let retention_ms = retention_ms(&cfg);
        supervise("retention", options.restarts.clone(), move || {
            retention(store.clone(), retention_ms)
        });
    }

    let (id_tx, mut id_rx) = mpsc::channel(16);
    // Every device task is watched: restarted after a panic or a stall, each restart counted
    // for staff and the heartbeat beside the background tasks'.
    let supervision = onetrip_drivers::supervisor::Supervision {
        policy: onetrip_drivers::supervisor::Policy::device(Some(options.device_stall)),
        on_restart: options.restarts.counter(),
    };
    let mut reader_cfg = ReaderConfig::new(&cfg.devices.id_card.path, cfg.devices.id_card.baud);
    reader_cfg.poll_interval = options.reader_poll;
    reader_cfg.supervision = supervision.clone();
    // Recording device I/O: only with an expiry in the configuration, said in the log and on the
    // staff screen while it runs.
    let recording = cfg.devices.recording_until();
    match (&recording, &cfg.devices.record_dir) {
        (Some((dir, until)), _) => {
            tracing::warn!(dir = %dir.display(), until = %until, "device I/O is being recorded (card data withheld)");
            devices.set_recording(Some(until.format("%Y-%m-%d %H:%M").to_string()));
        }
        (None, Some(_)) => {
            tracing::warn!("devices.record_until has passed: device I/O is not recorded")
        }
        (None, None) => {}
    }
    let recorder = |device: &'static str| {
        recording.as_ref().and_then(|(dir, until)| {
            onetrip_drivers::record::Recorder::in_dir(dir, device, (*until).into())
        })
    };
    if let Some(r) = recorder("id_card") {
        reader_cfg.record = Some(r);
    }
    reader::spawn(reader_cfg, id_tx);

    let (pr_tx, mut pr_rx) = mpsc::channel(16);
    let mut printer_cfg = PrinterConfig::new(&cfg.devices.printer.path, cfg.devices.printer.baud);
    printer_cfg.status_interval = options.printer_status_interval;
    printer_cfg.automatic_status_back = cfg.devices.printer.automatic_status_back;
    printer_cfg.supervision = supervision.clone();
    if let Some(r) = recorder("printer") {
        printer_cfg.record = Some(r);
    }
    let printer = printer_task::spawn(printer_cfg, pr_tx);

    let (sc_tx, mut sc_rx) = mpsc::channel(16);
    let _scanner = cfg.devices.scanner.as_ref().map(|sc| {
        devices.register(DeviceKind::Scanner, sc.required);
        let mut scanner_cfg = ScannerConfig::new(&sc.path, sc.baud);
        scanner_cfg.trigger = cfg.scanner_trigger();
        scanner_cfg.supervision = supervision.clone();
        if let Some(r) = recorder("scanner") {
            scanner_cfg.record = Some(r);
        }
        scanner::spawn(scanner_cfg, sc_tx.clone())
    });
    drop(sc_tx);

    let (health_tx, health_rx) = tokio::sync::watch::channel(devices.snapshot());
    if let Some(store) = &store {
        if let Some(client) = client.clone() {
            let heartbeat = crate::sync::heartbeat::Heartbeat {
                client,
                store: store.clone(),
                catalog: options.catalog_status.clone(),
                link: options.link.clone(),
                restarts: options.restarts.clone(),
                devices: health_rx,
                terminal_id: cfg.terminal.id.clone(),
                every: options.heartbeat,
                retention_ms: retention_ms(&cfg),
            };
            supervise("heartbeat", options.restarts.clone(), move || {
                heartbeat.clone().run()
            });
        }
    }

    let mut published = devices.availability();
    sink(UiMessage::Engine(Event::Availability(published.clone())));

    loop {
        tokio::select! {
            ev = id_rx.recv() => match ev {
                None => break,
                Some(IdCardEvent::Status(s)) => devices.update(DeviceKind::IdCard, s),
                Some(IdCardEvent::CardDetected) => sink(UiMessage::Engine(Event::CardDetected)),
                Some(IdCardEvent::CardPresented(id)) => sink(UiMessage::Engine(Event::CardPresented(id))),
                Some(IdCardEvent::CardRemoved) => sink(UiMessage::Engine(Event::CardRemoved)),
                Some(IdCardEvent::ReadFailed(e)) => sink(UiMessage::Engine(Event::CardReadFailed(e.to_string()))),
            },
            ev = pr_rx.recv() => match ev {
                None => break,
                Some(PrinterEvent::Status(s)) => devices.update(DeviceKind::Printer, s),
                Some(PrinterEvent::Printed { .. }) => {}
            },
            // Disabled once the channel closes (no scanner configured).
            Some(ev) = sc_rx.recv() => match ev {
                ScannerEvent::Status(s) => devices.update(DeviceKind::Scanner, s),
                ScannerEvent::Scanned(scan) => {
                    // Never logged: a code may carry personal data.
                    let event = match scan.text.as_deref().and_then(|t| receipt_number(&cfg.upstream.tracking_url, t)) {
                        Some(number) => Event::ReceiptScanned(number),
                        None => Event::UnknownCodeScanned,
                    };
                    sink(UiMessage::Engine(event));
                }
            },
            cmd = commands.recv() => match cmd {
                None => break,
                Some(Command::Staff(StaffRequest::Report)) => {
                    let mut lines = devices.staff_lines();
                    if let Some(r) = options.restarts.for_staff() {
                        lines.push(("后台任务".into(), r));
                    }
                    let problem = store_error.clone().or(store_fault.map(str::to_string));
                    let report = staff_report(lines, problem, store.clone(), options.catalog_status.clone(), options.link.refused(), retention_ms(&cfg));
                    let sink = sink.clone();
                    tokio::spawn(async move {
                        let report = report.await;
                        sink(UiMessage::Engine(Event::StaffReport(Box::new(report))));
                    });
                }
                Some(Command::Staff(StaffRequest::Reprint(number))) => {
                    execute(Command::Reprint(number), &cfg, store.clone(), &printer, client.clone(), &links, sink.clone())
                }
                Some(Command::Staff(StaffRequest::Requeue(number))) => {
                    let (store, sink, wake) = (store.clone(), sink.clone(), wake.clone());
                    tokio::spawn(async move {
                        let notice = requeue(store, number).await;
                        wake.notify_one();
                        sink(UiMessage::Engine(Event::StaffNotice(notice)));
                    });
                }
                Some(Command::Staff(StaffRequest::SavePinGuard(state))) => {
                    if let Some(store) = &store {
                        let kept = serde_json::to_string(&PinGuardKept::from(state)).unwrap_or_default();
                        store.post(move |s| {
                            if let Err(e) = s.set_setting(PIN_GUARD_SETTING, &kept) {
                                tracing::error!(error = %e, "PIN lockout not kept");
                            }
                        });
                    }
                }
                Some(Command::Staff(StaffRequest::PaperReplaced)) => {
                    if let Some(store) = &store {
                        store.post(|s| {
                            if let Err(e) = s.set_counter("paper_mm", 0) {
                                tracing::error!(error = %e, "counter write failed");
                            }
                        });
                    }
                }
                Some(cmd) => execute(cmd, &cfg, store.clone(), &printer, client.clone(), &links, sink.clone()),
            },
            Some(verdict) = store_fault_rx.recv() => match verdict {
                Err(words) if store_fault != Some(words) => {
                    tracing::error!(problem = words, "the store cannot take writes: out of service");
                    store_fault = Some(words);
                    devices.set_store_problem(Some(format!("{words}，请联系工作人员")));
                }
                Ok(()) if store_fault.is_some() => {
                    tracing::warn!("the store takes writes again: back in service");
                    store_fault = None;
                    devices.set_store_problem(None);
                }
                _ => {}
            },
        }
        let now = devices.availability();
        if now != published {
            tracing::info!(availability = ?now, "terminal availability changed");
            published = now.clone();
            sink(UiMessage::Engine(Event::Availability(now)));
        }
        let health_changed = health_tx.send_if_modified(|h| {
            let now = devices.snapshot();
            let changed = *h != now;
            *h = now;
            changed
        });
        if health_changed {
            keep_health_for_technician(&health_tx.borrow(), &published);
        }
    }
}

/// Under systemd (RuntimeDirectory=onetrip) the latest device health goes to a file in RAM that
/// `onetrip logs` copies into the technician's bundle.
fn keep_health_for_technician(
    devices: &serde_json::Value,
    availability: &crate::engine::Availability,
) {
    let Some(dir) = std::env::var_os("RUNTIME_DIRECTORY") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let body = serde_json::json!({
        "at_ms": crate::store::now_ms(),
        "availability": format!("{availability:?}"),
        "devices": devices,
    });
    let tmp = dir.join("health.json.tmp");
    let written = std::fs::write(&tmp, body.to_string())
        .and_then(|()| std::fs::rename(&tmp, dir.join("health.json")));
    if let Err(e) = written {
        tracing::debug!(error = %e, "device health not kept for the technician");
    }
}

/// Gathers the staff screen's figures: devices (already in words), the store, the queue, the
/// receipts that did not print, counters and the catalog.
async fn staff_report(
    devices: Vec<(String, String)>,
    store_error: Option<String>,
    store: Option<StoreHandle>,
    catalog: Arc<Mutex<CatalogStatus>>,
    refused: Option<crate::sync::link::Refused>,
    retention_ms: i64,
) -> StaffReport {
    let catalog = catalog.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut report = StaffReport {
        devices,
        store_problem: store_error,
        catalog: format!(
            "{}（{}）",
            catalog.version,
            match catalog.origin {
                crate::catalog::active::Origin::Shipped => "出厂目录",
                crate::catalog::active::Origin::Update { .. } => "已更新",
            }
        ),
        catalog_problem: catalog.last_rejection,
        delivery_problem: refused.map(|r| r.for_staff()),
        ..StaffReport::default()
    };
    let Some(store) = store else {
        return report;
    };
    let gathered = store
        .call(move |s| {
            let q = s.queue_counts()?;
            let expiring = s.expiring(crate::store::now_ms(), retention_ms, EXPIRY_WARNING_MS)?;
            Ok::<_, crate::store::StoreError>((
                q,
                expiring,
                s.rejected_submissions(20)?,
                s.unprinted_receipts()?,
                s.counter("receipts_printed")?,
                s.counter("paper_mm")?,
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

/// The submission number in a scanned receipt QR code (the tracking URL), or a bare number.
pub fn receipt_number(tracking_url: &str, scanned: &str) -> Option<String> {
    let scanned = scanned.trim();
    let (prefix, suffix) = tracking_url.split_once("{number}")?;
    let number = scanned
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or(scanned);
    let (terminal, seq) = number.rsplit_once('-')?;
    let well_formed = !terminal.is_empty()
        && terminal.len() <= 32
        && terminal
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && seq.len() == 6
        && seq.chars().all(|c| c.is_ascii_digit());
    well_formed.then(|| number.to_string())
}

/// Staff asked to send a rejected submission again: the outcome in words.
async fn requeue(store: Option<StoreHandle>, number: String) -> String {
    let Some(store) = store else {
        return "本地存储不可用，无法重新发送".into();
    };
    let n = number.clone();
    match store.call(move |s| s.requeue(&n, "staff")).await {
        Ok(Ok(crate::store::Requeued::Queued)) => {
            tracing::info!(%number, "rejected submission requeued by staff");
            format!("{number} 已重新排队发送")
        }
        Ok(Ok(crate::store::Requeued::Purged)) => {
            format!("{number} 的申请内容已按保存期限清除，无法重新发送")
        }
        Ok(Ok(crate::store::Requeued::NotRejected)) => format!("{number} 不在被拒收之列"),
        Ok(Ok(crate::store::Requeued::Unknown)) => format!("没有编号为 {number} 的申请"),
        Ok(Err(e)) => format!("{number} 重新发送失败：{e}"),
        Err(e) => format!("{number} 重新发送失败：{e}"),
    }
}

/// Carries out one effect without blocking the loop (a print job takes seconds).
fn execute(
    cmd: Command,
    cfg: &Config,
    store: Option<StoreHandle>,
    printer: &PrinterHandle,
    client: Option<UpstreamClient>,
    links: &Links,
    sink: UiSink,
) {
    match cmd {
        Command::Submit(submission) => {
            let terminal = cfg.terminal.id.clone();
            let wake = links.wake.clone();
            let faults = links.store_faults.clone();
            let test = links.test_submissions;
            tokio::spawn(async move {
                let result: Result<StoredSubmission, String> = match store {
                    None => Err("store unavailable".into()),
                    Some(store) => {
                        let mut payload = applicant_payload(&submission);
                        if test {
                            payload["test"] = serde_json::Value::Bool(true);
                        }
                        let item = submission.item_code.clone();
                        let kind = submission.kind;
                        match store
                            .call(move |s| s.insert_submission(&terminal, kind, &item, &payload))
                            .await
                        {
                            Ok(Ok(s)) => Ok(s),
                            Ok(Err(e)) => {
                                let _ = faults.send(Err(e.in_words()));
                                Err(e.to_string())
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                };
                match &result {
                    Ok(s) => tracing::info!(submission = %s.id, "submission committed"),
                    Err(e) => tracing::error!(error = %e, "submission NOT committed"),
                }
                sink(UiMessage::Engine(Event::Stored(result)));
                wake.notify_one();
            });
        }
        Command::Print(request) => {
            let job = PrintJob::new(cfg, printer);
            tokio::spawn(async move {
                let result = job.print(&request, store).await;
                sink(UiMessage::Engine(Event::Printed(result)));
            });
        }
        Command::Reprint(number) => {
            let job = PrintJob::new(cfg, printer);
            tokio::spawn(async move {
                let result = match store.clone() {
                    None => Err("store unavailable".to_string()),
                    Some(s) => {
                        let n = number.clone();
                        let kept = s
                            .call(move |s| s.receipt(&n))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()));
                        match kept {
                            Ok(Some(request)) => job.print(&request, store).await,
                            Ok(None) => Err(format!("no receipt kept for {number}")),
                            Err(e) => Err(e),
                        }
                    }
                };
                sink(UiMessage::Reprinted { number, result });
            });
        }
        // Handled in the main loop, which holds the device states.
        Command::Staff(_) => {}
        Command::FetchSlots(item_code) => {
            tokio::spawn(async move {
                let outcome = match client {
                    None => SlotsOutcome::Offline,
                    Some(client) => match client.appointment_slots(&item_code).await {
                        Ok(offered) => offered,
                        Err(e) => {
                            tracing::warn!(item = %item_code, error = %e, "appointment slots unavailable");
                            SlotsOutcome::Offline
                        }
                    },
                };
                sink(UiMessage::Engine(Event::Slots(outcome)));
            });
        }
        Command::Query(q) => {
            tokio::spawn(async move {
                let outcome = match client {
                    None => QueryOutcome::Offline,
                    Some(client) => match client.query_case(&q).await {
                        Ok(outcome) => outcome,
                        Err(e) => {
                            tracing::warn!(item = %q.item_code, error = %e, "case query failed");
                            QueryOutcome::Offline
                        }
                    },
                };
                sink(UiMessage::Engine(Event::QueryResult(outcome)));
            });
        }
        Command::Audit(event) => {
            // Posted at once, on this thread: rows commit in the order the engine emitted them.
            if let Some(store) = store {
                let faults = links.store_faults.clone();
                store.post(move |store| {
                    let (name, detail) = audit_record(&event);
                    if let Err(e) = store.audit(audit_actor(&event), name, &detail) {
                        tracing::error!(error = %e, "audit write failed");
                        let _ = faults.send(Err(e.in_words()));
                    }
                    if let AuditEvent::ItemStarted { item_code } = &event {
                        if let Err(e) = store.bump_counter(&format!("{ITEM_COUNTER}{item_code}"), 1)
                        {
                            tracing::error!(error = %e, "counter write failed");
                        }
                    }
                });
            }
        }
    }
}

/// Lays out, encodes and prints one receipt, then keeps it (masked) and counts the paper.
struct PrintJob {
    hall_zh: String,
    hall_en: String,
    tracking: String,
    width: onetrip_drivers::printer::PaperWidth,
    printer: PrinterHandle,
}

impl PrintJob {
    fn new(cfg: &Config, printer: &PrinterHandle) -> PrintJob {
        PrintJob {
            hall_zh: cfg.terminal.hall.clone(),
            hall_en: cfg
                .terminal
                .hall_en
                .clone()
                .unwrap_or_else(|| cfg.terminal.hall.clone()),
            tracking: cfg.upstream.tracking_url.clone(),
            width: cfg.paper_width(),
            printer: printer.clone(),
        }
    }

    async fn print(
        &self,
        request: &ReceiptRequest,
        store: Option<StoreHandle>,
    ) -> Result<(), String> {
        let when = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        let hall = if request.english {
            &self.hall_en
        } else {
            &self.hall_zh
        };
        let doc = Receipt {
            hall,
            request,
            when: &when,
            tracking_url: &self.tracking,
            width: self.width,
        }
        .layout();
        let lines = doc
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Text { .. }))
            .count() as i64;
        let result = match commands::encode(&doc) {
            Ok(bytes) => self.printer.print(bytes).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let id = &request.submission.id;
        match &result {
            Ok(()) => tracing::info!(submission = %id, "receipt printed"),
            Err(e) => tracing::warn!(submission = %id, error = %e, "receipt not printed"),
        }
        if let Some(store) = store {
            let printed = result.is_ok();
            let request = request.clone();
            let _ = store
                .call(move |s| {
                    // A guide has no submission: nothing to keep for a reprint.
                    let kept = if request.submission.number.is_empty() {
                        Ok(())
                    } else {
                        s.save_receipt(&request, printed)
                    };
                    if let Err(e) = kept {
                        tracing::error!(error = %e, "receipt not kept for reprint");
                    }
                    if printed {
                        let _ = s.bump_counter("receipts_printed", 1);
                        let _ = s.bump_counter("paper_lines", lines);
                        // 24-dot font plus spacing at 8 dots/mm ≈ 3.75 mm a line, plus the QR code
                        // and the cut margin.
                        let _ = s.bump_counter("paper_mm", (lines as f64 * 3.75) as i64 + 45);
                    }
                })
                .await;
        }
        result
    }
}

/// Who did it: station staff at their screen, the terminal itself, or the citizen.
fn audit_actor(e: &AuditEvent) -> &'static str {
    match e {
        AuditEvent::StaffLogin { .. }
        | AuditEvent::StaffLockedOut { .. }
        | AuditEvent::StaffLogout { .. }
        | AuditEvent::StaffReprint { .. }
        | AuditEvent::StaffRequeue { .. }
        | AuditEvent::StaffPaperReplaced => "staff",
        AuditEvent::CatalogSwapped { .. } => "terminal",
        _ => "citizen",
    }
}

/// (event name, detail): ids and codes only.
fn audit_record(e: &AuditEvent) -> (&'static str, String) {
    match e {
        AuditEvent::SessionStarted { card_type } => ("session_started", card_type.clone()),
        AuditEvent::CardForBrowsing { card_type } => ("card_for_browsing", card_type.clone()),
        AuditEvent::ItemChosen { item_code } => ("item_chosen", item_code.clone()),
        AuditEvent::ItemStarted { item_code } => ("item_started", item_code.clone()),
        AuditEvent::CatalogSwapped { version } => ("catalog_swapped", version.clone()),
        AuditEvent::StaffLogin { ok } => (
            if *ok {
                "staff_login"
            } else {
                "staff_login_failed"
            },
            String::new(),
        ),
        AuditEvent::StaffLockedOut { minutes } => ("staff_locked_out", format!("{minutes} min")),
        AuditEvent::StaffLogout { idle } => (
            if *idle {
                "staff_idle_logout"
            } else {
                "staff_logout"
            },
            String::new(),
        ),
        AuditEvent::StaffReprint { number } => ("staff_reprint", number.clone()),
        AuditEvent::StaffRequeue { number } => ("staff_requeue", number.clone()),
        AuditEvent::StaffPaperReplaced => ("staff_paper_replaced", String::new()),
        AuditEvent::Journal(step) => ("journal", step.to_detail()),
        AuditEvent::Submitted { submission_id } => ("submitted", submission_id.clone()),
        AuditEvent::ReceiptPrinted { submission_id } => ("receipt_printed", submission_id.clone()),
        AuditEvent::ReceiptFailed {
            submission_id,
            reason,
        } => ("receipt_failed", format!("{submission_id} {reason}")),
        AuditEvent::SessionEnded { reason } => ("session_ended", reason.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::receipt_number;

    #[test]
    fn receipt_numbers_from_scans() {
        let url = "https://t.example.invalid/s/{number}";
        assert_eq!(
            receipt_number(url, "https://t.example.invalid/s/HZXH-0001-000007").as_deref(),
            Some("HZXH-0001-000007")
        );
        assert_eq!(
            receipt_number(url, "HZXH-0001-000007\r").as_deref(),
            Some("HZXH-0001-000007")
        );
        assert_eq!(
            receipt_number(url, "https://other.example/s/HZXH-0001-000007").as_deref(),
            None
        );
        assert_eq!(receipt_number(url, "https://t.example.invalid/s/x"), None);
        assert_eq!(receipt_number(url, "6901234567892"), None);
    }
}
