//! Completion modes end to end on the real kiosk, headless, with simulated devices and the
//! reference upstream: a guide printed at once, a case-progress query online and offline, and a
//! conduct rating delivered through the outbox as an `evaluation`.

use crate::common;

use std::time::{Duration, Instant};

use crate::common::kiosk::{
    delivered, file_case, printed_lines, screen_is, tap, text_value, wait_for,
};
use onetrip::ui::{Api, AppWindow, ScreenKind};
use slint::ComponentHandle;

type Kiosk = common::kiosk::KioskRef;

fn launch(config: onetrip::config::Config, rt: &tokio::runtime::Runtime) -> (AppWindow, Kiosk) {
    common::kiosk::launch(config, rt, (1080, 1920))
}

fn to_case_query(ui: &AppWindow, kiosk: &Kiosk, number: &str) {
    // 执法公开 has one category: its items open at once, no tap that asks nothing.
    tap(ui, "执法公开");
    wait_for(kiosk, "items", screen_is(ScreenKind::Items));
    tap(ui, "案件办理进度查询");
    wait_for(kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(ui, "开始办理");
    wait_for(kiosk, "the case number", screen_is(ScreenKind::Form));
    assert_eq!(text_value(ui, "question"), "案件编号");
    for c in number.chars() {
        tap(ui, &c.to_string());
    }
    assert_eq!(text_value(ui, "answer"), number);
    tap(ui, "下一步");
    wait_for(kiosk, "the result", screen_is(ScreenKind::QueryResult));
}

#[test]
fn guide_case_query_and_rating() {
    let logs = common::capture_logs();
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    // A case the station filed for this citizen (the resident sample card).
    let case = "CASE-0001-000123";
    file_case(&rt, &bench, case);
    let (ui, kiosk) = launch(bench.config.clone(), &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // A guide: printed at once, nothing submitted.
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "户政");
    tap(&ui, "户口登记");
    tap(&ui, "出生登记");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    let before = bench.printer.printed().len();
    tap(&ui, "开始办理");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    let lines = printed_lines(&bench, before);
    assert!(lines.iter().any(|l| l == "办事指南"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("《出生医学证明》")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("张*明")),
        "nothing personal on a guide"
    );
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    // Case progress online: a plain timeline; then rate the officer.
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    to_case_query(&ui, &kiosk, case);
    wait_for(&kiosk, "the timeline", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::Found
    });
    assert_eq!(text_value(&ui, "query status"), "办理进度");
    assert_eq!(text_value(&ui, "progress step"), "已受理");
    tap(&ui, "评价办案民警");
    wait_for(&kiosk, "the rating", screen_is(ScreenKind::Form));
    assert_eq!(text_value(&ui, "question"), "您对办案民警的评价");
    tap(&ui, "不满意");
    assert_eq!(text_value(&ui, "question"), "不满意的主要原因");
    tap(&ui, "办事拖沓");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    // Delivered upstream as an evaluation, exactly once.
    let body = delivered(&bench, "FZ-ZFGK-05");
    assert_eq!(body["kind"], "evaluation");
    assert_eq!(body["answers"]["case_number"], case);
    assert_eq!(body["answers"]["rating"], "dissatisfied");
    assert_eq!(body["answers"]["reason"], "slow");
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    // Another party's case number: the same "not found" as a number that does not exist.
    bench.reader.tap(1);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    to_case_query(&ui, &kiosk, case);
    wait_for(&kiosk, "not found", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::NotFound
    });
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    for personal in ["张晓明", "330106198503121231", case] {
        assert!(!text.contains(personal), "{personal} was logged");
    }
}

#[test]
fn case_query_offline_says_so() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let mut config = bench.config.clone();
    // Nothing listens there: the platform is unreachable.
    config.upstream.base_url = "http://127.0.0.1:9".into();
    let (ui, kiosk) = launch(config, &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    to_case_query(&ui, &kiosk, "CASE-1");
    wait_for(&kiosk, "offline", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::Offline
    });
    assert_eq!(
        text_value(&ui, "query status"),
        "暂时无法连接公安业务系统，请稍后再试或到窗口查询"
    );
    // No rating button for a case that could not be looked up.
    assert!(crate::common::kiosk::labelled(&ui, "评价办案民警")
        .next()
        .is_none());
    // 重试 asks the platform again (here: unreachable again, and said so again).
    let asked = || common::logged().matches("case query failed").count();
    let before = asked();
    tap(&ui, "重试");
    wait_for(&kiosk, "asked again", |_| asked() > before);
    wait_for(&kiosk, "offline again", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::Offline
    });
}

