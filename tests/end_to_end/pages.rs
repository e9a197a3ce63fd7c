//! No silent scroll (issue 30): a list longer than the screen is in pages with 上一页 · 第 1/3 页 ·
//! 下一页, not a scroll area whose end nobody sees. An elderly citizen in landscape picks the last
//! of the 31 plate provinces by paging to it.

use i_slint_backend_testing::ElementHandle;
use onetrip::ui::{Api, ScreenKind};
use slint::{ComponentHandle, Model};

use crate::common;
use crate::common::kiosk::{open_item, screen_is, tap, text_value, wait_for};

fn on_screen(ui: &onetrip::ui::AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(ui, label)
        .next()
        .is_some()
}

#[test]
fn an_elderly_citizen_pages_to_the_last_province() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    tap(&ui, "长辈模式（大字）");
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(&ui, &kiosk, "交管", "交通违法", "交通违法查询");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the province", screen_is(ScreenKind::Form));
    let choices = ui.global::<Api>().get_form().choices;
    assert_eq!(choices.row_count(), 31);
    let first = choices.row_data(0).unwrap().name.to_string();
    let last = choices.row_data(30).unwrap().name.to_string();

    // The first page: the first province, not the last, and where the citizen is.
    let page = text_value(&ui, "page");
    let (_, of) = page
        .strip_prefix("第 ")
        .and_then(|p| p.strip_suffix(" 页"))
        .and_then(|p| p.split_once('/'))
        .unwrap_or_else(|| panic!("{page}"));
    let pages: usize = of.parse().unwrap();
    assert!(pages >= 2, "{page}");
    assert_eq!(page, format!("第 1/{pages} 页"));
    assert!(on_screen(&ui, &first) && !on_screen(&ui, &last));

    // 下一页 to the end, where the last province is and 下一页 is spent.
    for n in 2..=pages {
        common::kiosk::button(&ui, "下一页").invoke_accessible_default_action();
        assert_eq!(text_value(&ui, "page"), format!("第 {n}/{pages} 页"));
    }
    assert!(on_screen(&ui, &last) && !on_screen(&ui, &first));
    assert_eq!(
        common::kiosk::button(&ui, "下一页").accessible_enabled(),
        Some(false)
    );
    // 上一页 back to the first, and forward again: the page is the citizen's, not the kiosk's
    // (the kiosk sets the list again on every event).
    common::kiosk::button(&ui, "上一页").invoke_accessible_default_action();
    assert_eq!(
        text_value(&ui, "page"),
        format!("第 {}/{pages} 页", pages - 1)
    );
    kiosk.borrow_mut().pump();
    common::kiosk::button(&ui, "下一页").invoke_accessible_default_action();
    tap(&ui, &last);
    assert_eq!(
        text_value(&ui, "question"),
        "号牌号码（省份简称后的字母和数字）"
    );
}
