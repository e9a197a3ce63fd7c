//! OneTrip: firmware of the self-service police terminal (警务自助服务一体机).
//!
//! See `../shared/DESIGN.md` (mirrored in the README) for the architecture: drivers → runtime →
//! pure session engine → UI, with the store as the single source of truth.

pub mod audit;
pub mod burn_in;
pub mod catalog;
pub mod config;
#[cfg(feature = "dev-tools")]
pub mod demo;
pub mod diagnostics;
pub mod engine;
pub mod firmware;
pub mod hardware_id;
pub mod log_bundle;
pub mod mask;
pub mod receipt;
#[cfg(feature = "dev-tools")]
pub mod reference_upstream;
#[cfg(feature = "dev-tools")]
pub mod screen_fit;
#[cfg(feature = "dev-tools")]
pub mod screenshots;
pub mod shell;
pub mod staff_pin;
pub mod store;
pub mod submission;
pub mod sync;
pub mod ui;
