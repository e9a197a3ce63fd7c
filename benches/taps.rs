//! Taps per item: every item of the shipped catalog walked through the real session engine by its
//! shortest path — the police type and category tiles, the "常办事项" row of a new terminal, or
//! the pinyin search — from the card to the receipt (or the answer of a query), answering each
//! question as a citizen would (a choice is one tap, a typed answer a tap per key and 下一步).
//! "before" is the same browse path with the screens that ask nothing (a police type with one
//! category, a category with one item) still shown and no featured row, as the terminal was
//! before they were removed. `cargo bench --bench taps` (`ONETRIP_TAPS_ITEMS=1` lists each item).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip::catalog::{Catalog, Item};
use onetrip::devtools::screenshots::decision_tour::sample_violation;
use onetrip::engine::journal::median;
use onetrip::engine::{Action, Engine, EngineConfig, Event, Harness, Screen, Slot, SlotsOutcome};
use onetrip::vocab::violation::ViolationsOutcome;

/// How a walk reached the item page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Route {
    Featured,
    Browse,
    Search,
}

struct Walk {
    route: Route,
    /// Taps from the card to the receipt.
    taps: u32,
    /// Screens that asked nothing which the browse path no longer shows.
    skipped: u32,
}

fn engine(card: &str) -> (Engine, Instant) {
    let t = Instant::now();
    let mut h = Harness::shipped_with(EngineConfig::new(Duration::from_secs(600)), t);
    // The demo village's feed: an anonymous tip needs its unit's key, "where?" its places.
    let feed = onetrip::community::Feed::parse(onetrip::community::demo_feed().as_bytes())
        .expect("the demo feed is valid");
    h.handle(Event::CommunityUpdated(std::sync::Arc::new(feed)));
    h.card(onetrip::devtools::demo::stand_in_card(card));
    assert_eq!(
        h.screen(),
        Screen::Home,
        "a {card} card opens the home screen"
    );
    (h.into_engine(), t)
}

struct Tapper {
    engine: Engine,
    t: Instant,
    taps: u32,
}

impl Tapper {
    fn tap(&mut self, a: Action) {
        self.taps += 1;
        self.engine.handle(Event::Touch(a), self.t);
    }
}

/// From Home to the item page by `route`; `None` when the route does not lead there.
fn to_item(p: &mut Tapper, item: &Item, catalog: &Catalog, route: Route) -> Option<u32> {
    let mut skipped = 0;
    match route {
        Route::Featured => {
            let view = p.engine.view();
            if !view.most_used.iter().any(|t| t.code == item.code) {
                return None;
            }
            p.tap(Action::SelectItem(item.code.clone()));
        }
        Route::Browse => {
            let category = catalog.category(&item.category)?;
            p.tap(Action::ChoosePoliceType(category.police_type.clone()));
            if p.engine.screen() == Screen::Categories {
                p.tap(Action::ChooseCategory(category.code.clone()));
            } else {
                skipped += 1;
            }
            if p.engine.screen() == Screen::Items {
                p.tap(Action::SelectItem(item.code.clone()));
            } else {
                skipped += 1;
            }
        }
        Route::Search => {
            p.tap(Action::OpenSearch);
            // The first reading's initial of each character, until the item is among the first
            // six results (one screen of tiles).
            let letters: Vec<char> = item
                .name
                .zh
                .chars()
                .filter_map(|c| {
                    if c.is_ascii_alphanumeric() {
                        return Some(c.to_ascii_lowercase());
                    }
                    use pinyin::ToPinyin;
                    c.to_pinyin().and_then(|p| p.first_letter().chars().next())
                })
                .collect();
            let mut found = false;
            for c in letters {
                p.tap(Action::SearchKey(c));
                let hits = p.engine.view().items;
                if hits.iter().take(6).any(|t| t.code == item.code) {
                    found = true;
                    break;
                }
            }
            if !found {
                return None;
            }
            p.tap(Action::SelectItem(item.code.clone()));
        }
    }
    // The view names the selected item (in the session's language, Chinese here).
    (p.engine.screen() == Screen::ItemDetail && p.engine.view().selected_item == item.name.zh)
        .then_some(skipped)
}

