//! A decision on the card holder's own record (JG-WF-01, a camera-recorded violation): upstream
//! lists the holder's violations, the citizen picks one and reads its facts, fine, points and
//! basis on Confirm (where the right to state one's case is said: disagree, and go to the
//! counter), and confirming asks upstream to decide — online only, at once, never queued. The
//! paper is upstream's decision: its number, who made it, the fine, the basis, how to pay and how
//! to appeal. Offline or refused, nothing is claimed: the guide prints instead, and a retry is
//! safe (deciding is idempotent upstream).

use super::effect::Effect;
use super::view::{DecisionView, Screen, Tile, View};
use super::Engine;
use crate::catalog::Mode;
use crate::vocab::audit::AuditEvent;
use crate::vocab::mask;
use crate::vocab::submission::{ReceiptKind, ReceiptRequest, StoredSubmission};
use crate::vocab::violation::{
    Decision, DecisionOutcome, Violation, ViolationRequest, ViolationsOutcome,
};

/// What upstream answered in this session's decision.
#[derive(Debug, Default)]
pub(super) struct Deciding {
    /// The card holder's violations (`None` while asked).
    violations: Option<ViolationsOutcome>,
    /// The one chosen, whose facts Confirm shows.
    chosen: Option<Violation>,
    /// Upstream's decision (`None` while asked).
    outcome: Option<DecisionOutcome>,
    /// The decision is printing; how it printed, once it has.
    printing: bool,
    printed: Option<bool>,
    /// The ticket of the question waiting for its answer.
    waiting: Option<u64>,
}

fn yuan(n: u32, en: bool) -> String {
    if en {
        format!("{n} yuan")
    } else {
        format!("{n}元")
    }
}

fn points(n: u32, en: bool) -> String {
    match (en, n) {
        (true, 1) => "1 penalty point".into(),
        (true, n) => format!("{n} penalty points"),
        (false, n) => format!("{n}分"),
    }
}

fn penalty(fine: u32, n: u32, en: bool) -> String {
    if en {
        format!("fine {}, {}", yuan(fine, en), points(n, en))
    } else {
        format!("罚款{}，记{}", yuan(fine, en), points(n, en))
    }
}

fn tile(v: &Violation, en: bool) -> Tile {
    Tile {
        code: v.id.clone(),
        // When and what on the name (elderly mode shows no hint line; Confirm shows all).
        name: format!("{} {}", v.when, v.act(en)),
        hint: if en {
            format!(
                "{} · fine {} · {}",
                mask::plate(&v.plate),
                yuan(v.fine_yuan, en),
                points(v.points, en)
            )
        } else {
            format!(
                "{} · 罚款{} · 记{}",
                mask::plate(&v.plate),
                yuan(v.fine_yuan, en),
                points(v.points, en)
            )
        },
        ..Tile::default()
    }
}

/// The facts confirmed: what, where, when, which car, what it costs (the basis, long, is shown
/// apart: `DecisionView::basis`).
fn facts(v: &Violation, en: bool) -> Vec<(String, String)> {
    let l = |zh: &str, english: &str| if en { english } else { zh }.to_string();
    vec![
        // Which car, beside what it did: one row fewer for elderly mode's height.
        (
            l("违法行为", "Violation"),
            if en {
                format!("{} ({})", v.act(en), mask::plate(&v.plate))
            } else {
                format!("{}（{}）", v.act(en), mask::plate(&v.plate))
            },
        ),
        (
            l("时间地点", "When and where"),
            format!("{} {}", v.when, v.place),
        ),
        (l("处罚", "Penalty"), penalty(v.fine_yuan, v.points, en)),
    ]
}

/// The decision's own rows: its number, who made it, what it set, how to pay.
fn decided_rows(d: &Decision, en: bool) -> Vec<(String, String)> {
    let l = |zh: &str, english: &str| if en { english } else { zh }.to_string();
    vec![
        (l("决定书编号", "Decision number"), d.number.clone()),
        (l("作出机关", "Decided by"), d.authority(en).to_string()),
        (l("处罚", "Penalty"), penalty(d.fine_yuan, d.points, en)),
        (l("缴款", "Payment"), d.payment(en).to_string()),
    ]
}

