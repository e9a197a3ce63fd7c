//! Printing paused: the printer cannot print (out of paper, cover open, unplugged) but the
//! terminal still serves. What prints — an application's receipt, an appointment, a guide, a tip's
//! PIN, the contact card — waits, and says so where the citizen would start it; queries and
//! everything read on screen go on, and staff can be called to the printer.

use super::{Availability, Engine};
use crate::catalog::{Item, Mode};

impl Engine {
    pub(super) fn printing_paused(&self) -> bool {
        matches!(self.front.availability, Availability::PrintingPaused(_))
    }

    /// Whether the item gives the citizen paper: everything but a lookup.
    fn prints(item: &Item) -> bool {
        item.mode != Mode::Query
    }

    /// Why the item cannot be started now, when printing is paused and it prints.
    pub(super) fn paused_for(&self, item: &Item) -> Option<String> {
        if !self.printing_paused() || !Self::prints(item) {
            return None;
        }
        let en = self.front.english;
        Some(
            match (item.mode == Mode::Guide, en) {
                (true, false) => {
                    "本机暂时不能打印。本页就是办事指南：请记下所需材料，到窗口办理"
                }
                (true, true) => {
                    "This terminal cannot print just now. This page is the guide: note what to bring and go to the counter"
                }
                (false, false) => {
                    "本机暂时不能打印回执，此事项暂停办理。请到窗口办理或稍后再来，也可呼叫工作人员"
                }
                (false, true) => {
                    "This terminal cannot print receipts just now, so this item is paused. Please go to the counter or come back later, or call staff"
                }
            }
            .to_string(),
        )
    }

    /// The tile's second line for an item that waits for the printer.
    pub(super) fn paused_hint(&self, item: &Item) -> Option<&'static str> {
        self.paused_for(item)?;
        Some(match (item.mode == Mode::Guide, self.front.english) {
            (true, false) => "到窗口办理，指南看屏幕",
            (true, true) => "At the counter; guide on screen",
            (false, false) => "暂停：本机暂不能打印",
            (false, true) => "Paused: cannot print now",
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};
    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    use crate::engine::{Action, Availability, Badge, Effect, Event, Harness, Outage, Screen};

    fn paper_out() -> Event {
        Event::Availability(Availability::PrintingPaused(vec![Outage::Device {
            kind: DeviceKind::Printer,
            status: Some(DeviceStatus {
                paper: Some(PaperLevel::Out),
                ..DeviceStatus::new(DeviceState::Online)
            }),
        }]))
    }

    fn resident(e: &mut Harness) {
        let c = SimCard::resident_sample();
        e.handle(Event::CardPresented(Box::new(parse(&c.text, c.photo))));
    }

    fn prints(e: &mut Harness) -> bool {
        e.take_effects()
            .iter()
            .any(|x| matches!(x, Effect::Print(_) | Effect::PrintContactCard(_)))
    }

    /// Out of paper: the attract screen, not out of service; a lookup starts, an application
    /// and a guide say why they wait (amber, with Call staff), and nothing prints.
    #[test]
    fn out_of_paper_pauses_what_prints_and_keeps_queries() {
        let t0 = Instant::now();
        let mut e = Harness::shipped(t0);
        e.handle(paper_out());
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e.view().printing_paused);
        resident(&mut e);
        assert_eq!(e.screen(), Screen::Home);

        // An application: its tile and its page say it waits; 开始办理 starts nothing.
        e.touch(Action::SelectItem("ZA-FZJL-01".into()));
        let page = e.view().detail.unwrap();
        assert_eq!(
            page.paused,
            "本机暂时不能打印回执，此事项暂停办理。请到窗口办理或稍后再来，也可呼叫工作人员"
        );
        assert!(e.view().help_offered);
        e.take_effects();
        e.touch(Action::Start);
        assert_eq!(e.screen(), Screen::ItemDetail);
        assert!(!prints(&mut e));
        e.touch(Action::CallStaff);
        assert!(e.take_effects().iter().any(|x| matches!(
            x,
            Effect::CallStaff {
                screen: "item_detail"
            }
        )));

        // A guide: the page is the guide; nothing prints.
        e.touch(Action::Home);
        e.touch(Action::SelectItem("HZ-SFZ-03".into()));
        assert!(e
            .view()
            .detail
            .unwrap()
            .paused
            .starts_with("本机暂时不能打印。本页就是办事指南"));
        e.touch(Action::Start);
        assert_eq!(e.screen(), Screen::ItemDetail);
        assert!(!prints(&mut e));

        // A lookup needs no paper: it asks upstream.
        e.touch(Action::Home);
        e.touch(Action::SelectItem("CRJ-QZ-04".into()));
        let page = e.view().detail.unwrap();
        assert_eq!(page.paused, "");
        assert!(!e.view().help_offered);
        e.touch(Action::Start);
        assert_ne!(e.screen(), Screen::ItemDetail);
    }

    /// Elderly mode's badge keeps what the hint line says: done here, at the counter, or
    /// waiting for the printer.
    #[test]
    fn item_tiles_say_where_they_are_done() {
        let t0 = Instant::now();
        let mut e = Harness::shipped(t0);
        resident(&mut e);
        e.touch(Action::ChoosePoliceType("HZ".into()));
        e.touch(Action::ChooseCategory("HZ-SFZ".into()));
        let badge = |e: &Harness, code: &str| {
            e.view()
                .items
                .iter()
                .find(|t| t.code == code)
                .map(|t| t.badge)
        };
        assert_eq!(badge(&e, "HZ-SFZ-03"), Some(Badge::Counter));
        assert_eq!(badge(&e, "HZ-SFZ-08"), Some(Badge::Here));
        e.handle(paper_out());
        assert_eq!(
            badge(&e, "HZ-SFZ-03"),
            Some(Badge::Counter),
            "read on screen"
        );
        assert_eq!(badge(&e, "HZ-SFZ-02"), Some(Badge::Paused));
        let hint = |code: &str| {
            e.view()
                .items
                .into_iter()
                .find(|t| t.code == code)
                .map(|t| t.hint)
        };
        assert_eq!(hint("HZ-SFZ-02").as_deref(), Some("暂停：本机暂不能打印"));
        assert_eq!(hint("HZ-SFZ-03").as_deref(), Some("到窗口办理，指南看屏幕"));
        assert_eq!(hint("HZ-SFZ-08").as_deref(), Some("本机查询"));
        assert_eq!(
            badge(&e, "HZ-SFZ-08"),
            Some(Badge::Here),
            "a lookup needs no paper"
        );
    }

    #[test]
    fn paper_back_resumes_printing_at_once() {
        let t0 = Instant::now();
        let mut e = Harness::shipped(t0);
        e.handle(paper_out());
        resident(&mut e);
        e.touch(Action::SelectItem("ZA-FZJL-01".into()));
        assert!(!e.view().detail.unwrap().paused.is_empty());
        e.handle(Event::Availability(Availability::Available));
        assert_eq!(e.view().detail.unwrap().paused, "");
        e.touch(Action::Start);
        assert_eq!(e.screen(), Screen::Form);
    }

    /// The community room's contact card waits too, and says why on its button.
    #[test]
    fn the_contact_card_waits_for_the_printer() {
        let t0 = Instant::now();
        let mut e = Harness::shipped(t0);
        e.handle(paper_out());
        e.touch(Action::OpenCommunity);
        assert_eq!(e.screen(), Screen::Community);
        e.take_effects();
        e.touch(Action::PrintContactCard);
        assert!(!prints(&mut e));
        assert_eq!(e.view().community_note, "暂不能打印，请记下号码");
    }
}
