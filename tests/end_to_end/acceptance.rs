//! 受理 is the authority's act, and paper says it only with the authority's number: an
//! application made here prints a 申请回执; once a station accepts it upstream, the citizen who
//! looks its progress up sees the acceptance and can print a 受理回执 bearing the authority's
//! acceptance number — and nobody else can, with the same submission number.

use i_slint_backend_testing::ElementHandle;
use onetrip::ui::{Api, AppWindow, QueryState, ScreenKind};
use slint::ComponentHandle;

use crate::common;
use crate::common::kiosk::{
    card_to_home, delivered, leave, open_item, printed_lines, screen_is, tap, text_value, wait_for,
    KioskRef,
};

/// From the home screen, this terminal's application progress looked up by its number.
fn look_up(ui: &AppWindow, kiosk: &KioskRef, number: &str) {
    tap(ui, "执法公开");
    wait_for(kiosk, "items", screen_is(ScreenKind::Items));
    tap(ui, "本机申请进度查询");
    wait_for(kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(ui, "开始办理");
    wait_for(kiosk, "the number", screen_is(ScreenKind::Form));
    assert_eq!(text_value(ui, "question"), "回执上的提交编号");
    for c in number.chars() {
        tap(ui, &c.to_string());
    }
    tap(ui, "下一步");
    wait_for(kiosk, "the answer", |ui| {
        ui.global::<Api>().get_query_state() != QueryState::Waiting
    });
}

#[test]
fn a_station_s_acceptance_prints_as_a_receipt_with_its_number() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // An application: its paper says 申请回执, never 受理.
    card_to_home(&bench, &kiosk, 0);
    open_item(
        &ui,
        &kiosk,
        "治安",
        "犯罪记录查询",
        "无犯罪记录证明（个人）",
    );
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the purpose", screen_is(ScreenKind::Form));
    tap(&ui, "就业");
    for d in "13812345678".chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    let before = bench.printer.printed().len();
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    let number = text_value(&ui, "submission-number");
    let lines = printed_lines(&bench, before);
    assert!(lines.iter().any(|l| l == "申请回执"), "{lines:?}");
    leave(&ui, &kiosk, &bench, "完成");
    delivered(&bench, "ZA-FZJL-01");

    // Received, not yet accepted: no acceptance on screen, nothing to print as one.
    card_to_home(&bench, &kiosk, 0);
    look_up(&ui, &kiosk, &number);
    assert_eq!(ui.global::<Api>().get_query_state(), QueryState::Found);
    assert!(ElementHandle::find_by_accessible_label(&ui, "acceptance")
        .next()
        .is_none());
    assert!(crate::common::kiosk::labelled(&ui, "打印受理回执")
        .next()
        .is_none());
    leave(&ui, &kiosk, &bench, "结束办理");

    // A station accepts it upstream, with the authority's own number.
    let accepted: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!(
                "http://{}/v1/admin/submissions/{number}/accept",
                bench.upstream
            ))
            .bearer_auth(&bench.config.upstream.token)
            .json(&serde_json::json!({
                "authority_zh": "金水分局示范派出所",
                "authority_en": "Model Police Station, Jinshui",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let acceptance_number = accepted["number"].as_str().unwrap().to_string();
    assert!(acceptance_number.starts_with("SL"), "{accepted}");

    // Looked up again: 已受理 with the number, and its 受理回执 on paper.
    card_to_home(&bench, &kiosk, 0);
    look_up(&ui, &kiosk, &number);
    assert_eq!(
        text_value(&ui, "acceptance"),
        format!("已受理 · 受理编号：{acceptance_number}")
    );
    let before = bench.printer.printed().len();
    tap(&ui, "打印受理回执");
    // Back on the progress, which says the paper is out (and offers it no more).
    wait_for(&kiosk, "printed", |ui| {
        ui.global::<Api>().get_acceptance_printed() == "printed"
            && ui.global::<Api>().get_screen() == ScreenKind::QueryResult
    });
    assert_eq!(
        text_value(&ui, "acceptance printed"),
        "受理回执已打印，请取走"
    );
    assert!(crate::common::kiosk::labelled(&ui, "打印受理回执")
        .next()
        .is_none());
    let lines = printed_lines(&bench, before);
    assert!(lines.iter().any(|l| l == "受理回执"), "{lines:?}");
    assert!(lines.iter().any(|l| l == &acceptance_number), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "受理单位：金水分局示范派出所"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == &format!("提交编号：{number}")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "申请人：张*明"), "{lines:?}");
    leave(&ui, &kiosk, &bench, "结束办理");

    // Another person with the same number learns nothing: the same "not found".
    card_to_home(&bench, &kiosk, 1);
    look_up(&ui, &kiosk, &number);
    assert_eq!(ui.global::<Api>().get_query_state(), QueryState::NotFound);
}
