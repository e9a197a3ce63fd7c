//! Finding an item: police type → category → item, the "most used here" row, and search by pinyin
//! initials; then the item page, which says in plain words what the item is, who can apply (and why
//! this card cannot), what to bring, the fee, the time limit and how it completes.

use super::effect::Effect;
use super::event::Action;
use super::view::{Badge, ItemPage, Screen, Tile, View};
use super::Engine;
use crate::catalog::eligibility::{self, Eligibility};
use crate::catalog::{Catalog, Item, Mode};
use crate::vocab::audit::AuditEvent;
use onetrip_drivers::id_card::Identity;

/// Longest search the keyboard takes (the longest item name has fewer initials).
const MAX_QUERY: usize = 12;
/// How many items the "most used here" row shows.
const MOST_USED: usize = 4;
/// How many search results are listed.
const MAX_RESULTS: usize = 8;

/// Where a citizen is in the catalog: the police type and category opened, the item chosen (the
/// one its form and completion are for) and the search typed so far.
#[derive(Debug, Default)]
pub(super) struct Browsing {
    police_type: Option<String>,
    category: Option<String>,
    item: Option<String>,
    /// What was typed on the search keyboard (pinyin initials, or English), lower case.
    query: String,
}

impl Browsing {
    /// Forgets what was typed: letters meant in one language mean nothing in the other.
    pub(super) fn clear_query(&mut self) {
        self.query.clear();
    }

    /// Straight to an item (rating a case's officer from its progress).
    pub(super) fn choose_item(&mut self, code: String) {
        self.item = Some(code);
    }

    /// The item chosen, as the catalog has it.
    pub(super) fn chosen_item<'c>(&self, catalog: &'c Catalog) -> Option<&'c Item> {
        catalog.item(self.item.as_deref()?)
    }
}

impl Engine {
    pub(super) fn browsing(&self, screen: Screen) -> bool {
        matches!(
            screen,
            Screen::Home | Screen::Categories | Screen::Items | Screen::Search | Screen::ItemDetail
        )
    }

    fn forward(&mut self, screen: Screen) {
        let from = self.phase.screen();
        if let Some(s) = self.phase.session_mut() {
            s.history.push(from);
        }
        self.go(screen);
    }

    /// A category's items; a category of one item opens that item (a list of one asks nothing).
    pub(super) fn open_category(&mut self, catalog: &crate::catalog::Catalog, code: String) {
        let only = single(catalog.items_in(&code)).map(|i| i.code.clone());
        if let Some(s) = self.phase.session_mut() {
            s.browsing.category = Some(code);
        }
        match only {
            Some(item) => self.open_item(item),
            None => self.forward(Screen::Items),
        }
    }

    fn open_item(&mut self, code: String) {
        if let Some(s) = self.phase.session_mut() {
            s.browsing.item = Some(code.clone());
        }
        self.effects
            .push_back(Effect::Audit(AuditEvent::ItemChosen { item_code: code }));
        self.forward(Screen::ItemDetail);
    }

    /// One step back; from the first screen of a session, the session ends.
    pub(super) fn back(&mut self) {
        match self.phase.session_mut().and_then(|s| s.history.pop()) {
            Some(screen) => self.go(screen),
            None => self.end_session("back"),
        }
    }

    /// The service home of this session (the card stays read).
    pub(super) fn home(&mut self) {
        if let Some(s) = self.phase.session_mut() {
            s.history.clear();
            s.browsing.query.clear();
        }
        self.go(Screen::Home);
    }

