//! A citizen without their ID card (lost, left at home) on the real kiosk, headless, with
//! simulated devices: every guide browses and prints without a card; an application asks for the
//! card and starts when it is read. And a lookup sends what it asks: the plate of a vehicle goes
//! to upstream and comes back in its answer.

use crate::common;

use std::time::Duration;

use crate::common::kiosk::{open_item, printed_lines, screen_is, tap, text_value, wait_for};
use onetrip::ui::{Api, ScreenKind};
use slint::ComponentHandle;

#[test]
fn a_guide_prints_without_a_card_and_an_application_waits_for_one() {
    let logs = common::capture_logs();
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // Lost the card: the guide to replacing it, printed with no card at all.
    tap(&ui, "没带身份证？查看办事指南");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(&ui, &kiosk, "户政", "居民身份证", "居民身份证丢失补领");
    let before = bench.printer.printed().len();
    tap(&ui, "开始办理");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    let lines = printed_lines(&bench, before);
    for expected in [
        "办事指南",
        "居民身份证丢失补领",
        "所需材料：请向窗口咨询",
        "收费：40 元",
        "请本人到户政窗口申请补领",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected:?} not on the guide: {lines:?}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.contains("上列材料")),
        "a guide without materials speaks of none: {lines:?}"
    );
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // An application is someone's: its page asks for the card, and reading it starts the form.
    tap(&ui, "没带身份证？查看办事指南");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(
        &ui,
        &kiosk,
        "治安",
        "犯罪记录查询",
        "无犯罪记录证明（个人）",
    );
    assert!(ui.global::<Api>().get_detail().card_needed);
    assert!(
        text_value(&ui, "card needed").contains("请将身份证放在读卡区"),
        "{}",
        text_value(&ui, "card needed")
    );
    bench.reader.tap(0);
    wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
    assert_eq!(text_value(&ui, "question"), "证明用途");
    tap(&ui, "首页");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    for personal in ["张晓明", "330106198503121231"] {
        assert!(!text.contains(personal), "{personal} was logged");
    }
}

#[test]
fn a_traffic_lookup_sends_the_plate() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1080, 1920));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(&ui, &kiosk, "交管", "交通违法", "交通违法查询");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the province", screen_is(ScreenKind::Form));
    assert_eq!(text_value(&ui, "question"), "号牌的省份简称");
    tap(&ui, "豫");
    assert_eq!(
        text_value(&ui, "question"),
        "号牌号码（省份简称后的字母和数字）"
    );
    // A new-energy plate: the office letter and six more.
    for c in "AD12345".chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "the answer", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::Found
    });
    // The plate is the card holder's own: the platform answers with its violations.
    assert!(
        text_value(&ui, "progress step").contains("机动车违反禁令标志指示，未处理"),
        "{}",
        text_value(&ui, "progress step")
    );
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(std::time::Duration::from_millis(300));

    // A stranger's plate tells nothing about its owner: the same answer as no record at all.
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(&ui, &kiosk, "交管", "交通违法", "交通违法查询");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the province", screen_is(ScreenKind::Form));
    tap(&ui, "豫");
    for c in "A99999".chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "nothing", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::NotFound
    });
    assert_eq!(
        text_value(&ui, "query status"),
        "没有查到您本人的相关记录。如有疑问，请到窗口咨询"
    );
}
