//! The community officer panel (我的社区民警): opened from the attract screen without a card, it
//! shows who serves this village and how to reach them, and prints the contact card. The same
//! panel is on the out-of-service screen, so an empty room with a broken terminal still tells a
//! villager where their officer is and which number answers day and night.

use std::sync::Arc;

use super::effect::Effect;
use super::view::{Screen, View};
use super::Engine;
use crate::catalog::{Item, SubmissionKind};
use crate::community::panel::Panel;
use crate::community::{parse_date, Feed, EMERGENCY};
use crate::vocab::submission::StoredSubmission;

/// The catalog's category of requests to the community officer (a call-back or a visit,
/// mediation): the panel opens it.
pub const REQUESTS: &str = "ZA-SQJW";

/// How the panel's contact card is going, within one visit to the panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum CardPrint {
    #[default]
    NotAsked,
    Printing,
    Printed,
    Failed,
}

impl Engine {
    pub(super) fn community_updated(&mut self, feed: Arc<Feed>) {
        self.offer.community = Some(feed);
    }

    /// The panel as it reads today. The day is never before the feed's issue date nor a day the
    /// terminal has seen: a clock set back cannot bring back a person whose assignment has ended.
    /// Today's whereabouts only when that day is the clock's too.
    pub(super) fn panel(&self) -> Panel {
        let feed = self.offer.community.as_deref();
        let day = self.reading_day();
        Panel::new(
            feed,
            day,
            day == self.offer.today,
            self.front.english,
            self.config.duty_phone.as_deref(),
        )
    }

