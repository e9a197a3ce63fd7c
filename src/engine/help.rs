//! 呼叫工作人员: on a screen where something failed that the citizen cannot fix, or where the
//! terminal cannot serve, one press rings the staff (the shell makes a sound on the terminal and
//! sends an alert in the heartbeat; the staff screen shows it). One ring per screen: pressing
//! again says it was done, and rings nobody twice.

use super::view::{DoneOutcome, Screen, View};
use super::{AuditEvent, Availability, Effect, Engine, Outage};
use crate::vocab::upstream::{QueryOutcome, SlotsOutcome};

impl Engine {
    /// Where something failed that the citizen cannot fix, or the terminal cannot serve: there a
    /// citizen can ring the staff. Not on a terminal nobody has provisioned: it has nobody to
    /// tell (no upstream), and its screen is for the technician.
    pub(super) fn help_offered(&self, view: &View) -> bool {
        match view.screen {
            Screen::OutOfService => !matches!(
                &self.front.availability,
                Availability::OutOfService(why)
                    if why.iter().any(|o| matches!(o, Outage::NotConfigured { .. }))
            ),
            Screen::Done => matches!(
                view.outcome,
                Some(DoneOutcome::PrintFailed | DoneOutcome::NotSaved)
            ),
            Screen::QueryResult => view.query_outcome == Some(QueryOutcome::Offline),
            // An item that waits for the printer: staff can refill it.
            Screen::ItemDetail => view.detail.as_ref().is_some_and(|d| !d.paused.is_empty()),
            Screen::Slots => view.slots == Some(SlotsOutcome::Offline),
            // Upstream could not be asked, will not decide it here, or its decision did not print.
            Screen::Violations | Screen::Decision => {
                self.decision_failed()
                    || view.decision.as_ref().is_some_and(|d| {
                        d.outcome == Some(crate::vocab::violation::DecisionOutcome::Refused)
                            || d.printed == Some(false)
                    })
            }
            _ => false,
        }
    }

    pub(super) fn call_staff(&mut self) {
        if self.front.help_called || !self.view().help_offered {
            return;
        }
        self.front.help_called = true;
        let screen = self.phase.screen().name();
        self.effects.push_back(Effect::CallStaff { screen });
        self.effects
            .push_back(Effect::Audit(AuditEvent::StaffCalled { screen }));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};

    use crate::engine::{Action, Availability, Effect, Event, Harness, Outage, Screen};

    fn out_of_paper() -> Event {
        Event::Availability(Availability::OutOfService(vec![Outage::Device {
            kind: DeviceKind::Printer,
            status: Some(DeviceStatus {
                paper: Some(PaperLevel::Out),
                ..DeviceStatus::new(DeviceState::Online)
            }),
        }]))
    }

    fn rings(e: &mut Harness) -> Vec<&'static str> {
        e.take_effects()
            .into_iter()
            .filter_map(|f| match f {
                Effect::CallStaff { screen } => Some(screen),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_out_of_service_screen_rings_the_staff_once_and_says_so() {
        let t0 = Instant::now();
        let mut e = Harness::starting(t0);
        e.handle(Event::Availability(Availability::Available));
        e.handle(out_of_paper());
        assert_eq!(e.screen(), Screen::OutOfService);
        let v = e.view();
        assert!(v.help_offered && !v.help_called);
        rings(&mut e);
        e.touch(Action::CallStaff);
        assert_eq!(rings(&mut e), ["out_of_service"]);
        let v = e.view();
        assert!(v.help_called);
        assert_eq!(v.prompt, "已呼叫工作人员，请稍候。紧急情况请拨打110");
        // Pressed again: nobody is rung twice for one screen.
        e.touch(Action::CallStaff);
        assert!(rings(&mut e).is_empty());
        // Back in service and out again: a new screen, a new ring.
        e.handle(Event::Availability(Availability::Available));
        e.handle(out_of_paper());
        assert!(!e.view().help_called);
        e.touch(Action::CallStaff);
        assert_eq!(rings(&mut e), ["out_of_service"]);
    }

    #[test]
    fn nowhere_else_is_anyone_rung() {
        let t0 = Instant::now();
        let mut e = Harness::shipped(t0);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(!e.view().help_offered);
        e.take_effects();
        e.touch(Action::CallStaff);
        assert!(rings(&mut e).is_empty());
        assert!(!e.view().help_called);
    }
}
