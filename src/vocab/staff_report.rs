//! What the engine asks of the staff desk and what the runtime reports back for the staff screen:
//! facts, not words (the engine words them in the terminal's language). No personal data.

use onetrip_drivers::device::{DeviceKind, DeviceStatus};

use super::refusal::Refusal;

/// What staff ask the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffRequest {
    Report,
    Reprint(String),
    /// Put a rejected submission back in the queue (by its number).
    Requeue(String),
    /// Put every rejected submission back in the queue at once.
    RequeueAllRejected,
    /// A new roll is in: the paper-used counter starts again.
    PaperReplaced,
    /// Keep the PIN pad's failures and lockout across restarts.
    SavePinGuard(PinGuardState),
}

/// The PIN pad's lockout as it is kept: `remaining` is how long the pad stays locked from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PinGuardState {
    pub failures: u32,
    pub lockouts: u32,
    pub remaining_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RejectedSubmission {
    pub number: String,
    pub item_code: String,
    pub reason: String,
    /// Local time, as text.
    pub at: String,
}

/// A configured device as the runtime last heard of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLine {
    pub kind: DeviceKind,
    /// Optional devices (the scanner) do not take the terminal out of service.
    pub required: bool,
    /// `None`: not heard from yet (starting).
    pub status: Option<DeviceStatus>,
}

/// The catalog in force.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogInForce {
    pub version: String,
    /// Installed by an update, not the one the image shipped with.
    pub updated: bool,
}

/// The wall clock was stepped by more than a day (noticed against the monotonic clock), as kept
/// in the store: for staff and the heartbeat. Retention and the PIN lockout are not moved by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClockStep {
    /// How far it moved (negative: set back), in ms.
    pub step_ms: i64,
    /// The wall clock when the step was noticed (after it).
    pub wall_ms: i64,
    /// The terminal's age (ms of running time) when it was noticed.
    pub age_ms: i64,
    /// Steps noticed so far on this terminal.
    pub count: u32,
}

/// Upstream refuses the terminal (or rejects submissions the same way again and again), so the
/// queue is paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPaused {
    pub refusal: Refusal,
    /// What upstream answered, in the terminal's words with the body's digest ("HTTP 401: the
    /// platform's error answer · body 1a2b3c4d"); never upstream's own text.
    pub detail: String,
}

/// The figures on the staff screen, gathered by the runtime: facts, not words (the engine words
/// them in the terminal's language). No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffReport {
    pub devices: Vec<DeviceLine>,
    /// Supervised tasks ("sync", "printer", …) restarted since start, and how often.
    pub restarts: Vec<(String, u32)>,
    /// Device I/O is being recorded until this local time (`onetrip record`).
    pub recording_until: Option<String>,
    /// Why the store cannot be used (a corrupt or unopenable database), with its path.
    pub store_problem: Option<String>,
    /// The store stopped taking writes (a full or read-only disk).
    pub store_fault: Option<super::submission::StoreFault>,
    pub pending: i64,
    pub rejected: i64,
    pub accepted: i64,
    /// Undelivered submissions that reach the retention limit within three days.
    pub expiring: i64,
    pub rejected_list: Vec<RejectedSubmission>,
    /// Submission numbers whose receipt did not print.
    pub unprinted: Vec<String>,
    pub receipts_printed: i64,
    pub paper_mm: i64,
    pub catalog: CatalogInForce,
    /// Why the last catalog update was refused (its signature, its checks).
    pub catalog_problem: Option<String>,
    pub delivery_paused: Option<DeliveryPaused>,
    /// Which firmware runs (for the development-keys warning too).
    pub firmware: super::firmware::Firmware,
    /// The last step of the wall clock, while recent (a week of running time).
    pub clock_step: Option<ClockStep>,
    /// When it was noticed, as local time text.
    pub clock_step_at: String,
    /// A citizen called for staff (呼叫工作人员) since staff last opened this screen: from which
    /// screen, at what local time.
    pub help_call: Option<(&'static str, String)>,
}

/// How sending a rejected submission again ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequeueOutcome {
    Queued,
    /// Every rejected submission at once (`StaffRequest::RequeueAllRejected`): how many went back
    /// in the queue, and how many were left because their content was purged.
    All {
        queued: usize,
        purged: usize,
    },
    /// Its content was purged at the retention limit.
    Purged,
    NotRejected,
    Unknown,
    /// The store failed (its error), or there is no usable store (`None`).
    Failed(Option<String>),
}
