//! Station staff: a hidden press-and-hold on the idle screen opens a PIN pad; the right PIN opens the
//! staff screen — every device's state, the store's health, the unsent and rejected submissions,
//! receipts that did not print (with reprint), counters and the catalog in force.
//! The PIN is checked against its argon2 hash only when staff press 确认, so the pad never tells
//! how long it is. Wrong PINs are counted; after `MAX_PIN_TRIES` the pad locks for `PIN_LOCKOUT`,
//! each further lockout twice as long; the count and the lockout are kept in the store (through
//! the runtime), so a restart does not reset them.

use std::time::{Duration, Instant};

use onetrip_drivers::device::{DeviceKind, DeviceStatus};

use super::session::{Action, AuditEvent, Effect, Engine, Screen, View};
use super::staff_words;
use crate::sync::Refusal;

pub const MAX_PIN_TRIES: u32 = 5;
pub const PIN_LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// The longest lockout, however many there were.
pub const MAX_PIN_LOCKOUT: Duration = Duration::from_secs(24 * 3600);
/// The staff screen's figures are asked for again this often while it is open.
pub const REFRESH: Duration = Duration::from_secs(2);
/// Staff who walk away are logged out after this.
pub const STAFF_IDLE: Duration = Duration::from_secs(120);

/// What staff ask the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffRequest {
    Report,
    Reprint(String),
    /// Put a rejected submission back in the queue (by its number).
    Requeue(String),
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

/// Upstream refuses the terminal, so the queue is paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPaused {
    pub refusal: Refusal,
    /// What upstream answered ("HTTP 401: unknown terminal token").
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
    pub store_fault: Option<crate::submission::StoreFault>,
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
}

/// How sending a rejected submission again ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequeueOutcome {
    Queued,
    /// Its content was purged at the retention limit.
    Purged,
    NotRejected,
    Unknown,
    /// The store failed (its error), or there is no usable store (`None`).
    Failed(Option<String>),
}

#[derive(Debug, Default)]
pub(super) struct StaffState {
    pin: String,
    report: Option<StaffReport>,
    message: String,
    last_refresh: Option<Instant>,
}

