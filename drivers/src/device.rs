//! The one device model shared by every driver (after CEN/XFS and XFS4IoT, kept small).

use serde::Serialize;

/// Which device a status or event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    IdCard,
    Printer,
    Scanner,
}

impl DeviceKind {
    /// Plain Chinese name for staff and citizens.
    pub fn name_zh(self) -> &'static str {
        match self {
            DeviceKind::IdCard => "身份证阅读器",
            DeviceKind::Printer => "回执打印机",
            DeviceKind::Scanner => "扫码器",
        }
    }
}

/// The device state proper, apart from media and supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    /// Answering and ready for work.
    Online,
    /// Working on a command (a read, a print job).
    Busy,
    /// The port is gone or the device does not answer.
    Offline,
    /// Another process holds the port: the device may be fine.
    PortBusy,
    /// The device answers but reports a fault (SAM self-test, cutter error).
    HardwareError,
    /// Not configured on this terminal.
    NoDevice,
}

/// Paper supply of a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperLevel {
    Full,
    Low,
    Out,
    Unknown,
}

/// Everything a driver reports about its device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceStatus {
    pub state: DeviceState,
    /// One line for staff when something is wrong (no personal data).
    pub detail: Option<String>,
    /// Printers only.
    pub paper: Option<PaperLevel>,
    /// Printers only.
    pub cover_open: bool,
}

impl DeviceStatus {
    pub fn new(state: DeviceState) -> Self {
        DeviceStatus {
            state,
            detail: None,
            paper: None,
            cover_open: false,
        }
    }

    pub fn with_detail(state: DeviceState, detail: impl Into<String>) -> Self {
        DeviceStatus {
            detail: Some(detail.into()),
            ..DeviceStatus::new(state)
        }
    }

    /// Ready to serve a citizen: answering, and (for a printer) paper in and the cover shut.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, DeviceState::Online | DeviceState::Busy)
            && self.paper != Some(PaperLevel::Out)
            && !self.cover_open
    }

    /// Why the device is not ready, in plain Chinese; `None` when it is.
    pub fn problem_zh(&self) -> Option<String> {
        if self.is_ready() {
            return None;
        }
        Some(
            match self.state {
                DeviceState::Offline => "未连接或无响应",
                DeviceState::PortBusy => "串口被其他程序占用",
                DeviceState::HardwareError => "硬件故障",
                DeviceState::NoDevice => "未配置",
                DeviceState::Online | DeviceState::Busy if self.cover_open => "机盖打开",
                DeviceState::Online | DeviceState::Busy => "缺纸",
            }
            .to_string(),
        )
    }
}
