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
}
