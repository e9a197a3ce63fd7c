//! The scanner task: owns the port, frames and decodes scans, triggers the scanner on request,
//! reconnects by itself. A scanner has no status query: it is online while its port is open.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use super::decode::{decode_scan, Scan};
use super::framing::Framer;
use crate::device::{DeviceState, DeviceStatus};
use crate::port;

/// How the host starts and stops a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerMode {
    /// The scanner reads whatever is presented.
    Continuous,
    /// Honeywell serial trigger: `SYN T CR` on, `SYN U CR` off.
    Honeywell,
    /// Other makes: the configured bytes.
    Raw { on: Vec<u8>, off: Vec<u8> },
}

pub const HONEYWELL_ON: [u8; 3] = [0x16, 0x54, 0x0D];
pub const HONEYWELL_OFF: [u8; 3] = [0x16, 0x55, 0x0D];

impl TriggerMode {
    pub fn bytes(&self, on: bool) -> Option<Vec<u8>> {
        match (self, on) {
            (TriggerMode::Continuous, _) => None,
            (TriggerMode::Honeywell, true) => Some(HONEYWELL_ON.to_vec()),
            (TriggerMode::Honeywell, false) => Some(HONEYWELL_OFF.to_vec()),
            (TriggerMode::Raw { on: b, .. }, true) => Some(b.clone()),
            (TriggerMode::Raw { off: b, .. }, false) => Some(b.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScannerConfig {
    pub path: PathBuf,
    pub baud: u32,
    /// Silence after which pending bytes are a complete scan (scanners without a suffix).
    pub gap: Duration,
    pub trigger: TriggerMode,
    /// Record every byte exchanged (see [`crate::record`]).
    pub record: Option<crate::record::Recorder>,
    /// Restarted after a panic, or when its loop has not turned for the stall time (it turns at
    /// least every [`IDLE_BEAT`], scans or not).
    pub supervision: crate::supervisor::Supervision,
}

/// An idle scanner's loop still turns this often, so the watchdog can tell idle from stuck.
pub const IDLE_BEAT: Duration = Duration::from_secs(5);

impl ScannerConfig {
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> ScannerConfig {
        ScannerConfig {
            path: path.into(),
            baud,
            gap: Duration::from_millis(80),
            trigger: TriggerMode::Continuous,
            record: None,
            supervision: Default::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum ScannerEvent {
    Status(DeviceStatus),
    Scanned(Scan),
}

#[derive(Clone)]
pub struct ScannerHandle {
    tx: mpsc::Sender<bool>,
}

impl ScannerHandle {
    /// Starts (`true`) or stops a host-triggered scan; no-op in continuous mode.
    pub async fn trigger(&self, on: bool) {
        let _ = self.tx.send(on).await;
    }
}

pub fn spawn(config: ScannerConfig, events: mpsc::Sender<ScannerEvent>) -> ScannerHandle {
    let (tx, rx) = mpsc::channel(4);
    let triggers = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
    config.supervision.clone().spawn("scanner", move |pulse| {
        run(config.clone(), triggers.clone(), events.clone(), pulse)
    });
    ScannerHandle { tx }
}

async fn run(
    config: ScannerConfig,
    triggers: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<bool>>>,
    events: mpsc::Sender<ScannerEvent>,
    pulse: crate::supervisor::Pulse,
) {
    let mut triggers = triggers.lock().await;
    // A quarter of the stall time at most, so an idle scanner is never taken for a stuck one.
    let idle_beat = config
        .supervision
        .policy
        .stall_after
        .map_or(IDLE_BEAT, |s| (s / 4).min(IDLE_BEAT));
    let mut last: Option<DeviceStatus> = None;
    let mut reopen = port::Reopen::default();
    macro_rules! report {
        ($s:expr) => {{
            let s: DeviceStatus = $s;
            if last.as_ref() != Some(&s) {
                tracing::info!(device = "scanner", state = ?s.state, detail = ?s.detail, "status");
                last = Some(s.clone());
                if events.send(ScannerEvent::Status(s)).await.is_err() {
                    return;
                }
            }
        }};
    }
    loop {
        pulse.beat();
        let mut io = match port::open(&config.path, config.baud) {
            Ok(io) => crate::record::Recorded::new(io, config.record.clone()),
            Err(e) => {
                report!(DeviceStatus::with_detail(e.device_state(), e.to_string()));
                tokio::time::sleep(reopen.failed(&e)).await;
                continue;
            }
        };
        reopen.opened();
        report!(DeviceStatus::new(DeviceState::Online));
        let mut framer = Framer::new();
        let mut buf = [0u8; 512];
        let why = loop {
            pulse.beat();
            let gap = async {
                if framer.pending() > 0 {
                    tokio::time::sleep(config.gap).await
                } else {
                    std::future::pending().await
                }
            };
            tokio::select! {
                read = io.read(&mut buf) => match read {
                    Ok(0) => break "port closed".to_string(),
                    Ok(n) => {
                        for frame in framer.push(&buf[..n]) {
                            if events.send(ScannerEvent::Scanned(decode_scan(&frame))).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => break e.to_string(),
                },
                _ = gap => {
                    if let Some(frame) = framer.gap() {
                        if events.send(ScannerEvent::Scanned(decode_scan(&frame))).await.is_err() {
                            return;
                        }
                    }
                }
                // Idle: the loop turns (and beats) anyway.
                _ = tokio::time::sleep(idle_beat) => {}
                on = triggers.recv() => match on {
                    None => return,
                    Some(on) => {
                        if let Some(bytes) = config.trigger.bytes(on) {
                            // Three bytes that do not leave in a second: the line is stuck.
                            match tokio::time::timeout(Duration::from_secs(1), io.write_all(&bytes)).await {
                                Ok(Ok(())) => {}
                                Ok(Err(e)) => break e.to_string(),
                                Err(_) => break "the scanner's line does not take the trigger".to_string(),
                            }
                        }
                    }
                },
            }
        };
        report!(DeviceStatus::with_detail(DeviceState::Offline, why));
        tokio::time::sleep(reopen.broke_off()).await;
    }
}
