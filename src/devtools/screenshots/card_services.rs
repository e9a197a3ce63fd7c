//! The screenshots' tour through the services a card reader makes possible: one's own records
//! looked up by card, an application a station has since accepted (受理 with its number), an
//! HK/Macao/Taiwan permit's renewal, a relative named by a checked ID number.

use std::time::Instant;

use onetrip_drivers::id_card::identity::parse;
use onetrip_drivers::id_card::sim::SimCard;

use crate::engine::{Acceptance, Action, Engine, Event, ProgressStep, QueryOutcome, View};

/// Appends these services' views to `shots`, each session begun with `prepare` (language and
/// elderly mode chosen on the attract screen) and ended at the attract screen.
pub(super) fn shots(
    e: &mut Engine,
    shots: &mut Vec<(String, View)>,
    t0: Instant,
    prepare: &dyn Fn(&mut Engine),
) {
    let touch = |e: &mut Engine, a: Action| e.handle(Event::Touch(a), t0);
    let card = |c: SimCard| Event::CardPresented(Box::new(parse(&c.text, c.photo)));
    // One's own records by card (no question: the card is the key), and a HK/Macao/Taiwan
    // residence permit's renewal, pre-applied here.
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("JG-JSZ-06".into()));
    touch(e, Action::Start);
    e.handle(
        Event::QueryResult(QueryOutcome::Found(
            vec![
                ProgressStep {
                    when: String::new(),
                    zh: "驾驶证状态：正常；准驾车型：C1".into(),
                    en: "Driving licence: valid; class C1".into(),
                },
                ProgressStep {
                    when: String::new(),
                    zh: "本记分周期累积记分：3分（满分为12分）".into(),
                    en: "Points this scoring period: 3 (the limit is 12)".into(),
                },
                ProgressStep {
                    when: String::new(),
                    zh: "本记分周期：2026年3月12日至2027年3月11日".into(),
                    en: "Scoring period: 12 Mar 2026 to 11 Mar 2027".into(),
                },
            ],
            None,
        )),
        t0,
    );
    shots.push(("query_own_records".into(), e.view()));
    touch(e, Action::Home);
    touch(e, Action::Finish);
    // An application made here that a station has since accepted: 受理 with its number.
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("FZ-ZFGK-10".into()));
    touch(e, Action::Start);
    for c in "DEMO-0001-000001".chars() {
        touch(e, Action::FormKey(c));
    }
    touch(e, Action::FormNext);
    e.handle(
        Event::QueryResult(QueryOutcome::Found(
            vec![
                ProgressStep {
                    when: "2026-12-01 10:02".into(),
                    zh: "已收到申请".into(),
                    en: "Application received".into(),
                },
                ProgressStep {
                    when: "2026-12-02 09:30".into(),
                    zh: "已受理".into(),
                    en: "Accepted".into(),
                },
            ],
            Some(Acceptance {
                number: "SL20261202-000001".into(),
                when: "2026-12-02 09:30".into(),
                authority_zh: "金水分局示范派出所".into(),
                authority_en: "Model Police Station, Jinshui".into(),
            }),
        )),
        t0,
    );
    shots.push(("query_accepted".into(), e.view()));
    touch(e, Action::Home);
    touch(e, Action::Finish);
    prepare(e);
    e.handle(card(SimCard::hmt_sample()), t0);
    touch(e, Action::SelectItem("HZ-JZZ-03".into()));
    shots.push(("item_hmt_renewal".into(), e.view()));
    touch(e, Action::Home);
    touch(e, Action::Finish);
    // A relative named by an ID number: the digits' keypad with its X, the number checked.
    prepare(e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(e, Action::SelectItem("HZ-HJZM-03".into()));
    touch(e, Action::Start);
    touch(e, Action::FormChoose("work".into()));
    touch(e, Action::FormChoose("parent".into()));
    for c in "410105195001011236".chars() {
        touch(e, Action::FormKey(c));
    }
    touch(e, Action::FormNext);
    shots.push(("form_id_number".into(), e.view()));
    touch(e, Action::Home);
    touch(e, Action::Finish);
}
