//! What the engine hears: the citizen's touches, the devices, the runtime's answers and time.

use std::collections::HashMap;
use std::sync::Arc;

use onetrip_drivers::id_card::{Date, Identity};

use super::outage::Outage;
use crate::catalog::Catalog;
use crate::community::Feed;
use crate::vocab::staff_report::{PinGuardState, RequeueOutcome, StaffReport};
use crate::vocab::submission::StoredSubmission;
use crate::vocab::upstream::{QueryOutcome, SlotsOutcome};
use crate::vocab::violation::{DecisionOutcome, ViolationsOutcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// In service without the printer (out of paper, cover open, unplugged): what prints — a
    /// submission's receipt, an appointment, a guide, the contact card — waits; queries and
    /// everything read on screen go on. The outages are the printer's, for staff.
    PrintingPaused(Vec<Outage>),
    /// Why not (the engine words it in the screen's language).
    OutOfService(Vec<Outage>),
}

/// What the citizen touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    ChoosePoliceType(String),
    ChooseCategory(String),
    OpenSearch,
    /// A letter on the search keyboard.
    SearchKey(char),
    SearchBackspace,
    SearchClear,
    /// Opens the item page.
    SelectItem(String),
    /// The big button on the item page.
    Start,
    /// A key on the form's keypad (digits, letters, '-').
    FormKey(char),
    FormBackspace,
    /// A choice button on the form.
    FormChoose(String),
    /// 下一步 after typing an answer.
    FormNext,
    /// From a case's progress: rate its officer.
    RateCase,
    ChooseSlot(String),
    /// One of the card holder's violations, to read its facts and confirm them.
    ChooseViolation(String),
    /// Offline appointment: print the guide instead.
    GuideInstead,
    /// Upstream could not be asked (a query, the appointment times): ask again.
    Retry,
    /// On a case's progress that reports the authority's acceptance: print its 受理回执.
    PrintAcceptance,
    /// 呼叫工作人员 on a failure or out-of-service screen: staff are rung (a sound on the
    /// terminal, an alert in the heartbeat and on the staff screen).
    CallStaff,
    Confirm,
    Back,
    Home,
    /// "Continue" on the inactivity countdown.
    StillHere,
    Finish,
    ToggleLanguage,
    ToggleElderly,
    /// Voice guidance on or off (on the attract screen and in the top bar).
    ToggleVoice,
    /// The voice a step louder or softer (for the session; reset after it).
    VolumeUp,
    VolumeDown,
    /// "No ID card with you?" on the attract screen: browse and print guides without one.
    BrowseWithoutCard,
    /// "Your community officer" on the attract screen: the panel, without a card.
    OpenCommunity,
    /// On the panel: print the contact card (警民联系卡).
    PrintContactCard,
    /// On the panel: what to ask the officer for (a call-back or a visit, mediation).
    CommunityRequests,
    /// On the panel: the area's notices in full.
    OpenNotices,
    /// The hidden press-and-hold on the idle screen.
    StaffEntry,
    PinDigit(char),
    PinBackspace,
    /// The pad's 确认: the PIN is checked only now, so its length is never given away.
    PinEnter,
    StaffReprint(String),
    /// Send a rejected submission again (by its number).
    StaffRequeue(String),
    /// Send every rejected submission again (a gateway rejected a backlog).
    StaffRequeueAllRejected,
    StaffPaperReplaced,
}

#[derive(Debug, Clone)]
pub enum Event {
    /// Time passed (the shell calls this at `next_deadline()`).
    Tick,
    Touch(Action),
    CardDetected,
    CardPresented(Box<Identity>),
    CardRemoved,
    CardReadFailed(String),
    Availability(Availability),
    /// A receipt of this terminal was scanned: its submission number.
    ReceiptScanned(String),
    /// A code was scanned that is not one of ours.
    UnknownCodeScanned,
    /// A verified, validated catalog to use from the next session on.
    CatalogUpdated(Arc<Catalog>),
    /// A verified community feed (at start, the kept one; then each update).
    CommunityUpdated(Arc<Feed>),
    /// How often each item was started here (from the store's counters).
    UsageCounts(HashMap<String, u64>),
    /// The calendar date (for age rules); sent at start and when the day changes.
    Today(Date),
    /// The day the community feed is read against, never earlier than a day this terminal has
    /// seen (the shell keeps it; see `community::kept::reading_day`).
    LatestDaySeen(Date),
    /// The runtime's answer to `StaffRequest::Report`.
    StaffReport(Box<StaffReport>),
    /// A rejected submission was put back in the queue, or why not (the runtime's answer to
    /// `StaffRequest::Requeue`).
    Requeued {
        number: String,
        outcome: RequeueOutcome,
    },
    /// A staff reprint ended (the runtime's answer to `StaffRequest::Reprint`).
    Reprinted {
        number: String,
        result: Result<(), String>,
    },
    /// The PIN pad's lockout as kept in the store (at start: a restart does not reset it).
    PinGuardRestored(PinGuardState),
    /// Upstream's answer to `Effect::Query`, with its `CaseQuery::ticket` (the shell's).
    QueryAnswered(u64, QueryOutcome),
    /// Upstream's answer to the query now waiting (tests, the screenshots' tour, a replay).
    QueryResult(QueryOutcome),
    /// Upstream's answer to `Effect::FetchSlots`.
    Slots(SlotsOutcome),
    /// Upstream's answer to `Effect::Violations` asking for the card holder's violations, with
    /// its `ViolationRequest::ticket`; matched in `handle` and passed on as `Violations`.
    ViolationsAnswered(u64, ViolationsOutcome),
    Violations(ViolationsOutcome),
    /// Upstream's answer to `Effect::Violations` asking for a decision, with its ticket;
    /// passed on as `Decided`.
    DecisionAnswered(u64, DecisionOutcome),
    Decided(DecisionOutcome),
    /// The store committed the submission (or could not).
    Stored(Result<StoredSubmission, String>),
    /// The printer took the receipt (or could not).
    Printed(Result<(), String>),
    /// The printer took the community panel's contact card (or could not).
    ContactCardPrinted(Result<(), String>),
}
