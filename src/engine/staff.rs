//! Station staff: a hidden press-and-hold on the idle screen opens a PIN pad; the right PIN opens the
//! staff screen — every device's state, the store's health, the unsent and rejected submissions,
//! receipts that did not print (with reprint), counters and the catalog in force.
//! The PIN is checked against its argon2 hash only when staff press 确认, so the pad never tells
//! how long it is. Wrong PINs are counted; after `MAX_PIN_TRIES` the pad locks for `PIN_LOCKOUT`,
//! each further lockout twice as long; the count and the lockout are kept in the store (through
//! the runtime), so a restart does not reset them.

use std::time::{Duration, Instant};

use super::effect::Effect;
use super::event::Action;
use super::staff_words;
use super::view::{Screen, View};
use super::{Engine, Phase};
use crate::vocab::audit::AuditEvent;
use crate::vocab::staff_report::{PinGuardState, StaffReport, StaffRequest};

pub const MAX_PIN_TRIES: u32 = 5;
pub const PIN_LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// The longest lockout, however many there were.
pub const MAX_PIN_LOCKOUT: Duration = Duration::from_secs(24 * 3600);
/// The staff screen's figures are asked for again this often while it is open.
pub const REFRESH: Duration = Duration::from_secs(2);
/// Staff who walk away are logged out after this.
pub const STAFF_IDLE: Duration = Duration::from_secs(120);

/// `Debug` leaves out the digits being typed.
pub(super) struct StaffState {
    /// The PIN pad, or the staff screen once the PIN was right.
    screen: Screen,
    pin: String,
    report: Option<StaffReport>,
    message: String,
    last_refresh: Option<Instant>,
}

impl std::fmt::Debug for StaffState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffState")
            .field("screen", &self.screen)
            .field("pin_length", &self.pin.chars().count())
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl StaffState {
    fn pad(message: String) -> StaffState {
        StaffState {
            screen: Screen::StaffPin,
            pin: String::new(),
            report: None,
            message,
            last_refresh: None,
        }
    }

    pub(super) fn screen(&self) -> Screen {
        self.screen
    }

    pub(super) fn set_screen(&mut self, screen: Screen) {
        debug_assert!(matches!(screen, Screen::StaffPin | Screen::Staff));
        self.screen = screen;
    }

    /// When the figures were last asked for (the next ask is `REFRESH` later).
    pub(super) fn last_refresh(&self) -> Option<Instant> {
        self.last_refresh
    }
}

#[derive(Debug, Default)]
pub(super) struct PinGuard {
    failures: u32,
    /// Lockouts since the last good PIN: each doubles the next.
    lockouts: u32,
    locked_until: Option<Instant>,
}

impl PinGuard {
    /// How long the pad stays locked from `now` (`None`: not locked).
    fn left(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .map(|t| t.saturating_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    fn state(&self, now: Instant) -> PinGuardState {
        PinGuardState {
            failures: self.failures,
            lockouts: self.lockouts,
            remaining_ms: self.left(now).map_or(0, |d| d.as_millis() as u64),
        }
    }
}

/// What the pad says while it is locked.
fn locked_message(left: Duration, english: bool) -> String {
    staff_words::locked(minutes(left), english)
}

/// 5 min, 10, 20, … up to a day.
fn lockout_after(lockouts: u32) -> Duration {
    PIN_LOCKOUT
        .saturating_mul(1u32 << lockouts.saturating_sub(1).min(16))
        .min(MAX_PIN_LOCKOUT)
}

fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60)
}

impl Engine {
    pub(super) fn staff_screen(&self) -> bool {
        matches!(self.phase.screen(), Screen::StaffPin | Screen::Staff)
    }

    fn staff_request(&mut self, r: StaffRequest) {
        self.effects.push_back(Effect::Staff(r));
    }

    /// From the idle screens only: never in the middle of a citizen's session.
    pub(super) fn open_pin_pad(&mut self) {
        if !matches!(self.phase.screen(), Screen::Attract | Screen::OutOfService) {
            return;
        }
        if self.config.staff_pin.is_none() {
            return;
        }
        self.clock.staff_since = self.clock.now;
        let english = self.front.english;
        let message = self
            .front
            .pin_guard
            .left(self.clock.now)
            .map(|left| locked_message(left, english))
            .unwrap_or_default();
        self.phase = Phase::Staff(StaffState::pad(message));
        self.go(Screen::StaffPin);
    }

