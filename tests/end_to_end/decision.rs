//! A camera-recorded violation dealt with at the kiosk (JG-WF-01), end to end against the
//! reference upstream: the card holder's own violations offered (one only for the counter), the
//! facts confirmed with the right to dispute them said, upstream's decision printed — its
//! number, authority, fine, points, basis, payment and appeal — decided once however often it
//! is asked, and nobody else's violations shown to anyone.

use onetrip::devtools::reference_upstream::records::VIOLATION_AT_MS;
use onetrip::devtools::reference_upstream::violations::SAMPLE_VIOLATION;
use onetrip::ui::{Api, QueryState, ScreenKind};
use slint::{ComponentHandle, Model};

use crate::common;
use crate::common::kiosk::{
    card_to_home, leave, open_item, plain, printed_lines, screen_is, tap, text_value, wait_for,
    KioskRef,
};

fn open(ui: &onetrip::ui::AppWindow, kiosk: &KioskRef) {
    open_item(ui, kiosk, "交管", "交通违法", "非现场交通违法处理");
    tap(ui, "开始办理");
    wait_for(kiosk, "the violations", |ui| {
        ui.global::<Api>().get_screen() == ScreenKind::Violations
            && ui.global::<Api>().get_violations_state() != QueryState::Waiting
    });
}

#[test]
fn a_violation_confirmed_here_prints_upstream_s_decision_once() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    let admin = |path: &str| -> serde_json::Value {
        rt.block_on(async {
            reqwest::Client::new()
                .get(format!("http://{}{path}", bench.upstream))
                .bearer_auth(&bench.config.upstream.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    };

    // Another resident has nothing on record: nothing offered, nothing of anyone else's.
    card_to_home(&bench, &kiosk, 1);
    open(&ui, &kiosk);
    assert_eq!(
        ui.global::<Api>().get_violations_state(),
        QueryState::NotFound
    );
    assert_eq!(
        text_value(&ui, "violations status"),
        "没有查到需要处理的违法"
    );
    leave(&ui, &kiosk, &bench, "结束办理");

    // The sample resident: one violation to deal with here, one only for the counter.
    card_to_home(&bench, &kiosk, 0);
    open(&ui, &kiosk);
    assert_eq!(ui.global::<Api>().get_violations_state(), QueryState::Found);
    assert_eq!(
        text_value(&ui, "counter only"),
        "另有 1 条违法须到交管窗口处理（罚款超过200元，或可能涉及暂扣、吊销驾驶证）"
    );
    let when = chrono::DateTime::from_timestamp_millis(VIOLATION_AT_MS)
        .unwrap()
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    tap(&ui, &format!("{when} 机动车违反禁令标志指示"));
    wait_for(&kiosk, "the facts", screen_is(ScreenKind::Confirm));
    assert!(ui.global::<Api>().get_confirming_decision());
    let rows: Vec<(String, String)> = ui
        .global::<Api>()
        .get_summary()
        .iter()
        .map(|r| (plain(&r.label), plain(&r.value)))
        .collect();
    for row in [
        ("当事人", "张*明 330106********1231"),
        ("违法行为", "机动车违反禁令标志指示（豫A****45）"),
        ("处罚", "罚款100元，记1分"),
    ] {
        assert!(
            rows.contains(&(row.0.to_string(), row.1.to_string())),
            "{row:?} in {rows:?}"
        );
    }
    assert!(text_value(&ui, "decision rights").contains("陈述、申辩"));
    assert_eq!(
        text_value(&ui, "decision basis"),
        "依据：《中华人民共和国道路交通安全法》第九十条；《道路交通安全违法行为记分管理办法》"
    );
    let before = bench.printer.printed().len();
    tap(&ui, "确认，接受处理");
    wait_for(&kiosk, "the decision on paper", |ui| {
        ui.global::<Api>().get_screen() == ScreenKind::Decision
            && ui.global::<Api>().get_decision_printed() == "printed"
    });
    assert_eq!(
        text_value(&ui, "decision status"),
        "处罚决定已作出，请取走决定书"
    );
    let decided = admin("/v1/admin/decisions");
    let made = decided["decisions"].as_array().unwrap();
    assert_eq!(made.len(), 1, "{decided}");
    let number = made[0]["number"].as_str().unwrap().to_string();
    assert_eq!(text_value(&ui, "decision 决定书编号"), number);
    let lines = printed_lines(&bench, before);
    for line in [
        "交通违法处罚决定",
        number.as_str(),
        "作出机关：郑州市公安局交通警察支队",
        "当事人：张*明",
        "罚款：100元",
        "记分：1分",
        "号牌号码：豫A****45",
    ] {
        assert!(lines.iter().any(|l| l == line), "{line} in {lines:#?}");
    }
    let text: String = lines.concat();
    assert!(text.contains("缴款：自收到本决定书之日起15日内"), "{text}");
    assert!(
        text.contains("救济途径：不服本决定的，可以自收到本决定书之日起60日内"),
        "{text}"
    );
    assert!(
        !text.contains("受理"),
        "a decision is no acceptance: {text}"
    );
    leave(&ui, &kiosk, &bench, "完成");

    // Asked again — a retry after a lost answer: the same decision, not a second one.
    let again: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!(
                "http://{}/v1/violations/{SAMPLE_VIOLATION}/decision",
                bench.upstream
            ))
            .bearer_auth(&bench.config.upstream.token)
            .header("Idempotency-Key", format!("decide-{SAMPLE_VIOLATION}"))
            .json(&serde_json::json!({
                "item_code": "JG-WF-01",
                "id_number": onetrip::devtools::reference_upstream::records::SAMPLE_RESIDENT,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(again["decision"]["number"], number.as_str());
    let decided = admin("/v1/admin/decisions");
    assert_eq!(decided["decisions"].as_array().unwrap().len(), 1);
    assert_eq!(decided["decisions"][0]["replays"], 1);

    // Dealt with: no longer offered; the counter's one still counted.
    card_to_home(&bench, &kiosk, 0);
    open(&ui, &kiosk);
    assert_eq!(
        ui.global::<Api>().get_violations_state(),
        QueryState::NotFound
    );
    assert_eq!(
        text_value(&ui, "violations status"),
        "您的违法须到交管窗口处理"
    );
    leave(&ui, &kiosk, &bench, "结束办理");
}