/// From the item page to the receipt or answer; `None` if this card cannot apply.
fn complete(p: &mut Tapper) -> Option<()> {
    if !p.engine.view().detail.is_some_and(|d| d.eligible) {
        return None;
    }
    p.tap(Action::Start);
    for _ in 0..40 {
        match p.engine.screen() {
            Screen::Form => {
                let answer = p.engine.sample_answer()?;
                if p.engine.view().form.is_some_and(|f| !f.choices.is_empty()) {
                    p.tap(Action::FormChoose(answer));
                } else {
                    for c in answer.chars() {
                        p.tap(Action::FormKey(c));
                    }
                    p.tap(Action::FormNext);
                }
            }
            Screen::Slots => {
                if p.engine.view().slots.is_none() {
                    let slot = Slot {
                        id: "bench-1".into(),
                        zh: "12月3日 09:00".into(),
                        en: "3 Dec 09:00".into(),
                    };
                    p.engine
                        .handle(Event::Slots(SlotsOutcome::Offered(vec![slot])), p.t);
                }
                p.tap(Action::ChooseSlot("bench-1".into()));
            }
            Screen::Violations => {
                let offered = vec![sample_violation("bench-1", true)];
                p.engine
                    .handle(Event::Violations(ViolationsOutcome::Offered(offered)), p.t);
                p.tap(Action::ChooseViolation("bench-1".into()));
            }
            Screen::Confirm => p.tap(Action::Confirm),
            Screen::Submitting
            | Screen::Printing
            | Screen::QueryResult
            | Screen::Decision
            | Screen::Done => return Some(()),
            _ => return None,
        }
    }
    None
}

fn walk(catalog: &Arc<Catalog>, item: &Item, card: &str, route: Route) -> Option<Walk> {
    let (engine, t) = engine(card);
    let mut p = Tapper { engine, t, taps: 0 };
    let skipped = to_item(&mut p, item, catalog, route)?;
    complete(&mut p)?;
    Some(Walk {
        route,
        taps: p.taps,
        skipped,
    })
}

fn main() {
    let catalog = Arc::new(onetrip::catalog::shipped());
    let list = std::env::var_os("ONETRIP_TAPS_ITEMS").is_some();
    let started = Instant::now();
    // police type → (before, after) taps of each item
    let mut by_type: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let mut by_route: BTreeMap<Route, usize> = BTreeMap::new();
    let mut unreachable = Vec::new();
    for item in &catalog.items {
        // Any card the item accepts: a resident first.
        let walks = ["resident", "hmtresidence", "foreignpermanent2023"]
            .iter()
            .find_map(|card| {
                let routes = [Route::Featured, Route::Browse, Route::Search]
                    .map(|r| walk(&catalog, item, card, r));
                routes[1].as_ref()?;
                Some(routes)
            });
        let Some([featured, browse, search]) = walks else {
            unreachable.push(item.code.clone());
            continue;
        };
        let browse = browse.expect("checked above");
        let before = browse.taps + browse.skipped;
        let best = [featured, Some(browse), search]
            .into_iter()
            .flatten()
            .min_by_key(|w| (w.taps, w.route))
            .expect("browse is one");
        if list {
            println!(
                "{:<12} {:>3} taps ({:?}), before {:>3}  {}",
                item.code, best.taps, best.route, before, item.name.zh
            );
        }
        *by_route.entry(best.route).or_default() += 1;
        let police_type = catalog
            .category(&item.category)
            .map(|c| c.police_type.clone())
            .unwrap_or_default();
        let entry = by_type.entry(police_type).or_default();
        entry.0.push(f64::from(before));
        entry.1.push(f64::from(best.taps));
    }
    println!("taps from the card to the receipt, every item by its shortest path");
    println!(
        "{:<6} {:>5} {:>14} {:>13}",
        "type", "items", "median before", "median now"
    );
    let (mut all_before, mut all_now) = (Vec::new(), Vec::new());
    for (police_type, (before, now)) in &mut by_type {
        all_before.extend(before.iter());
        all_now.extend(now.iter());
        println!(
            "{:<6} {:>5} {:>14} {:>13}",
            police_type,
            now.len(),
            median(before),
            median(now)
        );
    }
    let total_before: f64 = all_before.iter().sum();
    let total_now: f64 = all_now.iter().sum();
    println!(
        "{:<6} {:>5} {:>14} {:>13}",
        "all",
        all_now.len(),
        median(&mut all_before),
        median(&mut all_now)
    );
    println!(
        "sum over items: {total_before} taps before, {total_now} now; shortest route: {by_route:?}"
    );
    println!(
        "{} items walked in {:.1} s",
        all_now.len(),
        started.elapsed().as_secs_f64()
    );
    if !unreachable.is_empty() {
        println!(
            "no sample card can complete (their eligibility rules): {}",
            unreachable.join(" ")
        );
    }
}
