//! The citizen session:
//! `Attract → ReadingCard → Home (police types, most used, search) → Categories → Items →
//! ItemDetail → Confirm → Submitting → Printing → Done → Attract`,
//! with `OutOfService` in place of `Attract` while a required device is not ready, and an inactivity
//! countdown on every step a citizen can walk away from. Browsing lives in `browse.rs`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip_drivers::id_card::{Date, Identity};

use super::browse::Browsing;
use super::completion::Completion;
use super::form::FormState;
use super::staff::{PinGuard, StaffState};
use crate::catalog::search::SearchIndex;
use crate::catalog::{Catalog, Item};
use crate::mask;

pub use super::effect::Effect;
pub use super::event::{Action, Availability, Event};
pub use super::view::{DoneOutcome, Screen, View};
pub use crate::audit::AuditEvent;
pub use crate::submission::{NewSubmission, ReceiptRequest, StoredSubmission};

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
        }
    }
}

pub(super) struct Session {
    /// The card read at the start; `None` for a citizen browsing without one (no card with
    /// them): guides print, and an item that needs identity asks for the card when started.
    pub(super) identity: Option<Identity>,
    started: Instant,
    /// Where the citizen is in the catalog and what they chose (browse.rs).
    pub(super) browsing: Browsing,
    /// Screens to go back to.
    pub(super) history: Vec<Screen>,
    /// The chosen item's questions (form.rs).
    pub(super) form: FormState,
    /// What upstream answered for a query or an appointment (completion.rs).
    pub(super) completion: Completion,
    submission: Option<StoredSubmission>,
    outcome: Option<DoneOutcome>,
    /// The card left the reader since it was read (or put back: the same card clears it).
    card_away: bool,
    /// At Confirm with the card away: waiting for the same card before submitting.
    confirm_notice: Option<ConfirmNotice>,
}

/// Why Confirm waits: the applicant's card is not on the reader (whoever stands at the screen
/// now may not be the applicant), or another person's card was put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConfirmNotice {
    PlaceCardAgain,
    NotTheApplicant,
}

pub struct Engine {
    pub(super) config: EngineConfig,
    pub(super) catalog: Arc<Catalog>,
    pub(super) index: SearchIndex,
    /// A newer catalog waiting for the current session to end.
    pending_catalog: Option<Arc<Catalog>>,
    pub(super) usage: HashMap<String, u64>,
    pub(super) today: Date,
    pub(super) screen: Screen,
    availability: Availability,
    pub(super) english: bool,
    elderly: bool,
    voice: bool,
    pub(super) session: Option<Session>,
    notice: String,
    /// When the current screen last saw a touch or an event that restarts its clock.
    pub(super) since: Instant,
    pub(super) countdown_from: Option<Instant>,
    pub(super) now: Instant,
    pub(super) effects: VecDeque<Effect>,
    pub(super) staff: Option<StaffState>,
    pub(super) pin_guard: PinGuard,
    pub(super) staff_since: Instant,
}