    pub(super) fn browse(&mut self, action: Action) {
        let catalog = self.offer.catalog.clone();
        match (self.phase.screen(), action) {
            (_, Action::Back) => self.back(),
            (Screen::Home, Action::Home | Action::Finish) => self.end_session("finish"),
            (_, Action::Home) => self.home(),
            (Screen::Home, Action::ChoosePoliceType(code))
                if catalog.police_type(&code).is_some() =>
            {
                // A police type with one category has nothing to choose: its items at once.
                let only = single(catalog.categories_of(&code)).map(|c| c.code.clone());
                if let Some(s) = self.phase.session_mut() {
                    s.browsing.police_type = Some(code);
                }
                match only {
                    Some(category) => self.open_category(&catalog, category),
                    None => self.forward(Screen::Categories),
                }
            }
            (Screen::Home, Action::OpenSearch) => {
                if let Some(s) = self.phase.session_mut() {
                    s.browsing.query.clear();
                }
                self.forward(Screen::Search);
            }
            (Screen::Categories, Action::ChooseCategory(code))
                if catalog.category(&code).is_some() =>
            {
                self.open_category(&catalog, code);
            }
            (Screen::Search, Action::SearchKey(c)) => {
                let c = c.to_ascii_lowercase();
                let Some(s) = self.phase.session() else {
                    return;
                };
                // Keys that lead nowhere are dimmed on screen; a stray press changes nothing.
                if s.browsing.query.len() < MAX_QUERY
                    && self
                        .offer
                        .index
                        .next_letters_in(&s.browsing.query, self.front.english)
                        .contains(&c)
                {
                    if let Some(s) = self.phase.session_mut() {
                        s.browsing.query.push(c);
                    }
                }
            }
            (Screen::Search, Action::SearchBackspace) => {
                if let Some(s) = self.phase.session_mut() {
                    s.browsing.query.pop();
                }
            }
            (Screen::Search, Action::SearchClear) => {
                if let Some(s) = self.phase.session_mut() {
                    s.browsing.query.clear();
                }
            }
            (Screen::Home | Screen::Items | Screen::Search, Action::SelectItem(code))
                if catalog.item(&code).is_some() =>
            {
                self.open_item(code);
            }
            (Screen::ItemDetail, Action::Start) => {
                let Some(item) = self.item() else { return };
                if self.paused_for(item).is_some() {
                    return;
                }
                // An anonymous tip reads no card: it starts when there is a unit to seal it to.
                let ready = if item.anonymous() {
                    self.anonymous_unavailable(item).is_none()
                } else {
                    match self
                        .phase
                        .session()
                        .map(|s| (&s.identity, s.card_on_reader()))
                    {
                        // The card taken away: the page asks for it again (nothing of the card
                        // holder's goes out for whoever stands here now).
                        Some((Some(_), false)) => item.mode == Mode::Guide,
                        Some((Some(who), true)) => {
                            eligibility::check(item, who, self.offer.today) == Eligibility::Eligible
                        }
                        // Without a card: a guide prints; anything else waits for the card.
                        Some((None, _)) => item.mode == Mode::Guide,
                        None => false,
                    }
                };
                if ready {
                    self.begin_item();
                }
            }
            _ => {}
        }
    }

    /// Counted, audited and started: the form, the guide, the query.
    fn begin_item(&mut self) {
        let Some(code) = self.item().map(|i| i.code.clone()) else {
            return;
        };
        *self.offer.usage.entry(code.clone()).or_default() += 1;
        self.effects
            .push_back(Effect::Audit(AuditEvent::ItemStarted { item_code: code }));
        self.start_item();
    }

    /// A card tapped by a citizen who was browsing without one: from now on the session is
    /// theirs. On an item that was waiting for it, the item starts (if the card may apply).
    pub(super) fn card_for_browsing(&mut self, who: Identity) {
        if who.card_type.is_foreign() {
            self.front.english = true;
        }
        if let Some(s) = self.phase.session_mut() {
            s.identity = Some(who.clone());
        }
        self.effects
            .push_back(Effect::Audit(AuditEvent::CardForBrowsing {
                card_type: format!("{:?}", who.card_type),
            }));
        self.start_waiting_item(&who);
    }

    /// The applicant's own card is back on the reader: an item whose page was asking for it
    /// starts.
    pub(super) fn card_back_on_item_page(&mut self) {
        let Some(who) = self.phase.session().and_then(|s| s.identity.clone()) else {
            return;
        };
        self.start_waiting_item(&who);
    }

    /// On an item page that asks for the card (browsing without one, or the card taken away),
    /// the card starts the item, if it may apply.
    fn start_waiting_item(&mut self, who: &Identity) {
        // An item for nobody never waits for a card, and a card does not start it.
        let waiting = self.phase.screen() == Screen::ItemDetail
            && self.item().is_some_and(|item| {
                self.paused_for(item).is_none()
                    && item.mode != Mode::Guide
                    && !item.anonymous()
                    && eligibility::check(item, who, self.offer.today) == Eligibility::Eligible
            });
        if waiting {
            self.begin_item();
        }
    }

