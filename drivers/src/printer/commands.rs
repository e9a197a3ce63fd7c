//! A receipt as a list of blocks, encoded to ESC/POS bytes.
//!
//! Command generation goes through the `escpos` crate's builder with an in-memory driver, so the same
//! bytes can be written to any async port. Chinese text is GB18030 with the printer in Chinese mode
//! (`FS &`). QR codes use `GS ( k` Model 2, error level M. The crate's `partial_cut()` is really a
//! full cut, so partial cuts are sent raw (`GS V B 0`).

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    Encoder, JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};

pub const FS_CHINESE_ON: [u8; 2] = [0x1C, 0x26];
pub const FS_CHINESE_OFF: [u8; 2] = [0x1C, 0x2E];
pub const GS_CUT_PARTIAL: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];

/// The most a QR code on a receipt holds (a tracking link is a few dozen bytes).
pub const MAX_QR_DATA: usize = 1024;

/// The longest command a job can hold, parameters and data included: the QR code's `GS ( k`
/// store (`1D 28 6B pL pH 31 50 30` and its data). A printer left waiting inside a command by a
/// job cut short needs at most this many more bytes to finish it ([`super::task`]'s recovery).
pub const LONGEST_COMMAND: usize = 8 + MAX_QR_DATA;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperWidth {
    Mm58,
    Mm80,
}

impl PaperWidth {
    /// Columns of the standard 12×24 font (a CJK character takes two).
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    pub fn from_mm(mm: u32) -> Option<PaperWidth> {
        match mm {
            58 => Some(PaperWidth::Mm58),
            80 => Some(PaperWidth::Mm80),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// One printed line (the layout has already wrapped it to the paper width).
    Text {
        text: String,
        align: Align,
        bold: bool,
        /// Double width and height, for headings and the submission number.
        large: bool,
    },
    Qr {
        data: String,
        /// Module size in dots (1–16).
        module: u8,
    },
    Feed(u8),
    Cut {
        partial: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub blocks: Vec<Block>,
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("text has characters the printer cannot encode in GB18030")]
    Unencodable,
    #[error("a QR code of {0} bytes (at most {MAX_QR_DATA})")]
    QrTooLong(usize),
    #[error("escpos: {0}")]
    Escpos(String),
}

/// Collects what the `escpos` builder writes.
#[derive(Clone, Default)]
struct Buffer(Rc<RefCell<Vec<u8>>>);

impl Driver for Buffer {
    fn name(&self) -> String {
        "buffer".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// True when every character has a GB18030 encoding *and* is likely in a printer font: printer fonts
/// cover GB2312/GBK, so private-use code points and characters outside the BMP are refused.
pub fn printable(text: &str) -> bool {
    text.chars().all(|c| {
        let cp = c as u32;
        !(0xE000..=0xF8FF).contains(&cp) && cp <= 0xFFFF && c != char::REPLACEMENT_CHARACTER
    }) && !encoding_rs::GBK.encode(text).2
}

/// Encodes a document into the bytes of one print job.
pub fn encode(doc: &Document) -> Result<Vec<u8>, EncodeError> {
    let out = Buffer::default();
    let mut p = Printer::new(
        out.clone(),
        Protocol::new(Encoder::new(encoding_rs::GB18030)),
        None,
    );
    let e = |e: escpos::errors::PrinterError| EncodeError::Escpos(e.to_string());
    p.init().map_err(e)?;
    p.custom(&FS_CHINESE_ON).map_err(e)?;
    for block in &doc.blocks {
        match block {
            Block::Text {
                text,
                align,
                bold,
                large,
            } => {
                if !printable(text) {
                    return Err(EncodeError::Unencodable);
                }
                p.justify(match align {
                    Align::Left => JustifyMode::LEFT,
                    Align::Center => JustifyMode::CENTER,
                    Align::Right => JustifyMode::RIGHT,
                })
                .map_err(e)?;
                p.bold(*bold).map_err(e)?;
                if *large {
                    p.size(2, 2).map_err(e)?;
                }
                p.writeln(text).map_err(e)?;
                if *large {
                    p.reset_size().map_err(e)?;
                }
                if *bold {
                    p.bold(false).map_err(e)?;
                }
            }
            Block::Qr { data, module } => {
                if data.len() > MAX_QR_DATA {
                    return Err(EncodeError::QrTooLong(data.len()));
                }
                p.justify(JustifyMode::CENTER).map_err(e)?;
                p.qrcode_option(
                    data,
                    QRCodeOption::new(QRCodeModel::Model2, *module, QRCodeCorrectionLevel::M),
                )
                .map_err(e)?;
                p.feed().map_err(e)?;
            }
            Block::Feed(n) => {
                p.feeds(*n).map_err(e)?;
            }
            Block::Cut { partial } => {
                p.feeds(4).map_err(e)?;
                if *partial {
                    p.custom(&GS_CUT_PARTIAL).map_err(e)?;
                } else {
                    p.cut().map_err(e)?;
                }
            }
        }
    }
    p.custom(&FS_CHINESE_OFF).map_err(e)?;
    p.print().map_err(e)?;
    drop(p);
    let bytes = out.0.borrow().clone();
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Block {
        Block::Text {
            text: t.into(),
            align: Align::Left,
            bold: false,
            large: false,
        }
    }

    #[test]
    fn chinese_text_goes_out_as_gb18030_in_chinese_mode() {
        let bytes = encode(&Document {
            blocks: vec![text("公安")],
        })
        .unwrap();
        assert_eq!(&bytes[..4], &[0x1B, 0x40, 0x1C, 0x26]);
        let pos = bytes
            .windows(4)
            .position(|w| w == [0xB9, 0xAB, 0xB0, 0xB2])
            .expect("GB18030 for 公安");
        // escpos ends a line with ESC d 1 (print and feed one line).
        assert_eq!(&bytes[pos + 4..pos + 7], &[0x1B, 0x64, 0x01]);
        assert_eq!(&bytes[bytes.len() - 2..], &FS_CHINESE_OFF);
    }

    #[test]
    fn qr_is_model_2_level_m_with_the_length_prefix() {
        let bytes = encode(&Document {
            blocks: vec![Block::Qr {
                data: "ABC".into(),
                module: 6,
            }],
        })
        .unwrap();
        let has = |seq: &[u8]| bytes.windows(seq.len()).any(|w| w == seq);
        assert!(has(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]));
        assert!(has(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]));
        assert!(has(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]));
        assert!(has(&[
            0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42, 0x43
        ]));
        assert!(has(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]));
    }

