//! The terminal's own life, apart from any citizen: the kiosk process under systemd (`service`:
//! runtime, signals, READY and watchdog, no core dumps), the screen it waits for (`screen`), which
//! firmware is running (`firmware`),
//! the machine's identity (`hardware_id`) and the technician's diagnostic bundle (`log_bundle`).
//!
//! Sits above the shell (the runtime it starts) and below the command line and the developer's
//! tools.

pub mod firmware;
pub mod hardware_id;
pub mod log_bundle;
pub mod screen;
pub mod service;
