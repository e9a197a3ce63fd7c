//! The view: everything on screen, derived from the engine's state on each call (masked).

use super::outage;
use super::view::{Screen, View};
use super::{Availability, Engine};
use crate::vocab::mask;

impl Engine {
    pub fn view(&self) -> View {
        let s = self.phase.session();
        let anonymous = self.item().is_some_and(|i| i.anonymous());
        let countdown = self.clock.countdown_from.map(|from| {
            let total = self.scaled(self.config.countdown);
            let left = total.saturating_sub(self.clock.now.saturating_duration_since(from));
            left.as_secs_f32().ceil() as u32
        });
        let mut view = View {
            screen: self.phase.screen(),
            english: self.front.english,
            elderly: self.front.elderly,
            // Nobody's on an item for nobody (an anonymous tip), whatever card was read before.
            name_masked: s
                .and_then(|s| s.identity.as_ref())
                .filter(|_| !anonymous)
                .map(|i| mask::name(&i.name))
                .unwrap_or_default(),
            id_masked: s
                .and_then(|s| s.identity.as_ref())
                .filter(|_| !anonymous)
                .map(|i| mask::id_number(&i.id_number))
                .unwrap_or_default(),
            police_types: Vec::new(),
            most_used: Vec::new(),
            most_used_featured: false,
            heading: String::new(),
            categories: Vec::new(),
            items: Vec::new(),
            query: String::new(),
            keys: String::new(),
            detail: None,
            selected_item: self
                .item()
                .map(|i| i.name(self.front.english).to_string())
                .unwrap_or_default(),
            submission_number: s
                .map(|s| s.submitting.number().to_string())
                .unwrap_or_default(),
            outcome: s.and_then(|s| s.submitting.outcome()),
            tip_pin: match s {
                Some(s) if self.phase.screen() == Screen::Done => {
                    s.submitting.pin().unwrap_or_default().to_string()
                }
                _ => String::new(),
            },
            // A rating prints its receipt: not while printing is paused. One's own records
            // (points, travel records) and an application made here have no case officer.
            rating_offered: !self.printing_paused()
                && self.item().is_some_and(|i| i.has_a_case_officer()),
            // A tip's number is followed with its PIN, on this terminal: no tracking link.
            tracking_link: match s {
                Some(s)
                    if s.submitting.has_stored()
                        && s.submitting.pin().is_none()
                        && self.phase.screen() == Screen::Done
                        && !self.config.tracking_url.is_empty() =>
                {
                    crate::receipt::tracking_link(&self.config.tracking_url, s.submitting.number())
                }
                _ => String::new(),
            },
            notice: match (&self.phase.screen(), &self.front.availability) {
                (Screen::OutOfService, Availability::OutOfService(why)) => {
                    outage::reason(why, self.front.english)
                }
                (Screen::Attract, _) => self.front.notice.clone(),
                (Screen::Confirm, _) => s
                    .map(|s| s.submitting.notice(self.front.english))
                    .unwrap_or_default(),
                _ => String::new(),
            },
            notice_other: match (&self.phase.screen(), &self.front.availability) {
                (Screen::OutOfService, Availability::OutOfService(why)) => {
                    outage::reason(why, !self.front.english)
                }
                _ => String::new(),
            },
            countdown,
            pin_length: 0,
            staff_message: String::new(),
            staff: None,
            form: None,
            summary: Vec::new(),
            query_outcome: None,
            query_own_records: self.item().is_some_and(|i| i.looks_up_own_records()),
            acceptance_printed: None,
            printing_acceptance: false,
            slots: None,
            decision: None,
            community: None,
            community_note: String::new(),
            community_requests: false,
            help_offered: false,
            help_called: false,
            printing_paused: self.printing_paused(),
            prompt: String::new(),
            voice: self.front.voice,
            volume: self.front.volume,
        };
        self.community_view(&mut view);
        if let Some(s) = s {
            self.browse_view(&mut view);
            self.form_view(&mut view);
            s.completion.show(self.phase.screen(), &mut view);
            // What an earlier decision item left is not another item's.
            if self.deciding_here() {
                s.deciding
                    .show(self.phase.screen(), self.front.english, &mut view);
            }
        }
        self.staff_view(&mut view);
        view.help_offered = self.help_offered(&view);
        view.help_called = self.front.help_called && view.help_offered;
        view.prompt = self.prompt(&view);
        view
    }
}