impl Deciding {
    fn asked(&mut self, ticket: u64) {
        self.waiting = Some(ticket);
    }

    fn offered(&self, id: &str) -> Option<Violation> {
        match &self.violations {
            Some(ViolationsOutcome::Offered(list)) => list
                .iter()
                .find(|v| v.id == id && v.decided_here())
                .cloned(),
            _ => None,
        }
    }

    pub(super) fn show(&self, screen: Screen, en: bool, view: &mut View) {
        let mut d = DecisionView::default();
        match screen {
            Screen::Violations => match &self.violations {
                Some(ViolationsOutcome::Offered(list)) => {
                    d.tiles = Some(
                        list.iter()
                            .filter(|v| v.decided_here())
                            .map(|v| tile(v, en))
                            .collect(),
                    );
                    d.counter_only = list.iter().filter(|v| !v.decided_here()).count();
                }
                Some(ViolationsOutcome::Offline) => d.offline = true,
                None => {}
            },
            // Confirm shows the chosen violation's facts (and says what confirming does).
            Screen::Confirm => match &self.chosen {
                Some(v) => {
                    view.summary = facts(v, en);
                    d.basis = v.basis(en).to_string();
                }
                None => return,
            },
            Screen::Printing if self.printing => d.printing = true,
            Screen::Decision => {
                d.outcome = self.outcome.clone();
                d.printed = self.printed;
                if let Some(DecisionOutcome::Decided(decision)) = &self.outcome {
                    d.rows = decided_rows(decision, en);
                }
            }
            _ => return,
        }
        view.decision = Some(d);
    }
}

impl Engine {
    /// Whether the question with this ticket is the decision's, waiting for its answer.
    pub(super) fn decision_waits_for(&self, ticket: u64) -> bool {
        self.phase
            .session()
            .is_some_and(|s| s.deciding.waiting == Some(ticket))
    }

    fn violation_request(&mut self, decide: Option<String>) -> Option<ViolationRequest> {
        let item_code = self.item()?.code.clone();
        let s = self.phase.session()?;
        // The card holder's own, with the card still here: whoever stands here now may be
        // someone else.
        if s.submitting.card_away() {
            return None;
        }
        let id_number = s.identity.as_ref()?.id_number.clone();
        self.front.queries_asked += 1;
        let ticket = self.front.queries_asked;
        self.phase.session_mut()?.deciding.asked(ticket);
        Some(ViolationRequest {
            ticket,
            item_code,
            id_number,
            decide,
        })
    }

    /// After 开始办理 on a decision item: the card holder's violations, asked upstream.
    pub(super) fn ask_violations(&mut self) {
        let Some(request) = self.violation_request(None) else {
            self.back_to_item_page();
            return;
        };
        if let Some(s) = self.phase.session_mut() {
            s.deciding.violations = None;
            s.deciding.chosen = None;
        }
        self.effects.push_back(Effect::Violations(request));
        if self.phase.screen() != Screen::Violations {
            self.forward_to(Screen::Violations);
        }
    }

    pub(super) fn violations_answered(&mut self, outcome: ViolationsOutcome) {
        if self.phase.screen() != Screen::Violations {
            return;
        }
        if let Some(s) = self.phase.session_mut() {
            s.deciding.violations = Some(outcome);
            s.deciding.waiting = None;
        }
    }

    /// A violation that can be dealt with here: its facts on Confirm.
    pub(super) fn choose_violation(&mut self, id: String) {
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let Some(v) = s.deciding.offered(&id) else {
            return;
        };
        s.deciding.chosen = Some(v);
        self.forward_to(Screen::Confirm);
    }

    /// Whether the session's item is decided upstream (Confirm asks for a decision, not a
    /// submission).
    pub(super) fn deciding_here(&self) -> bool {
        self.item().is_some_and(|i| i.mode == Mode::Decision)
    }

    /// 有异议 on the facts: the guide to the counter, where the party states their case; nothing
    /// goes upstream.
    pub(super) fn dispute(&mut self) {
        if let Some(item) = self.item().cloned() {
            self.print_guide(&item);
        }
    }

