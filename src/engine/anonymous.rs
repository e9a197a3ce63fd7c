//! Anonymous tips (匿名线索) in a session. An item that identifies nobody starts without the card
//! and ignores one on the reader; its "where?" offers the area's place names from the feed; its
//! answers leave the engine only to be sealed to the receiving unit's key (the shell seals them
//! before the store sees them); the journal keeps one opaque step for the whole tip; its receipt
//! carries the tip's number and PIN and nothing of a person, and is never kept for a reprint.

use super::effect::Effect;
use super::view::Screen;
use super::Engine;
use crate::catalog::{Choice, Field, Item, Mode, OptionsFrom};
use crate::community::tip::AnonymousTip;
use crate::community::TipRecipient;

impl Engine {
    /// The unit anonymous tips are sealed to: the feed's, while the feed is in force.
    pub(super) fn tip_recipient(&self) -> Option<TipRecipient> {
        let feed = self.offer.community.as_deref()?;
        feed.in_force(self.reading_day()).tips.cloned()
    }

    /// Why an anonymous tip cannot start here, in the screen's language (`None`: it can, or the
    /// item is not one).
    pub(super) fn anonymous_unavailable(&self, item: &Item) -> Option<String> {
        if !item.anonymous() || item.mode != Mode::Submit || self.tip_recipient().is_some() {
            return None;
        }
        Some(if self.front.english {
            "This terminal cannot take anonymous tips now: it has no current key of the unit that receives them. In danger, call 110; or give the lead with your name."
        } else {
            "本机暂时不能接收匿名线索（没有接收单位的有效公钥）。有危险请拨打110，或实名提供线索。"
        }
        .to_string())
    }

    /// A question as the citizen sees it: a choice of places lists the area's place names from
    /// the feed in force, then "somewhere else"; without a feed, the item's own options.
    pub(super) fn with_feed_options(&self, mut field: Field) -> Field {
        let Some(OptionsFrom::CommunityPlaces) = field.options_from else {
            return field;
        };
        let Some(feed) = self.offer.community.as_deref() else {
            return field;
        };
        let places = feed.in_force(self.reading_day()).places;
        if places.is_empty() {
            return field;
        }
        let tail: Vec<Choice> = field
            .options
            .iter()
            .filter(|o| o.code == OptionsFrom::KEPT_OPTION)
            .cloned()
            .collect();
        field.options = places
            .iter()
            .filter(|p| p.code != OptionsFrom::KEPT_OPTION)
            .map(|p| Choice {
                code: p.code.clone(),
                label: p.name.clone(),
                stop: None,
            })
            .chain(tail)
            .collect();
        field
    }

    /// The citizen is inside an anonymous tip (from its first question to its Done screen): the
    /// journal records none of these steps, only that a tip was stored.
    pub(super) fn in_anonymous_tip(&self) -> bool {
        matches!(
            self.phase.screen(),
            Screen::Form | Screen::Confirm | Screen::Submitting | Screen::Printing | Screen::Done
        ) && self
            .item()
            .is_some_and(|i| i.anonymous() && i.mode == Mode::Submit)
    }

    /// On an item for nobody, from its page to its end, a card put on the reader is not read
    /// into anything: not the session, not the language, not the audit log.
    pub(super) fn reads_no_card(&self) -> bool {
        !matches!(
            self.phase.screen(),
            Screen::Home | Screen::Categories | Screen::Items | Screen::Search
        ) && self.item().is_some_and(|i| i.anonymous())
    }

    /// 确认提交 on an anonymous tip: the answers go to the shell to be sealed, with nothing of
    /// whoever holds a card on the reader.
    pub(super) fn submit_anonymous_tip(&mut self) {
        let Some(recipient) = self.tip_recipient() else {
            // The feed lapsed since the tip began (a new day, a new feed without a unit).
            if let Some(s) = self.phase.session_mut() {
                s.submitting.tips_unavailable();
            }
            return;
        };
        let Some(s) = self.phase.session() else {
            return;
        };
        let Some(item) = s.browsing.chosen_item(&self.offer.catalog) else {
            return;
        };
        self.effects
            .push_back(Effect::SubmitAnonymousTip(AnonymousTip {
                item_code: item.code.clone(),
                answers: s.form.answer_pairs(),
                english: self.front.english,
                recipient,
            }));
        self.go(Screen::Submitting);
    }

