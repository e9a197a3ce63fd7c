//! Device drivers of the OneTrip terminal.
//!
//! Each device is a sans-IO codec (bytes in, frames out, fuzzable), an async task that owns the serial
//! port, and a simulator that speaks the same bytes on a pseudo-terminal. Drivers know nothing about
//! citizen sessions: they expose typed commands, typed events and a [`device::DeviceStatus`].

pub mod device;
pub mod id_card;
#[cfg(feature = "sim")]
pub mod noise;
pub mod port;
pub mod printer;
#[cfg(feature = "sim")]
pub mod pty;
pub mod record;
pub mod redaction;
pub mod scanner;
pub mod supervisor;
