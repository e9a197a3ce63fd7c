//! The services a card reader can really do, end to end on the real kiosk against the
//! reference upstream: one's own records looked up by card (licence points, one's vehicles'
//! violations, exit-entry records, an accident one is a party to) — and nobody else's — and the
//! applications that need only the card (a HK/Macao/Taiwan residence permit's renewal as a
//! pre-application, the residence permit's yearly endorsement, the return of seized property).

use i_slint_backend_testing::ElementHandle;
use onetrip::devtools::reference_upstream::records::{SAMPLE_ACCIDENT, SAMPLE_PLATE};
use onetrip::ui::{Api, AppWindow, QueryState, ScreenKind};
use slint::ComponentHandle;

use crate::common;
use crate::common::kiosk::{
    card_to_home, delivered, leave, open_item, plain, printed_lines, screen_is, tap, text_value,
    wait_for, KioskRef,
};

/// Every progress line on the result screen, in order.
fn steps(ui: &AppWindow) -> Vec<String> {
    ElementHandle::find_by_accessible_label(ui, "progress step")
        .filter_map(|e| e.accessible_value().map(|v| plain(&v)))
        .collect()
}

fn answer_found(kiosk: &KioskRef) {
    wait_for(kiosk, "the answer", |ui| {
        ui.global::<Api>().get_query_state() == QueryState::Found
    });
}

#[test]
fn own_records_by_card_and_nobody_elses() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // The licence's status and points: no question, the card is the key.
    card_to_home(&bench, &kiosk, 0);
    open_item(&ui, &kiosk, "交管", "驾驶证", "驾驶证记分和状态查询");
    tap(&ui, "开始办理");
    answer_found(&kiosk);
    assert_eq!(
        text_value(&ui, "query status"),
        "查询结果（仅您本人的记录）"
    );
    assert_eq!(
        steps(&ui),
        [
            "驾驶证状态：正常；准驾车型：C1",
            "本记分周期累积记分：3分（满分为12分）",
            "本记分周期：2026年3月12日至2027年3月11日",
        ]
    );
    // One's own records have no case officer to rate.
    assert!(crate::common::kiosk::labelled(&ui, "评价办案民警")
        .next()
        .is_none());
    leave(&ui, &kiosk, &bench, "结束办理");

    // The vehicles registered to the card holder, with what is open on them.
    card_to_home(&bench, &kiosk, 0);
    open_item(&ui, &kiosk, "交管", "交通违法", "本人名下机动车违法查询");
    tap(&ui, "开始办理");
    answer_found(&kiosk);
    let found = steps(&ui);
    assert_eq!(
        found[0],
        format!("{SAMPLE_PLATE}（小型新能源汽车）：1条未处理的交通违法")
    );
    assert!(
        found[1].contains("机动车违反禁令标志指示，未处理"),
        "{found:?}"
    );
    leave(&ui, &kiosk, &bench, "结束办理");

    // One's own border crossings.
    card_to_home(&bench, &kiosk, 0);
    open_item(
        &ui,
        &kiosk,
        "出入境",
        "缴费、取证与预约",
        "本人出入境记录查询",
    );
    tap(&ui, "开始办理");
    answer_found(&kiosk);
    assert_eq!(
        steps(&ui),
        [
            "出境：深圳湾口岸，往来港澳通行证",
            "入境：深圳湾口岸，往来港澳通行证",
        ]
    );
    leave(&ui, &kiosk, &bench, "结束办理");

    // An accident the card holder is a party to, by its number (and a rating may follow).
    card_to_home(&bench, &kiosk, 0);
    tap(&ui, "交管");
    wait_for(&kiosk, "categories", screen_is(ScreenKind::Categories));
    // A category of one item opens the item.
    tap(&ui, "交通事故");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the number", screen_is(ScreenKind::Form));
    for c in SAMPLE_ACCIDENT.chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    answer_found(&kiosk);
    assert_eq!(text_value(&ui, "query status"), "办理进度");
    assert_eq!(steps(&ui)[0], "事故已登记，正在调查");
    leave(&ui, &kiosk, &bench, "结束办理");

    // Someone else's card: the same lookup finds nothing of the first person's.
    card_to_home(&bench, &kiosk, 1);
    open_item(&ui, &kiosk, "交管", "驾驶证", "驾驶证记分和状态查询");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "nothing", |ui| {
        ui.global::<Api>().get_query_state() == QueryState::NotFound
    });
    assert_eq!(
        text_value(&ui, "query status"),
        "没有查到您本人的相关记录。如有疑问，请到窗口咨询"
    );
    assert!(steps(&ui).is_empty());
    leave(&ui, &kiosk, &bench, "结束办理");
}

/// From the phone question to the confirm screen, submitted, and a receipt printed.
fn apply_with_phone(ui: &AppWindow, kiosk: &KioskRef) {
    assert_eq!(text_value(ui, "question"), "联系电话（手机）");
    for d in "13912345678".chars() {
        tap(ui, &d.to_string());
    }
    tap(ui, "下一步");
    wait_for(kiosk, "confirm", screen_is(ScreenKind::Confirm));
    tap(ui, "确认提交");
    wait_for(kiosk, "done", screen_is(ScreenKind::Done));
    assert_eq!(text_value(ui, "outcome"), "已提交，请取走回执");
}

