//! The session journal: every step of a citizen's session in the audit log — what they touched
//! and what the terminal answered, with the screen it led to and the time since the session began
//! — and never a personal value (no card field, no typed digit). Staff read it when a citizen
//! complains (`onetrip journal`); a test replays it through a fresh engine and gets the same
//! screens.

use std::time::{Duration, Instant};

use onetrip_drivers::id_card::Identity;

use super::effect::Effect;
use super::event::{Action, Event};
use super::harness::Harness;
use super::view::Screen;
use super::Engine;
use crate::vocab::audit::AuditEvent;
use crate::vocab::audit::{Button, Step as What};
use crate::vocab::submission::StoredSubmission;
use crate::vocab::upstream::{Acceptance, ProgressStep, QueryOutcome, Slot, SlotsOutcome};
use crate::vocab::violation::{Decision, DecisionOutcome, Violation, ViolationsOutcome};

/// A violation for a replay: its facts were never journaled, only that it was there.
fn replayed_violation(i: usize) -> Violation {
    Violation {
        id: format!("replay-{i}"),
        when: String::new(),
        place: String::new(),
        act_zh: String::new(),
        act_en: String::new(),
        plate: String::new(),
        fine_yuan: 0,
        points: 0,
        basis_zh: String::new(),
        basis_en: String::new(),
        here: true,
    }
}

/// A decision for a replay: that one was made, nothing of it.
fn replayed_decision() -> Decision {
    Decision {
        number: "REPLAY".into(),
        when: String::new(),
        authority_zh: String::new(),
        authority_en: String::new(),
        fine_yuan: 0,
        points: 0,
        basis_zh: String::new(),
        basis_en: String::new(),
        payment_zh: String::new(),
        payment_en: String::new(),
        remedy_zh: String::new(),
        remedy_en: String::new(),
    }
}

pub use crate::vocab::audit::JournalStep as Step;

/// The button a simple touch is, for the journal; every action is named here, so a new one is a
/// decision (a staff action is never journaled: it is not a citizen's step).
fn step_of(action: &Action) -> Option<What> {
    let button = match action {
        Action::FormKey(c) => {
            return Some(What::Key {
                digit: c.is_ascii_digit(),
            })
        }
        Action::SearchKey(key) => return Some(What::SearchKey { key: *key }),
        Action::FormChoose(code) => return Some(What::Choose { code: code.clone() }),
        Action::SelectItem(code) => return Some(What::SelectItem { code: code.clone() }),
        Action::ChoosePoliceType(code) => return Some(What::PoliceType { code: code.clone() }),
        Action::ChooseCategory(code) => return Some(What::Category { code: code.clone() }),
        Action::ChooseSlot(id) => return Some(What::Slot { id: id.clone() }),
        Action::ChooseViolation(_) => return Some(What::Violation),
        Action::FormNext => return Some(What::FormNext { rejected: false }),
        Action::PinDigit(_)
        | Action::PinBackspace
        | Action::PinEnter
        | Action::StaffEntry
        | Action::StaffReprint(_)
        | Action::StaffRequeue(_)
        | Action::StaffRequeueAllRejected
        | Action::StaffPaperReplaced => return None,
        Action::Start => Button::Start,
        Action::Confirm => Button::Confirm,
        Action::Back => Button::Back,
        Action::Home => Button::Home,
        Action::Finish => Button::Finish,
        Action::StillHere => Button::StillHere,
        Action::ToggleLanguage => Button::ToggleLanguage,
        Action::ToggleElderly => Button::ToggleElderly,
        Action::ToggleVoice => Button::ToggleVoice,
        Action::OpenSearch => Button::OpenSearch,
        Action::SearchBackspace => Button::SearchBackspace,
        Action::SearchClear => Button::SearchClear,
        Action::FormBackspace => Button::FormBackspace,
        Action::RateCase => Button::RateCase,
        Action::GuideInstead => Button::GuideInstead,
        Action::Retry => Button::Retry,
        Action::CallStaff => Button::CallStaff,
        Action::BrowseWithoutCard => Button::BrowseWithoutCard,
        Action::OpenCommunity => Button::OpenCommunity,
        Action::PrintContactCard => Button::PrintContactCard,
        Action::CommunityRequests => Button::CommunityRequests,
        Action::OpenNotices => Button::OpenNotices,
        Action::VolumeUp => Button::VolumeUp,
        Action::VolumeDown => Button::VolumeDown,
        Action::PrintAcceptance => Button::PrintAcceptance,
    };
    Some(What::Touch { button })
}