    /// Back from the form to the chosen item's page (which then asks for the card).
    pub(super) fn back_to_item_page(&mut self) {
        if self.phase.screen() == Screen::ItemDetail {
            return;
        }
        if let Some(s) = self.phase.session_mut() {
            while let Some(screen) = s.history.pop() {
                if screen == Screen::ItemDetail {
                    break;
                }
            }
        }
        self.go(Screen::ItemDetail);
    }

    fn tile(&self, item: &Item) -> Tile {
        Tile {
            code: item.code.clone(),
            name: item.tile_name(self.front.english).to_string(),
            hint: self
                .paused_hint(item)
                .unwrap_or_else(|| item.tile_hint(self.front.english))
                .to_string(),
            // A guide is done at the counter, printed or read on screen.
            badge: if item.mode == Mode::Guide {
                Badge::Counter
            } else if self.paused_for(item).is_some() {
                Badge::Paused
            } else {
                Badge::Here
            },
        }
    }

    fn page(&self, item: &Item) -> ItemPage {
        let en = self.front.english;
        let who = self.phase.session().and_then(|s| s.identity.as_ref());
        let card_on_reader = self.phase.session().is_some_and(|s| s.card_on_reader());
        let reasons = match (who, self.anonymous_unavailable(item)) {
            (_, Some(why)) => vec![why],
            // A card on the reader says nothing about an item for nobody.
            (_, None) if item.anonymous() => Vec::new(),
            (Some(who), None) => match eligibility::check(item, who, self.offer.today) {
                Eligibility::Eligible => Vec::new(),
                Eligibility::NotEligible(r) => r.iter().map(|t| t.get(en).to_string()).collect(),
            },
            (None, None) => Vec::new(),
        };
        let unknown = if en {
            "Ask at the counter"
        } else {
            "以窗口告知为准"
        };
        ItemPage {
            code: item.code.clone(),
            name: item.name(en).to_string(),
            summary: item.summary.get(en).to_string(),
            mode: item.describe_mode(en).to_string(),
            eligible: reasons.is_empty(),
            card_needed: !card_on_reader && item.mode != Mode::Guide && !item.anonymous(),
            reasons,
            paused: self.paused_for(item).unwrap_or_default(),
            conditions: item
                .conditions
                .iter()
                .map(|t| t.get(en).to_string())
                .collect(),
            materials: item
                .materials
                .iter()
                .map(|t| t.get(en).to_string())
                .collect(),
            fee: item.fee_text(en),
            time_limit: item
                .time_limit
                .as_ref()
                .map(|t| t.get(en).to_string())
                .unwrap_or_else(|| unknown.to_string()),
            collect: item
                .collect
                .as_ref()
                .map(|t| t.get(en).to_string())
                .unwrap_or_default(),
            verified: item.verified,
        }
    }

