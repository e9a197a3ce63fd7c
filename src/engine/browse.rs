//! Finding an item: police type → category → item, the "most used here" row, and search by pinyin
//! initials; then the item page, which says in plain words what the item is, who can apply (and why
//! this card cannot), what to bring, the fee, the time limit and how it completes.

use super::session::{Action, AuditEvent, Effect, Engine, Screen, View};
use crate::catalog::eligibility::{self, Eligibility};
use crate::catalog::Item;

/// Longest search the keyboard takes (the longest item name has fewer initials).
const MAX_QUERY: usize = 12;
/// How many items the "most used here" row shows.
const MOST_USED: usize = 4;
/// How many search results are listed.
const MAX_RESULTS: usize = 8;

/// A button in a list: a code to send back and the words on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub code: String,
    pub name: String,
    /// A second, smaller line (a police type's examples, an item's mode).
    pub hint: String,
}

/// The item page: all text already in the session's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPage {
    pub code: String,
    pub name: String,
    pub summary: String,
    /// How it completes here.
    pub mode: String,
    pub eligible: bool,
    /// "You cannot apply here because …", one line per reason.
    pub reasons: Vec<String>,
    /// Conditions the terminal cannot check from the card.
    pub conditions: Vec<String>,
    pub materials: Vec<String>,
    pub fee: String,
    pub time_limit: String,
    pub collect: String,
    /// False: the details are from public sources and not yet confirmed by the issuing authority.
    pub verified: bool,
}

impl Engine {
    pub(super) fn browsing(&self, screen: Screen) -> bool {
        matches!(
            screen,
            Screen::Home | Screen::Categories | Screen::Items | Screen::Search | Screen::ItemDetail
        )
    }

    fn forward(&mut self, screen: Screen) {
        let from = self.screen;
        if let Some(s) = self.session.as_mut() {
            s.history.push(from);
        }
        self.go(screen);
    }

    /// One step back; from the first screen of a session, the session ends.
    pub(super) fn back(&mut self) {
        match self.session.as_mut().and_then(|s| s.history.pop()) {
            Some(screen) => self.go(screen),
            None => self.end_session("back"),
        }
    }

    /// The service home of this session (the card stays read).
    pub(super) fn home(&mut self) {
        if let Some(s) = self.session.as_mut() {
            s.history.clear();
            s.query.clear();
        }
        self.go(Screen::Home);
    }

    pub(super) fn browse(&mut self, action: Action) {
        let catalog = self.catalog.clone();
        match (self.screen, action) {
            (_, Action::Back) => self.back(),
            (Screen::Home, Action::Home | Action::Finish) => self.end_session("finish"),
            (_, Action::Home) => self.home(),
            (Screen::Home, Action::ChoosePoliceType(code))
                if catalog.police_type(&code).is_some() =>
            {
                if let Some(s) = self.session.as_mut() {
                    s.police_type = Some(code);
                }
                self.forward(Screen::Categories);
            }
            (Screen::Home, Action::OpenSearch) => {
                if let Some(s) = self.session.as_mut() {
                    s.query.clear();
                }
                self.forward(Screen::Search);
            }
            (Screen::Categories, Action::ChooseCategory(code))
                if catalog.category(&code).is_some() =>
            {
                if let Some(s) = self.session.as_mut() {
                    s.category = Some(code);
                }
                self.forward(Screen::Items);
            }
            (Screen::Search, Action::SearchKey(c)) => {
                let c = c.to_ascii_lowercase();
                let Some(s) = self.session.as_ref() else {
                    return;
                };
                // Keys that lead nowhere are dimmed on screen; a stray press changes nothing.
                if s.query.len() < MAX_QUERY && self.index.next_letters(&s.query).contains(&c) {
                    if let Some(s) = self.session.as_mut() {
                        s.query.push(c);
                    }
                }
            }
            (Screen::Search, Action::SearchBackspace) => {
                if let Some(s) = self.session.as_mut() {
                    s.query.pop();
                }
            }
            (Screen::Search, Action::SearchClear) => {
                if let Some(s) = self.session.as_mut() {
                    s.query.clear();
                }
            }
            (Screen::Home | Screen::Items | Screen::Search, Action::SelectItem(code))
                if catalog.item(&code).is_some() =>
            {
                if let Some(s) = self.session.as_mut() {
                    s.item = Some(code.clone());
                }
                self.effects
                    .push_back(Effect::Audit(AuditEvent::ItemChosen { item_code: code }));
                self.forward(Screen::ItemDetail);
            }
            (Screen::ItemDetail, Action::Start) => {
                let Some(item) = self.item() else { return };
                let code = item.code.clone();
                let eligible = match self.session.as_ref() {
                    Some(s) => {
                        eligibility::check(item, &s.identity, self.today) == Eligibility::Eligible
                    }
                    None => false,
                };
                if eligible {
                    *self.usage.entry(code.clone()).or_default() += 1;
                    self.effects
                        .push_back(Effect::Audit(AuditEvent::ItemStarted { item_code: code }));
                    self.forward(Screen::Confirm);
                }
            }
            _ => {}
        }
    }

    fn tile(&self, item: &Item) -> Tile {
        Tile {
            code: item.code.clone(),
            name: item.name(self.english).to_string(),
            hint: item.mode.describe(self.english).to_string(),
        }
    }

    fn page(&self, item: &Item) -> ItemPage {
        let en = self.english;
        let reasons = match self.session.as_ref() {
            Some(s) => match eligibility::check(item, &s.identity, self.today) {
                Eligibility::Eligible => Vec::new(),
                Eligibility::NotEligible(r) => r.iter().map(|t| t.get(en).to_string()).collect(),
            },
            None => Vec::new(),
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
            mode: item.mode.describe(en).to_string(),
            eligible: reasons.is_empty(),
            reasons,
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
        let Some(s) = self.session.as_ref() else {
            return;
        };
        let en = self.english;
        let c = &self.catalog;
        match self.screen {
            Screen::Home => {
                view.police_types = c
                    .police_types
                    .iter()
                    .map(|t| Tile {
                        code: t.code.clone(),
                        name: t.name.get(en).to_string(),
                        hint: t.hint.get(en).to_string(),
                    })
                    .collect();
                view.most_used = c
                    .most_used(&self.usage, MOST_USED)
                    .into_iter()
                    .map(|i| self.tile(i))
                    .collect();
            }
            Screen::Categories => {
                let code = s.police_type.as_deref().unwrap_or_default();
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
                    })
                    .collect();
            }
            Screen::Items => {
                let code = s.category.as_deref().unwrap_or_default();
                view.heading = c
                    .category(code)
                    .map(|cat| cat.name.get(en).to_string())
                    .unwrap_or_default();
                view.items = c.items_in(code).map(|i| self.tile(i)).collect();
            }
            Screen::Search => {
                view.query = s.query.to_uppercase();
                view.keys = self
                    .index
                    .next_letters(&s.query)
                    .into_iter()
                    .collect::<String>()
                    .to_uppercase();
                view.items = self
                    .index
                    .find(&s.query)
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
