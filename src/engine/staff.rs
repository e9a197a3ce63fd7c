//! Station staff: a hidden press-and-hold on the idle screen opens a PIN pad; the right PIN opens the
//! staff screen — every device's state, the store's health, the unsent and rejected submissions,
//! receipts that did not print (with reprint), counters and the catalog in force.
//! Wrong PINs are counted; after `MAX_PIN_TRIES` the pad locks for `PIN_LOCKOUT`.

use std::time::{Duration, Instant};

use super::session::{Action, AuditEvent, Effect, Engine, Screen, View};

pub const MAX_PIN_TRIES: u32 = 5;
pub const PIN_LOCKOUT: Duration = Duration::from_secs(5 * 60);
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
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RejectedSubmission {
    pub number: String,
    pub item_code: String,
    pub reason: String,
    /// Local time, as text.
    pub at: String,
}

/// The figures on the staff screen, gathered by the runtime. No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffReport {
    /// (device, state in words)
    pub devices: Vec<(String, String)>,
    /// Why the store cannot be used (a corrupt or unopenable database), with its path.
    pub store_problem: Option<String>,
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
    pub catalog: String,
    pub catalog_problem: Option<String>,
    /// Upstream refuses the terminal and the queue is paused, in words.
    pub delivery_problem: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct StaffState {
    pin: String,
    pub(super) report: Option<StaffReport>,
    pub(super) message: String,
    last_refresh: Option<Instant>,
}