/// The action a journaled button was.
fn action_of(button: Button) -> Action {
    match button {
        Button::Start => Action::Start,
        Button::Confirm => Action::Confirm,
        Button::Back => Action::Back,
        Button::Home => Action::Home,
        Button::Finish => Action::Finish,
        Button::StillHere => Action::StillHere,
        Button::ToggleLanguage => Action::ToggleLanguage,
        Button::ToggleElderly => Action::ToggleElderly,
        Button::ToggleVoice => Action::ToggleVoice,
        Button::OpenSearch => Action::OpenSearch,
        Button::SearchBackspace => Action::SearchBackspace,
        Button::SearchClear => Action::SearchClear,
        Button::FormBackspace => Action::FormBackspace,
        Button::RateCase => Action::RateCase,
        Button::GuideInstead => Action::GuideInstead,
        Button::Retry => Action::Retry,
        Button::CallStaff => Action::CallStaff,
        Button::BrowseWithoutCard => Action::BrowseWithoutCard,
        Button::OpenCommunity => Action::OpenCommunity,
        Button::PrintContactCard => Action::PrintContactCard,
        Button::CommunityRequests => Action::CommunityRequests,
        Button::OpenNotices => Action::OpenNotices,
        Button::VolumeUp => Action::VolumeUp,
        Button::PrintAcceptance => Action::PrintAcceptance,
        Button::VolumeDown => Action::VolumeDown,
    }
}

/// Inside an anonymous tip nothing is journaled but that it was stored: in a village, the time
/// and the category of a tip can name the tipster.
pub(super) fn withhold_inside_a_tip(what: Option<What>, inside: bool) -> Option<What> {
    match what {
        Some(What::Stored { id: Some(_) }) if inside => Some(What::AnonymousTip),
        _ if inside => None,
        other => other,
    }
}

/// What an event was, safe for the log; `None` for events not worth a step.
pub(super) fn describe(event: &Event) -> Option<What> {
    Some(match event {
        Event::Touch(action) => return step_of(action),
        Event::CardPresented(id) => What::Card {
            kind: format!("{:?}", id.card_type).to_lowercase(),
        },
        Event::CardRemoved => What::CardRemoved,
        Event::Stored(Ok(s)) => What::Stored {
            id: Some(s.id.clone()),
        },
        Event::Stored(Err(_)) => What::Stored { id: None },
        Event::Printed(result) => What::Printed { ok: result.is_ok() },
        Event::QueryResult(QueryOutcome::Found(steps, acceptance)) => What::QueryFound {
            steps: steps.len(),
            accepted: acceptance.is_some(),
        },
        Event::QueryResult(QueryOutcome::NotFound) => What::QueryNotFound,
        Event::QueryResult(QueryOutcome::Offline) => What::QueryOffline,
        Event::Slots(SlotsOutcome::Offered(s)) => What::Slots {
            offered: Some(s.len()),
        },
        Event::Slots(SlotsOutcome::Offline) => What::Slots { offered: None },
        Event::Violations(ViolationsOutcome::Offered(list)) => What::Violations {
            here: Some(list.iter().filter(|v| v.decided_here()).count()),
        },
        Event::Violations(ViolationsOutcome::Offline) => What::Violations { here: None },
        Event::Decided(outcome) => What::Decided {
            outcome: match outcome {
                DecisionOutcome::Decided(_) => "decided",
                DecisionOutcome::Refused => "refused",
                DecisionOutcome::Offline => "offline",
            }
            .into(),
        },
        Event::Tick => What::Tick,
        _ => return None,
    })
}