impl Engine {
    pub fn new(config: EngineConfig, catalog: Arc<Catalog>, now: Instant, today: Date) -> Engine {
        let english = config.english_default;
        let voice = config.voice_default;
        Engine {
            config,
            index: SearchIndex::new(&catalog),
            catalog,
            pending_catalog: None,
            usage: HashMap::new(),
            today,
            screen: Screen::OutOfService,
            availability: Availability::OutOfService(vec![super::outage::Outage::Starting]),
            english,
            elderly: false,
            voice,
            session: None,
            notice: String::new(),
            since: now,
            countdown_from: None,
            now,
            effects: VecDeque::new(),
            staff: None,
            pin_guard: PinGuard::default(),
            staff_since: now,
        }
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    fn swap_catalog(&mut self, catalog: Arc<Catalog>) {
        self.index = SearchIndex::new(&catalog);
        self.effects
            .push_back(Effect::Audit(AuditEvent::CatalogSwapped {
                version: catalog.version.clone(),
            }));
        self.catalog = catalog;
    }

    pub(super) fn item(&self) -> Option<&Item> {
        self.session.as_ref()?.browsing.chosen_item(&self.catalog)
    }

    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// Elderly mode doubles every timeout.
    pub(super) fn scaled(&self, d: Duration) -> Duration {
        if self.elderly {
            d * 2
        } else {
            d
        }
    }

    /// Screens a citizen can walk away from.
    pub(super) fn idle_screen(&self) -> bool {
        matches!(
            self.screen,
            Screen::Home
                | Screen::Categories
                | Screen::Items
                | Screen::Search
                | Screen::ItemDetail
                | Screen::Form
                | Screen::QueryResult
                | Screen::Slots
                | Screen::Confirm
        )
    }

    /// When the engine next wants a `Tick`.
    pub fn handle(&mut self, event: Event, now: Instant) {
        self.now = now;
        let what = super::journal::describe(&event);
        let had_session = self.session.is_some();
        let at_ms = self
            .session
            .as_ref()
            .map(|s| now.saturating_duration_since(s.started).as_millis() as u64)
            .unwrap_or(0);
        let before = (self.screen, self.countdown_showing());
        self.handle_event(event);
        self.journal(what, had_session, at_ms, before);
    }

    /// When the open session began.
    pub(super) fn session_started(&self) -> Option<Instant> {
        self.session.as_ref().map(|s| s.started)
    }

    pub(super) fn countdown_showing(&self) -> bool {
        self.countdown_from.is_some()
    }

    pub(super) fn form_rejected(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.form.has_error())
    }

    fn handle_event(&mut self, event: Event) {
        match event {
            Event::Tick => self.tick(),
            Event::Availability(a) => {
                self.availability = a;
                if matches!(self.screen, Screen::Attract | Screen::OutOfService) {
                    self.show_idle();
                }
            }
            Event::CardDetected => {
                if self.screen == Screen::Attract {
                    self.notice.clear();
                    self.go(Screen::ReadingCard);
                }
            }
            Event::CardPresented(identity) => {
                if matches!(self.screen, Screen::Attract | Screen::ReadingCard) {
                    self.start_session(Some(*identity));
                } else if self.session.as_ref().is_some_and(|s| s.identity.is_none()) {
                    self.card_for_browsing(*identity);
                } else {
                    self.card_back(&identity);
                }
            }
            Event::CardRemoved => {
                if let Some(s) = self.session.as_mut() {
                    s.card_away = true;
                }
            }
            Event::CardReadFailed(reason) => {
                if matches!(self.screen, Screen::Attract | Screen::ReadingCard) {
                    tracing::debug!(%reason, "card read failed");
                    self.notice = if self.english {
                        "The card could not be read. Please place it flat on the reader again."
                            .into()
                    } else {
                        "未能读取身份证，请将身份证平放在读卡区后重试".into()
                    };
                    self.show_idle();
                }
            }
            Event::ReceiptScanned(number) => {
                if self.screen == Screen::Form {
                    // The QR on a case notice or receipt answers the "number" question.
                    self.scanned_number(number);
                } else if self.screen == Screen::Attract {
                    self.notice = if self.english {
                        format!("Receipt {number}: please ask at the counter for its progress.")
                    } else {
                        format!("受理编号 {number}：办理进度请到窗口查询")
                    };
                }
            }
            Event::UnknownCodeScanned => {
                if self.screen == Screen::Attract {
                    self.notice = if self.english {
                        "This code is not recognised. Please scan the QR code on your receipt."
                            .into()
                    } else {
                        "无法识别此二维码，请扫描受理回执上的二维码".into()
                    };
                }
            }
            Event::Touch(action) => self.touch(action),
            Event::CatalogUpdated(catalog) => {
                if self.session.is_some() {
                    self.pending_catalog = Some(catalog);
                } else {
                    self.swap_catalog(catalog);
                }
            }
            Event::UsageCounts(counts) => self.usage = counts,
            Event::StaffReport(report) => self.staff_report(*report),
            Event::Requeued { number, outcome } => self.staff_notice(super::staff_words::requeued(
                &number,
                &outcome,
                self.english,
            )),
            Event::Reprinted { number, result } => self.staff_notice(
                super::staff_words::reprinted(&number, &result, self.english),
            ),
            Event::PinGuardRestored(state) => self.restore_pin_guard(state),
            Event::QueryResult(outcome) => self.query_result(outcome),
            Event::Slots(outcome) => self.slots_offered(outcome),
            Event::Today(date) => self.today = date,
            Event::Stored(result) => self.stored(result),
            Event::Printed(result) => self.printed(result),
        }
    }