    #[test]
    fn a_qr_code_longer_than_the_recovery_allows_is_refused() {
        let qr = |n: usize| Document {
            blocks: vec![Block::Qr {
                data: "A".repeat(n),
                module: 6,
            }],
        };
        let bytes = encode(&qr(MAX_QR_DATA)).unwrap();
        // The store command and its data: exactly the longest command a job holds.
        let at = bytes
            .windows(3)
            .position(|w| w == [0x31, 0x50, 0x30])
            .unwrap();
        let store = &bytes[at - 5..at + 3 + MAX_QR_DATA];
        assert_eq!(store.len(), LONGEST_COMMAND);
        assert_eq!(store[..3], [0x1D, 0x28, 0x6B]);
        assert!(matches!(
            encode(&qr(MAX_QR_DATA + 1)),
            Err(EncodeError::QrTooLong(n)) if n == MAX_QR_DATA + 1
        ));
    }

    #[test]
    fn cuts_are_real_full_and_partial_cuts() {
        let full = encode(&Document {
            blocks: vec![Block::Cut { partial: false }],
        })
        .unwrap();
        assert!(full.windows(4).any(|w| w == [0x1D, 0x56, 0x41, 0x00]));
        let partial = encode(&Document {
            blocks: vec![Block::Cut { partial: true }],
        })
        .unwrap();
        assert!(partial.windows(4).any(|w| w == GS_CUT_PARTIAL));
    }

    #[test]
    fn unprintable_characters_are_refused_not_garbled() {
        assert!(!printable("王\u{E000}"));
        assert!(!printable("𠀀"));
        assert!(printable("张晓明 No. 123"));
        assert!(matches!(
            encode(&Document {
                blocks: vec![text("王\u{E000}")]
            }),
            Err(EncodeError::Unencodable)
        ));
    }

    #[test]
    fn paper_widths() {
        assert_eq!(PaperWidth::Mm80.columns(), 48);
        assert_eq!(PaperWidth::Mm58.columns(), 32);
        assert_eq!(PaperWidth::from_mm(58), Some(PaperWidth::Mm58));
        assert_eq!(PaperWidth::from_mm(76), None);
    }
}
