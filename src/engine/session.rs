//! The citizen session:
//! `Attract → ReadingCard → Home (police types, most used, search) → Categories → Items →
//! ItemDetail → Confirm → Submitting → Printing → Done → Attract`,
//! with `OutOfService` in place of `Attract` while a required device is not ready, and an inactivity
//! countdown on every step a citizen can walk away from. Browsing lives in `browse.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip_drivers::id_card::Identity;

use super::browse::Browsing;
use super::community::CardPrint;
use super::completion::Completion;
use super::decision::Deciding;
use super::effect::Effect;
use super::event::{Action, Availability};
use super::form::FormState;
use super::submitting::Submitting;
use super::view::Screen;
use super::{Engine, Phase};
use crate::catalog::search::SearchIndex;
use crate::catalog::{Catalog, Item};
use crate::vocab::audit::AuditEvent;

/// A citizen's session: the card they gave (if any), where they are and what they have chosen,
/// answered and been told, and what became of their application.
pub(super) struct Session {
    pub(super) screen: Screen,
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
    /// The confirmed application: the card check, the stored record, the receipt (submitting.rs).
    pub(super) submitting: Submitting,
    /// A decision item's violations and upstream's decision (decision.rs).
    pub(super) deciding: Deciding,
    /// The community panel's contact card (community.rs).
    pub(super) contact_card: CardPrint,
}

impl Session {
    /// The session's card was read and has not left the reader since.
    pub(super) fn card_on_reader(&self) -> bool {
        self.identity.is_some() && !self.submitting.card_away()
    }

    fn new(identity: Option<Identity>, now: Instant) -> Session {
        Session {
            screen: Screen::Home,
            identity,
            started: now,
            browsing: Browsing::default(),
            history: Vec::new(),
            form: FormState::default(),
            completion: Completion::default(),
            submitting: Submitting::default(),
            deciding: Deciding::default(),
            contact_card: CardPrint::default(),
        }
    }
}

impl Engine {
    pub(super) fn swap_catalog(&mut self, catalog: Arc<Catalog>) {
        self.offer.index = SearchIndex::new(&catalog);
        self.effects
            .push_back(Effect::Audit(AuditEvent::CatalogSwapped {
                version: catalog.version.clone(),
            }));
        self.offer.catalog = catalog;
    }

    pub(super) fn item(&self) -> Option<&Item> {
        self.phase
            .session()?
            .browsing
            .chosen_item(&self.offer.catalog)
    }

    /// Elderly mode doubles every timeout.
    pub(super) fn scaled(&self, d: Duration) -> Duration {
        if self.front.elderly {
            d * 2
        } else {
            d
        }
    }

    /// Screens a citizen can walk away from (not a decision upstream is making: its paper is
    /// coming; the session's hard cap still ends a hung one).
    pub(super) fn idle_screen(&self) -> bool {
        if self.decision_waiting() {
            return false;
        }
        matches!(
            self.phase.screen(),
            Screen::Home
                | Screen::Categories
                | Screen::Items
                | Screen::Search
                | Screen::ItemDetail
                | Screen::Form
                | Screen::QueryResult
                | Screen::Slots
                | Screen::Violations
                | Screen::Decision
                | Screen::Confirm
                | Screen::Community
                | Screen::Notices
        )
    }

    /// When the open session began.
    pub(super) fn session_started(&self) -> Option<Instant> {
        self.phase.session().map(|s| s.started)
    }

    pub(super) fn countdown_showing(&self) -> bool {
        self.clock.countdown_from.is_some()
    }

    pub(super) fn form_rejected(&self) -> bool {
        self.phase.session().is_some_and(|s| s.form.has_error())
    }

    pub(super) fn go(&mut self, screen: Screen) {
        if let Some(s) = self.phase.session_mut() {
            s.submitting.clear_notice();
        }
        if screen != self.phase.screen() {
            self.front.help_called = false;
        }
        self.phase.set_screen(screen);
        self.clock.since = self.clock.now;
        self.clock.countdown_from = None;
    }

    pub(super) fn show_idle(&mut self) {
        match &self.front.availability {
            Availability::Available | Availability::PrintingPaused(_) => self.go(Screen::Attract),
            Availability::OutOfService(_) => self.go(Screen::OutOfService),
        }
    }

    pub(super) fn start_session(&mut self, identity: Option<Identity>) {
        if identity.as_ref().is_some_and(|i| i.card_type.is_foreign()) {
            self.front.english = true;
        }
        self.effects
            .push_back(Effect::Audit(AuditEvent::SessionStarted {
                card_type: match &identity {
                    Some(i) => format!("{:?}", i.card_type),
                    None => "none".into(),
                },
            }));
        self.phase = Phase::Citizen(Session::new(identity, self.clock.now));
        self.go(Screen::Home);
    }

    pub(super) fn end_session(&mut self, reason: &'static str) {
        if let Phase::Citizen(_) = std::mem::replace(&mut self.phase, Phase::Idle(Screen::Attract))
        {
            self.effects
                .push_back(Effect::Audit(AuditEvent::SessionEnded { reason }));
            self.effects.push_back(Effect::WipeSession);
        }
        if let Some(c) = self.offer.pending.take() {
            self.swap_catalog(c);
        }
        self.front.english = self.config.english_default;
        self.front.elderly = false;
        self.front.voice = self.config.voice_default;
        self.front.volume = super::VOLUME_DEFAULT;
        self.show_idle();
    }