impl Engine {
    /// Called after every event with what it was, whether a session was open before it, the
    /// time into that session, and the (screen, countdown) it started from.
    pub(super) fn journal(
        &mut self,
        what: Option<What>,
        had_session: bool,
        at_ms: u64,
        before: (Screen, bool),
    ) {
        let Some(mut what) = what else { return };
        if !had_session && self.phase.session().is_none() {
            return;
        }
        let after = (self.phase.screen(), self.countdown_showing());
        // A tick is a step only when it changed something (the countdown, a timeout).
        if what == What::Tick && before == after {
            return;
        }
        if let What::FormNext { rejected } = &mut what {
            *rejected = self.phase.screen() == Screen::Form && self.form_rejected();
        }
        let step = Step {
            at_ms,
            what,
            screen: self.phase.screen().name().to_string(),
        };
        self.effects
            .push_back(Effect::Audit(AuditEvent::Journal(step)));
    }
}

/// Splits journal rows (audit time in ms, detail) into sessions: each begins with its card.
pub fn sessions(rows: &[(i64, String)]) -> Vec<Vec<(i64, Step)>> {
    let mut out: Vec<Vec<(i64, Step)>> = Vec::new();
    for (at, detail) in rows {
        let Some(step) = Step::from_record(detail) else {
            continue;
        };
        if matches!(step.what, What::Card { .. }) || out.is_empty() {
            out.push(Vec::new());
        }
        if let Some(last) = out.last_mut() {
            last.push((*at, step));
        }
    }
    out
}

/// What a session cost the citizen, from its journal: the item chosen, the taps from the card to
/// the end (every key of a keypad counts), and the seconds from the card to the receipt (or to
/// the answer of a query; to the last step when it never got there).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub item: Option<String>,
    pub taps: u32,
    pub seconds: f64,
    /// It reached a receipt or an answer.
    pub completed: bool,
}

pub fn figures(steps: &[Step]) -> Figures {
    let end = steps.iter().position(|s| {
        matches!(
            s.what,
            What::Printed { .. }
                | What::AnonymousTip
                | What::QueryFound { .. }
                | What::QueryNotFound
                | What::QueryOffline
        )
    });
    let counted = &steps[..end.map_or(steps.len(), |i| i + 1)];
    let start = counted.first().map_or(0, |s| s.at_ms);
    let last = counted.last().map_or(0, |s| s.at_ms);
    Figures {
        item: steps.iter().rev().find_map(|s| match &s.what {
            What::SelectItem { code } => Some(code.clone()),
            _ => None,
        }),
        taps: counted.iter().filter(|s| s.what.is_tap()).count() as u32,
        seconds: last.saturating_sub(start) as f64 / 1000.0,
        completed: end.is_some(),
    }
}

