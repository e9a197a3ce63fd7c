//! Resident ID card reader speaking the SAM serial protocol of GA 467 readers.

pub mod codec;
pub mod codes;
pub mod identity;
pub mod reader;
#[cfg(feature = "sim")]
pub mod sim;

pub use codec::{Command, Decoder, Response, Sw3};
pub use identity::{CardType, Date, Identity, Sex, Validity};
pub use reader::{IdCardEvent, ReadError, ReaderConfig};
