//! Delivery of the outbox to the upstream platform: the HTTP client and the worker that drives it.

pub mod catalog;
pub mod client;
pub mod fleet;
pub mod worker;

pub use client::{SendError, UpstreamClient};
pub use worker::SyncWorker;