    /// 确认 on the facts, with the card holder's card on the reader: upstream decides.
    pub(super) fn decide(&mut self) {
        let Some(id) = self
            .phase
            .session()
            .and_then(|s| s.deciding.chosen.as_ref())
            .map(|v| v.id.clone())
        else {
            return;
        };
        let Some(request) = self.violation_request(Some(id)) else {
            return;
        };
        if let Some(s) = self.phase.session_mut() {
            s.deciding.outcome = None;
            s.deciding.printed = None;
        }
        self.effects.push_back(Effect::Violations(request));
        if self.phase.screen() != Screen::Decision {
            self.forward_to(Screen::Decision);
        }
    }

    pub(super) fn decided(&mut self, outcome: DecisionOutcome) {
        if self.phase.screen() != Screen::Decision {
            return;
        }
        let Some(item) = self.item().cloned() else {
            return;
        };
        let en = self.front.english;
        self.effects
            .push_back(Effect::Audit(AuditEvent::DecisionAnswered {
                item_code: item.code.clone(),
                outcome: match &outcome {
                    DecisionOutcome::Decided(_) => "decided",
                    DecisionOutcome::Refused => "refused",
                    DecisionOutcome::Offline => "offline",
                },
            }));
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        s.deciding.waiting = None;
        s.deciding.outcome = Some(outcome.clone());
        let DecisionOutcome::Decided(decision) = outcome else {
            return;
        };
        let Some(v) = s.deciding.chosen.clone() else {
            return;
        };
        let identity = s.identity.as_ref();
        let l = |zh: &str, english: &str| if en { english } else { zh }.to_string();
        let mut lines = vec![
            format!("{}{}", l("违法行为：", "Violation: "), v.act(en)),
            format!("{}{}", l("违法时间：", "When: "), v.when),
            format!("{}{}", l("违法地点：", "Where: "), v.place),
            format!("{}{}", l("号牌号码：", "Plate: "), mask::plate(&v.plate)),
            format!("{}{}", l("罚款：", "Fine: "), yuan(decision.fine_yuan, en)),
            format!("{}{}", l("记分：", "Points: "), points(decision.points, en)),
            format!("{}{}", l("依据：", "Legal basis: "), decision.basis(en)),
        ];
        for (label, text) in [
            (l("缴款：", "Payment: "), decision.payment(en)),
            (l("救济途径：", "Appeal: "), decision.remedy(en)),
        ] {
            if !text.is_empty() {
                lines.push(format!("{label}{text}"));
            }
        }
        let request = ReceiptRequest {
            submission: StoredSubmission {
                id: String::new(),
                number: decision.number.clone(),
                verification_code: None,
                pin: None,
            },
            kind: ReceiptKind::Decision,
            item_code: item.code.clone(),
            item_name: item.name(en).to_string(),
            next_steps: lines,
            name_masked: identity.map(|i| mask::name(&i.name)).unwrap_or_default(),
            id_masked: identity
                .map(|i| mask::id_number(&i.id_number))
                .unwrap_or_default(),
            english: en,
            acceptance: None,
            decision: Some(crate::vocab::submission::DecisionHeader {
                authority: decision.authority(en).to_string(),
                when: decision.when.clone(),
            }),
        };
        s.deciding.printing = true;
        self.effects.push_back(Effect::Print(request));
        self.forward_to(Screen::Printing);
    }

    /// The decision's printer answer: back to the decision, which says how it went. `false`:
    /// not ours.
    pub(super) fn decision_printed(&mut self, ok: bool) -> bool {
        let Some(s) = self.phase.session_mut() else {
            return false;
        };
        if !std::mem::take(&mut s.deciding.printing) {
            return false;
        }
        s.deciding.printed = Some(ok);
        s.history.pop();
        self.go(Screen::Decision);
        true
    }

    /// 重试 where upstream could not be asked: the violations, or the same decision (safe: the
    /// platform decides a violation once and answers the same decision again).
    pub(super) fn retry_decision(&mut self) {
        let screen = self.phase.screen();
        let Some(s) = self.phase.session() else {
            return;
        };
        match screen {
            Screen::Violations if s.deciding.violations == Some(ViolationsOutcome::Offline) => {
                self.ask_violations()
            }
            Screen::Decision if s.deciding.outcome == Some(DecisionOutcome::Offline) => {
                if s.submitting.card_away() {
                    self.back_to_item_page();
                    return;
                }
                self.decide()
            }
            _ => {}
        }
    }

