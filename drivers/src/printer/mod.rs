//! ESC/POS receipt printer: command generation (via the `escpos` crate), real-time status, the
//! printer task, and a simulator that decodes ESC/POS back into lines, QR payloads and cuts.

pub mod commands;
#[cfg(feature = "sim")]
pub mod sim;
pub mod status;
pub mod task;

pub use commands::{Align, Block, Document, PaperWidth};
pub use status::RealTimeStatus;
pub use task::{PrintError, PrinterConfig, PrinterEvent, PrinterHandle};
