//! The review sheet's pictures (`onetrip catalog review`): each item's page as this terminal
//! shows it — landscape, Chinese and English, drawn by the kiosk's own UI from the engine's own
//! view, a citizen's card read — and the receipt it prints, laid out by the receipt's own code
//! from the engine's own request after its questions are answered. The bureau signs off what a
//! citizen will see and take home, not only a table of fields.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip_drivers::printer::{Block, PaperWidth};

use super::screenshots::decision_tour::{sample_decision, sample_violation};
use super::screenshots::{self, Hall};
use crate::catalog::review::Shown;
use crate::catalog::{Catalog, Item};
use crate::engine::harness::TODAY;
use crate::engine::{
    Action, Availability, Effect, Engine, EngineConfig, Event, Harness, ReceiptRequest, Screen,
    Slot, SlotsOutcome, StoredSubmission, View,
};
use crate::vocab::violation::{DecisionOutcome, ViolationsOutcome};

/// The sheet is the bureau's, not one hall's: the top bar and the receipt name no hall.
const HALL: Hall = Hall {
    zh: "（本机所在服务大厅）",
    en: "(the terminal's service hall)",
    slogan_zh: "",
    slogan_en: "",
};

/// The cards tried, in order, until one may start the item (its eligibility rules).
const CARDS: [&str; 3] = ["resident", "hmtresidence", "foreignpermanent2023"];

/// An engine on `catalog`, in service, the demo village's feed in (an anonymous tip needs its
/// unit), in the language asked, a card of `card` read.
fn engine(catalog: &Arc<Catalog>, card: &str, english: bool) -> Harness {
    let t0 = Instant::now();
    let config = EngineConfig::new(Duration::from_secs(600));
    let mut h = Harness::simulated(Engine::new(config, catalog.clone(), t0, TODAY), t0);
    h.handle(Event::Availability(Availability::Available));
    if let Ok(feed) = crate::community::Feed::parse(crate::community::demo_feed().as_bytes()) {
        h.handle(Event::CommunityUpdated(Arc::new(feed)));
    }
    h.card(super::demo::stand_in_card(card));
    // A foreign card turns the screen to English: the Chinese picture is turned back.
    if h.view().english != english {
        h.touch(Action::ToggleLanguage);
    }
    h
}

/// From Home to the item's page; whether the card may start it there.
fn to_page(h: &mut Harness, catalog: &Catalog, item: &Item) -> bool {
    let Some(category) = catalog.category(&item.category) else {
        return false;
    };
    h.touch(Action::ChoosePoliceType(category.police_type.clone()));
    if h.screen() == Screen::Categories {
        h.touch(Action::ChooseCategory(category.code.clone()));
    }
    h.touch(Action::SelectItem(item.code.clone()));
    h.screen() == Screen::ItemDetail && h.view().detail.is_some_and(|d| d.eligible)
}

/// From the item page to its receipt: sample answers, a time offered, confirmed, stored; the
/// receipt the engine asks to print (`None`: a query, which prints nothing).
fn receipt(h: &mut Harness) -> Option<ReceiptRequest> {
    h.touch(Action::Start);
    for _ in 0..40 {
        let printed = h.take_effects().into_iter().find_map(|e| match e {
            Effect::Print(r) => Some(r),
            _ => None,
        });
        if printed.is_some() {
            return printed;
        }
        match h.screen() {
            Screen::Form => {
                let answer = h.sample_answer()?;
                if h.view().form.is_some_and(|f| !f.choices.is_empty()) {
                    h.touch(Action::FormChoose(answer));
                } else {
                    for c in answer.chars() {
                        h.touch(Action::FormKey(c));
                    }
                    h.touch(Action::FormNext);
                }
            }
            Screen::Slots => {
                if h.view().slots.is_none() {
                    h.handle(Event::Slots(SlotsOutcome::Offered(vec![Slot {
                        id: "review-1".into(),
                        zh: "12月1日 周二 09:00".into(),
                        en: "Tue 1 Dec 09:00".into(),
                    }])));
                }
                h.touch(Action::ChooseSlot("review-1".into()));
            }
            // A decision: the sample violation confirmed, the sample decision printed.
            Screen::Violations => {
                h.handle(Event::Violations(ViolationsOutcome::Offered(vec![
                    sample_violation("review-1", true),
                ])));
                h.touch(Action::ChooseViolation("review-1".into()));
            }
            Screen::Decision => h.handle(Event::Decided(DecisionOutcome::Decided(Box::new(
                sample_decision(),
            )))),
            Screen::Confirm => h.touch(Action::Confirm),
            Screen::Submitting => h.handle(Event::Stored(Ok(StoredSubmission {
                id: "review".into(),
                number: "T0001-000001".into(),
                verification_code: Some("0000".into()),
                pin: Some("000000".into()),
            }))),
            _ => return None,
        }
    }
    None
}

/// The receipt as printed on 80 mm paper: its lines (a QR code as what it holds).
fn printed_lines(request: &ReceiptRequest) -> Vec<String> {
    let slogan = "";
    let doc = crate::receipt::Receipt {
        hall: if request.english { HALL.en } else { HALL.zh },
        slogan,
        request,
        when: "2026-11-29 09:41",
        tracking_url: screenshots::TRACKING_URL,
        width: PaperWidth::Mm80,
    }
    .layout();
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text { text, .. } => Some(text.clone()),
            Block::Qr { data, .. } => Some(format!("[二维码 QR: {data}]")),
            Block::Cut { .. } => Some("✂ ----".into()),
            Block::Feed(_) => None,
        })
        .collect()
}

/// Draws every item's page (Chinese, English) into `dir` and lays out its receipts; what each
/// review page shows, by item code.
pub fn show_items(catalog: &Catalog, dir: &Path) -> Result<HashMap<String, Shown>, String> {
    let catalog = Arc::new(catalog.clone());
    let mut views: Vec<(String, View)> = Vec::new();
    let mut shown: HashMap<String, Shown> = HashMap::new();
    for item in &catalog.items {
        let entry = shown.entry(item.code.clone()).or_default();
        for (english, lang, caption) in [
            (false, "zh", "本机屏幕（中文）"),
            (true, "en", "本机屏幕（英文）"),
        ] {
            let card = CARDS
                .iter()
                .find(|card| to_page(&mut engine(&catalog, card, english), &catalog, item))
                .unwrap_or(&CARDS[0]);
            let mut h = engine(&catalog, card, english);
            to_page(&mut h, &catalog, item);
            let file = format!("{}.{lang}.png", item.code);
            views.push((file.clone(), h.view()));
            entry.screens.push((caption.to_string(), file));
            if let Some(request) = receipt(&mut h) {
                let caption = if english {
                    "回执（英文）"
                } else {
                    "回执（中文）"
                };
                entry
                    .receipts
                    .push((caption.to_string(), printed_lines(&request)));
            }
        }
    }
    screenshots::render_views(dir, HALL, &views).map_err(|e| e.to_string())?;
    Ok(shown)
}
