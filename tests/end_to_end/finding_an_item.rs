//! Finding an item on the touch screen, headless, on the real kiosk with simulated devices: by the
//! "most used here" row (from the store's counters), by pinyin initials on the letter keyboard (and
//! by English words in English), and the item page's eligibility for a card that qualifies and one
//! that does not.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::kiosk::{button, screen_is, tap, text_value, wait_for};
use i_slint_backend_testing::ElementHandle;
use onetrip::store::Store;
use onetrip::ui::{Api, ScreenKind};
use slint::ComponentHandle;

#[test]
fn most_used_pinyin_search_and_eligibility() {
    let logs = common::capture_logs();
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // A fresh terminal has used nothing: the row offers the catalog's featured items, titled
    // 常办事项, not 本机常办.
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert_eq!(
        slint::Model::row_count(&ui.global::<Api>().get_most_used()),
        4
    );
    assert!(ui.global::<Api>().get_most_used_featured());

    // Search by pinyin initials: W F Z finds 无犯罪记录证明.
    tap(&ui, "按拼音首字母查找");
    wait_for(&kiosk, "search", screen_is(ScreenKind::Search));
    for key in ["W", "F", "Z"] {
        tap(&ui, key);
    }
    assert_eq!(text_value(&ui, "query"), "WFZ");
    // Keys that would find nothing are dimmed and do nothing.
    assert_eq!(button(&ui, "Q").accessible_enabled(), Some(false));
    assert_eq!(button(&ui, "J").accessible_enabled(), Some(true));
    tap(&ui, "无犯罪记录证明（个人）");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    assert_eq!(text_value(&ui, "item name"), "无犯罪记录证明（个人）");
    assert_eq!(text_value(&ui, "eligibility"), "您可以办理此事项");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
    // Changed their mind: back to the item page, then home, then the session ends.
    tap(&ui, "返回");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(&ui, "首页");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();

    // The start was counted in the store...
    let db = bench.config.data.dir.clone();
    let counted = || {
        Store::open(&db)
            .unwrap()
            .item_starts()
            .unwrap()
            .get("ZA-FZJL-01")
            .copied()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while counted() != Some(1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(counted(), Some(1));

    // ...and the next citizen finds it in the "most used here" row.
    std::thread::sleep(Duration::from_millis(300));
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    let most_used = ui.global::<Api>().get_most_used();
    assert_eq!(slint::Model::row_count(&most_used), 1);
    assert!(!ui.global::<Api>().get_most_used_featured());
    tap(&ui, "无犯罪记录证明（个人）");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(&ui, "首页");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();

    // A foreigner's card: the session switches to English, and a mainland residents' item says
    // why it cannot be done here, with the start button disabled.
    std::thread::sleep(Duration::from_millis(300));
    bench.reader.tap(5);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert!(ui.global::<Api>().get_english());
    tap(&ui, "Exit & entry");
    wait_for(&kiosk, "categories", screen_is(ScreenKind::Categories));
    assert_eq!(text_value(&ui, "heading"), "Exit & entry");
    tap(&ui, "Endorsements");
    wait_for(&kiosk, "items", screen_is(ScreenKind::Items));
    // The tile carries the short name; the page the full one.
    tap(&ui, "HK/Macao repeat endorsement");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    assert_eq!(
        text_value(&ui, "eligibility"),
        "You cannot apply here, because:"
    );
    assert_eq!(
        text_value(&ui, "reason"),
        "• this item needs the resident ID card"
    );
    // Said as a notice in dark type, not as a dead grey button: nothing to press.
    assert_eq!(
        text_value(&ui, "not eligible"),
        "Not available to you: please ask at the counter"
    );
    for label in ["Start", "Not available to you: please ask at the counter"] {
        assert!(
            ElementHandle::find_by_accessible_label(&ui, label)
                .all(|e| e.accessible_role()
                    != Some(i_slint_backend_testing::AccessibleRole::Button)),
            "a button labelled {label:?}"
        );
    }

    // Search in English: by the start of a word of the English name, typed on across words —
    // not by pinyin initials, which mean nothing to this citizen.
    tap(&ui, "Home");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "Search by name");
    wait_for(&kiosk, "search", screen_is(ScreenKind::Search));
    assert_eq!(button(&ui, "W").accessible_enabled(), Some(true));
    for key in ["P", "A", "S", "S", "P"] {
        tap(&ui, key);
    }
    assert_eq!(text_value(&ui, "query"), "PASSP");
    // Only "passport" goes on from here: O, and nothing else.
    assert_eq!(button(&ui, "O").accessible_enabled(), Some(true));
    assert_eq!(button(&ui, "W").accessible_enabled(), Some(false));
    tap(&ui, "Ordinary passport");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    assert_eq!(text_value(&ui, "item name"), "Ordinary passport");
    // Switching to Chinese clears what was typed: English letters are not pinyin initials.
    tap(&ui, "Home");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "Search by name");
    wait_for(&kiosk, "search", screen_is(ScreenKind::Search));
    tap(&ui, "C");
    assert_eq!(text_value(&ui, "query"), "C");
    tap(&ui, "中文");
    kiosk.borrow_mut().pump();
    assert_eq!(text_value(&ui, "query"), "");

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    for personal in ["张晓明", "330106198503121231"] {
        assert!(!text.contains(personal), "{personal} was logged");
    }
}
