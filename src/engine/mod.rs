//! The session engine: a pure state machine. No I/O, no clock, no threads.
//!
//! The shell feeds it events with the current time (`handle(event, now)`), drains what it wants done
//! (`poll_effect()`), renders `view()` and wakes it at `next_deadline()`. Everything a citizen can do
//! is therefore testable in microseconds and replayable from the audit log.
//!
//! The shape is quinn-proto's `Connection`: a handful of fields, the state of the screen as one
//! `Phase` (nobody at the screen, a citizen's session, staff), and parts that own their data —
//! `browse`, `form`, `completion`, `submitting` for a citizen, `staff` for staff — with `timers`
//! one table. At the bottom, the words it speaks with the shell: `event`, `effect`, `view` (and the
//! shared `crate::vocab`), which import no part. `harness.rs` drives it on simulated time for its
//! tests, the screenshots, the taps bench and journal replay.

mod anonymous;
mod answers;
mod browse;
mod community;
mod completion;
mod decision;
mod effect;
mod event;
mod form;
pub mod harness;
mod help;
pub mod journal;
pub mod outage;
mod paused;
mod prompt;
mod render;
mod session;
pub mod staff;
pub mod staff_words;
mod submitting;
mod timers;
mod view;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip_drivers::id_card::Date;

use crate::catalog::search::SearchIndex;
use crate::catalog::Catalog;
use crate::community::Feed;
use session::Session;
use staff::{PinGuard, StaffState};

pub use effect::Effect;
pub use event::{Action, Availability, Event};
pub use harness::Harness;
pub use outage::Outage;
pub use timers::Timer;
pub use view::{
    Badge, DecisionView, DoneOutcome, FormView, ItemPage, Screen, StaffView, Tile, View,
};

pub use crate::vocab::audit::AuditEvent;
pub use crate::vocab::submission::{NewSubmission, ReceiptRequest, StoredSubmission};
pub use crate::vocab::upstream::{
    Acceptance, CaseQuery, ProgressStep, QueryOutcome, Slot, SlotsOutcome,
};

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub inactivity: Duration,
    /// Length of the visible countdown after `inactivity`.
    pub countdown: Duration,
    /// How long the Done screen stays.
    pub done_linger: Duration,
    /// A card that is detected but never read returns to Attract after this.
    pub read_timeout: Duration,
    /// No session lasts longer than this, whatever the citizen does.
    pub max_session: Duration,
    /// A receipt that has not printed by then is given up (the submission is safe either way).
    pub print_timeout: Duration,
    /// A submission the store has not committed by then is reported as not saved.
    pub submit_timeout: Duration,
    pub english_default: bool,
    /// The staff PIN's argon2 hash; `None` disables the staff screen.
    pub staff_pin: Option<String>,
    /// Voice guidance at the start of each session (a citizen can switch it).
    pub voice_default: bool,
    /// The tracking link template (`{number}` is replaced), as printed on the receipt; the Done
    /// screen shows it as a QR code too, for a phone. Empty: no code on screen.
    pub tracking_url: String,
    /// The station's duty phone from the configuration, for the community panel until a feed
    /// names it.
    pub duty_phone: Option<String>,
}

impl EngineConfig {
    pub fn new(inactivity: Duration) -> EngineConfig {
        EngineConfig {
            inactivity,
            countdown: Duration::from_secs(15),
            done_linger: Duration::from_secs(20),
            read_timeout: Duration::from_secs(10),
            max_session: Duration::from_secs(15 * 60),
            print_timeout: Duration::from_secs(60),
            submit_timeout: Duration::from_secs(30),
            english_default: false,
            staff_pin: None,
            voice_default: true,
            tracking_url: String::new(),
            duty_phone: None,
        }
    }
}

/// The engine: what the terminal offers, how it looks to whoever walks up, who is at the screen,
/// its clock and what it wants done.
pub struct Engine {
    config: EngineConfig,
    offer: Offer,
    front: Front,
    phase: Phase,
    clock: Clock,
    effects: VecDeque<Effect>,
}

/// What the terminal offers: the catalog in force (and a newer one waiting for the session to
/// end), its search index, how often each item was used here, today's date, and the village's
/// community feed.
struct Offer {
    catalog: Arc<Catalog>,
    community: Option<Arc<Feed>>,
    /// The floor under `today` for reading the feed (a clock set back).
    latest_day_seen: Option<Date>,
    index: SearchIndex,
    pending: Option<Arc<Catalog>>,
    usage: HashMap<String, u64>,
    today: Date,
}