    pub(super) fn go(&mut self, screen: Screen) {
        if let Some(s) = self.session.as_mut() {
            s.confirm_notice = None;
        }
        self.screen = screen;
        self.since = self.now;
        self.countdown_from = None;
    }

    pub(super) fn show_idle(&mut self) {
        match &self.availability {
            Availability::Available => self.go(Screen::Attract),
            Availability::OutOfService(_) => self.go(Screen::OutOfService),
        }
    }

    pub(super) fn start_session(&mut self, identity: Option<Identity>) {
        if identity.as_ref().is_some_and(|i| i.card_type.is_foreign()) {
            self.english = true;
        }
        self.effects
            .push_back(Effect::Audit(AuditEvent::SessionStarted {
                card_type: match &identity {
                    Some(i) => format!("{:?}", i.card_type),
                    None => "none".into(),
                },
            }));
        self.session = Some(Session {
            identity,
            started: self.now,
            browsing: Browsing::default(),
            history: Vec::new(),
            form: FormState::default(),
            completion: Completion::default(),
            submission: None,
            outcome: None,
            card_away: false,
            confirm_notice: None,
        });
        self.go(Screen::Home);
    }

    pub(super) fn end_session(&mut self, reason: &'static str) {
        if self.session.take().is_some() {
            self.effects
                .push_back(Effect::Audit(AuditEvent::SessionEnded { reason }));
            self.effects.push_back(Effect::WipeSession);
        }
        if let Some(c) = self.pending_catalog.take() {
            self.swap_catalog(c);
        }
        self.english = self.config.english_default;
        self.elderly = false;
        self.voice = self.config.voice_default;
        self.show_idle();
    }

    fn touch(&mut self, action: Action) {
        if self.staff_screen() {
            self.staff_touch(action);
            return;
        }
        if action == Action::StaffEntry {
            self.open_pin_pad();
            return;
        }
        // Any touch on a walk-away screen restarts its clock.
        if self.idle_screen() {
            self.since = self.now;
            self.countdown_from = None;
        }
        match (self.screen, action) {
            (_, Action::ToggleLanguage) => self.english = !self.english,
            (_, Action::ToggleElderly) => self.elderly = !self.elderly,
            (_, Action::ToggleVoice) => self.voice = !self.voice,
            (_, Action::StillHere) => {}
            (Screen::Attract, Action::BrowseWithoutCard) => self.start_session(None),
            (screen, action) if self.browsing(screen) => self.browse(action),
            (Screen::Form, Action::FormKey(c)) => self.form_key(c),
            (Screen::Form, Action::FormBackspace) => self.form_backspace(),
            (Screen::Form, Action::FormChoose(code)) => self.form_answer(Some(code)),
            (Screen::Form, Action::FormNext) => self.form_answer(None),
            (Screen::Form, Action::Back) => self.form_back(),
            (Screen::QueryResult, Action::RateCase) => self.rate_case(),
            (Screen::Slots, Action::ChooseSlot(id)) => self.choose_slot(id),
            (Screen::Slots, Action::GuideInstead) => self.guide_instead(),
            (Screen::QueryResult, Action::Finish) => self.end_session("done"),
            (Screen::QueryResult | Screen::Slots | Screen::Confirm, Action::Back) => {
                self.back_into_form()
            }
            (
                Screen::Form | Screen::QueryResult | Screen::Slots | Screen::Confirm,
                Action::Home,
            ) => self.home(),
            (Screen::Confirm, Action::Confirm) => {
                // Whoever is at the screen now must be the applicant: with the card taken away, the
                // same card (same ID number) confirms the submission.
                if let Some(s) = self.session.as_mut().filter(|s| s.card_away) {
                    s.confirm_notice = Some(ConfirmNotice::PlaceCardAgain);
                    return;
                }
                self.submit();
            }
            (Screen::Done, Action::Finish | Action::Home) => self.end_session("done"),
            _ => {}
        }
    }