#[derive(Debug, Default)]
pub(super) struct PinGuard {
    failures: u32,
    locked_until: Option<Instant>,
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
        let locked = self.pin_guard.locked_until.is_some_and(|t| self.now < t);
        self.staff = Some(StaffState {
            message: if locked {
                "密码错误次数过多，请稍后再试".into()
            } else {
                String::new()
            },
            ..StaffState::default()
        });
        self.go(Screen::StaffPin);
    }

    pub(super) fn staff_touch(&mut self, action: Action) {
        self.staff_since = self.now;
        match (self.screen, action) {
            (_, Action::Back | Action::Home | Action::Finish) => self.leave_staff(),
            (Screen::StaffPin, Action::PinDigit(d)) => {
                if self.pin_guard.locked_until.is_some_and(|t| self.now < t) {
                    return;
                }
                let Some(expected) = self.config.staff_pin.clone() else {
                    return;
                };
                let Some(st) = self.staff.as_mut() else {
                    return;
                };
                if !d.is_ascii_digit() || st.pin.len() >= expected.len() {
                    return;
                }
                st.pin.push(d);
                st.message.clear();
                if st.pin.len() < expected.len() {
                    return;
                }
                let ok = st.pin == expected;
                st.pin.clear();
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffLogin { ok }));
                if ok {
                    self.pin_guard = PinGuard::default();
                    self.go(Screen::Staff);
                    self.refresh_staff();
                } else {
                    self.pin_guard.failures += 1;
                    let st = self.staff.as_mut().expect("staff state while on the pad");
                    if self.pin_guard.failures >= MAX_PIN_TRIES {
                        self.pin_guard.failures = 0;
                        self.pin_guard.locked_until = Some(self.now + PIN_LOCKOUT);
                        st.message = "密码错误次数过多，请5分钟后再试".into();
                    } else {
                        st.message = format!(
                            "密码错误，还可尝试 {} 次",
                            MAX_PIN_TRIES - self.pin_guard.failures
                        );
                    }
                }
            }
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
                    st.message = format!("正在补打 {number}…");
                }
                self.staff_request(StaffRequest::Reprint(number));
            }
            (Screen::Staff, Action::StaffRequeue(number)) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffRequeue {
                        number: number.clone(),
                    }));
                if let Some(st) = self.staff.as_mut() {
                    st.message = format!("正在重新发送 {number}…");
                }
                self.staff_request(StaffRequest::Requeue(number));
            }
            (Screen::Staff, Action::StaffPaperReplaced) => {
                self.effects
                    .push_back(Effect::Audit(AuditEvent::StaffPaperReplaced));
                if let Some(st) = self.staff.as_mut() {
                    st.message = "已记录换纸".into();
                }
                self.staff_request(StaffRequest::PaperReplaced);
                self.refresh_staff();
            }
            _ => {}
        }
    }

    pub(super) fn refresh_staff(&mut self) {
        if let Some(st) = self.staff.as_mut() {
            st.last_refresh = Some(self.now);
        }
        self.staff_request(StaffRequest::Report);
    }

    fn leave_staff(&mut self) {
        self.staff = None;
        self.go(Screen::Attract);
        // Attract or out of service, whichever holds now.
        self.show_idle();
    }

    pub(super) fn staff_deadline(&self) -> Option<Instant> {
        let idle = self.staff_since + STAFF_IDLE;
        match (
            self.screen,
            self.staff.as_ref().and_then(|s| s.last_refresh),
        ) {
            (Screen::Staff, Some(at)) => Some(idle.min(at + REFRESH)),
            _ => Some(idle),
        }
    }

    pub(super) fn staff_tick(&mut self) {
        if self.now >= self.staff_since + STAFF_IDLE {
            self.leave_staff();
            return;
        }
        let due = self
            .staff
            .as_ref()
            .and_then(|s| s.last_refresh)
            .is_some_and(|at| self.now >= at + REFRESH);
        if self.screen == Screen::Staff && due {
            self.refresh_staff();
        }
    }

    pub(super) fn staff_report(&mut self, report: StaffReport) {
        if let Some(st) = self.staff.as_mut() {
            st.report = Some(report);
        }
    }

    /// The outcome of a staff action (a reprint), in words.
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
            view.staff = st.report.clone();
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
    use crate::engine::{Availability, EngineConfig, Event};

    fn engine(t: Instant, pin: Option<&str>) -> Engine {
        let mut cfg = EngineConfig::new(Duration::from_secs(60));
        cfg.staff_pin = pin.map(str::to_string);
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
        e
    }

    fn digits(e: &mut Engine, pin: &str, t: Instant) {
        for d in pin.chars() {
            e.handle(Event::Touch(Action::PinDigit(d)), t);
        }
    }

    fn effects(e: &mut Engine) -> Vec<Effect> {
        std::iter::from_fn(|| e.poll_effect()).collect()
    }

    #[test]
    fn the_right_pin_opens_the_staff_screen_and_asks_for_figures() {
        let t = Instant::now();
        let mut e = engine(t, Some("2580"));
        e.handle(Event::Touch(Action::StaffEntry), t);
        assert_eq!(e.screen(), Screen::StaffPin);
        digits(&mut e, "25", t);
        assert_eq!(e.view().pin_length, 2);
        e.handle(Event::Touch(Action::PinBackspace), t);
        assert_eq!(e.view().pin_length, 1);
        digits(&mut e, "580", t);
        assert_eq!(e.screen(), Screen::Staff);
        let fx = effects(&mut e);
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Report)));
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::StaffLogin { ok: true }))));
        e.handle(
            Event::StaffReport(Box::new(StaffReport {
                pending: 3,
                ..StaffReport::default()
            })),
            t,
        );
        assert_eq!(e.view().staff.unwrap().pending, 3);
        // The figures refresh every two seconds while the screen is open.
        assert_eq!(e.next_deadline(), Some(t + REFRESH));
        e.handle(Event::Tick, t + REFRESH);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Report)));
        // Reprint and paper.
        e.handle(Event::Touch(Action::StaffReprint("N-1".into())), t);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::Reprint("N-1".into()))));
        e.handle(Event::StaffNotice("N-1 已补打".into()), t);
        assert_eq!(e.view().staff_message, "N-1 已补打");
        e.handle(Event::Touch(Action::StaffPaperReplaced), t);
        assert!(effects(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::Staff(r) if *r == StaffRequest::PaperReplaced)));
        // Out.
        e.handle(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e.view().staff.is_none());
    }

    #[test]
    fn wrong_pins_are_counted_then_locked_out() {
        let t = Instant::now();
        let mut e = engine(t, Some("2580"));
        e.handle(Event::Touch(Action::StaffEntry), t);
        digits(&mut e, "1111", t);
        assert_eq!(e.screen(), Screen::StaffPin);
        assert_eq!(e.view().staff_message, "密码错误，还可尝试 4 次");
        for _ in 0..4 {
            digits(&mut e, "1111", t);
        }
        assert_eq!(e.view().staff_message, "密码错误次数过多，请5分钟后再试");
        // Even the right PIN is ignored during the lockout...
        digits(&mut e, "2580", t);
        assert_eq!(e.screen(), Screen::StaffPin);
        // ...and works after it.
        let later = t + PIN_LOCKOUT + Duration::from_secs(1);
        digits(&mut e, "2580", later);
        assert_eq!(e.screen(), Screen::Staff);
        let failed = effects(&mut e)
            .iter()
            .filter(|x| matches!(x, Effect::Audit(AuditEvent::StaffLogin { ok: false })))
            .count();
        assert_eq!(failed, 5);
    }

    #[test]
    fn never_during_a_session_never_without_a_pin_and_not_for_ever() {
        let t = Instant::now();
        let mut e = engine(t, None);
        e.handle(Event::Touch(Action::StaffEntry), t);
        assert_eq!(
            e.screen(),
            Screen::Attract,
            "no PIN configured: no staff screen"
        );

        let mut e = engine(t, Some("2580"));
        let c = SimCard::resident_sample();
        e.handle(
            Event::CardPresented(Box::new(parse(&c.text, c.photo.clone()))),
            t,
        );
        e.handle(Event::Touch(Action::StaffEntry), t);
        assert_eq!(e.screen(), Screen::Home);
        e.handle(Event::Touch(Action::Finish), t);

        // From out of service too (that is when staff are needed most).
        e.handle(
            Event::Availability(Availability::OutOfService("回执打印机缺纸".into())),
            t,
        );
        e.handle(Event::Touch(Action::StaffEntry), t);
        digits(&mut e, "2580", t);
        assert_eq!(e.screen(), Screen::Staff);
        // Staff who walk away are logged out; the terminal is still out of service.
        e.handle(Event::Tick, t + STAFF_IDLE);
        assert_eq!(e.screen(), Screen::OutOfService);
        // A card tapped on the staff screen does not start a session.
        e.handle(Event::Touch(Action::StaffEntry), t + STAFF_IDLE);
        e.handle(
            Event::CardPresented(Box::new(parse(&c.text, c.photo))),
            t + STAFF_IDLE,
        );
        assert_eq!(e.screen(), Screen::StaffPin);
    }
}