    pub(super) fn browse_view(&self, view: &mut View) {
        let Some(s) = self.phase.session() else {
            return;
        };
        let en = self.front.english;
        let c = &self.offer.catalog;
        match self.phase.screen() {
            Screen::Home => {
                view.police_types = c
                    .police_types
                    .iter()
                    .map(|t| Tile {
                        code: t.code.clone(),
                        name: t.name.get(en).to_string(),
                        hint: t.hint.get(en).to_string(),
                        badge: Badge::None,
                    })
                    .collect();
                // A terminal with no usage of its own yet offers the catalog's featured items.
                let mut row = c.most_used(&self.offer.usage, MOST_USED);
                if row.is_empty() {
                    row = c.featured_items(MOST_USED);
                    view.most_used_featured = !row.is_empty();
                }
                view.most_used = row.into_iter().map(|i| self.tile(i)).collect();
            }
            Screen::Categories => {
                let code = s.browsing.police_type.as_deref().unwrap_or_default();
                view.heading = c
                    .police_type(code)
                    .map(|t| t.name.get(en).to_string())
                    .unwrap_or_default();
                view.categories = c
                    .categories_of(code)
                    .map(|cat| Tile {
                        code: cat.code.clone(),
                        name: cat.name.get(en).to_string(),
                        hint: format!(
                            "{}{}",
                            c.items_in(&cat.code).count(),
                            if en { " items" } else { " 项" }
                        ),
                        badge: Badge::None,
                    })
                    .collect();
            }
            Screen::Items => {
                let code = s.browsing.category.as_deref().unwrap_or_default();
                view.heading = c
                    .category(code)
                    .map(|cat| cat.name.get(en).to_string())
                    .unwrap_or_default();
                view.items = c.items_in(code).map(|i| self.tile(i)).collect();
            }
            Screen::Search => {
                view.query = s.browsing.query.to_uppercase();
                view.keys = self
                    .offer
                    .index
                    .next_letters_in(&s.browsing.query, en)
                    .into_iter()
                    .collect::<String>()
                    .to_uppercase();
                view.items = self
                    .offer
                    .index
                    .find_in(&s.browsing.query, en)
                    .iter()
                    .filter_map(|code| c.item(code))
                    .take(MAX_RESULTS)
                    .map(|i| self.tile(i))
                    .collect();
            }
            Screen::ItemDetail | Screen::Confirm => {
                view.detail = self.item().map(|i| self.page(i));
            }
            _ => {}
        }
    }
}

