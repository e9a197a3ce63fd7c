//! Out of paper (issue 30): the terminal keeps serving what needs no paper. The attract screen
//! stays and says what still works, an application's page says why it waits and offers 呼叫工作人员
//! (rung in the heartbeat), a case-progress lookup still answers, the heartbeat says since when
//! printing is paused — and a refill brings everything back at once.

use std::rc::Rc;
use std::time::{Duration, Instant};

use onetrip::ui::{Api, QueryState, ScreenKind};
use onetrip_drivers::printer::sim::SimPaper;
use onetrip_drivers::pty::Plugged;
use slint::ComponentHandle;

use crate::common;
use crate::common::kiosk::{
    file_case, heartbeat_where, open_item, screen_is, tap, text_value, wait_for,
};

#[test]
fn out_of_paper_keeps_queries_and_pauses_what_prints() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    // A case the station filed for the resident sample card.
    let case = "CASE-0001-000321";
    file_case(&rt, &bench, case);
    let (ui, kiosk) = common::kiosk::launch_with(
        bench.config.clone(),
        &rt,
        (1920, 1080),
        Rc::new(Instant::now),
        |o| o.heartbeat = Duration::from_millis(300),
    );
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    bench.printer.set_paper(SimPaper::Out);
    wait_for(&kiosk, "printing paused", |ui| {
        ui.global::<Api>().get_printing_paused()
    });
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Attract);
    assert_eq!(
        text_value(&ui, "printing paused"),
        "暂时不能打印：需要回执的事项暂停办理，查询和办事指南照常"
    );
    let beat = heartbeat_where(&rt, &bench, "printing paused", |b| {
        b["printing_paused"]["since_ms"].as_i64().is_some()
    });
    assert!(beat["out_of_service"]["since_ms"].is_null(), "{beat}");
    assert!(beat["printing_paused"]["for_ms"].as_i64().unwrap() >= 0);

    // An application waits for the printer: its page says why, in place of 开始办理, and staff
    // can be called to the printer.
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    open_item(
        &ui,
        &kiosk,
        "治安",
        "犯罪记录查询",
        "无犯罪记录证明（个人）",
    );
    assert_eq!(
        text_value(&ui, "paused"),
        "本机暂时不能打印回执，此事项暂停办理。请到窗口办理或稍后再来，也可呼叫工作人员"
    );
    assert!(
        crate::common::kiosk::labelled(&ui, "开始办理")
            .next()
            .is_none(),
        "nothing to start"
    );
    tap(&ui, "呼叫工作人员");
    assert_eq!(text_value(&ui, "staff called"), "已呼叫工作人员，请稍候");
    let call = heartbeat_where(&rt, &bench, "the call", |b| !b["help"].is_null());
    assert_eq!(call["help"]["screen"], "item_detail", "{call}");

    // A lookup needs no paper: the case's progress answers.
    tap(&ui, "首页");
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "执法公开");
    wait_for(&kiosk, "items", screen_is(ScreenKind::Items));
    tap(&ui, "案件办理进度查询");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the case number", screen_is(ScreenKind::Form));
    for c in case.chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "the timeline", |ui| {
        ui.global::<Api>().get_query_state() == QueryState::Found
    });
    assert_eq!(text_value(&ui, "progress step"), "已受理");
    // Rating the officer prints a receipt: not offered while printing is paused.
    assert!(!ui.global::<Api>().get_rating_offered());

    // The reader pulled meanwhile: out of service, the printer among the reasons; replugged,
    // printing is still paused — one pause since the paper ran out, not a new one.
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    let paused_since = beat["printing_paused"]["since_ms"].as_i64();
    bench.reader.remove();
    bench.reader.unplug();
    wait_for(
        &kiosk,
        "out of service",
        screen_is(ScreenKind::OutOfService),
    );
    heartbeat_where(&rt, &bench, "out of service", |b| {
        b["out_of_service"]["since_ms"].as_i64().is_some()
            && b["printing_paused"]["since_ms"].as_i64() == paused_since
    });
    bench.reader.replug().unwrap();
    wait_for(&kiosk, "attract again", screen_is(ScreenKind::Attract));
    let beat = heartbeat_where(&rt, &bench, "in service again", |b| {
        b["out_of_service"]["since_ms"].is_null()
    });
    assert_eq!(
        beat["printing_paused"]["since_ms"].as_i64(),
        paused_since,
        "{beat}"
    );

    // Paper back: printing resumes at once, the heartbeat says so.
    bench.printer.set_paper(SimPaper::Full);
    wait_for(&kiosk, "printing again", |ui| {
        !ui.global::<Api>().get_printing_paused()
    });
    heartbeat_where(&rt, &bench, "printing back", |b| {
        b["printing_paused"]["since_ms"].is_null()
    });
}