/// The terminal as whoever walks up finds it: in service or not, the notice on its idle screen,
/// the screen's language, size, voice and its volume (a citizen's choices, reset after the
/// session), and the
/// staff PIN pad's lockout (which outlives any one phase).
struct Front {
    availability: Availability,
    notice: String,
    english: bool,
    elderly: bool,
    voice: bool,
    /// 1 to `VOLUME_STEPS`; the middle one is the calibrated default.
    volume: u8,
    pin_guard: PinGuard,
    /// 呼叫工作人员 was pressed on the screen now showing (one ring per screen).
    help_called: bool,
    /// Queries asked since start: each one's ticket (never reused across sessions).
    queries_asked: u64,
}

/// The citizen's volume steps (the middle one is the terminal's calibrated default).
pub const VOLUME_STEPS: u8 = 5;
pub const VOLUME_DEFAULT: u8 = 3;

/// The engine's time: the last event's, when the current screen last saw a touch, the walk-away
/// countdown, and staff's last touch.
struct Clock {
    now: Instant,
    since: Instant,
    countdown_from: Option<Instant>,
    staff_since: Instant,
}

/// Who is at the screen. One per terminal, moved only between phases: the variants' sizes do
/// not matter.
#[allow(clippy::large_enum_variant)]
enum Phase {
    /// Nobody: the attract screen, a card being read, or out of service.
    Idle(Screen),
    Citizen(Session),
    /// The PIN pad or the staff screen (opened from an idle screen only).
    Staff(StaffState),
}

impl Phase {
    fn screen(&self) -> Screen {
        match self {
            Phase::Idle(screen) => *screen,
            Phase::Citizen(s) => s.screen,
            Phase::Staff(st) => st.screen(),
        }
    }

    /// The screen changes within the phase: a citizen's screen for a session, a staff screen
    /// for staff, an idle one otherwise.
    fn set_screen(&mut self, screen: Screen) {
        match self {
            Phase::Idle(at) => *at = screen,
            Phase::Citizen(s) => s.screen = screen,
            Phase::Staff(st) => st.set_screen(screen),
        }
    }

    fn session(&self) -> Option<&Session> {
        match self {
            Phase::Citizen(s) => Some(s),
            _ => None,
        }
    }

    fn session_mut(&mut self) -> Option<&mut Session> {
        match self {
            Phase::Citizen(s) => Some(s),
            _ => None,
        }
    }

    fn staff(&self) -> Option<&StaffState> {
        match self {
            Phase::Staff(st) => Some(st),
            _ => None,
        }
    }

    fn staff_mut(&mut self) -> Option<&mut StaffState> {
        match self {
            Phase::Staff(st) => Some(st),
            _ => None,
        }
    }
}

impl Engine {
    pub fn new(config: EngineConfig, catalog: Arc<Catalog>, now: Instant, today: Date) -> Engine {
        let front = Front {
            availability: Availability::OutOfService(vec![Outage::Starting]),
            notice: String::new(),
            english: config.english_default,
            elderly: false,
            voice: config.voice_default,
            volume: VOLUME_DEFAULT,
            pin_guard: PinGuard::default(),
            help_called: false,
            queries_asked: 0,
        };
        Engine {
            config,
            offer: Offer {
                index: SearchIndex::new(&catalog),
                catalog,
                community: None,
                latest_day_seen: None,
                pending: None,
                usage: HashMap::new(),
                today,
            },
            front,
            phase: Phase::Idle(Screen::OutOfService),
            clock: Clock {
                now,
                since: now,
                countdown_from: None,
                staff_since: now,
            },
            effects: VecDeque::new(),
        }
    }

    pub fn screen(&self) -> Screen {
        self.phase.screen()
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.offer.catalog
    }

    /// The community feed in force, if any.
    pub fn community(&self) -> Option<&Arc<Feed>> {
        self.offer.community.as_ref()
    }

    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// The shell hands the engine an event with the current time.
    pub fn handle(&mut self, event: Event, now: Instant) {
        self.clock.now = now;
        // Upstream's answer to a query: only to the question still waiting for it. A late one
        // (the citizen left, or asked again) belongs to nobody at the screen now.
        let event = match event {
            Event::QueryAnswered(ticket, outcome) => {
                if !self.query_waits_for(ticket) {
                    return;
                }
                Event::QueryResult(outcome)
            }
            Event::ViolationsAnswered(ticket, outcome) => {
                if !self.decision_waits_for(ticket) {
                    return;
                }
                Event::Violations(outcome)
            }
            Event::DecisionAnswered(ticket, outcome) => {
                if !self.decision_waits_for(ticket) {
                    // A decision made upstream after its question was given up (the session
                    // ended): nobody got its paper. Staff see it in the audit log.
                    if matches!(
                        outcome,
                        crate::vocab::violation::DecisionOutcome::Decided(_)
                    ) {
                        self.effects
                            .push_back(Effect::Audit(AuditEvent::DecisionAnswered {
                                item_code: String::new(),
                                outcome: "decided_unclaimed",
                            }));
                    }
                    return;
                }
                Event::Decided(outcome)
            }
            other => other,
        };
        // A late answer of the store (after the submit timeout) belongs to no step of whoever
        // is at the screen now.
        let stale = matches!(event, Event::Stored(_)) && self.phase.screen() != Screen::Submitting;
        let what = if stale {
            None
        } else {
            journal::describe(&event)
        };
        let had_session = self.phase.session().is_some();
        let at_ms = self
            .session_started()
            .map(|started| now.saturating_duration_since(started).as_millis() as u64)
            .unwrap_or(0);
        let before = (self.phase.screen(), self.countdown_showing());
        let in_tip = self.in_anonymous_tip();
        self.handle_event(event);
        let what = journal::withhold_inside_a_tip(what, in_tip || self.in_anonymous_tip());
        self.journal(what, had_session, at_ms, before);
    }