    pub(super) fn touch(&mut self, action: Action) {
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
            self.clock.since = self.clock.now;
            self.clock.countdown_from = None;
        }
        match (self.phase.screen(), action) {
            (_, Action::ToggleLanguage) => {
                self.front.english = !self.front.english;
                // Letters typed as pinyin initials mean nothing as English words, and back.
                if let Some(s) = self.phase.session_mut() {
                    s.browsing.clear_query();
                }
            }
            (_, Action::ToggleElderly) => self.front.elderly = !self.front.elderly,
            (_, Action::ToggleVoice) => self.front.voice = !self.front.voice,
            // One control: softer from the lowest step is off; louder from off is on again.
            (_, Action::VolumeUp) => {
                if self.front.voice {
                    self.front.volume = (self.front.volume + 1).min(super::VOLUME_STEPS);
                } else {
                    self.front.voice = true;
                }
            }
            (_, Action::VolumeDown) => {
                if self.front.volume <= 1 {
                    self.front.voice = false;
                } else if self.front.voice {
                    self.front.volume -= 1;
                }
            }
            (_, Action::StillHere) => {}
            (Screen::Attract, Action::BrowseWithoutCard) => self.start_session(None),
            (Screen::Attract, Action::OpenCommunity) => self.open_community(),
            (Screen::Community, Action::PrintContactCard) => self.print_contact_card(),
            (Screen::Community, Action::CommunityRequests) => self.community_requests(),
            (Screen::Community, Action::OpenNotices) => {
                if let Some(s) = self.phase.session_mut() {
                    s.history.push(Screen::Community);
                }
                self.go(Screen::Notices);
            }
            (Screen::Notices, Action::Back) => {
                if let Some(s) = self.phase.session_mut() {
                    s.history.pop();
                }
                self.go(Screen::Community);
            }
            (Screen::Notices, Action::Home | Action::Finish) => self.end_session("done"),
            (Screen::Community, Action::Back | Action::Home | Action::Finish) => {
                self.end_session("done")
            }
            // Before browsing's own actions: an item waiting for the printer offers it too.
            (_, Action::CallStaff) => self.call_staff(),
            (screen, action) if self.browsing(screen) => self.browse(action),
            (Screen::Form, Action::FormKey(c)) => self.form_key(c),
            (Screen::Form, Action::FormBackspace) => self.form_backspace(),
            (Screen::Form, Action::FormChoose(code)) => self.form_answer(Some(code)),
            (Screen::Form, Action::FormNext) => self.form_answer(None),
            (Screen::Form, Action::Back) => self.form_back(),
            (Screen::QueryResult, Action::RateCase) => self.rate_case(),
            (Screen::QueryResult, Action::PrintAcceptance) => self.print_acceptance(),
            (Screen::Slots, Action::ChooseSlot(id)) => self.choose_slot(id),
            (Screen::Slots, Action::GuideInstead) => self.guide_instead(),
            (Screen::QueryResult | Screen::Slots, Action::Retry) => self.retry(),
            (Screen::Violations, Action::ChooseViolation(id)) => self.choose_violation(id),
            (Screen::Violations | Screen::Decision, Action::Retry) => self.retry_decision(),
            (Screen::Violations | Screen::Decision, Action::GuideInstead) => self.guide_instead(),
            // While upstream decides, nowhere to go: the decision would be left without its paper.
            (Screen::Decision, Action::Finish | Action::Home) if !self.decision_waiting() => {
                self.end_session("done")
            }
            (Screen::Violations, Action::Finish) => self.end_session("done"),
            (Screen::Confirm, Action::GuideInstead) if self.deciding_here() => self.dispute(),
            (Screen::Violations, Action::Back) => self.back_to_item_page(),
            (Screen::Violations, Action::Home) => self.home(),
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
                self.confirm();
            }
            (Screen::Done, Action::Finish | Action::Home) => self.end_session("done"),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DoneOutcome, Event, Harness, Outage, StoredSubmission};
    use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};
    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    fn new_engine(t0: Instant) -> Harness {
        Harness::starting(t0)
    }

    fn engine() -> (Harness, Instant) {
        let t0 = Instant::now();
        (Harness::shipped(t0), t0)
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
        // Nobody chose a language: the reason in the other one too.
        assert_eq!(e.view().notice_other, "Receipt printer: out of paper");
        e.handle_at(Event::Touch(Action::ToggleLanguage), t0);
        assert_eq!(
            (e.view().notice.as_str(), e.view().notice_other.as_str()),
            ("Receipt printer: out of paper", "回执打印机缺纸")
        );
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
                verification_code: None,
                pin: None,
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
    fn the_volume_steps_turn_the_voice_off_and_on_and_reset_after_the_session() {
        let (mut e, t) = engine();
        e.handle_at(Event::Touch(Action::VolumeUp), t);
        e.handle_at(Event::Touch(Action::VolumeUp), t);
        e.handle_at(Event::Touch(Action::VolumeUp), t);
        assert_eq!((e.view().voice, e.view().volume), (true, 5));
        for _ in 0..4 {
            e.handle_at(Event::Touch(Action::VolumeDown), t);
        }
        assert_eq!((e.view().voice, e.view().volume), (true, 1));
        e.handle_at(Event::Touch(Action::VolumeDown), t);
        assert!(!e.view().voice, "softer than the lowest step is off");
        e.handle_at(Event::Touch(Action::VolumeUp), t);
        assert_eq!((e.view().voice, e.view().volume), (true, 1));
        walk_to_confirm(&mut e, t);
        e.handle_at(Event::Touch(Action::Home), t);
        e.handle_at(Event::Touch(Action::Finish), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert_eq!((e.view().voice, e.view().volume), (true, 3));
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
                verification_code: None,
                pin: None,
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
                verification_code: None,
                pin: None,
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
                verification_code: None,
                pin: None,
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
        assert_eq!(
            e.view().notice,
            "提交编号 HZ-000007：请放身份证，在“执法公开 › 本机申请进度查询”中再扫一次"
        );
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
                verification_code: None,
                pin: None,
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
