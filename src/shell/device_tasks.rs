//! Opening the terminal's devices: the card reader, the printer and (if fitted) the scanner, each
//! a supervised task on its serial line, recording its I/O only while the configuration says so.
//! Their events arrive on the channels the drive loop selects on.

use onetrip_drivers::device::DeviceKind;
use onetrip_drivers::id_card::reader::{self, IdCardEvent, ReaderConfig};
use onetrip_drivers::printer::task::{self as printer_task, PrinterConfig, PrinterEvent};
use onetrip_drivers::printer::PrinterHandle;
use onetrip_drivers::record::Recorder;
use onetrip_drivers::scanner::task::{self as scanner_task, ScannerConfig, ScannerEvent};
use onetrip_drivers::supervisor::{Policy, Supervision};
use tokio::sync::mpsc;

use super::availability::Devices;
use super::options::RuntimeOptions;
use super::supervision::RestartTally;

pub struct DeviceTasks {
    pub id_card: mpsc::Receiver<IdCardEvent>,
    pub printer_events: mpsc::Receiver<PrinterEvent>,
    /// Closed at once when no scanner is configured.
    pub scanner: mpsc::Receiver<ScannerEvent>,
    pub printer: PrinterHandle,
    /// Kept so the scanner's trigger queue stays open while the runtime runs.
    _scanner: Option<scanner_task::ScannerHandle>,
}

/// Registers every configured device with `devices` and starts its task, counting its restarts
/// in `restarts`.
pub fn open(
    options: &RuntimeOptions,
    restarts: &RestartTally,
    devices: &mut Devices,
) -> DeviceTasks {
    let cfg = &options.config;
    devices.register(DeviceKind::IdCard, cfg.devices.id_card.required);
    devices.register(DeviceKind::Printer, cfg.devices.printer.required);
    // Every device task is watched: restarted after a panic or a stall, each restart counted
    // for staff and the heartbeat beside the background tasks'.
    let supervision = Supervision {
        policy: Policy::device(Some(options.device_stall)),
        on_restart: restarts.counter(),
    };
    // Recording device I/O: only with an expiry in the configuration, said in the log and on the
    // staff screen while it runs.
    let recording = cfg.devices.recording_until();
    match (&recording, &cfg.devices.record_dir) {
        (Some((dir, until)), _) => {
            tracing::warn!(dir = %dir.display(), until = %until, "device I/O is being recorded (personal data withheld)");
            devices.set_recording(Some(until.format("%Y-%m-%d %H:%M").to_string()));
        }
        (None, Some(_)) => {
            tracing::warn!("devices.record_until has passed: device I/O is not recorded")
        }
        (None, None) => {}
    }
    let recorder = |device: &'static str| {
        recording
            .as_ref()
            .and_then(|(dir, until)| Recorder::in_dir(dir, device, (*until).into()))
    };

    let (id_tx, id_card) = mpsc::channel(16);
    let mut reader_cfg = ReaderConfig::new(&cfg.devices.id_card.path, cfg.devices.id_card.baud);
    reader_cfg.poll_interval = options.reader_poll;
    reader_cfg.supervision = supervision.clone();
    reader_cfg.record = recorder("id_card");
    reader::spawn(reader_cfg, id_tx);

    let (pr_tx, printer_events) = mpsc::channel(16);
    let mut printer_cfg = PrinterConfig::new(&cfg.devices.printer.path, cfg.devices.printer.baud);
    printer_cfg.status_interval = options.printer_status_interval;
    printer_cfg.automatic_status_back = cfg.devices.printer.automatic_status_back;
    printer_cfg.supervision = supervision.clone();
    printer_cfg.record = recorder("printer");
    let printer = printer_task::spawn(printer_cfg, pr_tx);

    let (sc_tx, scanner) = mpsc::channel(16);
    let scanner_handle = cfg.devices.scanner.as_ref().map(|sc| {
        devices.register(DeviceKind::Scanner, sc.required);
        let mut scanner_cfg = ScannerConfig::new(&sc.path, sc.baud);
        scanner_cfg.trigger = cfg.scanner_trigger();
        scanner_cfg.supervision = supervision;
        scanner_cfg.record = recorder("scanner");
        scanner_task::spawn(scanner_cfg, sc_tx)
    });
    DeviceTasks {
        id_card,
        printer_events,
        scanner,
        printer,
        _scanner: scanner_handle,
    }
}
