//! Real-time status: `DLE EOT n` (`10 04 n`) answered by one byte whose fixed bits are `0x12`.

use crate::device::{DeviceState, DeviceStatus, PaperLevel};

pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// A status byte carries fixed bits (`byte & 0x93 == 0x12`); anything else is not a status reply.
pub fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// The three replies the driver asks for before each job and when idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealTimeStatus {
    /// n = 1: printer status.
    pub printer: u8,
    /// n = 2: offline cause.
    pub offline_cause: u8,
    /// n = 4: paper roll sensor.
    pub paper: u8,
}

impl RealTimeStatus {
    pub fn offline(&self) -> bool {
        self.printer & 0x08 != 0
    }

    pub fn cover_open(&self) -> bool {
        self.offline_cause & 0x04 != 0
    }

    pub fn error(&self) -> bool {
        self.offline_cause & 0x40 != 0
    }

    pub fn paper_level(&self) -> PaperLevel {
        if self.paper & 0x60 == 0x60 || self.offline_cause & 0x20 != 0 {
            PaperLevel::Out
        } else if self.paper & 0x0C == 0x0C {
            PaperLevel::Low
        } else {
            PaperLevel::Full
        }
    }

    pub fn to_device_status(self) -> DeviceStatus {
        let paper = self.paper_level();
        let cover_open = self.cover_open();
        let (state, detail) = if self.error() {
            (
                DeviceState::HardwareError,
                Some("printer error (cutter or mechanism)"),
            )
        } else if cover_open {
            (DeviceState::Online, Some("cover open"))
        } else if paper == PaperLevel::Out {
            (DeviceState::Online, Some("paper out"))
        } else if self.offline() {
            (DeviceState::Offline, Some("printer reports offline"))
        } else {
            (DeviceState::Online, None)
        };
        DeviceStatus {
            state,
            detail: detail.map(str::to_string),
            paper: Some(paper),
            cover_open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(printer: u8, offline_cause: u8, paper: u8) -> DeviceStatus {
        RealTimeStatus {
            printer,
            offline_cause,
            paper,
        }
        .to_device_status()
    }

    #[test]
    fn all_ok() {
        let s = st(0x12, 0x12, 0x12);
        assert!(s.is_ready());
        assert_eq!(s.paper, Some(PaperLevel::Full));
    }

    #[test]
    fn research_vectors() {
        assert_eq!(st(0x12, 0x12, 0x1E).paper, Some(PaperLevel::Low));
        assert!(st(0x12, 0x12, 0x1E).is_ready());
        let out = st(0x1A, 0x32, 0x72);
        assert_eq!(out.paper, Some(PaperLevel::Out));
        assert!(!out.is_ready());
        let cover = st(0x1A, 0x16, 0x12);
        assert!(cover.cover_open);
        assert!(!cover.is_ready());
        assert_eq!(st(0x1A, 0x12, 0x12).state, DeviceState::Offline);
        assert_eq!(st(0x12, 0x52, 0x12).state, DeviceState::HardwareError);
        for b in [0x12, 0x1E, 0x72, 0x1A, 0x16, 0x32] {
            assert!(is_status_byte(b), "{b:02X}");
        }
        assert!(!is_status_byte(0x00));
        assert!(!is_status_byte(0xFF));
    }
}
