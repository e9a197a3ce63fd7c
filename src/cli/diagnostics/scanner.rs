//! `onetrip device scanner --port PATH [--baud N] [--trigger] [--timeout SECS] [--json]`:
//! prints the next scan.

use std::path::Path;
use std::time::Duration;

use onetrip_drivers::device::DeviceState;
use onetrip_drivers::scanner::task::{self as scanner, ScannerConfig, ScannerEvent, TriggerMode};
use serde_json::json;
use tokio::sync::mpsc;

use super::Failure;

pub struct Options<'a> {
    pub port: &'a Path,
    pub baud: u32,
    /// Send the Honeywell serial trigger first.
    pub trigger: bool,
    pub timeout: Duration,
    pub json: bool,
}

pub async fn run(o: Options<'_>) -> Result<String, Failure> {
    let mut cfg = ScannerConfig::new(o.port, o.baud);
    if o.trigger {
        cfg.trigger = TriggerMode::Honeywell;
    }
    let (tx, mut rx) = mpsc::channel(8);
    let handle = scanner::spawn(cfg, tx);
    let deadline = tokio::time::Instant::now() + o.timeout;
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv()).await;
        match event {
            Err(_) => {
                if o.trigger {
                    handle.trigger(false).await;
                }
                return Err(Failure::timeout(format!(
                    "no scan on {} within {} s",
                    o.port.display(),
                    o.timeout.as_secs()
                )));
            }
            Ok(None) => return Err(Failure::device("scanner task stopped")),
            Ok(Some(ScannerEvent::Status(s))) => match s.state {
                DeviceState::Online => {
                    if o.trigger {
                        handle.trigger(true).await;
                    }
                }
                _ => {
                    return Err(Failure::device(s.detail.unwrap_or_else(|| {
                        format!("{}: scanner not ready", o.port.display())
                    })))
                }
            },
            Ok(Some(ScannerEvent::Scanned(scan))) => {
                let hex: String = scan.bytes.iter().map(|b| format!("{b:02X}")).collect();
                let symbology = scan.symbology.map(|s| s.name());
                return Ok(if o.json {
                    json!({"symbology": symbology, "text": scan.text, "hex": hex}).to_string()
                } else {
                    format!(
                        "symbology: {}\ntext: {}\nhex: {hex}",
                        symbology.as_deref().unwrap_or("-"),
                        scan.text.as_deref().unwrap_or("(not text)")
                    )
                });
            }
        }
    }
}