#[test]
fn appointment_with_a_time_from_upstream() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = launch(bench.config.clone(), &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "出入境");
    tap(&ui, "缴费、取证与预约");
    tap(&ui, "出入境业务预约");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(&ui, "开始办理");
    wait_for(&kiosk, "phone", screen_is(ScreenKind::Form));
    for d in "13912345678".chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "times", |ui| {
        ui.global::<Api>().get_slots_state() == onetrip::ui::QueryState::Found
    });
    assert_eq!(text_value(&ui, "slots status"), "请选择预约时间");
    let first = slint::Model::row_data(&ui.global::<Api>().get_slots(), 0).unwrap();
    tap(&ui, first.name.as_str());
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    let body = delivered(&bench, "CRJ-JF-03");
    assert_eq!(body["kind"], "appointment");
    assert_eq!(body["answers"]["slot"], first.code.as_str());
    assert_eq!(
        body["answers"]["slot_time"],
        crate::common::kiosk::plain(&first.name).as_str()
    );
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // The session is in the audit log step by step, without personal data, and replays through
    // a fresh engine to the same screens.
    let db = bench.config.data.dir.clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    let session = loop {
        let rows = onetrip::store::Store::open(&db)
            .unwrap()
            .journal_rows()
            .unwrap();
        let sessions = onetrip::engine::journal::sessions(&rows);
        if let Some(s) = sessions
            .last()
            .filter(|s| s.iter().any(|(_, st)| st.screen == "attract"))
        {
            break s.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no finished session in the journal: {rows:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let all: Vec<String> = session.iter().map(|(_, s)| s.to_detail()).collect();
    let all = all.join("\n");
    for personal in ["13912345678", "张晓明", "330106198503121231"] {
        assert!(!all.contains(personal), "{personal} in the journal:\n{all}");
    }
    assert!(
        all.contains("slots touch") || all.contains("slots slots offered"),
        "{all}"
    );
    let steps: Vec<onetrip::engine::journal::Step> = session.into_iter().map(|(_, s)| s).collect();
    let mut cfg = onetrip::engine::EngineConfig::new(Duration::from_secs(60));
    cfg.voice_default = false;
    let t0 = Instant::now();
    let mut fresh = onetrip::engine::Engine::new(
        cfg,
        std::sync::Arc::new(onetrip::catalog::shipped()),
        t0,
        onetrip::shell::today(),
    );
    fresh.handle(
        onetrip::engine::Event::Availability(onetrip::engine::Availability::Available),
        t0,
    );
    let replayed = onetrip::engine::journal::replay(
        &mut fresh,
        &steps,
        t0,
        onetrip::devtools::demo::stand_in_card,
    );
    let recorded: Vec<String> = steps.iter().map(|s| s.screen.clone()).collect();
    assert_eq!(replayed, recorded, "journal:\n{all}");

    // Staff read the same journal with `onetrip journal`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["journal", "--sessions", "1", "--config"])
        .arg(bench.dir.path().join("onetrip.toml"))
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("select_item CRJ-JF-03"), "{text}");
    assert!(!text.contains("13912345678"), "{text}");
    // What the session cost, from card to receipt: three taps to the item, start, eleven
    // digits, next, a time, confirm (完成 after the receipt is not counted).
    assert!(text.contains("· CRJ-JF-03 · 18 taps · "), "{text}");
}

/// An application (the repeat HK/Macao endorsement, pre-applied here); the roll runs out in the
/// middle of the receipt, and the citizen sees the number in large type for staff to reprint.
#[test]
fn an_application_with_the_paper_running_out_mid_receipt() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = launch(bench.config.clone(), &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "出入境");
    tap(&ui, "签注");
    // The tile carries the short name; the page the full one.
    tap(&ui, "港澳再次签注");
    wait_for(&kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    assert_eq!(text_value(&ui, "eligibility"), "您可以办理此事项");
    tap(&ui, "开始办理");
    wait_for(&kiosk, "endorsement", screen_is(ScreenKind::Form));
    tap(&ui, "个人旅游一次（15元）");
    assert_eq!(text_value(&ui, "question"), "通行证号码");
    for c in "C12345678".chars() {
        tap(&ui, &c.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    // A few lines into the receipt the roll ends.
    bench.printer.run_out_after(3);
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    assert_eq!(
        ui.global::<Api>().get_outcome(),
        onetrip::ui::Outcome::PrintFailed
    );
    // Submitted is the headline (the application is safe); the paper is the terminal's fault,
    // said apart from it.
    assert_eq!(text_value(&ui, "outcome"), "已提交");
    assert_eq!(
        text_value(&ui, "what next"),
        "回执未能打印，请记下编号找工作人员补打"
    );
    let number = text_value(&ui, "submission-number");
    assert!(number.starts_with("DEMO-0001-"), "{number}");
    // The submission is safe and goes upstream all the same.
    let deadline = Instant::now() + Duration::from_secs(15);
    while bench.upstream_count() < 1 {
        assert!(Instant::now() < deadline, "not delivered");
        std::thread::sleep(Duration::from_millis(50));
    }
    let db = rusqlite::Connection::open(bench.dir.path().join("upstream.sqlite3")).unwrap();
    let body: String = db
        .query_row("SELECT body FROM received", [], |r| r.get(0))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["item_code"], "CRJ-QZ-01");
    assert_eq!(body["answers"]["endorsement"], "tour1");
    assert_eq!(body["answers"]["permit_number"], "C12345678");
    // The receipt waits for staff in the store.
    let kept: String = rusqlite::Connection::open(bench.config.data.dir.join("onetrip.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT number FROM receipts WHERE state = 'failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, number);
}