    /// Upstream is deciding: the Decision screen waits for its answer.
    pub(super) fn decision_waiting(&self) -> bool {
        self.phase.screen() == Screen::Decision
            && self
                .phase
                .session()
                .is_some_and(|s| s.deciding.outcome.is_none())
    }

    /// Whether the decision screens offer help: upstream could not be asked.
    pub(super) fn decision_failed(&self) -> bool {
        self.phase.session().is_some_and(|s| {
            s.deciding.violations == Some(ViolationsOutcome::Offline)
                && self.phase.screen() == Screen::Violations
                || s.deciding.outcome == Some(DecisionOutcome::Offline)
                    && self.phase.screen() == Screen::Decision
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    use super::*;
    use crate::engine::{Action, Event, Harness};

    fn card(c: SimCard) -> Event {
        Event::CardPresented(Box::new(parse(&c.text, c.photo)))
    }

    fn violation(id: &str, here: bool) -> Violation {
        Violation {
            id: id.into(),
            when: "2026-11-20 08:12".into(),
            place: "金水路与经三路交叉口".into(),
            act_zh: "机动车违反禁令标志指示".into(),
            act_en: "Disregarded a prohibition sign".into(),
            plate: "豫AD12345".into(),
            fine_yuan: 100,
            points: 1,
            basis_zh: "《道路交通安全法》第九十条".into(),
            basis_en: "Road Traffic Safety Law, Art. 90".into(),
            here,
        }
    }

    fn decision() -> Decision {
        Decision {
            number: "JD-4101-20261207-000001".into(),
            when: "2026-12-07 10:00".into(),
            authority_zh: "郑州市公安局交通警察支队".into(),
            authority_en: "Zhengzhou traffic police".into(),
            fine_yuan: 100,
            points: 1,
            basis_zh: "《道路交通安全法》第九十条".into(),
            basis_en: "Road Traffic Safety Law, Art. 90".into(),
            payment_zh: "15日内缴纳".into(),
            payment_en: "Pay within 15 days".into(),
            remedy_zh: "60日内申请行政复议".into(),
            remedy_en: "Reconsideration within 60 days".into(),
        }
    }

    /// The question the engine sent upstream (the last one).
    fn asked(e: &mut Harness) -> ViolationRequest {
        e.take_effects()
            .into_iter()
            .rev()
            .find_map(|x| match x {
                Effect::Violations(r) => Some(r),
                _ => None,
            })
            .expect("a question upstream")
    }

    /// The sample resident on JG-WF-01's violations, both offered (one only for the counter).
    fn to_violations(t: Instant) -> Harness {
        let mut e = Harness::shipped(t);
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::Touch(Action::SelectItem("JG-WF-01".into())), t);
        e.handle_at(Event::Touch(Action::Start), t);
        assert_eq!(e.screen(), Screen::Violations);
        let q = asked(&mut e);
        assert_eq!(
            (q.id_number.as_str(), q.decide.as_deref()),
            ("330106198503121231", None)
        );
        assert_eq!(e.view().decision.unwrap().tiles, None, "waiting");
        e.handle_at(
            Event::ViolationsAnswered(
                q.ticket,
                ViolationsOutcome::Offered(vec![violation("V1", true), violation("V2", false)]),
            ),
            t,
        );
        e
    }

    #[test]
    fn a_confirmed_violation_prints_upstream_s_decision() {
        let t = Instant::now();
        let mut e = to_violations(t);
        let d = e.view().decision.unwrap();
        let tiles = d.tiles.unwrap();
        assert_eq!(
            tiles.len(),
            1,
            "only what can be dealt with here is offered"
        );
        assert_eq!(d.counter_only, 1);
        assert_eq!(tiles[0].hint, "豫A****45 · 罚款100元 · 记1分");
        // The counter's violation cannot be chosen here.
        e.handle_at(Event::Touch(Action::ChooseViolation("V2".into())), t);
        assert_eq!(e.screen(), Screen::Violations);
        e.handle_at(Event::Touch(Action::ChooseViolation("V1".into())), t);
        assert_eq!(e.screen(), Screen::Confirm);
        let v = e.view();
        assert!(v
            .summary
            .contains(&("处罚".into(), "罚款100元，记1分".into())));
        assert!(v.summary.contains(&(
            "违法行为".into(),
            "机动车违反禁令标志指示（豫A****45）".into()
        )));
        assert!(v.prompt.contains("陈述申辩"), "{}", v.prompt);
        assert_eq!(
            v.decision.unwrap().basis,
            "《道路交通安全法》第九十条",
            "the basis, apart"
        );
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.screen(), Screen::Decision);
        let q = asked(&mut e);
        assert_eq!(q.decide.as_deref(), Some("V1"));
        // Nowhere to go while upstream decides: the paper would be left behind.
        e.handle_at(Event::Touch(Action::Home), t);
        e.handle_at(Event::Touch(Action::Finish), t);
        assert_eq!(e.screen(), Screen::Decision);
        assert_eq!(e.view().decision.unwrap().outcome, None, "waiting");
        e.handle_at(
            Event::DecisionAnswered(q.ticket, DecisionOutcome::Decided(Box::new(decision()))),
            t,
        );
        assert_eq!(e.screen(), Screen::Printing);
        assert!(e.view().decision.unwrap().printing);
        let paper = e
            .take_effects()
            .into_iter()
            .find_map(|x| match x {
                Effect::Print(r) => Some(r),
                _ => None,
            })
            .expect("the decision prints");
        assert_eq!(paper.kind, ReceiptKind::Decision);
        assert_eq!(paper.submission.number, "JD-4101-20261207-000001");
        assert_eq!(paper.name_masked, "张*明");
        for line in [
            "罚款：100元",
            "记分：1分",
            "依据：《道路交通安全法》第九十条",
            "缴款：15日内缴纳",
            "救济途径：60日内申请行政复议",
            "号牌号码：豫A****45",
        ] {
            assert!(paper.next_steps.iter().any(|l| l == line), "{line}");
        }
        e.handle_at(Event::Printed(Ok(())), t);
        assert_eq!(e.screen(), Screen::Decision);
        let d = e.view().decision.unwrap();
        assert_eq!(d.printed, Some(true));
        assert!(d
            .rows
            .contains(&("决定书编号".into(), "JD-4101-20261207-000001".into())));
        e.handle_at(Event::Touch(Action::Finish), t);
        assert_eq!(e.screen(), Screen::Attract);
    }

    #[test]
    fn offline_claims_nothing_and_a_retry_asks_for_the_same_decision() {
        let t = Instant::now();
        let mut e = to_violations(t);
        e.handle_at(Event::Touch(Action::ChooseViolation("V1".into())), t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        let first = asked(&mut e);
        e.handle_at(
            Event::DecisionAnswered(first.ticket, DecisionOutcome::Offline),
            t,
        );
        assert_eq!(e.screen(), Screen::Decision);
        let v = e.view();
        assert!(v.help_offered, "staff can be called");
        assert!(!e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Print(_))));
        e.handle_at(Event::Touch(Action::Retry), t);
        let again = asked(&mut e);
        assert_eq!(again.decide.as_deref(), Some("V1"), "the same violation");
        assert_ne!(again.ticket, first.ticket);
        // The first question's late answer is nobody's now.
        e.handle_at(
            Event::DecisionAnswered(first.ticket, DecisionOutcome::Decided(Box::new(decision()))),
            t,
        );
        assert_eq!(e.screen(), Screen::Decision);
        assert_eq!(e.view().decision.unwrap().outcome, None);
        // Refused: the guide instead, and nothing decided said.
        e.handle_at(
            Event::DecisionAnswered(again.ticket, DecisionOutcome::Refused),
            t,
        );
        assert!(e.view().prompt.contains("交管窗口"));
        e.handle_at(Event::Touch(Action::GuideInstead), t);
        let paper = e
            .take_effects()
            .into_iter()
            .find_map(|x| match x {
                Effect::Print(r) => Some(r),
                _ => None,
            })
            .unwrap();
        assert_eq!(paper.kind, ReceiptKind::Application);
        assert!(paper.submission.number.is_empty(), "a guide");
    }

