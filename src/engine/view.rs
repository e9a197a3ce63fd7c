//! What the engine shows: the screen and everything on it, derived from its state (masked).

use crate::community::panel::Panel;
use crate::vocab::staff_report::RejectedSubmission;
use crate::vocab::upstream::{QueryOutcome, SlotsOutcome};
use crate::vocab::violation::DecisionOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    OutOfService,
    Attract,
    ReadingCard,
    /// Police types, the "most used here" row and the search button.
    Home,
    Categories,
    Items,
    Search,
    ItemDetail,
    /// One question of the item's form.
    Form,
    /// A case-progress (or other) query: waiting, then the timeline or why not.
    QueryResult,
    /// Appointment: the times upstream offers (or why there are none).
    Slots,
    /// A decision item: the card holder's violations upstream offers (or why there are none).
    Violations,
    /// A decision item after Confirm: waiting for upstream's decision, then the decision (or
    /// why there is none).
    Decision,
    Confirm,
    Submitting,
    Printing,
    Done,
    /// The community officer panel (我的社区民警), without a card.
    Community,
    /// The area's notices in full (警情通报, fraud alerts), from the panel.
    Notices,
    /// Staff: the PIN pad.
    StaffPin,
    /// Staff: devices, store, queue, reprints, counters.
    Staff,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::OutOfService => "out_of_service",
            Screen::Attract => "attract",
            Screen::ReadingCard => "reading_card",
            Screen::Home => "home",
            Screen::Categories => "categories",
            Screen::Items => "items",
            Screen::Search => "search",
            Screen::ItemDetail => "item_detail",
            Screen::Form => "form",
            Screen::QueryResult => "query_result",
            Screen::Slots => "slots",
            Screen::Violations => "violations",
            Screen::Decision => "decision",
            Screen::Confirm => "confirm",
            Screen::Submitting => "submitting",
            Screen::Printing => "printing",
            Screen::Done => "done",
            Screen::Community => "community",
            Screen::Notices => "notices",
            Screen::StaffPin => "staff_pin",
            Screen::Staff => "staff",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoneOutcome {
    Printed,
    /// The submission is safe; the receipt did not print.
    PrintFailed,
    /// Nothing was submitted.
    NotSaved,
}

/// Everything the UI shows, derived from the engine state. Masked fields only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub screen: Screen,
    pub english: bool,
    pub elderly: bool,
    pub name_masked: String,
    pub id_masked: String,
    /// Home: the police types.
    pub police_types: Vec<Tile>,
    /// Home: "most used here".
    pub most_used: Vec<Tile>,
    /// The row holds the catalog's featured items, not this terminal's most used.
    pub most_used_featured: bool,
    /// Categories/Items: what the list is of (police type or category name).
    pub heading: String,
    pub categories: Vec<Tile>,
    /// Items: the category's items; Search: the results.
    pub items: Vec<Tile>,
    /// Search: the letters typed and the letters that still lead somewhere.
    pub query: String,
    pub keys: String,
    /// ItemDetail and Confirm: the item page.
    pub detail: Option<ItemPage>,
    pub selected_item: String,
    pub submission_number: String,
    pub outcome: Option<DoneOutcome>,
    /// Done, after a submission was saved: the link its receipt's QR code holds ("" otherwise).
    pub tracking_link: String,
    /// Done, after an anonymous tip was saved: the PIN that follows it with its number (shown
    /// in case the receipt did not print; "" otherwise).
    pub tip_pin: String,
    /// QueryResult: the officer may be rated from here (not for a query by nobody).
    pub rating_offered: bool,
    /// A notice on the attract screen (a failed read) or the out-of-service reason.
    pub notice: String,
    /// Seconds left on the inactivity countdown, when it is showing.
    pub countdown: Option<u32>,
    /// Staff: digits typed on the PIN pad (shown as dots), a message, the report.
    pub pin_length: u32,
    pub staff_message: String,
    pub staff: Option<StaffView>,
    /// Form: the current question.
    pub form: Option<FormView>,
    /// Confirm: (question, answer masked).
    pub summary: Vec<(String, String)>,
    /// QueryResult: `None` while waiting.
    pub query_outcome: Option<QueryOutcome>,
    /// QueryResult: the card holder's own records (points, vehicles, …), not a case's progress.
    pub query_own_records: bool,
    /// QueryResult: how the 受理回执 printed, once it has.
    pub acceptance_printed: Option<bool>,
    /// Printing: the paper is a 受理回执 (a receipt, though no submission of this session's).
    pub printing_acceptance: bool,
    /// Slots: `None` while waiting.
    pub slots: Option<SlotsOutcome>,
    /// Violations, Confirm and Decision of a decision item.
    pub decision: Option<DecisionView>,
    /// The community panel (on its screen and the out-of-service screen), and how its contact
    /// card's printing went ("" before any).
    pub community: Option<Panel>,
    pub community_note: String,
    /// The catalog has the requests to the officer (call-back or visit, mediation): the panel
    /// offers them.
    pub community_requests: bool,
    /// A failure or out-of-service screen: it offers 呼叫工作人员.
    pub help_offered: bool,
    /// Staff were rung from this screen.
    pub help_called: bool,
    /// Out of service (no session, so no language chosen): the reason in the other language,
    /// shown under `notice`.
    pub notice_other: String,
    /// The printer cannot print, the terminal still serves: what prints waits (the attract
    /// screen says so; items say why).
    pub printing_paused: bool,
    /// What to say aloud for this screen, and whether to.
    pub prompt: String,
    pub voice: bool,
    /// The volume step, 1 to `VOLUME_STEPS`.
    pub volume: u8,
}