impl StaffState {
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
        matches!(self.screen, Screen::StaffPin | Screen::Staff)
    }

    fn staff_request(&mut self, r: StaffRequest) {
        self.effects.push_back(Effect::Staff(r));
    }

    /// From the idle screens only: never in the middle of a citizen's session.
    pub(super) fn open_pin_pad(&mut self) {
        if !matches!(self.screen, Screen::Attract | Screen::OutOfService) {
            return;
        }
        if self.config.staff_pin.is_none() {
            return;
        }
        self.staff_since = self.now;
        let english = self.english;
        self.staff = Some(StaffState {
            message: self
                .pin_guard
                .left(self.now)
                .map(|left| locked_message(left, english))
                .unwrap_or_default(),
            ..StaffState::default()
        });
        self.go(Screen::StaffPin);
    }

    pub(super) fn staff_touch(&mut self, action: Action) {
        self.staff_since = self.now;
        match (self.screen, action) {
            (_, Action::Back | Action::Home | Action::Finish) => {
                if self.screen == Screen::Staff {
                    self.effects
                        .push_back(Effect::Audit(AuditEvent::StaffLogout { idle: false }));
                }
                self.leave_staff()
            }
            (Screen::StaffPin, Action::PinDigit(d)) => {
                if self.pin_guard.left(self.now).is_some() {
                    return;
                }
                let Some(st) = self.staff.as_mut() else {
                    return;
                };
                if !d.is_ascii_digit() || st.pin.len() >= crate::staff_pin::MAX_DIGITS {
                    return;
                }
                st.pin.push(d);
                st.message.clear();
            }
            (Screen::StaffPin, Action::PinEnter) => self.check_pin(),
            (Screen::StaffPin, Action::PinBackspace) => {
                if let Some(st) = self.staff.as_mut() {
                    st.pin.pop();
                }
            }
            (Screen::Staff, Action::StaffReprint(number)) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffReprint {
                        number: number.clone(),
                    }));
                if let Some(st) = self.staff.as_mut() {
                    st.message = staff_words::reprinting(&number, self.english);
                }
                self.staff_request(StaffRequest::Reprint(number));
            }
            (Screen::Staff, Action::StaffRequeue(number)) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffRequeue {
                        number: number.clone(),
                    }));
                if let Some(st) = self.staff.as_mut() {
                    st.message = staff_words::requeueing(&number, self.english);
                }
                self.staff_request(StaffRequest::Requeue(number));
            }
            (Screen::Staff, Action::StaffPaperReplaced) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffPaperReplaced));
                if let Some(st) = self.staff.as_mut() {
                    st.message = staff_words::paper_replaced(self.english);
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
        if self.pin_guard.left(self.now).is_some() {
            return;
        }
        let Some(st) = self.staff.as_mut() else {
            return;
        };
        if st.pin.is_empty() {
            return;
        }
        let typed = std::mem::take(&mut st.pin);
        let ok = crate::staff_pin::verify(&hash, &typed);
        self.effects
            .push_back(Effect::Audit(AuditEvent::StaffLogin { ok }));
        if ok {
            self.pin_guard = PinGuard::default();
            self.save_pin_guard();
            self.go(Screen::Staff);
            self.refresh_staff();
            return;
        }
        self.pin_guard.failures += 1;
        let message = if self.pin_guard.failures >= MAX_PIN_TRIES {
            self.pin_guard.failures = 0;
            self.pin_guard.lockouts += 1;
            let lockout = lockout_after(self.pin_guard.lockouts);
            self.pin_guard.locked_until = Some(self.now + lockout);
            self.effects
                .push_back(Effect::Audit(AuditEvent::StaffLockedOut {
                    minutes: minutes(lockout),
                }));
            locked_message(lockout, self.english)
        } else {
            staff_words::wrong_pin(MAX_PIN_TRIES - self.pin_guard.failures, self.english)
        };
        self.save_pin_guard();
        if let Some(st) = self.staff.as_mut() {
            st.message = message;
        }
    }

    fn save_pin_guard(&mut self) {
        let state = self.pin_guard.state(self.now);
        self.staff_request(StaffRequest::SavePinGuard(state));
    }

    /// The kept lockout, at start.
    pub(super) fn restore_pin_guard(&mut self, state: PinGuardState) {
        self.pin_guard = PinGuard {
            failures: state.failures.min(MAX_PIN_TRIES - 1),
            lockouts: state.lockouts,
            locked_until: (state.remaining_ms > 0)
                .then(|| self.now + Duration::from_millis(state.remaining_ms).min(MAX_PIN_LOCKOUT)),
        };
        // The pad may already be open (staff were quicker than the store).
        let left = self.pin_guard.left(self.now);
        if let (Some(st), Some(left)) = (self.staff.as_mut(), left) {
            st.pin.clear();
            st.message = locked_message(left, self.english);
        }
    }

    pub(super) fn refresh_staff(&mut self) {
        if let Some(st) = self.staff.as_mut() {
            st.last_refresh = Some(self.now);
        }
        self.staff_request(StaffRequest::Report);
    }

    pub(super) fn leave_staff(&mut self) {
        self.staff = None;
        self.go(Screen::Attract);
        // Attract or out of service, whichever holds now.
        self.show_idle();
    }

    pub(super) fn staff_report(&mut self, report: StaffReport) {
        if let Some(st) = self.staff.as_mut() {
            st.report = Some(report);
        }
    }

    /// How a staff request ended, in words.
    pub(super) fn staff_notice(&mut self, notice: String) {
        if let Some(st) = self.staff.as_mut() {
            st.message = notice;
        }
        if self.screen == Screen::Staff {
            self.refresh_staff();
        }
    }

    pub(super) fn staff_view(&self, view: &mut View) {
        let Some(st) = self.staff.as_ref() else {
            return;
        };
        view.pin_length = st.pin.chars().count() as u32;
        view.staff_message = st.message.clone();
        if self.screen == Screen::Staff {
            view.staff = st
                .report
                .as_ref()
                .map(|r| staff_words::staff_view(r, self.english));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;
    use onetrip_drivers::id_card::Date;

    use super::*;
    use crate::catalog::shipped;
    use crate::engine::{Availability, EngineConfig, Event, Harness};

    fn engine(t: Instant, pin: Option<&str>) -> Harness {
        let mut cfg = EngineConfig::new(Duration::from_secs(60));
        cfg.staff_pin = pin.map(|p| crate::staff_pin::hash(p).unwrap());
        let mut e = Engine::new(
            cfg,
            Arc::new(shipped()),
            t,
            Date {
                year: 2026,
                month: 11,
                day: 29,
            },
        );
        e.handle(Event::Availability(Availability::Available), t);
        Harness::simulated(e, t)
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
