//! Serial QR/barcode scanners: line framing, AIM symbology prefixes, payload decoding (UTF-8,
//! GB18030, raw), host triggering, and a simulator.

pub mod decode;
pub mod framing;
#[cfg(feature = "sim")]
pub mod sim;
pub mod task;

pub use decode::{decode_scan, Scan, Symbology};
pub use framing::Framer;