fn start(ui: &AppWindow, kiosk: &KioskRef) {
    tap(ui, "开始办理");
    wait_for(kiosk, "the form", screen_is(ScreenKind::Form));
}

#[test]
fn applications_a_card_is_enough_for() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1080, 1920));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // A HK/Macao/Taiwan residence permit past its date: renewal is pre-applied here, the photo
    // and fingerprints are the counter's.
    card_to_home(&bench, &kiosk, 2);
    open_item(&ui, &kiosk, "户政", "居住证", "港澳台居民居住证换领");
    let before = bench.printer.printed().len();
    start(&ui, &kiosk);
    apply_with_phone(&ui, &kiosk);
    let lines = printed_lines(&bench, before);
    assert!(lines.iter().any(|l| l == "预受理回执"), "{lines:?}");
    assert!(lines.concat().contains("到窗口核验身份"), "{lines:?}");
    let body = delivered(&bench, "HZ-JZZ-03");
    assert_eq!(body["answers"]["phone"], "13912345678");
    leave(&ui, &kiosk, &bench, "完成");

    // The residence permit's yearly endorsement: an application, not a done deal.
    card_to_home(&bench, &kiosk, 0);
    open_item(&ui, &kiosk, "户政", "居住证", "居住证签注");
    let before = bench.printer.printed().len();
    start(&ui, &kiosk);
    apply_with_phone(&ui, &kiosk);
    let lines = printed_lines(&bench, before);
    assert!(lines.iter().any(|l| l == "申请回执"), "{lines:?}");
    assert_eq!(delivered(&bench, "HZ-JZZ-02")["kind"], "application");
    leave(&ui, &kiosk, &bench, "完成");

    // Seized property back: the case number, then the phone.
    card_to_home(&bench, &kiosk, 0);
    tap(&ui, "执法公开");
    wait_for(&kiosk, "items", screen_is(ScreenKind::Items));
    tap(&ui, "涉案财物返还申请");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    start(&ui, &kiosk);
    assert_eq!(text_value(&ui, "question"), "案件编号");
    for c in "A4101052026".chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    apply_with_phone(&ui, &kiosk);
    let body = delivered(&bench, "FZ-ZFGK-09");
    assert_eq!(body["answers"]["case_number"], "A4101052026");
}

/// A relationship certificate names the relative by an ID number typed on the digits' keypad
/// with its X key: a mistyped check digit is caught on the spot, and the number shows masked.
#[test]
fn a_relative_is_named_by_a_checked_id_number() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    card_to_home(&bench, &kiosk, 0);
    open_item(&ui, &kiosk, "户政", "户籍类证明", "亲属关系证明");
    start(&ui, &kiosk);
    assert_eq!(text_value(&ui, "question"), "证明用途");
    tap(&ui, "工作");
    assert_eq!(text_value(&ui, "question"), "亲属与您的关系");
    tap(&ui, "父母");
    assert_eq!(text_value(&ui, "question"), "亲属的身份证号码");
    // One digit wrong: the check digit says so before anything is sent.
    for c in "410105195001011236".chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    assert_eq!(text_value(&ui, "form error"), "身份证号码有误，请逐位核对");
    tap(&ui, "退格");
    tap(&ui, "5");
    tap(&ui, "下一步");
    apply_with_phone(&ui, &kiosk);
    let body = delivered(&bench, "HZ-HJZM-03");
    assert_eq!(body["answers"]["other_id_number"], "410105195001011235");
    assert_eq!(body["answers"]["relation"], "parent");
    leave(&ui, &kiosk, &bench, "完成");

    // An X is keyed last, where an ID number's check character may be X; the confirm screen
    // shows the number masked as the card holder's own is.
    card_to_home(&bench, &kiosk, 0);
    open_item(&ui, &kiosk, "户政", "户籍类证明", "亲属关系证明");
    start(&ui, &kiosk);
    tap(&ui, "工作");
    tap(&ui, "配偶");
    tap(&ui, "X");
    assert_eq!(
        text_value(&ui, "answer"),
        "",
        "X is only the last character"
    );
    for c in "11010519491231002X".chars() {
        tap(&ui, &c.to_string());
    }
    assert_eq!(text_value(&ui, "answer"), "11010519491231002X");
    tap(&ui, "下一步");
    assert_eq!(text_value(&ui, "question"), "联系电话（手机）");
    for d in "13912345678".chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    let summary = ui.global::<Api>().get_summary();
    let relative = slint::Model::iter(&summary)
        .find(|l| plain(&l.label) == "亲属的身份证号码")
        .expect("the relative's number is on the summary");
    assert_eq!(
        relative.value,
        onetrip::vocab::mask::id_number("11010519491231002X")
    );
    assert!(!relative.value.contains("1949123"));
}
