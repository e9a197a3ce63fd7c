//! Real-time status: `DLE EOT n` (`10 04 n`) answered by one byte whose fixed bits are `0x12`.

use crate::device::{DeviceState, DeviceStatus, PaperLevel};

pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// A status byte carries fixed bits (`byte & 0x93 == 0x12`); anything else is not a status reply.
pub fn is_status_byte(b: u8) -> bool {
    b & 0x93 == 0x12
}

/// Whether `b` can be the reply to `DLE EOT n`. Every n's reply has the same fixed bits (bits 1
/// and 4 set, 0 and 7 clear: Epson TM-T88III specification, DLE EOT), so a reply names its n only
/// where the bits themselves are tied: the paper sensor's (n = 4) reports "near end" in bits 2
/// and 3 together and "paper end" in bits 5 and 6 together, so a byte with one of a pair set is
/// no answer to n = 4. Past that, the driver keeps one request on the line at a time and waits
/// out a late reply before asking another n ([`super::task`]).
pub fn answers(n: u8, b: u8) -> bool {
    let bit = |i: u8| (b >> i) & 1;
    is_status_byte(b) && (n != 4 || (bit(2) == bit(3) && bit(5) == bit(6)))
}

/// `GS a n`: Automatic Status Back for online/offline (bit 1), errors (bit 2) and the paper roll
/// sensor (bit 3). The printer then pushes a 4-byte block whenever one of them changes.
pub const ENABLE_ASB: [u8; 3] = [0x1D, 0x61, 0x0E];

/// The first byte of an ASB block has fixed bits `byte & 0x93 == 0x10`; a real-time status reply
/// has `0x12` (bit 1 set), which is how the two are told apart in one input stream.
pub fn is_asb_first_byte(b: u8) -> bool {
    b & 0x93 == 0x10
}

/// What arrives from a printer unprompted or in reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// A reply to `DLE EOT n`.
    RealTime(u8),
    /// An Automatic Status Back block.
    Asb([u8; 4]),
}

/// Splits the printer's output into status replies and ASB blocks; anything else is dropped.
#[derive(Debug, Default)]
pub struct IncomingDecoder {
    asb: Vec<u8>,
}

impl IncomingDecoder {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Incoming> {
        let mut out = Vec::new();
        for &b in bytes {
            if !self.asb.is_empty() {
                self.asb.push(b);
                if self.asb.len() == 4 {
                    out.push(Incoming::Asb([
                        self.asb[0],
                        self.asb[1],
                        self.asb[2],
                        self.asb[3],
                    ]));
                    self.asb.clear();
                }
            } else if is_asb_first_byte(b) {
                self.asb.push(b);
            } else if is_status_byte(b) {
                out.push(Incoming::RealTime(b));
            }
        }
        out
    }
}

/// An Automatic Status Back block as a device status.
pub fn asb_to_device_status(block: [u8; 4]) -> DeviceStatus {
    let offline = block[0] & 0x08 != 0;
    let cover_open = block[0] & 0x20 != 0;
    let error = block[1] & 0x28 != 0; // autocutter or unrecoverable error
    let paper = if block[2] & 0x0C == 0x0C {
        PaperLevel::Out
    } else if block[2] & 0x03 == 0x03 {
        PaperLevel::Low
    } else {
        PaperLevel::Full
    };
    RealTimeStatus {
        printer: 0x12 | if offline { 0x08 } else { 0 },
        offline_cause: 0x12
            | if cover_open { 0x04 } else { 0 }
            | if paper == PaperLevel::Out { 0x20 } else { 0 }
            | if error { 0x40 } else { 0 },
        paper: 0x12
            | match paper {
                PaperLevel::Out => 0x60,
                PaperLevel::Low => 0x0C,
                _ => 0,
            },
    }
    .to_device_status()
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

    #[test]
    fn asb_blocks_and_status_replies_are_told_apart() {
        let mut d = IncomingDecoder::default();
        let got = d.push(&[0x12, 0x10, 0x00, 0x0C, 0x00, 0x1E, 0x38, 0x00]);
        assert_eq!(
            got,
            vec![
                Incoming::RealTime(0x12),
                Incoming::Asb([0x10, 0x00, 0x0C, 0x00]),
                Incoming::RealTime(0x1E)
            ]
        );
        assert_eq!(
            d.push(&[0x00, 0x00, 0x00]),
            vec![Incoming::Asb([0x38, 0x00, 0x00, 0x00])]
        );
        assert_eq!(d.push(&[0xFF, 0x00]), vec![], "noise is dropped");
    }

    #[test]
    fn asb_blocks_map_to_the_device_model() {
        let out = asb_to_device_status([0x18, 0x00, 0x0C, 0x00]);
        assert_eq!(out.paper, Some(PaperLevel::Out));
        assert!(!out.is_ready());
        assert_eq!(
            asb_to_device_status([0x10, 0x00, 0x03, 0x00]).paper,
            Some(PaperLevel::Low)
        );
        let cover = asb_to_device_status([0x38, 0x00, 0x00, 0x00]);
        assert!(cover.cover_open && !cover.is_ready());
        assert!(asb_to_device_status([0x10, 0x00, 0x00, 0x00]).is_ready());
        assert_eq!(
            asb_to_device_status([0x10, 0x08, 0x00, 0x00]).state,
            DeviceState::HardwareError
        );
    }

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

    #[test]
    fn a_reply_answers_the_paper_sensor_only_with_its_paired_bits() {
        // The simulator's and the research's replies to n = 4: adequate, near end, paper end.
        for b in [0x12, 0x1E, 0x72, 0x7E] {
            assert!(answers(4, b), "{b:02X}");
        }
        // Offline (n = 1) and cover open / stopped at paper end (n = 2) are no paper status.
        for b in [0x1A, 0x16, 0x32] {
            assert!(answers(1, b) && answers(2, b), "{b:02X}");
            assert!(!answers(4, b), "{b:02X}");
        }
        assert!(!answers(1, 0x10), "an ASB block's first byte is no reply");
    }
}
