//! The screenshots' tour through a decision (JG-WF-01): the card holder's violations (one for
//! the counter only), the facts on Confirm, the decision printed, and what offline and a refusal
//! look like. Upstream's answers are the reference upstream's sample, given with the ticket of
//! the question the engine asked.

use std::time::Instant;

use onetrip_drivers::id_card::identity::parse;
use onetrip_drivers::id_card::sim::SimCard;

use crate::engine::{Action, Effect, Engine, Event, View};
use crate::vocab::violation::{Decision, DecisionOutcome, Violation, ViolationsOutcome};

/// The ticket of the last question about violations the engine asked.
fn ticket(e: &mut Engine) -> u64 {
    let mut last = 0;
    while let Some(effect) = e.poll_effect() {
        if let Effect::Violations(r) = effect {
            last = r.ticket;
        }
    }
    last
}

/// A sample violation on the sample resident's car: one a terminal may deal with (`here`), or
/// one only the counter can.
pub fn sample_violation(id: &str, here: bool) -> Violation {
    let (act_zh, act_en, fine_yuan, points) = if here {
        (
            "机动车违反禁令标志指示",
            "Disregarded a prohibition sign",
            100,
            1,
        )
    } else {
        (
            "驾驶机动车超过规定时速50%以上",
            "Drove more than 50% over the speed limit",
            1000,
            12,
        )
    };
    Violation {
        id: id.into(),
        when: "2026-11-20 08:12".into(),
        place: "郑州市金水路与经三路交叉口".into(),
        act_zh: act_zh.into(),
        act_en: act_en.into(),
        plate: "豫AD12345".into(),
        fine_yuan,
        points,
        basis_zh: "《中华人民共和国道路交通安全法》第九十条；《道路交通安全违法行为记分管理办法》"
            .into(),
        basis_en: "Road Traffic Safety Law, Art. 90; Measures on Scoring Traffic Violations".into(),
        here,
    }
}

/// A sample decision on the first, as the reference upstream words one.
pub fn sample_decision() -> Decision {
    Decision {
        number: "JD-4101-20261207-000001".into(),
        when: "2026-12-07 10:02".into(),
        authority_zh: "郑州市公安局交通警察支队".into(),
        authority_en: "Zhengzhou Traffic Police Detachment".into(),
        fine_yuan: 100,
        points: 1,
        basis_zh: "《中华人民共和国道路交通安全法》第九十条".into(),
        basis_en: "Road Traffic Safety Law, Art. 90".into(),
        payment_zh: "自收到本决定书之日起15日内，通过交管12123或代收银行缴纳罚款；逾期不缴纳的，每日按罚款数额的3%加处罚款".into(),
        payment_en: "Pay within 15 days of receiving this decision, through 12123 or a collecting bank; after that, 3% of the fine is added each day".into(),
        remedy_zh: "不服本决定的，可以自收到本决定书之日起60日内向郑州市人民政府申请行政复议，或者6个月内向人民法院提起行政诉讼".into(),
        remedy_en: "If you disagree, apply for reconsideration within 60 days or sue within 6 months".into(),
    }
}

/// Appends the decision's views to `shots`, each session begun with `prepare` and ended at the
/// attract screen.
pub(super) fn shots(
    e: &mut Engine,
    shots: &mut Vec<(String, View)>,
    t0: Instant,
    prepare: &dyn Fn(&mut Engine),
) {
    let touch = |e: &mut Engine, a: Action| e.handle(Event::Touch(a), t0);
    let card = |c: SimCard| Event::CardPresented(Box::new(parse(&c.text, c.photo)));
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("JG-WF-01".into()));
    touch(e, Action::Start);
    let t = ticket(e);
    e.handle(Event::ViolationsAnswered(t, ViolationsOutcome::Offline), t0);
    shots.push(("violations_offline".into(), e.view()));
    touch(e, Action::Retry);
    let t = ticket(e);
    e.handle(
        Event::ViolationsAnswered(
            t,
            ViolationsOutcome::Offered(vec![
                sample_violation("V1", true),
                sample_violation("V2", false),
            ]),
        ),
        t0,
    );
    shots.push(("violations".into(), e.view()));
    touch(e, Action::ChooseViolation("V1".into()));
    shots.push(("confirm_violation".into(), e.view()));
    touch(e, Action::Confirm);
    shots.push(("decision_waiting".into(), e.view()));
    let t = ticket(e);
    e.handle(Event::DecisionAnswered(t, DecisionOutcome::Offline), t0);
    shots.push(("decision_offline".into(), e.view()));
    touch(e, Action::Retry);
    let t = ticket(e);
    e.handle(
        Event::DecisionAnswered(t, DecisionOutcome::Decided(Box::new(sample_decision()))),
        t0,
    );
    shots.push(("decision_printing".into(), e.view()));
    e.handle(Event::Printed(Ok(())), t0);
    shots.push(("decision".into(), e.view()));
    touch(e, Action::Finish);
    // Decided, not printed: the number on screen, where to see the decision, staff to call.
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("JG-WF-01".into()));
    touch(e, Action::Start);
    let t = ticket(e);
    e.handle(
        Event::ViolationsAnswered(
            t,
            ViolationsOutcome::Offered(vec![sample_violation("V1", true)]),
        ),
        t0,
    );
    touch(e, Action::ChooseViolation("V1".into()));
    touch(e, Action::Confirm);
    let t = ticket(e);
    e.handle(
        Event::DecisionAnswered(t, DecisionOutcome::Decided(Box::new(sample_decision()))),
        t0,
    );
    e.handle(Event::Printed(Err("paper out".into())), t0);
    shots.push(("decision_print_failed".into(), e.view()));
    touch(e, Action::Finish);
    // Refused here: to the counter, with the guide.
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("JG-WF-01".into()));
    touch(e, Action::Start);
    let t = ticket(e);
    e.handle(
        Event::ViolationsAnswered(
            t,
            ViolationsOutcome::Offered(vec![sample_violation("V1", true)]),
        ),
        t0,
    );
    touch(e, Action::ChooseViolation("V1".into()));
    touch(e, Action::Confirm);
    let t = ticket(e);
    e.handle(Event::DecisionAnswered(t, DecisionOutcome::Refused), t0);
    shots.push(("decision_refused".into(), e.view()));
    touch(e, Action::Finish);
}
