//! The community officer panel (我的社区民警): opened from the attract screen without a card, it
//! shows who serves this village and how to reach them, and prints the contact card. The same
//! panel is on the out-of-service screen, so an empty room with a broken terminal still tells a
//! villager where their officer is and which number answers day and night.

use std::sync::Arc;

use super::effect::Effect;
use super::view::{Screen, View};
use super::Engine;
use crate::community::panel::Panel;
use crate::community::{parse_date, Feed};

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

    /// The panel as it reads today. The day is never before the feed's issue date: a clock set
    /// back cannot bring back a person whose assignment has ended (the shell also never lets the
    /// day go back across restarts).
    pub(super) fn panel(&self) -> Panel {
        let feed = self.offer.community.as_deref();
        let issued = feed.and_then(|f| parse_date(&f.issued));
        let day = issued.map_or(self.offer.today, |i| i.max(self.offer.today));
        Panel::new(
            feed,
            day,
            self.front.english,
            self.config.duty_phone.as_deref(),
        )
    }

    pub(super) fn open_community(&mut self) {
        self.start_session(None);
        self.go(Screen::Community);
    }

    pub(super) fn print_contact_card(&mut self) {
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

    /// The printer's answer, while the panel is up; `false` if it was not the contact card's.
    pub(super) fn contact_card_printed(&mut self, ok: bool) -> bool {
        if self.phase.screen() != Screen::Community {
            return false;
        }
        if let Some(s) = self.phase.session_mut() {
            if s.contact_card == CardPrint::Printing {
                s.contact_card = if ok {
                    CardPrint::Printed
                } else {
                    CardPrint::Failed
                };
            }
        }
        true
    }

    pub(super) fn community_view(&self, view: &mut View) {
        if !matches!(
            self.phase.screen(),
            Screen::Community | Screen::OutOfService
        ) {
            return;
        }
        view.community = Some(self.panel());
        let en = self.front.english;
        let state = self.phase.session().map(|s| s.contact_card);
        view.community_note = match state {
            Some(CardPrint::Printing) => {
                if en {
                    "Printing the contact card…"
                } else {
                    "正在打印联系卡…"
                }
            }
            Some(CardPrint::Printed) => {
                if en {
                    "Printed: please take the card from the slot below."
                } else {
                    "联系卡已打印，请从下方出纸口取走。"
                }
            }
            Some(CardPrint::Failed) => {
                if en {
                    "The card could not be printed. Please note the numbers on the screen."
                } else {
                    "联系卡未能打印，请记下屏幕上的电话号码。"
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
        assert_eq!(e.view().community_note, "正在打印联系卡…");
        e.handle_at(Event::Printed(Ok(())), t);
        assert_eq!(e.screen(), Screen::Community);
        assert_eq!(
            e.view().community_note,
            "联系卡已打印，请从下方出纸口取走。"
        );
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
}