    /// A card during a session: the applicant's own puts it back on the reader (and confirms a
    /// waiting submission); anyone else's is not taken.
    fn card_back(&mut self, identity: &Identity) {
        let on_confirm = self.screen == Screen::Confirm;
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let Some(own) = s.identity.as_ref() else {
            return;
        };
        if identity.id_number != own.id_number {
            if on_confirm && s.confirm_notice.is_some() {
                s.confirm_notice = Some(ConfirmNotice::NotTheApplicant);
            }
            return;
        }
        s.card_away = false;
        if on_confirm && s.confirm_notice.is_some() {
            s.confirm_notice = None;
            self.submit();
        }
    }

    /// The confirmed application goes to the store.
    fn submit(&mut self) {
        let Some(s) = self.session.as_ref() else {
            return;
        };
        let Some(item) = s.browsing.chosen_item(&self.catalog) else {
            return;
        };
        // A submission is always someone's: items that submit ask for the card first.
        let Some(identity) = s.identity.clone() else {
            return;
        };
        self.effects.push_back(Effect::Submit(NewSubmission {
            item_code: item.code.clone(),
            kind: if item.mode == crate::catalog::Mode::Appointment {
                "appointment"
            } else {
                item.kind.name()
            },
            identity,
            answers: s.form.answer_pairs(),
            english: self.english,
        }));
        self.go(Screen::Submitting);
    }

    pub(super) fn stored(&mut self, result: Result<StoredSubmission, String>) {
        if self.screen != Screen::Submitting {
            return;
        }
        let english = self.english;
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match result {
            Ok(stored) => {
                let Some(item) = s.browsing.chosen_item(&self.catalog) else {
                    return;
                };
                self.effects.push_back(Effect::Audit(AuditEvent::Submitted {
                    submission_id: stored.id.clone(),
                }));
                self.effects.push_back(Effect::Print(ReceiptRequest {
                    submission: stored.clone(),
                    item_code: item.code.to_string(),
                    item_name: item.name(english).to_string(),
                    next_steps: item.next_steps(english),
                    name_masked: s
                        .identity
                        .as_ref()
                        .map(|i| mask::name(&i.name))
                        .unwrap_or_default(),
                    id_masked: s
                        .identity
                        .as_ref()
                        .map(|i| mask::id_number(&i.id_number))
                        .unwrap_or_default(),
                    english,
                }));
                s.submission = Some(stored);
                self.go(Screen::Printing);
            }
            Err(reason) => {
                tracing::error!(%reason, "submission not stored");
                s.outcome = Some(DoneOutcome::NotSaved);
                self.go(Screen::Done);
            }
        }
    }

    pub(super) fn printed(&mut self, result: Result<(), String>) {
        if self.screen != Screen::Printing {
            return;
        }
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let id = s
            .submission
            .as_ref()
            .map(|x| x.id.clone())
            .unwrap_or_default();
        match result {
            Ok(()) => {
                s.outcome = Some(DoneOutcome::Printed);
                self.effects
                    .push_back(Effect::Audit(AuditEvent::ReceiptPrinted {
                        submission_id: id,
                    }));
            }
            Err(reason) => {
                s.outcome = Some(DoneOutcome::PrintFailed);
                self.effects
                    .push_back(Effect::Audit(AuditEvent::ReceiptFailed {
                        submission_id: id,
                        reason,
                    }));
            }
        }
        self.go(Screen::Done);
    }

