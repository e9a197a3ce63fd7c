//! The engine's named timers in one table (after quinn-proto's `TimerTable`). Each is armed by the
//! state it belongs to; `next_deadline()` is the earliest, and a `Tick` fires every timer that is
//! due, in the table's order. A timer that would do nothing is not armed, so a deadline in the
//! past always means work: the kiosk arms one UI timer at `next_deadline()` and never spins.

use std::time::{Duration, Instant};

use super::effect::Effect;
use super::staff::{REFRESH, STAFF_IDLE};
use super::view::Screen;
use super::Engine;
use crate::vocab::audit::AuditEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Staff walked away from the PIN pad or their screen: back to the attract screen.
    StaffIdle,
    /// The staff screen's figures are asked for again.
    StaffRefresh,
    /// No session lasts longer than `max_session` (not armed while the store or printer works).
    MaxSession,
    /// A walk-away screen left untouched: the countdown appears.
    Inactivity,
    /// The visible countdown moves on by a second.
    CountdownStep,
    /// The countdown ran out: the session ends.
    CountdownEnd,
    /// A card detected but never read.
    ReadTimeout,
    /// The store did not commit the submission.
    SubmitTimeout,
    /// The printer did not finish the receipt.
    PrintTimeout,
    /// The Done screen has been read.
    DoneLinger,
}

impl Engine {
    /// Every armed timer with when it is due, in the order a `Tick` fires them.
    pub fn timers(&self) -> Vec<(Timer, Instant)> {
        let mut armed = Vec::new();
        if self.staff_screen() {
            armed.push((Timer::StaffIdle, self.clock.staff_since + STAFF_IDLE));
            let refreshed = self.phase.staff().and_then(|s| s.last_refresh());
            if let (Screen::Staff, Some(at)) = (self.phase.screen(), refreshed) {
                armed.push((Timer::StaffRefresh, at + REFRESH));
            }
            return armed;
        }
        let busy = matches!(self.phase.screen(), Screen::Submitting | Screen::Printing);
        if let Some(started) = self.session_started() {
            if !busy {
                armed.push((Timer::MaxSession, started + self.config.max_session));
            }
        }
        match self.phase.screen() {
            _ if self.idle_screen() => match self.clock.countdown_from {
                None => armed.push((
                    Timer::Inactivity,
                    self.clock.since + self.scaled(self.config.inactivity),
                )),
                Some(from) => {
                    let end = from + self.scaled(self.config.countdown);
                    let elapsed = self.clock.now.saturating_duration_since(from);
                    let step = from + Duration::from_secs(elapsed.as_secs() + 1);
                    if step < end {
                        armed.push((Timer::CountdownStep, step));
                    }
                    armed.push((Timer::CountdownEnd, end));
                }
            },
            Screen::ReadingCard => armed.push((
                Timer::ReadTimeout,
                self.clock.since + self.config.read_timeout,
            )),
            Screen::Submitting => armed.push((
                Timer::SubmitTimeout,
                self.clock.since + self.config.submit_timeout,
            )),
            Screen::Printing => armed.push((
                Timer::PrintTimeout,
                self.clock.since + self.config.print_timeout,
            )),
            Screen::Done => armed.push((
                Timer::DoneLinger,
                self.clock.since + self.scaled(self.config.done_linger),
            )),
            _ => {}
        }
        armed
    }

    /// When the engine next wants a `Tick`.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers().into_iter().map(|(_, at)| at).min()
    }

    /// Fires every timer that is due, until one ends what the others belonged to.
    pub(super) fn tick(&mut self) {
        let due: Vec<Timer> = self
            .timers()
            .into_iter()
            .filter(|(_, at)| *at <= self.clock.now)
            .map(|(timer, _)| timer)
            .collect();
        for timer in due {
            if self.fire(timer) {
                return;
            }
        }
    }

    /// Does what the timer is for; true when the screen it belonged to is gone.
    fn fire(&mut self, timer: Timer) -> bool {
        match timer {
            Timer::StaffIdle => {
                if self.phase.screen() == Screen::Staff {
                    self.effects
                        .push_back(Effect::Audit(AuditEvent::StaffLogout { idle: true }));
                }
                self.leave_staff();
                return true;
            }
            Timer::StaffRefresh => self.refresh_staff(),
            Timer::MaxSession => self.end_session("max_session"),
            Timer::Inactivity => {
                self.clock.countdown_from = Some(self.clock.now);
                return false;
            }
            Timer::CountdownStep => return false,
            Timer::CountdownEnd => self.end_session("timeout"),
            Timer::ReadTimeout => self.show_idle(),
            // A store that hangs (failing flash) must not hold the citizen for ever.
            Timer::SubmitTimeout => self.stored(Err("the store did not answer in time".into())),
            // A hung printer must not hold the citizen: the number is on screen for staff.
            Timer::PrintTimeout => self.printed(Err("the printer did not finish in time".into())),
            Timer::DoneLinger => self.end_session("done"),
        }
        !matches!(timer, Timer::StaffRefresh)
    }
}