    fn handle_event(&mut self, event: Event) {
        match event {
            Event::Tick => self.tick(),
            Event::Availability(a) => {
                self.front.availability = a;
                if matches!(self.phase.screen(), Screen::Attract | Screen::OutOfService) {
                    self.show_idle();
                }
            }
            Event::CardDetected => {
                if self.phase.screen() == Screen::Attract {
                    self.front.notice.clear();
                    self.go(Screen::ReadingCard);
                }
            }
            Event::CardPresented(_) if self.reads_no_card() => {}
            Event::CardPresented(identity) => {
                if matches!(self.phase.screen(), Screen::Attract | Screen::ReadingCard) {
                    self.start_session(Some(*identity));
                } else if self.phase.session().is_some_and(|s| s.identity.is_none()) {
                    self.card_for_browsing(*identity);
                } else {
                    self.card_back(&identity);
                }
            }
            Event::CardRemoved => {
                if let Some(s) = self.phase.session_mut() {
                    s.submitting.card_taken_away();
                }
            }
            Event::CardReadFailed(reason) => {
                if matches!(self.phase.screen(), Screen::Attract | Screen::ReadingCard) {
                    tracing::debug!(%reason, "card read failed");
                    self.front.notice = if self.front.english {
                        "The card could not be read. Please place it flat on the reader again."
                            .into()
                    } else {
                        "未能读取身份证，请将身份证平放在读卡区后重试".into()
                    };
                    self.show_idle();
                }
            }
            Event::ReceiptScanned(number) => {
                if self.phase.screen() == Screen::Form {
                    // The QR on a case notice or receipt answers the "number" question.
                    self.scanned_number(number);
                } else if self.phase.screen() == Screen::Attract {
                    self.front.notice = if self.front.english {
                        format!("Receipt {number}: lay your ID card on the reader, open Cases & rating › Progress of my application and scan it again")
                    } else {
                        format!("提交编号 {number}：请放身份证，在“执法公开 › 本机申请进度查询”中再扫一次")
                    };
                }
            }
            Event::UnknownCodeScanned => {
                if self.phase.screen() == Screen::Attract {
                    self.front.notice = if self.front.english {
                        "This code is not recognised. Please scan the QR code on your receipt."
                            .into()
                    } else {
                        "无法识别此二维码，请扫描回执上的二维码".into()
                    };
                }
            }
            Event::Touch(action) => self.touch(action),
            Event::CatalogUpdated(catalog) => {
                if self.phase.session().is_some() {
                    self.offer.pending = Some(catalog);
                } else {
                    self.swap_catalog(catalog);
                }
            }
            Event::CommunityUpdated(feed) => self.community_updated(feed),
            Event::UsageCounts(counts) => self.offer.usage = counts,
            Event::StaffReport(report) => self.staff_report(*report),
            Event::Requeued { number, outcome } => {
                self.staff_notice(staff_words::requeued(&number, &outcome, self.front.english))
            }
            Event::Reprinted { number, result } => {
                self.staff_notice(staff_words::reprinted(&number, &result, self.front.english))
            }
            Event::PinGuardRestored(state) => self.restore_pin_guard(state),
            Event::QueryResult(outcome) => self.query_result(outcome),
            // Matched to its question in `handle`; one that reaches here is not awaited.
            Event::QueryAnswered(..) => {}
            Event::Slots(outcome) => self.slots_offered(outcome),
            Event::Violations(outcome) => self.violations_answered(outcome),
            Event::Decided(outcome) => self.decided(outcome),
            // Matched to their question in `handle`, like a query's.
            Event::ViolationsAnswered(..) | Event::DecisionAnswered(..) => {}
            Event::Today(date) => self.offer.today = date,
            Event::LatestDaySeen(date) => self.offer.latest_day_seen = Some(date),
            Event::Stored(result) => self.stored(result),
            Event::Printed(result) => self.printed(result),
            Event::ContactCardPrinted(result) => self.contact_card_printed(result.is_ok()),
        }
    }
}