    pub(super) fn staff_touch(&mut self, action: Action) {
        self.clock.staff_since = self.clock.now;
        match (self.phase.screen(), action) {
            (_, Action::Back | Action::Home | Action::Finish) => {
                if self.phase.screen() == Screen::Staff {
                    self.effects
                        .push_back(Effect::Audit(AuditEvent::StaffLogout { idle: false }));
                }
                self.leave_staff()
            }
            (Screen::StaffPin, Action::PinDigit(d)) => {
                if self.front.pin_guard.left(self.clock.now).is_some() {
                    return;
                }
                let Some(st) = self.phase.staff_mut() else {
                    return;
                };
                if !d.is_ascii_digit() || st.pin.len() >= crate::config::staff_pin::MAX_DIGITS {
                    return;
                }
                st.pin.push(d);
                st.message.clear();
            }
            (Screen::StaffPin, Action::PinEnter) => self.check_pin(),
            (Screen::StaffPin, Action::PinBackspace) => {
                if let Some(st) = self.phase.staff_mut() {
                    st.pin.pop();
                }
            }
            (Screen::Staff, Action::StaffReprint(number)) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffReprint {
                        number: number.clone(),
                    }));
                if let Some(st) = self.phase.staff_mut() {
                    st.message = staff_words::reprinting(&number, self.front.english);
                }
                self.staff_request(StaffRequest::Reprint(number));
            }
            (Screen::Staff, Action::StaffRequeue(number)) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffRequeue {
                        number: number.clone(),
                    }));
                if let Some(st) = self.phase.staff_mut() {
                    st.message = staff_words::requeueing(&number, self.front.english);
                }
                self.staff_request(StaffRequest::Requeue(number));
            }
            (Screen::Staff, Action::StaffRequeueAllRejected) => {
                // Audited by the store: one row per submission and one for the whole, as staff.
                if let Some(st) = self.phase.staff_mut() {
                    st.message = staff_words::requeueing_all(self.front.english);
                }
                self.staff_request(StaffRequest::RequeueAllRejected);
            }
            (Screen::Staff, Action::StaffPaperReplaced) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffPaperReplaced));
                if let Some(st) = self.phase.staff_mut() {
                    st.message = staff_words::paper_replaced(self.front.english);
                }
                self.staff_request(StaffRequest::PaperReplaced);
                self.refresh_staff();
            }
            _ => {}
        }
    }

    /// 确认 on the pad: the typed PIN against the configured hash.
    fn check_pin(&mut self) {
        let Some(hash) = self.config.staff_pin.clone() else {
            return;
        };
        if self.front.pin_guard.left(self.clock.now).is_some() {
            return;
        }
        let Some(st) = self.phase.staff_mut() else {
            return;
        };
        if st.pin.is_empty() {
            return;
        }
        let typed = std::mem::take(&mut st.pin);
        let ok = crate::config::staff_pin::verify(&hash, &typed);
        self.effects
            .push_back(Effect::Audit(AuditEvent::StaffLogin { ok }));
        if ok {
            self.front.pin_guard = PinGuard::default();
            self.save_pin_guard();
            self.go(Screen::Staff);
            self.refresh_staff();
            return;
        }
        self.front.pin_guard.failures += 1;
        let message = if self.front.pin_guard.failures >= MAX_PIN_TRIES {
            self.front.pin_guard.failures = 0;
            self.front.pin_guard.lockouts += 1;
            let lockout = lockout_after(self.front.pin_guard.lockouts);
            self.front.pin_guard.locked_until = Some(self.clock.now + lockout);
            self.effects
                .push_back(Effect::Audit(AuditEvent::StaffLockedOut {
                    minutes: minutes(lockout),
                }));
            locked_message(lockout, self.front.english)
        } else {
            staff_words::wrong_pin(
                MAX_PIN_TRIES - self.front.pin_guard.failures,
                self.front.english,
            )
        };
        self.save_pin_guard();
        if let Some(st) = self.phase.staff_mut() {
            st.message = message;
        }
    }

    fn save_pin_guard(&mut self) {
        let state = self.front.pin_guard.state(self.clock.now);
        self.staff_request(StaffRequest::SavePinGuard(state));
    }

    /// The kept lockout, at start.
    pub(super) fn restore_pin_guard(&mut self, state: PinGuardState) {
        self.front.pin_guard = PinGuard {
            failures: state.failures.min(MAX_PIN_TRIES - 1),
            lockouts: state.lockouts,
            locked_until: (state.remaining_ms > 0).then(|| {
                self.clock.now + Duration::from_millis(state.remaining_ms).min(MAX_PIN_LOCKOUT)
            }),
        };
        // The pad may already be open (staff were quicker than the store).
        let left = self.front.pin_guard.left(self.clock.now);
        if let (Some(st), Some(left)) = (self.phase.staff_mut(), left) {
            st.pin.clear();
            st.message = locked_message(left, self.front.english);
        }
    }

    pub(super) fn refresh_staff(&mut self) {
        if let Some(st) = self.phase.staff_mut() {
            st.last_refresh = Some(self.clock.now);
        }
        self.staff_request(StaffRequest::Report);
    }

    pub(super) fn leave_staff(&mut self) {
        self.phase = Phase::Idle(Screen::Attract);
        self.go(Screen::Attract);
        // Attract or out of service, whichever holds now.
        self.show_idle();
    }

    pub(super) fn staff_report(&mut self, report: StaffReport) {
        if let Some(st) = self.phase.staff_mut() {
            st.report = Some(report);
        }
    }

    /// How a staff request ended, in words.
    pub(super) fn staff_notice(&mut self, notice: String) {
        if let Some(st) = self.phase.staff_mut() {
            st.message = notice;
        }
        if self.phase.screen() == Screen::Staff {
            self.refresh_staff();
        }
    }

    pub(super) fn staff_view(&self, view: &mut View) {
        let Some(st) = self.phase.staff() else {
            return;
        };
        view.pin_length = st.pin.chars().count() as u32;
        view.staff_message = st.message.clone();
        if self.phase.screen() == Screen::Staff {
            view.staff = st
                .report
                .as_ref()
                .map(|r| staff_words::staff_view(r, self.front.english));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    use super::*;
    use crate::engine::{Availability, EngineConfig, Event, Harness};

    fn engine(t: Instant, pin: Option<&str>) -> Harness {
        let mut cfg = EngineConfig::new(Duration::from_secs(60));
        cfg.staff_pin = pin.map(|p| crate::config::staff_pin::hash(p).unwrap());
        Harness::shipped_with(cfg, t)
    }

    fn digits(e: &mut Harness, pin: &str, t: Instant) {
        for d in pin.chars() {
            e.handle_at(Event::Touch(Action::PinDigit(d)), t);
        }
    }

    /// Types a PIN and presses 确认.
    fn enter(e: &mut Harness, pin: &str, t: Instant) {
        digits(e, pin, t);
        e.handle_at(Event::Touch(Action::PinEnter), t);
    }

    fn effects(e: &mut Harness) -> Vec<Effect> {
        e.take_effects()
    }

    /// The digits staff are typing never show in a debug print (a log line, a panic message).
    #[test]
    fn the_typed_pin_is_not_in_debug_output() {
        let mut st = StaffState::pad(String::new());
        st.pin.push_str("2580");
        let shown = format!("{st:?}");
        assert!(!shown.contains("2580"), "{shown}");
        assert!(shown.contains("pin_length: 4"), "{shown}");
    }

    #[test]
    fn the_right_pin_opens_the_staff_screen_and_asks_for_figures() {
        let t = Instant::now();
        let mut e = engine(t, Some("2580"));
        e.handle_at(Event::Touch(Action::StaffEntry), t);
        assert_eq!(e.screen(), Screen::StaffPin);
        digits(&mut e, "25", t);
        assert_eq!(e.view().pin_length, 2);
        e.handle_at(Event::Touch(Action::PinBackspace), t);
        assert_eq!(e.view().pin_length, 1);
        digits(&mut e, "580", t);
        assert_eq!(
            e.screen(),
            Screen::StaffPin,
            "nothing is checked before 确认"
        );
        e.handle_at(Event::Touch(Action::PinEnter), t);
        assert_eq!(e.screen(), Screen::Staff);
        let fx = effects(&mut e);
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Report)));
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::StaffLogin { ok: true }))));
        e.handle_at(
            Event::StaffReport(Box::new(StaffReport {
                pending: 3,
                ..StaffReport::default()
            })),
            t,
        );
        assert_eq!(e.view().staff.unwrap().pending, 3);
        // The figures refresh every two seconds while the screen is open.
        assert_eq!(e.next_deadline(), Some(t + REFRESH));
        e.handle_at(Event::Tick, t + REFRESH);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Report)));
        // Reprint and paper.
        e.handle_at(Event::Touch(Action::StaffReprint("N-1".into())), t);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Reprint("N-1".into()))));
        e.handle_at(
            Event::Reprinted {
                number: "N-1".into(),
                result: Ok(()),
            },
            t,
        );
        assert_eq!(e.view().staff_message, "N-1 已补打");
        e.handle_at(Event::Touch(Action::StaffPaperReplaced), t);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::PaperReplaced)));
        // Out.
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e.view().staff.is_none());
    }

    #[test]
    fn wrong_pins_are_counted_then_locked_out() {
        let t = Instant::now();
        let mut e = engine(t, Some("2580"));
        e.handle_at(Event::Touch(Action::StaffEntry), t);
        // The pad takes up to eight digits whatever the PIN's length: typing "2580" and more
        // does not log in by itself.
        digits(&mut e, "258012345", t);
        assert_eq!(e.view().pin_length, 8);
        assert_eq!(e.screen(), Screen::StaffPin);
        e.handle_at(Event::Touch(Action::PinEnter), t);
        assert_eq!(e.view().staff_message, "密码错误，还可尝试 4 次");
        for _ in 0..4 {
            enter(&mut e, "1111", t);
        }
        assert_eq!(e.view().staff_message, "密码错误次数过多，请5分钟后再试");
        let fx = effects(&mut e);
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::StaffLockedOut { minutes: 5 }))));
        // Kept for a restart: five failures make one lockout of (nearly) five minutes.
        let kept = fx
            .iter()
            .rev()
            .find_map(|x| match x {
                Effect::Staff(StaffRequest::SavePinGuard(s)) => Some(*s),
                _ => None,
            })
            .unwrap();
        assert_eq!((kept.failures, kept.lockouts), (0, 1));
        assert_eq!(kept.remaining_ms, PIN_LOCKOUT.as_millis() as u64);
        // Even the right PIN is ignored during the lockout...
        enter(&mut e, "2580", t);
        assert_eq!(e.screen(), Screen::StaffPin);
        // ...five more wrong ones after it lock the pad twice as long...
        let later = t + PIN_LOCKOUT + Duration::from_secs(1);
        for _ in 0..5 {
            enter(&mut e, "1111", later);
        }
        assert_eq!(e.view().staff_message, "密码错误次数过多，请10分钟后再试");
        // ...and a restart (a new engine given what was kept) does not give five more tries.
        let kept = effects(&mut e)
            .iter()
            .rev()
            .find_map(|x| match x {
                Effect::Staff(StaffRequest::SavePinGuard(s)) => Some(*s),
                _ => None,
            })
            .unwrap();
        let restarted = later + Duration::from_secs(60);
        let mut e = engine(restarted, Some("2580"));
        e.handle_at(
            Event::PinGuardRestored(PinGuardState {
                remaining_ms: kept.remaining_ms - 60_000,
                ..kept
            }),
            restarted,
        );
        e.handle_at(Event::Touch(Action::StaffEntry), restarted);
        assert_eq!(e.view().staff_message, "密码错误次数过多，请9分钟后再试");
        enter(&mut e, "2580", restarted);
        assert_eq!(e.screen(), Screen::StaffPin);
        let after = restarted + Duration::from_secs(9 * 60);
        enter(&mut e, "2580", after);
        assert_eq!(e.screen(), Screen::Staff);
        // A good PIN clears it all, and that is kept too.
        assert!(effects(&mut e).iter().any(|x| matches!(
            x,
            Effect::Staff(StaffRequest::SavePinGuard(PinGuardState {
                failures: 0,
                lockouts: 0,
                remaining_ms: 0
            }))
        )));
        // Leaving is audited.
        e.handle_at(Event::Touch(Action::Back), after);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::StaffLogout { idle: false }))));
    }

    #[test]
    fn never_during_a_session_never_without_a_pin_and_not_for_ever() {
        let t = Instant::now();
        let mut e = engine(t, None);
        e.handle_at(Event::Touch(Action::StaffEntry), t);
        assert_eq!(
            e.screen(),
            Screen::Attract,
            "no PIN configured: no staff screen"
        );

        let mut e = engine(t, Some("2580"));
        let c = SimCard::resident_sample();
        e.handle_at(
            Event::CardPresented(Box::new(parse(&c.text, c.photo.clone()))),
            t,
        );
        e.handle_at(Event::Touch(Action::StaffEntry), t);
        assert_eq!(e.screen(), Screen::Home);
        e.handle_at(Event::Touch(Action::Finish), t);

        // From out of service too (that is when staff are needed most).
        e.handle_at(
            Event::Availability(Availability::OutOfService(vec![
                crate::engine::Outage::StoreUnusable,
            ])),
            t,
        );
        e.handle_at(Event::Touch(Action::StaffEntry), t);
        enter(&mut e, "2580", t);
        assert_eq!(e.screen(), Screen::Staff);
        effects(&mut e);
        // Staff who walk away are logged out (audited); the terminal is still out of service.
        e.handle_at(Event::Tick, t + STAFF_IDLE);
        assert_eq!(e.screen(), Screen::OutOfService);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::StaffLogout { idle: true }))));
        // A card tapped on the staff screen does not start a session.
        e.handle_at(Event::Touch(Action::StaffEntry), t + STAFF_IDLE);
        e.handle_at(
            Event::CardPresented(Box::new(parse(&c.text, c.photo))),
            t + STAFF_IDLE,
        );
        assert_eq!(e.screen(), Screen::StaffPin);
    }
}