    pub fn view(&self) -> View {
        let s = self.session.as_ref();
        let countdown = self.countdown_from.map(|from| {
            let total = self.scaled(self.config.countdown);
            let left = total.saturating_sub(self.now.saturating_duration_since(from));
            left.as_secs_f32().ceil() as u32
        });
        let mut view = View {
            screen: self.screen,
            english: self.english,
            elderly: self.elderly,
            name_masked: s
                .and_then(|s| s.identity.as_ref())
                .map(|i| mask::name(&i.name))
                .unwrap_or_default(),
            id_masked: s
                .and_then(|s| s.identity.as_ref())
                .map(|i| mask::id_number(&i.id_number))
                .unwrap_or_default(),
            police_types: Vec::new(),
            most_used: Vec::new(),
            most_used_featured: false,
            heading: String::new(),
            categories: Vec::new(),
            items: Vec::new(),
            query: String::new(),
            keys: String::new(),
            detail: None,
            selected_item: self
                .item()
                .map(|i| i.name(self.english).to_string())
                .unwrap_or_default(),
            submission_number: s
                .and_then(|s| s.submission.as_ref())
                .map(|x| x.number.clone())
                .unwrap_or_default(),
            outcome: s.and_then(|s| s.outcome.clone()),
            tracking_link: match s.and_then(|s| s.submission.as_ref()) {
                Some(saved)
                    if self.screen == Screen::Done && !self.config.tracking_url.is_empty() =>
                {
                    crate::receipt::tracking_link(&self.config.tracking_url, &saved.number)
                }
                _ => String::new(),
            },
            notice: match (&self.screen, &self.availability) {
                (Screen::OutOfService, Availability::OutOfService(why)) => {
                    super::outage::reason(why, self.english)
                }
                (Screen::Attract, _) => self.notice.clone(),
                (Screen::Confirm, _) => match s.and_then(|s| s.confirm_notice) {
                    Some(ConfirmNotice::PlaceCardAgain) => if self.english {
                        "Please place your ID card on the reader again to confirm it is you."
                    } else {
                        "请把本人身份证再放到读卡区，确认由本人提交"
                    }
                    .to_string(),
                    Some(ConfirmNotice::NotTheApplicant) => if self.english {
                        "This is not the applicant's card. Please place the applicant's own card."
                    } else {
                        "这不是本次办理人的证件，请放置办理人本人的身份证"
                    }
                    .to_string(),
                    None => String::new(),
                },
                _ => String::new(),
            },
            countdown,
            pin_length: 0,
            staff_message: String::new(),
            staff: None,
            form: None,
            summary: Vec::new(),
            query_outcome: None,
            slots: None,
            prompt: String::new(),
            voice: self.voice,
        };
        if let Some(s) = s {
            self.browse_view(&mut view);
            self.form_view(&mut view);
            s.completion.show(self.screen, &mut view);
        }
        self.staff_view(&mut view);
        view.prompt = self.prompt(&view);
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::shipped;
    use crate::engine::{Harness, Outage};
    use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};
    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    pub(crate) const TODAY: Date = Date {
        year: 2026,
        month: 11,
        day: 29,
    };

    fn new_engine(t0: Instant) -> Harness {
        let e = Engine::new(
            EngineConfig::new(Duration::from_secs(60)),
            Arc::new(shipped()),
            t0,
            TODAY,
        );
        Harness::simulated(e, t0)
    }

    fn engine() -> (Harness, Instant) {
        let t0 = Instant::now();
        let mut e = new_engine(t0);
        e.handle_at(Event::Availability(Availability::Available), t0);
        (e, t0)
    }

    fn card(c: SimCard) -> Event {
        Event::CardPresented(Box::new(parse(&c.text, c.photo)))
    }

    fn drain(e: &mut Harness) -> Vec<Effect> {
        e.take_effects().into_iter().collect()
    }