    /// The tip's receipt lines: the item's next steps, who alone can read the tip, and how to
    /// follow it.
    pub(super) fn anonymous_receipt_steps(&self, item: &Item, english: bool) -> Vec<String> {
        let mut steps = item.next_steps(english);
        if let Some(r) = self.tip_recipient() {
            steps.push(if english {
                format!("Your tip is encrypted: only {} can read it", r.unit.en)
            } else {
                format!("线索已加密，只有{}能打开", r.unit.zh)
            });
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::community::{parse_date, Feed};
    use crate::engine::{Action, Event, Harness, StoredSubmission};
    use crate::vocab::audit::{AuditEvent, JournalStep, Step};
    use crate::vocab::submission::ReceiptKind;
    use crate::vocab::upstream::{ProgressStep, QueryOutcome};

    fn feed() -> Arc<Feed> {
        Arc::new(Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap())
    }

    fn card() -> Event {
        let c = onetrip_drivers::id_card::sim::SimCard::resident_sample();
        Event::CardPresented(Box::new(onetrip_drivers::id_card::identity::parse(
            &c.text, c.photo,
        )))
    }

    /// A citizen with a card on the reader, on the page of `item`, with the demo feed read on
    /// `day`.
    fn on_page(item: &str, day: &str, with_feed: bool) -> (Harness, Vec<Effect>) {
        let mut e = Harness::shipped(Instant::now());
        if with_feed {
            e.handle(Event::CommunityUpdated(feed()));
        }
        e.handle(Event::Today(parse_date(day).unwrap()));
        e.handle(card());
        e.touch(Action::ChoosePoliceType("ZA".into()));
        e.touch(Action::ChooseCategory("ZA-SQJW".into()));
        e.touch(Action::SelectItem(item.into()));
        assert_eq!(e.screen(), Screen::ItemDetail);
        let before = e.take_effects().into_iter().collect();
        (e, before)
    }

    fn journal(effects: &[Effect]) -> Vec<JournalStep> {
        effects
            .iter()
            .filter_map(|x| match x {
                Effect::Audit(AuditEvent::Journal(s)) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_anonymous_tip_reads_no_card_names_the_areas_places_and_journals_one_opaque_step() {
        let (mut e, before) = on_page("ZA-SQJW-04", "2026-12-07", true);
        assert!(journal(&before).iter().any(|s| s.what
            == Step::SelectItem {
                code: "ZA-SQJW-04".into()
            }));
        let page = e.view().detail.unwrap();
        assert!(page.eligible && !page.card_needed, "{page:?}");
        assert!(page.mode.contains("不读身份证"), "{page:?}");
        // Its tile says so too: no "with your name" of the named tip.
        e.touch(Action::Back);
        let tile = e
            .view()
            .items
            .into_iter()
            .find(|t| t.code == "ZA-SQJW-04")
            .unwrap();
        assert_eq!(tile.hint, "不读卡，不留姓名电话");
        e.touch(Action::SelectItem("ZA-SQJW-04".into()));
        e.take_effects();
        let mut effects = Vec::new();
        e.touch(Action::Start);
        assert_eq!(e.screen(), Screen::Form);
        // Danger now: 110, not a form.
        e.touch(Action::FormChoose("yes".into()));
        assert!(e.view().form.unwrap().error.contains("立即拨打110"));
        e.touch(Action::FormChoose("no".into()));
        e.touch(Action::FormChoose("drugs".into()));
        // A foreign card put down mid-tip is not read into anything: not the language, not the
        // session, not the audit log.
        let foreign = onetrip_drivers::id_card::sim::SimCard::foreign_2023_sample();
        e.handle(Event::CardPresented(Box::new(
            onetrip_drivers::id_card::identity::parse(&foreign.text, foreign.photo),
        )));
        assert!(!e.view().english);
        assert!(!e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Audit(AuditEvent::CardForBrowsing { .. }))));
        let places: Vec<String> = e
            .view()
            .form
            .unwrap()
            .choices
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(
            places,
            [
                "示例村",
                "东示例村",
                "西示例村",
                "示例镇集市",
                "示例镇中学附近",
                "其他地方"
            ]
        );
        for choice in ["east_village", "today", "yes"] {
            e.touch(Action::FormChoose(choice.into()));
        }
        assert_eq!(e.screen(), Screen::Confirm);
        let summary = e.view().summary;
        assert!(
            summary.contains(&("在哪里？".to_string(), "东示例村".to_string())),
            "{summary:?}"
        );
        // Nothing of the card holder on the confirm screen.
        let v = e.view();
        assert_eq!((v.name_masked.as_str(), v.id_masked.as_str()), ("", ""));
        effects.extend(e.take_effects());
        e.touch(Action::Confirm);
        assert_eq!(e.screen(), Screen::Submitting);
        let fx: Vec<Effect> = e.take_effects().into_iter().collect();
        assert!(!fx.iter().any(|x| matches!(x, Effect::Submit(_))));
        let tip = fx
            .iter()
            .find_map(|x| match x {
                Effect::SubmitAnonymousTip(t) => Some(t.clone()),
                _ => None,
            })
            .expect("the tip goes to be sealed");
        assert_eq!(tip.recipient.key_id, "demo-2026");
        assert!(tip
            .answers
            .contains(&("place".to_string(), "east_village".to_string())));
        effects.extend(fx);
        e.handle(Event::Stored(Ok(StoredSubmission {
            id: "tip-id".into(),
            number: "T1-000009".into(),
            verification_code: None,
            pin: Some("482913".into()),
        })));
        let fx: Vec<Effect> = e.take_effects().into_iter().collect();
        let receipt = fx
            .iter()
            .find_map(|x| match x {
                Effect::Print(r) => Some(r.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(receipt.kind, ReceiptKind::AnonymousTip);
        assert_eq!(
            (receipt.name_masked.as_str(), receipt.id_masked.as_str()),
            ("", "")
        );
        assert!(receipt
            .next_steps
            .iter()
            .any(|s| s == "线索已加密，只有示例镇派出所能打开"));
        effects.extend(fx);
        e.handle(Event::Printed(Ok(())));
        let v = e.view();
        assert_eq!((v.screen, v.tip_pin.as_str()), (Screen::Done, "482913"));
        assert_eq!(v.tracking_link, "");
        e.touch(Action::Finish);
        effects.extend(e.take_effects());
        // From the first question to the end: one step, and it says nothing.
        let steps = journal(&effects);
        assert_eq!(
            steps.iter().map(|s| s.what.clone()).collect::<Vec<_>>(),
            [Step::AnonymousTip],
            "{steps:?}"
        );
    }

    #[test]
    fn without_a_feed_in_force_no_anonymous_tip_starts() {
        for (day, with_feed) in [("2026-12-07", false), ("2028-01-01", true)] {
            let (mut e, _) = on_page("ZA-SQJW-04", day, with_feed);
            let page = e.view().detail.unwrap();
            assert!(!page.eligible, "{day}");
            assert!(page.reasons[0].contains("不能接收匿名线索"), "{page:?}");
            e.touch(Action::Start);
            assert_eq!(e.screen(), Screen::ItemDetail);
        }
    }

    #[test]
    fn a_tips_query_carries_its_number_and_pin_and_no_card() {
        let (mut e, _) = on_page("ZA-SQJW-05", "2026-12-07", false);
        assert!(!e.view().detail.unwrap().card_needed);
        e.touch(Action::Start);
        for c in "T1-000009".chars() {
            e.touch(Action::FormKey(c));
        }
        e.touch(Action::FormNext);
        for c in "482913".chars() {
            e.touch(Action::FormKey(c));
        }
        e.take_effects();
        e.touch(Action::FormNext);
        let q = e
            .take_effects()
            .into_iter()
            .find_map(|x| match x {
                Effect::Query(q) => Some(q),
                _ => None,
            })
            .expect("a query");
        assert_eq!(q.id_number, "", "nobody's ID number goes with it");
        assert_eq!(q.case_number(), Some("T1-000009"));
        assert!(q
            .answers
            .contains(&("pin".to_string(), "482913".to_string())));
        // Upstream reports an acceptance with the tip: not believed — a 受理回执 would put the
        // card holder's name beside the tip's number.
        let steps = vec![ProgressStep {
            when: String::new(),
            zh: "匿名线索已转民警核实".into(),
            en: String::new(),
        }];
        e.handle(Event::QueryResult(QueryOutcome::Found(
            steps.clone(),
            Some(crate::vocab::upstream::Acceptance {
                number: "SL1".into(),
                when: String::new(),
                authority_zh: String::new(),
                authority_en: String::new(),
            }),
        )));
        let v = e.view();
        assert_eq!(v.screen, Screen::QueryResult);
        assert!(!v.rating_offered, "nobody to rate as");
        assert_eq!(v.query_outcome, Some(QueryOutcome::Found(steps, None)));
        e.take_effects();
        e.touch(Action::PrintAcceptance);
        assert!(!e
            .take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Print(_))));
        assert_eq!(e.view().screen, Screen::QueryResult);
    }
}
