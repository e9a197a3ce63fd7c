//! `onetrip device printer --port PATH [--baud N] (--status [--json] | --test-page)`

use std::path::Path;
use std::time::Duration;

use onetrip_drivers::device::{DeviceState, PaperLevel};
use onetrip_drivers::port;
use onetrip_drivers::printer::commands::encode;
use onetrip_drivers::printer::task::{query_status, QueryError};
use onetrip_drivers::printer::{Align, Block, Document};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::Failure;

pub struct Options<'a> {
    pub port: &'a Path,
    pub baud: u32,
    pub json: bool,
    pub test_page: bool,
}

fn state_name(s: DeviceState) -> &'static str {
    match s {
        DeviceState::Online => "online",
        DeviceState::Busy => "busy",
        DeviceState::Offline => "offline",
        DeviceState::PortBusy => "port_busy",
        DeviceState::HardwareError => "hardware_error",
        DeviceState::NoDevice => "no_device",
    }
}

fn paper_name(p: PaperLevel) -> &'static str {
    match p {
        PaperLevel::Full => "full",
        PaperLevel::Low => "low",
        PaperLevel::Out => "out",
        PaperLevel::Unknown => "unknown",
    }
}

/// The test page: Chinese text, a QR code and a cut.
pub fn test_page() -> Document {
    let line = |t: &str| Block::Text {
        text: t.into(),
        align: Align::Left,
        bold: false,
        large: false,
    };
    Document {
        blocks: vec![
            Block::Text {
                text: "打印机测试页".into(),
                align: Align::Center,
                bold: true,
                large: true,
            },
            line("中文：公安自助服务 打印测试"),
            line("ASCII: 0123456789 ABCDEFGHIJ abcdefghij"),
            line("------------------------------------------------"),
            Block::Qr {
                data: "ONETRIP-PRINTER-TEST".into(),
                module: 6,
            },
            line("若能看到上方二维码与本行，打印正常。"),
            Block::Cut { partial: false },
        ],
    }
}

pub async fn run(o: Options<'_>) -> Result<String, Failure> {
    let mut io = port::open(o.port, o.baud).map_err(|e| Failure::device(e.to_string()))?;
    let status = query_status(&mut io, Duration::from_millis(800))
        .await
        .map_err(|e| {
            Failure::device(match e {
                QueryError::NoAnswer => {
                    format!("{}: printer does not answer DLE EOT", o.port.display())
                }
                QueryError::Io(e) => format!("{}: {e}", o.port.display()),
                QueryError::Noise => format!(
                    "{}: {}",
                    o.port.display(),
                    onetrip_drivers::printer::task::NOISE
                ),
            })
        })?
        .to_device_status();
    if o.test_page {
        if !status.is_ready() {
            return Err(Failure::device(format!(
                "{}: not printing, {}",
                o.port.display(),
                status.detail.unwrap_or_else(|| "printer not ready".into())
            )));
        }
        let bytes = encode(&test_page()).map_err(|e| Failure::device(e.to_string()))?;
        io.write_all(&bytes)
            .await
            .map_err(|e| Failure::device(format!("{}: {e}", o.port.display())))?;
        io.flush()
            .await
            .map_err(|e| Failure::device(format!("{}: {e}", o.port.display())))?;
        let after = query_status(&mut io, Duration::from_millis(800))
            .await
            .map_err(|_| Failure::device("no status after the test page"))?
            .to_device_status();
        if !after.is_ready() {
            return Err(Failure::device(format!(
                "test page failed: {}",
                after.detail.unwrap_or_default()
            )));
        }
        return Ok("test page printed".into());
    }
    let v = json!({
        "state": state_name(status.state),
        "paper": paper_name(status.paper.unwrap_or(PaperLevel::Unknown)),
        "cover_open": status.cover_open,
    });
    if o.json {
        Ok(v.to_string())
    } else {
        Ok(format!(
            "state: {}\npaper: {}\ncover open: {}",
            v["state"].as_str().unwrap_or("?"),
            v["paper"].as_str().unwrap_or("?"),
            status.cover_open
        ))
    }
}