    #[test]
    fn with_the_card_away_no_question_carries_the_holder_s_identity() {
        let t = Instant::now();
        let mut e = to_violations(t);
        e.handle_at(Event::Touch(Action::ChooseViolation("V1".into())), t);
        e.take_effects();
        e.handle_at(Event::CardRemoved, t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        assert_eq!(e.screen(), Screen::Confirm);
        assert!(!e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Violations(_))));
        // Someone else's card decides nothing.
        e.handle_at(card(SimCard::foreign_2023_sample()), t);
        assert!(!e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Violations(_))));
        e.handle_at(card(SimCard::resident_sample()), t);
        assert_eq!(asked(&mut e).decide.as_deref(), Some("V1"));
        assert_eq!(e.screen(), Screen::Decision);
    }

    #[test]
    fn a_late_list_reaches_nobody_after_the_session() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::Touch(Action::SelectItem("JG-WF-01".into())), t);
        e.handle_at(Event::Touch(Action::Start), t);
        let q = asked(&mut e);
        e.handle_at(Event::Touch(Action::Home), t);
        e.handle_at(Event::Touch(Action::Finish), t);
        // The next citizen on the same item.
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::Touch(Action::SelectItem("JG-WF-01".into())), t);
        e.handle_at(Event::Touch(Action::Start), t);
        e.handle_at(
            Event::ViolationsAnswered(
                q.ticket,
                ViolationsOutcome::Offered(vec![violation("V1", true)]),
            ),
            t,
        );
        assert_eq!(e.view().decision.unwrap().tiles, None);
    }

    /// Above 200 yuan a fine is no on-the-spot decision (行政处罚法 Art. 51, 道路交通安全法
    /// Art. 107): counted for the counter, not offered, whatever upstream says.
    #[test]
    fn a_fine_above_the_simplified_procedure_is_for_the_counter() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(card(SimCard::resident_sample()), t);
        e.handle_at(Event::Touch(Action::SelectItem("JG-WF-01".into())), t);
        e.handle_at(Event::Touch(Action::Start), t);
        let q = asked(&mut e);
        let mut dear = violation("V3", true);
        dear.fine_yuan = 201;
        let mut at_the_bound = violation("V4", true);
        at_the_bound.fine_yuan = 200;
        e.handle_at(
            Event::ViolationsAnswered(
                q.ticket,
                ViolationsOutcome::Offered(vec![dear, at_the_bound]),
            ),
            t,
        );
        let d = e.view().decision.unwrap();
        let offered: Vec<String> = d.tiles.unwrap().into_iter().map(|t| t.code).collect();
        assert_eq!(offered, ["V4"]);
        assert_eq!(d.counter_only, 1);
        e.handle_at(Event::Touch(Action::ChooseViolation("V3".into())), t);
        assert_eq!(e.screen(), Screen::Violations);
    }

    /// Upstream deciding: the inactivity countdown does not end the session (the paper is
    /// coming); if the session ends anyway (its hard cap), a decision answered later is audited
    /// as unclaimed — nobody got its paper.
    #[test]
    fn a_decision_is_waited_for_and_one_answered_too_late_is_audited() {
        let t = Instant::now();
        let mut e = to_violations(t);
        e.handle_at(Event::Touch(Action::ChooseViolation("V1".into())), t);
        e.handle_at(Event::Touch(Action::Confirm), t);
        let q = asked(&mut e);
        e.handle_at(Event::Tick, t + std::time::Duration::from_secs(120));
        assert_eq!(e.screen(), Screen::Decision, "no walk-away while deciding");
        assert_eq!(e.view().countdown, None);
        e.handle_at(Event::Tick, t + std::time::Duration::from_secs(3 * 3600));
        assert_eq!(e.screen(), Screen::Attract, "the session's hard cap");
        e.take_effects();
        e.handle_at(
            Event::DecisionAnswered(q.ticket, DecisionOutcome::Decided(Box::new(decision()))),
            t + std::time::Duration::from_secs(3 * 3600 + 1),
        );
        assert!(e.take_effects().iter().any(|x| matches!(
            x,
            Effect::Audit(AuditEvent::DecisionAnswered {
                outcome: "decided_unclaimed",
                ..
            })
        )));
        assert_eq!(e.screen(), Screen::Attract);
    }
}
