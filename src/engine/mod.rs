//! The session engine: a pure state machine. No I/O, no clock, no threads.
//!
//! The shell feeds it events with the current time (`handle(event, now)`), drains what it wants done
//! (`poll_effect()`), renders `view()` and wakes it at `next_deadline()`. Everything a citizen can do
//! is therefore testable in microseconds and replayable from the audit log. `harness.rs` drives it
//! outside the kiosk (its tests, journal replay, the burn-in): simulated or wall-clock time, and
//! where the effects go.

mod answers;
mod browse;
mod completion;
mod effect;
mod event;
mod form;
pub mod harness;
pub mod journal;
pub mod outage;
mod prompt;
mod session;
pub mod staff;
pub mod staff_words;
mod timers;
mod view;

pub use browse::{ItemPage, Tile};
pub use completion::{CaseQuery, ProgressStep, QueryOutcome, Slot, SlotsOutcome};
pub use form::FormView;
pub use harness::Harness;
pub use outage::Outage;
pub use timers::Timer;

pub use session::{
    Action, AuditEvent, Availability, DoneOutcome, Effect, Engine, EngineConfig, Event,
    NewSubmission, ReceiptRequest, Screen, StoredSubmission, View,
};