/// The Violations and Decision screens' content, in the session's language (plates masked).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecisionView {
    /// The violations that can be dealt with here, as tiles (`None` while asked, or offline
    /// when `offline`).
    pub tiles: Option<Vec<Tile>>,
    /// How many more only the counter can deal with.
    pub counter_only: usize,
    /// Upstream could not be asked.
    pub offline: bool,
    /// The decision screen: `None` while waiting.
    pub outcome: Option<DecisionOutcome>,
    /// Confirm: the basis of the violation's penalty (long: shown apart from the facts).
    pub basis: String,
    /// The decision's facts as label and value rows.
    pub rows: Vec<(String, String)>,
    /// How the decision printed, once it has.
    pub printed: Option<bool>,
    /// The Printing screen prints the decision.
    pub printing: bool,
}

/// A button in a list: a code to send back and the words on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tile {
    pub code: String,
    pub name: String,
    /// A second, smaller line (a police type's examples, an item's mode).
    pub hint: String,
    /// An item's tile: where it is done, as elderly mode shows it in place of the hint line.
    pub badge: Badge,
}

/// Where an item is done, in one word on its tile (elderly mode has no room for the hint line,
/// and must not lose what it says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Badge {
    /// Not an item (a police type, a category, a choice, a slot).
    #[default]
    None,
    /// Done here: applied for, booked, looked up or sent at this terminal.
    Here,
    /// Done at the counter: the terminal gives the guide.
    Counter,
    /// Waits for the printer (printing paused).
    Paused,
}

impl Badge {
    /// The name the UI knows it by ("" for none).
    pub fn name(self) -> &'static str {
        match self {
            Badge::None => "",
            Badge::Here => "here",
            Badge::Counter => "counter",
            Badge::Paused => "paused",
        }
    }
}

/// The item page: all text already in the session's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPage {
    pub code: String,
    pub name: String,
    pub summary: String,
    /// How it completes here.
    pub mode: String,
    pub eligible: bool,
    /// Browsing without a card, on an item that needs one: the page asks for it, and the item
    /// starts when it is read.
    pub card_needed: bool,
    /// "You cannot apply here because …", one line per reason.
    pub reasons: Vec<String>,
    /// Why it waits for the printer ("" when it can start): printing is paused and it prints.
    pub paused: String,
    /// Conditions the terminal cannot check from the card.
    pub conditions: Vec<String>,
    pub materials: Vec<String>,
    pub fee: String,
    pub time_limit: String,
    pub collect: String,
    /// False: the details are from public sources and not yet confirmed by the issuing authority.
    pub verified: bool,
}

/// What the form screen shows for the current question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormView {
    pub label: String,
    /// choice, digits, letters, phone, date
    pub kind: &'static str,
    /// What was typed so far (a phone number is shown as typed: it is the citizen's own input).
    pub value: String,
    pub choices: Vec<Tile>,
    pub error: String,
    /// "2 / 3"
    pub step: String,
}

/// One device on the staff screen: `ok` is false for anything staff should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceWords {
    pub name: String,
    pub state: String,
    pub ok: bool,
}

/// The staff screen as it reads. The store's and the catalog's problems are their own error
/// text (technical, for a technician); the UI frames them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffView {
    pub devices: Vec<DeviceWords>,
    pub store_problem: String,
    pub pending: i64,
    pub rejected: i64,
    pub accepted: i64,
    pub expiring: i64,
    pub rejected_list: Vec<RejectedSubmission>,
    pub unprinted: Vec<String>,
    pub receipts_printed: i64,
    pub paper_mm: i64,
    pub catalog: String,
    pub catalog_problem: String,
    pub delivery_problem: String,
    /// Which firmware runs (version and slot).
    pub firmware: String,
    /// Development keys: not a production terminal (empty otherwise).
    pub firmware_problem: String,
}
