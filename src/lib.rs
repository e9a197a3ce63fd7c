//! OneTrip: firmware of the self-service police terminal (警务自助服务一体机).
//!
//! See `../shared/DESIGN.md` (mirrored in the README) for the architecture: drivers → runtime →
//! pure session engine → UI, with the store as the single source of truth.
//!
//! The modules, top to bottom; each imports only those below it (`.ci/layers` checks):
//! `cli` (the command line's handlers; `main.rs` parses) · `devtools` (feature `dev-tools`) ·
//! `terminal` (the kiosk's process life, firmware, hardware id, log bundle) · `shell` and `ui` ·
//! `engine`, `sync`, `store` · `config` · `community` · `catalog`, `receipt` · `vocab`.

pub mod catalog;
pub mod cli;
pub mod community;
pub mod config;
#[cfg(feature = "dev-tools")]
pub mod devtools;
pub mod engine;
pub mod receipt;
pub mod shell;
pub mod store;
pub mod sync;
pub mod terminal;
pub mod ui;
pub mod vocab;