/// The median of `values` (0 for none).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Replays a session's journal through `engine` (which must be at the attract screen): the
/// screens it passes through, one per step, to compare with the journal's own. The journal has no
/// personal data to rebuild a card from: `stand_in` gives a card of the journaled kind (the word
/// after `card`, e.g. `resident`).
pub fn replay(
    engine: &mut Engine,
    steps: &[Step],
    t0: Instant,
    stand_in: impl Fn(&str) -> Identity,
) -> Vec<String> {
    let mut screens = Vec::new();
    let mut h = Harness::simulated(engine, t0);
    // The times chosen later in the session, so the replayed offer contains them.
    let chosen: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.what {
            What::Slot { id } => Some(id.clone()),
            _ => None,
        })
        .collect();
    for step in steps {
        h.at(t0 + Duration::from_millis(step.at_ms));
        let touch = |action: Action| Some(Event::Touch(action));
        let event = match &step.what {
            What::Card { kind } => Some(Event::CardPresented(Box::new(stand_in(kind)))),
            What::CardRemoved => Some(Event::CardRemoved),
            // The value typed is not journaled: a sample answer is typed at 下一步.
            What::Key { .. } => None,
            What::FormNext { rejected: true } => {
                // The citizen's answer was refused; an empty one is refused the same way.
                while h.view().form.is_some_and(|f| !f.value.is_empty()) {
                    h.touch(Action::FormBackspace);
                }
                touch(Action::FormNext)
            }
            What::FormNext { rejected: false } => {
                for c in h.sample_answer().unwrap_or_default().chars() {
                    h.touch(Action::FormKey(c));
                }
                touch(Action::FormNext)
            }
            What::Touch { button } => touch(action_of(*button)),
            What::SearchKey { key } => touch(Action::SearchKey(*key)),
            What::Choose { code } => touch(Action::FormChoose(code.clone())),
            What::SelectItem { code } => touch(Action::SelectItem(code.clone())),
            What::PoliceType { code } => touch(Action::ChoosePoliceType(code.clone())),
            What::Category { code } => touch(Action::ChooseCategory(code.clone())),
            What::Slot { id } => touch(Action::ChooseSlot(id.clone())),
            What::Stored { id: None } => Some(Event::Stored(Err("replayed failure".into()))),
            What::Stored { id: Some(id) } => Some(Event::Stored(Ok(StoredSubmission {
                id: id.clone(),
                number: "REPLAY".into(),
                verification_code: None,
                pin: None,
            }))),
            // The tip's steps were never journaled: the replay ends here, on the screen the
            // journal says.
            What::AnonymousTip => {
                screens.push(step.screen.clone());
                break;
            }
            What::Printed { ok: true } => Some(Event::Printed(Ok(()))),
            What::Printed { ok: false } => Some(Event::Printed(Err("replayed failure".into()))),
            What::QueryFound { steps, accepted } => Some(Event::QueryResult(QueryOutcome::Found(
                (0..*steps)
                    .map(|_| ProgressStep {
                        when: String::new(),
                        zh: String::new(),
                        en: String::new(),
                    })
                    .collect(),
                // What the screens were: an acceptance without its number (never journaled).
                accepted.then(|| Acceptance {
                    number: String::new(),
                    when: String::new(),
                    authority_zh: String::new(),
                    authority_en: String::new(),
                }),
            ))),
            What::QueryOffline => Some(Event::QueryResult(QueryOutcome::Offline)),
            What::QueryNotFound => Some(Event::QueryResult(QueryOutcome::NotFound)),
            What::Slots { offered: None } => Some(Event::Slots(SlotsOutcome::Offline)),
            What::Slots { offered: Some(n) } => {
                let mut ids = chosen.clone();
                ids.extend((ids.len()..*n).map(|i| format!("replay-{i}")));
                Some(Event::Slots(SlotsOutcome::Offered(
                    ids.into_iter()
                        .take((*n).max(chosen.len()))
                        .map(|id| Slot {
                            id,
                            zh: String::new(),
                            en: String::new(),
                        })
                        .collect(),
                )))
            }
            What::Violations { here: None } => Some(Event::Violations(ViolationsOutcome::Offline)),
            What::Violations { here: Some(n) } => Some(Event::Violations(
                ViolationsOutcome::Offered((0..*n).map(replayed_violation).collect()),
            )),
            // Which one is not journaled: the first stands in (Confirm is the same screen).
            What::Violation => touch(Action::ChooseViolation(replayed_violation(0).id)),
            What::Decided { outcome } => Some(Event::Decided(match outcome.as_str() {
                "decided" => DecisionOutcome::Decided(Box::new(replayed_decision())),
                "refused" => DecisionOutcome::Refused,
                _ => DecisionOutcome::Offline,
            })),
            What::Tick => Some(Event::Tick),
        };
        if let Some(e) = event {
            h.handle(e);
        }
        h.take_effects();
        screens.push(h.screen().name().to_string());
    }
    screens
}

#[cfg(test)]
mod tests {

    use super::*;

