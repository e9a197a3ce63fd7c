//! Delivery of the outbox to the upstream platform: the HTTP client and the worker that drives it.

pub mod breaker;
pub mod catalog;
pub mod client;
pub mod community;
pub mod fleet;
pub mod heartbeat;
pub mod link;
pub mod replies;
pub mod violation_replies;
pub mod violations;
pub mod worker;

pub use client::{Refusal, SendError, UpstreamClient};
pub use link::LinkStatus;
pub use worker::SyncWorker;