    fn walk_to_confirm(e: &mut Harness, t: Instant) {
        e.handle_at(Event::CardDetected, t);
        assert_eq!(e.screen(), Screen::ReadingCard);
        e.handle_at(card(SimCard::resident_sample()), t);
        assert_eq!(e.screen(), Screen::Home);
        e.handle_at(Event::Touch(Action::ChoosePoliceType("ZA".into())), t);
        assert_eq!(e.screen(), Screen::Categories);
        e.handle_at(Event::Touch(Action::ChooseCategory("ZA-FZJL".into())), t);
        assert_eq!(e.screen(), Screen::Items);
        e.handle_at(Event::Touch(Action::SelectItem("ZA-FZJL-01".into())), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        e.handle_at(Event::Touch(Action::Start), t);
        // The form: one question per screen.
        assert_eq!(e.screen(), Screen::Form);
        e.handle_at(Event::Touch(Action::FormChoose("employment".into())), t);
        for c in "13812345678".chars() {
            e.handle_at(Event::Touch(Action::FormKey(c)), t);
        }
        e.handle_at(Event::Touch(Action::FormNext), t);
        assert_eq!(e.screen(), Screen::Confirm);
    }

    #[test]
    fn starts_out_of_service_until_devices_are_ready() {
        let t0 = Instant::now();
        let mut e = new_engine(t0);
        assert_eq!(e.screen(), Screen::OutOfService);
        e.handle_at(card(SimCard::resident_sample()), t0);
        assert_eq!(e.screen(), Screen::OutOfService);
        e.handle_at(Event::Availability(Availability::Available), t0);
        assert_eq!(e.screen(), Screen::Attract);
        e.handle_at(
            Event::Availability(Availability::OutOfService(vec![Outage::Device {
                kind: DeviceKind::Printer,
                status: Some(DeviceStatus {
                    paper: Some(PaperLevel::Out),
                    ..DeviceStatus::new(DeviceState::Online)
                }),
            }])),
            t0,
        );
        assert_eq!(e.view().notice, "回执打印机缺纸");
    }

    #[test]
    fn the_skeleton_flow_end_to_end() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        let v = e.view();
        assert_eq!(v.name_masked, "张*明");
        assert_eq!(v.id_masked, "330106********1231");
        assert_eq!(v.selected_item, "无犯罪记录证明（个人）");
        drain(&mut e);
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.screen(), Screen::Submitting);
        let effects = drain(&mut e);
        assert!(
            matches!(&effects[..], [Effect::Submit(s), Effect::Audit(AuditEvent::Journal(_))] if s.item_code == "ZA-FZJL-01")
        );
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "id-1".into(),
                number: "HZ-000001".into(),
            })),
            t,
        );
        assert_eq!(e.screen(), Screen::Printing);
        let effects = drain(&mut e);
        let receipt = effects
            .iter()
            .find_map(|e| match e {
                Effect::Print(r) => Some(r.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(receipt.name_masked, "张*明");
        assert_eq!(receipt.submission.number, "HZ-000001");
        e.handle_at(Event::Printed(Ok(())), t);
        assert_eq!(e.screen(), Screen::Done);
        assert_eq!(e.view().outcome, Some(DoneOutcome::Printed));
        e.handle_at(Event::Touch(Action::Finish), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(drain(&mut e)
            .iter()
            .any(|e| matches!(e, Effect::WipeSession)));
        let v = e.view();
        assert!(v.name_masked.is_empty() && v.id_masked.is_empty());
        assert!(v.police_types.is_empty() && v.items.is_empty() && v.detail.is_none());
    }

    #[test]
    fn inactivity_shows_a_countdown_then_wipes() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        drain(&mut e);
        let deadline = e.next_deadline().unwrap();
        assert_eq!(deadline, t + Duration::from_secs(60));
        e.handle_at(Event::Tick, deadline);
        assert_eq!(e.view().countdown, Some(15));
        e.handle_at(Event::Tick, deadline + Duration::from_secs(5));
        assert_eq!(e.view().countdown, Some(10));
        // "Continue" restarts the clock.
        e.handle_at(
            Event::Touch(Action::StillHere),
            deadline + Duration::from_secs(6),
        );
        assert_eq!(e.view().countdown, None);
        let later = deadline + Duration::from_secs(6) + Duration::from_secs(60);
        e.handle_at(Event::Tick, later);
        e.handle_at(Event::Tick, later + Duration::from_secs(15));
        assert_eq!(e.screen(), Screen::Attract);
        assert!(drain(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::WipeSession)));
        assert!(e.view().name_masked.is_empty());
    }

    #[test]
    fn elderly_mode_doubles_the_timeout() {
        let (mut e, t) = engine();
        e.handle_at(Event::Touch(Action::ToggleElderly), t);
        assert!(e.view().elderly);
        walk_to_confirm(&mut e, t);
        assert_eq!(e.next_deadline(), Some(t + Duration::from_secs(120)));
    }

    #[test]
    fn print_failure_still_shows_the_number() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "id-2".into(),
                number: "HZ-000002".into(),
            })),
            t,
        );
        e.handle_at(Event::Printed(Err("paper out".into())), t);
        let v = e.view();
        assert_eq!(v.screen, Screen::Done);
        assert_eq!(v.outcome, Some(DoneOutcome::PrintFailed));
        assert_eq!(v.submission_number, "HZ-000002");
    }

    #[test]
    fn a_hung_printer_gives_up_and_shows_the_number() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "id-3".into(),
                number: "HZ-000003".into(),
            })),
            t,
        );
        assert_eq!(e.next_deadline(), Some(t + Duration::from_secs(60)));
        e.handle_at(Event::Tick, t + Duration::from_secs(60));
        let v = e.view();
        assert_eq!(
            (v.screen, v.outcome),
            (Screen::Done, Some(DoneOutcome::PrintFailed))
        );
        assert_eq!(v.submission_number, "HZ-000003");
        // A late answer from the printer changes nothing.
        e.handle_at(Event::Printed(Ok(())), t + Duration::from_secs(61));
        assert_eq!(e.view().outcome, Some(DoneOutcome::PrintFailed));
    }

    /// Review M8: a citizen who walked away left their session to the next person, who could
    /// submit in their name. With the card taken away, only the same card confirms.
    #[test]
    fn with_the_card_taken_away_only_the_same_card_confirms() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::CardRemoved, t);
        drain(&mut e);
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.screen(), Screen::Confirm);
        assert_eq!(
            e.view().notice,
            "请把本人身份证再放到读卡区，确认由本人提交"
        );
        assert!(!drain(&mut e).iter().any(|x| matches!(x, Effect::Submit(_))));
        // Somebody else's card is not taken.
        e.handle_at(card(SimCard::elderly_long_term_sample()), t);
        assert_eq!(e.screen(), Screen::Confirm);
        assert!(e.view().notice.starts_with("这不是本次办理人的证件"));
        assert!(!drain(&mut e).iter().any(|x| matches!(x, Effect::Submit(_))));
        // The applicant's own card submits at once.
        e.handle_at(card(SimCard::resident_sample()), t);
        assert_eq!(e.screen(), Screen::Submitting);
        let fx = drain(&mut e);
        assert!(fx.iter().any(|x| matches!(
            x,
            Effect::Submit(s) if s.identity.id_number == "330106198503121231"
        )));

        // With the card left on the reader (or put back earlier), Confirm submits directly.
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::CardRemoved, t);
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.screen(), Screen::Submitting);
    }

    /// Review L1: a store that never answers held the citizen on "Submitting" for ever.
    #[test]
    fn a_store_that_does_not_answer_is_a_failure_after_the_deadline() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.next_deadline(), Some(t + e.config.submit_timeout));
        e.handle_at(Event::Tick, t + e.config.submit_timeout);
        assert_eq!(e.view().outcome, Some(DoneOutcome::NotSaved));
        // A late answer changes nothing.
        drain(&mut e);
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "late".into(),
                number: "T-000001".into(),
            })),
            t + e.config.submit_timeout,
        );
        assert_eq!(e.view().outcome, Some(DoneOutcome::NotSaved));
    }

    /// The kiosk arms one UI timer at `next_deadline()`: a deadline that is already due after a
    /// tick would spin it. Past the longest session, while the store is still committing (busy),
    /// and through the countdown, every tick leaves the next deadline in the future.
    #[test]
    fn no_timer_is_left_due_after_a_tick() {
        use crate::engine::Timer;
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        // Confirmed just before the longest session is up; the store is still at it after.
        let confirmed = t + e.config.max_session - Duration::from_secs(10);
        e.handle_at(Event::Touch(Action::Confirm), confirmed);
        assert_eq!(e.screen(), Screen::Submitting);
        let late = t + e.config.max_session + Duration::from_secs(1);
        e.handle_at(Event::Tick, late);
        assert_eq!(e.screen(), Screen::Submitting);
        assert_eq!(
            e.timers(),
            [(Timer::SubmitTimeout, confirmed + e.config.submit_timeout)],
            "the longest-session timer waits while the store works"
        );
        // Walking away from Home: the countdown steps once a second, then the session ends.
        let (mut h, _) = engine();
        h.handle(card(SimCard::resident_sample()));
        assert_eq!(h.screen(), Screen::Home);
        let mut ticks = 0;
        while h.screen() == Screen::Home {
            let before = h.now();
            let due = h.run_to_deadline().expect("a deadline on Home");
            assert!(due > before, "a timer was due after a tick");
            ticks += 1;
            assert!(ticks < 100, "the countdown never ended");
        }
        assert_eq!(h.screen(), Screen::Attract);
        // One tick for the countdown to appear, one per second of it, and the end.
        assert_eq!(ticks, 1 + h.config.countdown.as_secs() as usize);
    }

    #[test]
    fn store_failure_says_nothing_was_submitted() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        drain(&mut e);
        e.handle_at(Event::Stored(Err("disk full".into())), t);
        assert_eq!(e.view().outcome, Some(DoneOutcome::NotSaved));
        assert!(!drain(&mut e).iter().any(|x| matches!(x, Effect::Print(_))));
    }

    #[test]
    fn foreign_card_switches_to_english_and_back_after() {
        let (mut e, t) = engine();
        e.handle_at(card(SimCard::foreign_old_sample()), t);
        assert!(e.view().english);
        assert_eq!(e.view().police_types[0].name, "Household");
        e.handle_at(Event::Touch(Action::Home), t);
        assert!(!e.view().english);
    }

    #[test]
    fn read_failure_returns_to_attract_with_a_notice() {
        let (mut e, t) = engine();
        e.handle_at(Event::CardDetected, t);
        e.handle_at(Event::CardReadFailed("SW3 41".into()), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e.view().notice.contains("未能读取身份证"));
        e.handle_at(Event::CardDetected, t);
        e.handle_at(Event::Tick, t + Duration::from_secs(11));
        assert_eq!(e.screen(), Screen::Attract);
    }

    #[test]
    fn scanning_a_receipt_on_attract_names_its_number() {
        let (mut e, t) = engine();
        e.handle_at(Event::ReceiptScanned("HZ-000007".into()), t);
        assert_eq!(e.view().notice, "受理编号 HZ-000007：办理进度请到窗口查询");
        e.handle_at(Event::UnknownCodeScanned, t);
        assert!(e.view().notice.contains("无法识别"));
        // Not during a session.
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::ReceiptScanned("HZ-000008".into()), t);
        assert_eq!(e.view().notice, "");
    }

    #[test]
    fn done_screen_returns_by_itself() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "i".into(),
                number: "n".into(),
            })),
            t,
        );
        e.handle_at(Event::Printed(Ok(())), t);
        let d = e.next_deadline().unwrap();
        e.handle_at(Event::Tick, d);
        assert_eq!(e.screen(), Screen::Attract);
    }

    #[test]
    fn a_session_has_a_hard_cap() {
        let (mut e, t) = engine();
        e.handle_at(card(SimCard::resident_sample()), t);
        // Keep touching so inactivity never fires.
        let mut now = t;
        for _ in 0..20 {
            now += Duration::from_secs(50);
            e.handle_at(Event::Touch(Action::StillHere), now);
            e.handle_at(Event::Tick, now);
        }
        assert_eq!(e.screen(), Screen::Attract);
    }

    #[test]
    fn back_and_home() {
        let (mut e, t) = engine();
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Form);
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Form);
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Items);
        e.handle_at(Event::Touch(Action::Home), t);
        assert_eq!(e.screen(), Screen::Home);
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Attract);
    }
}