    fn engine(t: Instant) -> Engine {
        Harness::shipped(t).into_engine()
    }

    fn steps(h: &mut Harness) -> Vec<Step> {
        h.take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::Audit(AuditEvent::Journal(s)) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_session_journals_without_personal_data_and_replays_to_the_same_screens() {
        let t = Instant::now();
        let mut h = Harness::simulated(engine(t), t);
        let s = |ms: u64| t + Duration::from_millis(ms);
        h.card(crate::devtools::demo::stand_in_card("resident"));
        h.at(s(900));
        h.touch(Action::OpenSearch);
        h.at(s(1500));
        for k in ['w', 'f', 'z'] {
            h.touch(Action::SearchKey(k));
        }
        h.at(s(3000));
        h.touch(Action::SelectItem("ZA-FZJL-01".into()));
        h.at(s(5000));
        h.touch(Action::Start);
        h.at(s(7000));
        h.touch(Action::FormChoose("study".into()));
        h.at(s(9000));
        for d in "1391234".chars() {
            h.touch(Action::FormKey(d));
        }
        h.at(s(9500));
        h.touch(Action::FormNext);
        h.at(s(11000));
        for d in "5678".chars() {
            h.touch(Action::FormKey(d));
        }
        h.at(s(12000));
        h.touch(Action::FormNext);
        // Walked away on the confirm screen: the countdown, then the wipe.
        h.at(s(72_000));
        h.handle(Event::Tick);
        h.at(s(72_500));
        h.handle(Event::Tick);
        h.at(s(87_000));
        h.handle(Event::Tick);
        let journal = steps(&mut h);
        let text: Vec<String> = journal.iter().map(Step::to_detail).collect();
        let all = text.join("\n");
        for personal in ["张晓明", "330106198503121231", "1391234", "5678"] {
            assert!(!all.contains(personal), "{personal} in the journal:\n{all}");
        }
        assert_eq!(text[0], "0 home card resident");
        assert!(all.contains("9500 form touch formnext rejected"), "{all}");
        assert!(all.contains("12000 confirm touch formnext"), "{all}");
        assert!(
            all.contains("72000 confirm tick"),
            "the countdown appears:\n{all}"
        );
        assert!(all.ends_with("87000 attract tick"), "the wipe:\n{all}");
        // Parsed back from the log's text and replayed: the same screens, step by step.
        let parsed: Vec<Step> = text.iter().map(|d| Step::from_detail(d).unwrap()).collect();
        assert_eq!(parsed, journal);
        let mut fresh = engine(t);
        let screens = replay(&mut fresh, &parsed, t, crate::devtools::demo::stand_in_card);
        let recorded: Vec<String> = parsed.iter().map(|s| s.screen.clone()).collect();
        assert_eq!(screens, recorded);
        // Search, 3 letters, the item, start, a choice, 7 + 4 digits and two nexts — and it
        // never reached a receipt: 12 s is the last tap.
        assert_eq!(
            figures(&parsed),
            Figures {
                item: Some("ZA-FZJL-01".into()),
                taps: 1 + 3 + 1 + 1 + 1 + 7 + 1 + 4 + 1,
                seconds: 87.0,
                completed: false,
            }
        );
    }

    #[test]
    fn figures_count_taps_and_seconds_from_the_card_to_the_receipt() {
        let journal = [
            "0 home card resident",
            "1200 items police_type CRJ",
            "2500 item_detail select_item CRJ-QZ-01",
            "4000 confirm touch start",
            "4100 confirm tick",
            "6000 submitting touch confirm",
            "6300 printing stored 41",
            "9800 done printed ok",
            "15000 attract touch finish",
        ];
        let steps: Vec<Step> = journal
            .iter()
            .map(|d| Step::from_detail(d).unwrap())
            .collect();
        assert_eq!(
            figures(&steps),
            Figures {
                item: Some("CRJ-QZ-01".into()),
                taps: 4,
                seconds: 9.8,
                completed: true,
            }
        );
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