/// The one element of `it`, if it has exactly one.
fn single<T>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Instant;

    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    use crate::catalog::{shipped, Catalog};
    use crate::engine::{Action, AuditEvent, Effect, Event, Harness, Screen};

    fn engine(t: Instant) -> Harness {
        Harness::shipped(t)
    }

    fn tap(e: &mut Harness, c: SimCard, t: Instant) {
        e.handle_at(Event::CardPresented(Box::new(parse(&c.text, c.photo))), t);
    }

    fn touch(e: &mut Harness, a: Action, t: Instant) {
        e.handle_at(Event::Touch(a), t);
    }

    #[test]
    fn a_choice_of_one_is_not_asked() {
        let t = Instant::now();
        let mut e = engine(t);
        tap(&mut e, SimCard::resident_sample(), t);
        // 网安 has one category: its items at once, and back leads home.
        touch(&mut e, Action::ChoosePoliceType("WA".into()), t);
        assert_eq!(e.screen(), Screen::Items);
        assert!(!e.view().items.is_empty());
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Home);
        // 交通事故 holds one item: its page at once, and back leads to the categories.
        touch(&mut e, Action::ChoosePoliceType("JG".into()), t);
        assert_eq!(e.screen(), Screen::Categories);
        touch(&mut e, Action::ChooseCategory("JG-SG".into()), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        let code = e.view().detail.unwrap().code;
        assert!(code.starts_with("JG-SG"), "{code}");
        assert!(e.take_effects().into_iter().any(|x| matches!(
            x,
            Effect::Audit(AuditEvent::ItemChosen { item_code }) if item_code == code
        )));
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Categories);
    }

    /// A citizen without their card (lost, left at home) browses and prints any guide; an item
    /// that is someone's asks for the card, and starts when it is read.
    #[test]
    fn without_a_card_guides_print_and_other_items_wait_for_the_card() {
        use crate::engine::ReceiptRequest;
        let t = Instant::now();
        let mut e = engine(t);
        touch(&mut e, Action::BrowseWithoutCard, t);
        assert_eq!(e.screen(), Screen::Home);
        let view = e.view();
        assert_eq!(
            (view.name_masked.as_str(), view.id_masked.as_str()),
            ("", "")
        );
        assert!(e.take_effects().into_iter().any(|x| matches!(
            x,
            Effect::Audit(AuditEvent::SessionStarted { card_type }) if card_type == "none"
        )));

        // The lost-card guide: printed without a card, and it says what to bring is asked.
        touch(&mut e, Action::SelectItem("HZ-SFZ-03".into()), t);
        let page = e.view().detail.unwrap();
        assert!(page.eligible && !page.card_needed);
        touch(&mut e, Action::Start, t);
        assert_eq!(e.screen(), Screen::Printing);
        // It says what is printing: a guide, not a receipt.
        assert_eq!(e.view().prompt, "正在打印办事指南，请从下方出纸口取走");
        let printed: Vec<ReceiptRequest> = e
            .take_effects()
            .into_iter()
            .filter_map(|x| match x {
                Effect::Print(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(printed.len(), 1);
        assert_eq!(printed[0].item_code, "HZ-SFZ-03");
        assert_eq!(printed[0].name_masked, "");
        assert!(printed[0]
            .next_steps
            .contains(&"所需材料：请向窗口咨询".to_string()));
        assert!(printed[0].next_steps.contains(&"收费：40 元".to_string()));

        // An application is someone's: the page asks for the card and 开始办理 does nothing.
        let mut e = engine(t);
        touch(&mut e, Action::BrowseWithoutCard, t);
        touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()), t);
        assert!(e.view().detail.unwrap().card_needed);
        touch(&mut e, Action::Start, t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        // A card a foreigner holds cannot apply: the reasons show, nothing starts.
        tap(&mut e, SimCard::foreign_old_sample(), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        let page = e.view().detail.unwrap();
        assert!(!page.eligible && !page.card_needed, "{page:?}");
        // On another page, a resident's card opens that page's form at once.
        let mut e = engine(t);
        touch(&mut e, Action::BrowseWithoutCard, t);
        touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()), t);
        e.take_effects();
        tap(&mut e, SimCard::resident_sample(), t);
        assert_eq!(e.screen(), Screen::Form);
        assert_eq!(e.view().name_masked, crate::vocab::mask::name("张晓明"));
        let fx: Vec<Effect> = e.take_effects().into_iter().collect();
        assert!(fx.iter().any(|x| matches!(
            x,
            Effect::Audit(AuditEvent::CardForBrowsing { card_type }) if card_type == "Resident"
        )));
        assert!(fx.iter().any(|x| matches!(
            x,
            Effect::Audit(AuditEvent::ItemStarted { item_code }) if item_code == "ZA-FZJL-01"
        )));
    }

    #[test]
    fn every_route_reaches_the_item_page() {
        let t = Instant::now();
        let mut e = engine(t);
        tap(&mut e, SimCard::resident_sample(), t);
        let v = e.view();
        assert_eq!(v.police_types.len(), 8);
        // No usage here yet: the catalog's featured items, said to be so.
        let featured: Vec<String> = v.most_used.iter().map(|m| m.code.clone()).collect();
        assert_eq!(
            featured,
            ["ZA-FZJL-01", "CRJ-ZJ-01", "FZ-ZFGK-02", "JG-JSZ-01"]
        );
        assert!(v.most_used_featured);
        // Type → category → item.
        touch(&mut e, Action::ChoosePoliceType("CRJ".into()), t);
        assert_eq!(e.view().heading, "出入境");
        assert_eq!(e.view().categories.len(), 3);
        touch(&mut e, Action::ChooseCategory("CRJ-QZ".into()), t);
        assert_eq!(e.view().heading, "签注");
        // The tile has the short name and the mode in a few words; the page has them in full.
        let tile = e.view().items.into_iter().find(|i| i.code == "CRJ-QZ-01");
        let tile = tile.expect("the endorsement is listed");
        assert_eq!(
            (tile.name.as_str(), tile.hint.as_str()),
            ("港澳再次签注", "本机预受理，再到窗口")
        );
        touch(&mut e, Action::SelectItem("CRJ-QZ-01".into()), t);
        let page = e.view().detail.unwrap();
        assert_eq!(page.name, "往来港澳再次签注（个人旅游、探亲）");
        assert!(page.eligible);
        assert_eq!(page.mode, "在本机预受理，再到窗口办理，受理以窗口为准");
        assert_eq!(page.fee, "一次15元，二次30元，一年多次80元");
        assert!(!page.verified);
        // Unknown codes change nothing.
        touch(&mut e, Action::SelectItem("NOPE".into()), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        // Back walks the way it came.
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Items);
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Categories);
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Home);
    }

    #[test]
    fn search_takes_only_letters_that_lead_somewhere() {
        let t = Instant::now();
        let mut e = engine(t);
        tap(&mut e, SimCard::resident_sample(), t);
        touch(&mut e, Action::OpenSearch, t);
        assert_eq!(e.screen(), Screen::Search);
        assert!(e.view().items.is_empty());
        for c in ['w', 'f', 'z'] {
            touch(&mut e, Action::SearchKey(c), t);
        }
        let v = e.view();
        assert_eq!(v.query, "WFZ");
        assert_eq!(v.items[0].code, "ZA-FZJL-01");
        assert!(!v.keys.contains('Q'));
        touch(&mut e, Action::SearchKey('q'), t);
        assert_eq!(e.view().query, "WFZ");
        touch(&mut e, Action::SearchBackspace, t);
        assert_eq!(e.view().query, "WF");
        touch(&mut e, Action::SearchClear, t);
        assert_eq!(e.view().query, "");
    }

    #[test]
    fn a_card_that_does_not_qualify_cannot_start() {
        let t = Instant::now();
        let mut e = engine(t);
        tap(&mut e, SimCard::foreign_2023_sample(), t);
        touch(&mut e, Action::SelectItem("CRJ-QZ-01".into()), t);
        let page = e.view().detail.unwrap();
        assert!(!page.eligible);
        assert_eq!(page.reasons, vec!["this item needs the resident ID card"]);
        touch(&mut e, Action::Start, t);
        assert_eq!(e.screen(), Screen::ItemDetail);
    }

    #[test]
    fn most_used_counts_starts_and_survives_sessions() {
        let t = Instant::now();
        let mut e = engine(t);
        e.handle_at(
            Event::UsageCounts(HashMap::from([
                ("HZ-SFZ-02".to_string(), 2),
                ("GONE-01".to_string(), 50),
            ])),
            t,
        );
        tap(&mut e, SimCard::resident_sample(), t);
        let codes: Vec<String> = e.view().most_used.into_iter().map(|m| m.code).collect();
        assert_eq!(
            codes,
            vec!["HZ-SFZ-02"],
            "items no longer in the catalog are skipped"
        );
        assert!(!e.view().most_used_featured, "this terminal's own usage");
        for _ in 0..3 {
            touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()), t);
            touch(&mut e, Action::Start, t);
            assert_eq!(e.screen(), Screen::Form);
            touch(&mut e, Action::Home, t);
        }
        let effects: Vec<Effect> = e.take_effects().into_iter().collect();
        let started = effects
            .iter()
            .filter(|x| matches!(x, Effect::Audit(AuditEvent::ItemStarted { item_code }) if item_code == "ZA-FZJL-01"))
            .count();
        assert_eq!(started, 3);
        touch(&mut e, Action::Finish, t);
        tap(&mut e, SimCard::resident_sample(), t);
        let codes: Vec<String> = e.view().most_used.into_iter().map(|m| m.code).collect();
        assert_eq!(codes, vec!["ZA-FZJL-01", "HZ-SFZ-02"]);
    }

    #[test]
    fn a_new_catalog_waits_for_the_session_to_end() {
        let t = Instant::now();
        let mut e = engine(t);
        tap(&mut e, SimCard::resident_sample(), t);
        touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()), t);
        let mut next: Catalog = shipped();
        next.version = "next".into();
        next.items.retain(|i| i.code != "ZA-FZJL-01");
        e.handle_at(Event::CatalogUpdated(Arc::new(next)), t);
        // The citizen's page does not change under their finger.
        assert_eq!(e.catalog().version, shipped().version);
        assert_eq!(e.view().detail.unwrap().code, "ZA-FZJL-01");
        touch(&mut e, Action::Home, t);
        touch(&mut e, Action::Finish, t);
        assert_eq!(e.screen(), Screen::Attract);
        assert_eq!(e.catalog().version, "next");
        let effects: Vec<Effect> = e.take_effects().into_iter().collect();
        assert!(effects.iter().any(
            |x| matches!(x, Effect::Audit(AuditEvent::CatalogSwapped { version }) if version == "next")
        ));
        // Between sessions it applies at once.
        let mut again = shipped();
        again.version = "again".into();
        e.handle_at(Event::CatalogUpdated(Arc::new(again)), t);
        assert_eq!(e.catalog().version, "again");
    }
}