    /// The day the feed is read on: today, but never before its issue date nor a day the
    /// terminal has seen.
    pub(super) fn reading_day(&self) -> onetrip_drivers::id_card::Date {
        let issued = self
            .offer
            .community
            .as_deref()
            .and_then(|f| parse_date(&f.issued));
        [Some(self.offer.today), self.offer.latest_day_seen, issued]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.offer.today)
    }

    pub(super) fn open_community(&mut self) {
        self.start_session(None);
        self.go(Screen::Community);
    }

    pub(super) fn print_contact_card(&mut self) {
        if self.printing_paused() {
            return;
        }
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        if s.contact_card == CardPrint::Printing {
            return;
        }
        s.contact_card = CardPrint::Printing;
        self.effects
            .push_back(Effect::PrintContactCard(Box::new(self.panel())));
    }

    /// 我要找民警: the catalog's requests to the officer, as a list (the card is asked for by
    /// the item, as for any application).
    pub(super) fn community_requests(&mut self) {
        let catalog = self.offer.catalog.clone();
        if catalog.category(REQUESTS).is_some() {
            self.open_category(&catalog, REQUESTS.to_string());
        }
    }

    /// The receipt's next steps: the item's own and, for a call-back or a visit, the number
    /// that will call, the code the officer says first, and what the police never ask — so a
    /// villager can tell the real call from a fraudster's.
    pub(super) fn receipt_steps(
        &self,
        item: &Item,
        stored: &StoredSubmission,
        english: bool,
    ) -> Vec<String> {
        let mut steps = item.next_steps(english);
        if item.kind != SubmissionKind::VisitRequest {
            return steps;
        }
        let panel = self.panel();
        let Some(code) = stored.verification_code.as_deref() else {
            return steps;
        };
        let caller = match (panel.officer(), &panel.duty_phone) {
            (Some(o), _) => Some((format!("{} {}", o.role_words, o.name), o.phone.clone())),
            (None, Some(duty)) => Some((
                if english {
                    "the police station"
                } else {
                    "派出所"
                }
                .to_string(),
                duty.clone(),
            )),
            (None, None) => None,
        };
        steps.push(match (caller, english) {
            (Some((who, phone)), false) => format!("民警将用 {phone}（{who}）与您联系"),
            (Some((who, phone)), true) => format!("The police will call you from {phone} ({who})"),
            (None, false) => "民警将与您联系".into(),
            (None, true) => "The police will contact you".into(),
        });
        steps.push(if english {
            format!("Verification code {code}: the officer says it first. If it does not match, hang up and call {EMERGENCY}")
        } else {
            format!("核验码 {code}：来电民警会先说出此码，对不上请挂断并拨打{EMERGENCY}")
        });
        steps.push(
            if english {
                "The police never ask you to transfer money or install an app"
            } else {
                "民警不会要求您转账、下载软件"
            }
            .into(),
        );
        steps
    }

    /// The printer's answer for the contact card, wherever the citizen is by then (the panel
    /// shows it when they come back to it).
    pub(super) fn contact_card_printed(&mut self, ok: bool) {
        if let Some(s) = self.phase.session_mut() {
            if s.contact_card == CardPrint::Printing {
                s.contact_card = if ok {
                    CardPrint::Printed
                } else {
                    CardPrint::Failed
                };
            }
        }
    }

    pub(super) fn community_view(&self, view: &mut View) {
        // The attract screen rotates the notices; the others show the panel.
        if !matches!(
            self.phase.screen(),
            Screen::Community | Screen::Notices | Screen::OutOfService | Screen::Attract
        ) {
            return;
        }
        view.community = Some(self.panel());
        view.community_requests = self.offer.catalog.category(REQUESTS).is_some();
        let en = self.front.english;
        let state = self.phase.session().map(|s| s.contact_card);
        view.community_note = match state {
            // The card would not print: the button says so (the numbers are on the panel).
            _ if self.printing_paused() => {
                if en {
                    "Cannot print now: note the numbers"
                } else {
                    "暂不能打印，请记下号码"
                }
            }
            Some(CardPrint::Printing) => {
                if en {
                    "Printing…"
                } else {
                    "正在打印…"
                }
            }
            Some(CardPrint::Printed) => {
                if en {
                    "Printed: take it from below"
                } else {
                    "已打印，请在下方取卡"
                }
            }
            Some(CardPrint::Failed) => {
                if en {
                    "Not printed: note the numbers"
                } else {
                    "未能打印，请记下号码"
                }
            }
            _ => "",
        }
        .to_string();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::community::Role;
    use crate::engine::{Action, Availability, Event, Harness, Outage};

    fn feed() -> Arc<Feed> {
        Arc::new(Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap())
    }

    fn day(s: &str) -> Event {
        Event::Today(parse_date(s).unwrap())
    }

    #[test]
    fn the_panel_opens_without_a_card_prints_the_card_and_leaves_nothing() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(Event::CommunityUpdated(feed()), t);
        e.handle_at(day("2026-12-07"), t);
        e.handle_at(Event::Touch(Action::OpenCommunity), t);
        assert_eq!(e.screen(), Screen::Community);
        let v = e.view();
        let panel = v.community.unwrap();
        assert_eq!(panel.people.len(), 2);
        assert_eq!(
            panel.officer().unwrap().today,
            "今日下村走访，15:00 回警务室"
        );
        assert!(v.name_masked.is_empty());
        e.take_effects();
        e.handle_at(Event::Touch(Action::PrintContactCard), t);
        // A second tap while printing prints nothing more.
        e.handle_at(Event::Touch(Action::PrintContactCard), t);
        let printed: Vec<Box<Panel>> = e
            .take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::PrintContactCard(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(printed.len(), 1);
        assert_eq!(printed[0].people[0].name, "李示警");
        assert_eq!(e.view().community_note, "正在打印…");
        e.handle_at(Event::ContactCardPrinted(Ok(())), t);
        assert_eq!(e.screen(), Screen::Community);
        // The area's notices in full, and back to the panel.
        assert_eq!(e.view().community.unwrap().notices.len(), 2);
        e.handle_at(Event::Touch(Action::OpenNotices), t);
        assert_eq!(e.screen(), Screen::Notices);
        assert_eq!(
            e.view().community.unwrap().notices[1].kind_words,
            "反诈预警"
        );
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Community);
        assert_eq!(e.view().community_note, "已打印，请在下方取卡");
        e.handle_at(Event::Touch(Action::Back), t);
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::WipeSession)));
    }

    #[test]
    fn a_clock_set_back_reads_the_feed_no_earlier_than_its_issue() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(Event::CommunityUpdated(feed()), t);
        // Past the auxiliary's assignment: gone from the panel.
        e.handle_at(day("2027-03-01"), t);
        e.handle_at(Event::Touch(Action::OpenCommunity), t);
        let panel = e.view().community.unwrap();
        assert_eq!(panel.people.len(), 1);
        assert!(panel.people.iter().all(|p| p.role != Role::Auxiliary));
        // Past the feed's expiry: nobody, the duty phone and 110.
        e.handle_at(day("2028-01-01"), t);
        let panel = e.view().community.unwrap();
        assert!(panel.people.is_empty());
        assert_eq!(panel.duty_phone.as_deref(), Some("0371-5550-0110"));
        // A clock in 2020 reads the feed as of its issue, not as of before it.
        e.handle_at(day("2020-01-01"), t);
        assert_eq!(e.view().community.unwrap().updated, "2026-12-01");
        // Set back below a day the terminal has seen: read as of that day, and nobody's
        // whereabouts are told (the clock's "today" is not the day read).
        e.handle_at(day("2026-12-07"), t);
        assert_eq!(
            e.view().community.unwrap().officer().unwrap().today,
            "今日下村走访，15:00 回警务室"
        );
        e.handle_at(Event::LatestDaySeen(parse_date("2027-03-01").unwrap()), t);
        let panel = e.view().community.unwrap();
        assert_eq!(panel.people.len(), 1, "the auxiliary's assignment ended");
        assert_eq!(panel.officer().unwrap().today, "");
    }

    #[test]
    fn the_out_of_service_screen_carries_the_panel() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(Event::CommunityUpdated(feed()), t);
        e.handle_at(day("2026-12-07"), t);
        e.handle_at(
            Event::Availability(Availability::OutOfService(vec![Outage::Starting])),
            t,
        );
        assert_eq!(e.screen(), Screen::OutOfService);
        let v = e.view();
        let panel = v.community.unwrap();
        assert_eq!(panel.duty_phone.as_deref(), Some("0371-5550-0110"));
        assert!(!panel.people.is_empty());
        assert!(!v.prompt.contains("窗口"), "{}", v.prompt);
    }

    fn card() -> Event {
        let c = onetrip_drivers::id_card::sim::SimCard::resident_sample();
        Event::CardPresented(Box::new(onetrip_drivers::id_card::identity::parse(
            &c.text, c.photo,
        )))
    }

    fn touch(e: &mut Harness, a: Action, t: Instant) {
        e.handle_at(Event::Touch(a), t);
    }

    #[test]
    fn a_call_back_prints_the_number_that_will_call_and_the_code_said_first() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(Event::CommunityUpdated(feed()), t);
        e.handle_at(day("2026-12-01"), t);
        touch(&mut e, Action::OpenCommunity, t);
        assert!(e.view().community_requests);
        touch(&mut e, Action::CommunityRequests, t);
        assert_eq!(e.screen(), Screen::Items);
        let codes: Vec<String> = e.view().items.iter().map(|i| i.code.clone()).collect();
        assert_eq!(
            codes,
            [
                "ZA-SQJW-01",
                "ZA-SQJW-02",
                "ZA-SQJW-03",
                "ZA-SQJW-04",
                "ZA-SQJW-05"
            ]
        );
        touch(&mut e, Action::SelectItem("ZA-SQJW-01".into()), t);
        assert!(e.view().detail.unwrap().card_needed);
        // The card starts the request: it is someone's, and the officer calls them back.
        e.handle_at(card(), t);
        assert_eq!(e.screen(), Screen::Form);
        touch(&mut e, Action::FormChoose("advice".into()), t);
        touch(&mut e, Action::FormChoose("call".into()), t);
        for c in "13812345678".chars() {
            touch(&mut e, Action::FormKey(c), t);
        }
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::Slots);
        e.handle_at(
            Event::Slots(crate::vocab::upstream::SlotsOutcome::Offered(vec![
                crate::vocab::upstream::Slot {
                    id: "20261202T0900".into(),
                    zh: "12月2日 周三 09:00".into(),
                    en: "Wed 2 Dec 09:00".into(),
                },
            ])),
            t,
        );
        touch(&mut e, Action::ChooseSlot("20261202T0900".into()), t);
        assert_eq!(e.screen(), Screen::Confirm);
        e.take_effects();
        touch(&mut e, Action::Confirm, t);
        let kinds: Vec<&str> = e
            .take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::Submit(s) => Some(s.kind),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["visit_request"]);
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "9f3c2a10-0000-4000-8000-000000000000".into(),
                number: "DEMO-0001-000042".into(),
                verification_code: Some("0482".into()),
                pin: None,
            })),
            t,
        );
        let steps = e
            .take_effects()
            .into_iter()
            .find_map(|x| match x {
                Effect::Print(r) => Some(r.next_steps),
                _ => None,
            })
            .unwrap();
        let code = "0482";
        assert!(
            steps.contains(&"民警将用 0371-5550-0123（社区民警 李示警）与您联系".to_string()),
            "{steps:?}"
        );
        assert!(
            steps.contains(&format!(
                "核验码 {code}：来电民警会先说出此码，对不上请挂断并拨打110"
            )),
            "{steps:?}"
        );
        assert!(
            steps.contains(&"民警不会要求您转账、下载软件".to_string()),
            "{steps:?}"
        );
    }

    #[test]
    fn mediation_asks_relations_not_names_and_a_risk_of_violence_stops_at_110() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        e.handle_at(Event::CommunityUpdated(feed()), t);
        touch(&mut e, Action::OpenCommunity, t);
        touch(&mut e, Action::CommunityRequests, t);
        touch(&mut e, Action::SelectItem("ZA-SQJW-02".into()), t);
        e.handle_at(card(), t);
        touch(&mut e, Action::FormChoose("land".into()), t);
        // The other side is a relation, chosen: there is no field to type a name into.
        let form = e.view().form.unwrap();
        assert_eq!(form.kind, "choice");
        assert!(form.choices.iter().any(|c| c.code == "neighbour"));
        touch(&mut e, Action::FormChoose("neighbour".into()), t);
        touch(&mut e, Action::FormChoose("yes".into()), t);
        let form = e.view().form.unwrap();
        assert_eq!(e.screen(), Screen::Form);
        assert!(form.error.contains("立即拨打110"), "{}", form.error);
        assert!(
            form.label.contains("危险"),
            "still on the question: {}",
            form.label
        );
        // No risk: on to the time and the phone, and a mediation request is submitted.
        touch(&mut e, Action::FormChoose("no".into()), t);
        touch(&mut e, Action::FormChoose("weekend".into()), t);
        for c in "13812345678".chars() {
            touch(&mut e, Action::FormKey(c), t);
        }
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::Confirm);
        e.take_effects();
        touch(&mut e, Action::Confirm, t);
        let submitted: Vec<(&str, Vec<(String, String)>)> = e
            .take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::Submit(s) => Some((s.kind, s.answers)),
                _ => None,
            })
            .collect();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].0, "mediation");
        let answers = &submitted[0].1;
        for (k, v) in [
            ("dispute", "land"),
            ("other_party", "neighbour"),
            ("violence", "no"),
        ] {
            assert!(
                answers.contains(&(k.to_string(), v.to_string())),
                "{answers:?}"
            );
        }
    }

    #[test]
    fn a_named_tip_asks_about_danger_first_and_is_submitted_as_a_tip() {
        let t = Instant::now();
        let mut e = Harness::shipped(t);
        touch(&mut e, Action::OpenCommunity, t);
        touch(&mut e, Action::CommunityRequests, t);
        touch(&mut e, Action::SelectItem("ZA-SQJW-03".into()), t);
        let page = e.view().detail.unwrap();
        assert!(
            page.conditions.iter().any(|c| c.contains("依法保密")),
            "{page:?}"
        );
        e.handle_at(card(), t);
        // Danger now: 110, not a form.
        touch(&mut e, Action::FormChoose("yes".into()), t);
        assert!(e.view().form.unwrap().error.contains("立即拨打110"));
        for choice in ["no", "drugs", "this_village", "today", "yes"] {
            touch(&mut e, Action::FormChoose(choice.into()), t);
        }
        for c in "13812345678".chars() {
            touch(&mut e, Action::FormKey(c), t);
        }
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::Confirm);
        e.take_effects();
        touch(&mut e, Action::Confirm, t);
        let kinds: Vec<&str> = e
            .take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::Submit(s) => Some(s.kind),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, ["tip"]);
    }
}
