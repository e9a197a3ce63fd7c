//! The walking skeleton, end to end and headless: Slint's testing backend drives the real UI by
//! accessible labels; the ID card and the printer are simulators speaking their byte protocols on
//! pseudo-terminals; the upstream is the reference server over HTTP on loopback.

use onetrip_drivers::pty::Plugged;

use crate::common;

use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::common::kiosk::{plain, screen_is, tap, text_value, wait_for};
use i_slint_backend_testing::ElementHandle;
use onetrip::shell;
use onetrip::ui::{Api, ScreenKind};
use onetrip_drivers::printer::sim::{Printed, SimPaper};
use slint::ComponentHandle;

#[test]
fn card_tap_to_printed_receipt_to_upstream() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch_with(
        bench.config.clone(),
        &rt,
        (1920, 1080),
        Rc::new(Instant::now),
        |o| o.heartbeat = Duration::from_millis(500),
    );

    // Devices come up: the terminal becomes available.
    wait_for(&kiosk, "the attract screen", screen_is(ScreenKind::Attract));
    assert!(ui.global::<Api>().get_name_masked().is_empty());
    assert!(
        crate::common::kiosk::labelled(&ui, "请将身份证放在读卡区")
            .next()
            .is_some(),
        "attract prompt"
    );

    // Tap the resident card: read through the SAM protocol, shown masked.
    bench.reader.tap(0);
    wait_for(&kiosk, "the service home", screen_is(ScreenKind::Home));
    assert_eq!(text_value(&ui, "greeting"), "您好，张*明");
    assert_eq!(ui.global::<Api>().get_id_masked(), "330106********1231");

    // Police type → category → item → the item page → start.
    tap(&ui, "治安");
    wait_for(&kiosk, "categories", screen_is(ScreenKind::Categories));
    tap(&ui, "犯罪记录查询");
    wait_for(&kiosk, "items", screen_is(ScreenKind::Items));
    tap(&ui, "无犯罪记录证明（个人）");
    wait_for(&kiosk, "the item page", screen_is(ScreenKind::ItemDetail));
    assert_eq!(text_value(&ui, "eligibility"), "您可以办理此事项");
    tap(&ui, "开始办理");
    // The form: one question per screen, choices as buttons, the phone on a keypad.
    wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
    assert_eq!(text_value(&ui, "question"), "证明用途");
    tap(&ui, "就业");
    wait_for(&kiosk, "the phone question", |ui| {
        ui.global::<Api>().get_form().kind == "phone"
    });
    assert_eq!(text_value(&ui, "question"), "联系电话（手机）");
    for d in "1381234567".chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "下一步");
    assert_eq!(
        text_value(&ui, "form error"),
        "请输入11位手机号码，如 13812345678"
    );
    tap(&ui, "8");
    assert_eq!(text_value(&ui, "answer"), "13812345678");
    tap(&ui, "下一步");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    let summary: Vec<(String, String)> = {
        let m = ui.global::<Api>().get_summary();
        (0..slint::Model::row_count(&m))
            .filter_map(|i| slint::Model::row_data(&m, i))
            .map(|l| (plain(&l.label), plain(&l.value)))
            .collect()
    };
    assert!(
        summary.contains(&("联系电话（手机）".into(), "138****5678".into())),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("证明用途".into(), "就业".into())),
        "{summary:?}"
    );
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    assert_eq!(text_value(&ui, "outcome"), "已提交，请取走回执");
    let number = text_value(&ui, "submission-number");
    assert_eq!(number, "DEMO-0001-000001");

    // The receipt reached the printer as ESC/POS and decodes to what the citizen takes home.
    let printed = bench.printer.printed();
    let lines: Vec<String> = printed
        .iter()
        .filter_map(|p| match p {
            Printed::Line { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    // Stored and forwarded, not accepted: the paper says so (受理 is the authority's act).
    assert!(lines.iter().any(|l| l == "申请回执"), "{lines:?}");
    assert!(!lines
        .iter()
        .any(|l| l.contains("受理回执") || l.contains("受理编号")));
    assert!(
        lines.iter().any(|l| l == "事项：无犯罪记录证明（个人）"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "申请人：张*明"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "证件号码：330106********1231"),
        "{lines:?}"
    );
    assert!(lines.contains(&number), "{lines:?}");
    assert!(!lines
        .iter()
        .any(|l| l.contains("张晓明") || l.contains("330106198503121231")));
    assert!(printed.contains(&Printed::Qr(format!(
        "https://track.example.invalid/s/{number}"
    ))));
    // The screen shows the same code (read back from its pixels in tests/screenshots.rs).
    assert_eq!(
        text_value(&ui, "tracking-qr"),
        format!("https://track.example.invalid/s/{number}")
    );
    let qr = ui.global::<Api>().get_tracking_qr().size();
    assert!(qr.width >= 21 && qr.width == qr.height, "{qr:?}");
    assert!(matches!(
        printed.last(),
        Some(Printed::Cut { partial: false })
    ));

    // The sync worker delivers it upstream exactly once, with its id as the Idempotency-Key.
    let deadline = Instant::now() + Duration::from_secs(20);
    while bench.upstream_count() < 1 {
        assert!(
            Instant::now() < deadline,
            "upstream never received the submission"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let db = rusqlite::Connection::open(bench.dir.path().join("upstream.sqlite3")).unwrap();
    let received = onetrip::devtools::reference_upstream::received(&db).unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].number, number);
    assert_eq!(received[0].item_code, "ZA-FZJL-01");
    let body: String = db
        .query_row("SELECT body FROM received", [], |r| r.get(0))
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["answers"]["purpose"], "employment");
    assert_eq!(body["answers"]["phone"], "13812345678");
    let store = rusqlite::Connection::open(bench.config.data.dir.join("onetrip.sqlite3")).unwrap();
    let (id, state, payload): (String, String, Option<String>) = store
        .query_row("SELECT id, state, payload FROM submissions", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(received[0].key, id);
    assert_eq!(state, "accepted");
    assert_eq!(payload, None, "personal data purged once upstream has it");
    let counter = |name: &str| -> i64 {
        store
            .query_row("SELECT value FROM counters WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .unwrap_or(0)
    };
    assert_eq!(counter("receipts_printed"), 1);
    assert!(counter("paper_lines") >= 10, "paper use counted");
    let kept: String = store
        .query_row(
            "SELECT state FROM receipts WHERE number = ?1",
            [&number],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "printed");
    let audit: Vec<String> = store
        .prepare("SELECT event || ' ' || detail FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        audit.iter().any(|a| a.starts_with("session_started")),
        "{audit:?}"
    );
    assert!(
        audit.iter().any(|a| a == &format!("receipt_printed {id}")),
        "{audit:?}"
    );
    assert!(
        !audit
            .iter()
            .any(|a| a.contains("张晓明") || a.contains("330106198503121231")),
        "no personal data in the audit log: {audit:?}"
    );

    // Finish: back to attract with nothing personal left in the UI.
    tap(&ui, "完成");
    wait_for(&kiosk, "attract again", screen_is(ScreenKind::Attract));
    let api = ui.global::<Api>();
    assert!(api.get_name_masked().is_empty());
    assert!(api.get_id_masked().is_empty());
    assert_eq!(slint::Model::row_count(&api.get_items()), 0);
    assert_eq!(slint::Model::row_count(&api.get_police_types()), 0);

    // The receipt's QR code scanned at the attract screen names the submission.
    let qr = printed
        .iter()
        .find_map(|p| match p {
            Printed::Qr(q) => Some(q.clone()),
            _ => None,
        })
        .unwrap();
    bench.scanner.present(onetrip_drivers::scanner::sim::frame(
        qr.as_bytes(),
        Some("]Q1"),
        b"\r\n",
    ));
    wait_for(&kiosk, "the scanned receipt's number", |ui| {
        plain(&ui.global::<Api>().get_notice())
            == format!("提交编号 {number}：请放身份证，在“执法公开 › 本机申请进度查询”中再扫一次")
                .as_str()
    });

    // A rare-character name (a private-use code point and CJK Extension A) reads and renders.
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));
    bench.reader.tap(3);
    wait_for(&kiosk, "the rare-name session", screen_is(ScreenKind::Home));
    assert_eq!(text_value(&ui, "greeting"), "您好，王*䶮");
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    assert!(ui.global::<Api>().get_name_masked().is_empty());
    bench.reader.remove();

    // Paper out pauses printing, not the terminal (what the screen then says and still does:
    // printing_paused.rs); a refill ends the pause.
    bench.printer.set_paper(SimPaper::Out);
    wait_for(&kiosk, "printing paused", |ui| {
        ui.global::<Api>().get_printing_paused()
            && ui.global::<Api>().get_screen() == ScreenKind::Attract
    });
    bench.printer.set_paper(SimPaper::Full);
    wait_for(&kiosk, "printing again", |ui| {
        !ui.global::<Api>().get_printing_paused()
    });

    // A pulled reader cable: out of service, and back by itself when replugged.
    bench.reader.remove();
    bench.reader.unplug();
    wait_for(
        &kiosk,
        "out of service (reader)",
        screen_is(ScreenKind::OutOfService),
    );
    assert!(text_value(&ui, "out-of-service-reason").contains("身份证阅读器"));
    bench.reader.replug().unwrap();
    wait_for(&kiosk, "reader back", screen_is(ScreenKind::Attract));

    // The printer's cable pulled and replugged: printing paused and back, without a restart
    // (the terminal serves throughout).
    bench.printer.unplug();
    wait_for(&kiosk, "printing paused (printer)", |ui| {
        ui.global::<Api>().get_printing_paused()
    });
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Attract);
    bench.printer.replug().unwrap();
    wait_for(&kiosk, "printer back", |ui| {
        !ui.global::<Api>().get_printing_paused()
    });

    // The optional scanner: a pull is for staff (tests/staff_ui.rs), not an outage, and nothing
    // about it is shown to citizens.
    bench.scanner.unplug();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::time::Instant::now() < until {
        kiosk.borrow_mut().pump();
        assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Attract);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    bench.scanner.replug().unwrap();

    // Language toggle switches every @tr string.
    tap(&ui, "English");
    kiosk.borrow_mut().pump();
    assert!(
        ElementHandle::find_by_accessible_label(&ui, "Please place your ID card on the reader")
            .next()
            .is_some(),
        "English attract prompt"
    );
    tap(&ui, "中文");
    assert!(crate::common::kiosk::labelled(&ui, "请将身份证放在读卡区")
        .next()
        .is_some());
}

/// A clock the test moves (minutes pass in an instant), and the kiosk's view of it.
fn moved_clock() -> (Rc<std::cell::Cell<Instant>>, shell::kiosk::Clock) {
    let now = Rc::new(std::cell::Cell::new(Instant::now()));
    let read = now.clone();
    (now, Rc::new(move || read.get()))
}

/// Nothing pumps the kiosk here but its own timer, which it arms at the engine's next deadline
/// (there is no 250 ms poll any more): the countdown appears at 60 s idle and the session ends
/// at zero, with Slint's timers run on a mocked clock that moves with the kiosk's.
#[test]
fn the_kiosk_wakes_itself_at_the_next_deadline() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (now, clock) = moved_clock();
    let (ui, kiosk) =
        common::kiosk::launch_with(bench.config.clone(), &rt, (1080, 1920), clock, |_| {});
    shell::Kiosk::start_timer(&kiosk);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(1);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    // From here on only time passes: the kiosk's clock and Slint's timers together.
    let pass = |secs: u64| {
        now.set(now.get() + Duration::from_secs(secs));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(secs));
    };
    pass(30);
    assert!(!ui.global::<Api>().get_countdown_visible(), "30 s idle");
    pass(31);
    assert!(
        ui.global::<Api>().get_countdown_visible(),
        "the kiosk woke at 60 s idle by itself"
    );
    pass(16);
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Attract);
    assert!(ui.global::<Api>().get_name_masked().is_empty());
}

/// Inactivity on the UI: the countdown shows, "continue" keeps the session, and at zero every model
/// that held personal data is cleared.
#[test]
fn inactivity_countdown_and_wipe() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (now, clock) = moved_clock();
    let (ui, kiosk) =
        common::kiosk::launch_with(bench.config.clone(), &rt, (1080, 1920), clock, |_| {});
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.tap(1);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert_eq!(text_value(&ui, "greeting"), "您好，阿******提");

    let advance = |secs: u64| {
        now.set(now.get() + Duration::from_secs(secs));
        kiosk.borrow_mut().pump();
    };
    advance(61);
    assert!(
        ui.global::<Api>().get_countdown_visible(),
        "countdown after 60 s idle"
    );
    assert_eq!(text_value(&ui, "countdown"), "15");
    advance(5);
    assert_eq!(text_value(&ui, "countdown"), "10");
    tap(&ui, "继续办理");
    assert!(!ui.global::<Api>().get_countdown_visible());
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Home);

    // Walk away for good.
    advance(61);
    advance(15);
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::Attract);
    let api = ui.global::<Api>();
    assert!(api.get_name_masked().is_empty());
    assert!(api.get_id_masked().is_empty());
    assert!(api.get_selected_item().is_empty());
    assert_eq!(slint::Model::row_count(&api.get_items()), 0);
    assert_eq!(slint::Model::row_count(&api.get_police_types()), 0);
    assert!(!api.get_countdown_visible());
}

/// A citizen can walk away from any step: the countdown shows, and at zero the window holds
/// nothing of theirs. Walked on the real kiosk with a moved clock, step by step.
#[test]
fn a_timeout_at_every_step() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (now, clock) = moved_clock();
    let (ui, kiosk) =
        common::kiosk::launch_with(bench.config.clone(), &rt, (1920, 1080), clock, |_| {});
    let advance = |secs: u64| {
        now.set(now.get() + Duration::from_secs(secs));
        kiosk.borrow_mut().pump();
    };
    // (the taps after the card, the screen they reach)
    let steps: Vec<(Vec<&str>, ScreenKind)> = vec![
        (vec![], ScreenKind::Home),
        (vec!["治安"], ScreenKind::Categories),
        (vec!["治安", "犯罪记录查询"], ScreenKind::Items),
        (vec!["按拼音首字母查找", "W"], ScreenKind::Search),
        (
            vec!["治安", "犯罪记录查询", "无犯罪记录证明（个人）"],
            ScreenKind::ItemDetail,
        ),
        (
            vec!["治安", "犯罪记录查询", "无犯罪记录证明（个人）", "开始办理"],
            ScreenKind::Form,
        ),
        (
            vec![
                "治安",
                "犯罪记录查询",
                "无犯罪记录证明（个人）",
                "开始办理",
                "就业",
                "1",
                "3",
                "8",
            ],
            ScreenKind::Form,
        ),
    ];
    for (taps, screen) in steps {
        wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
        bench.reader.tap(0);
        wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
        for t in &taps {
            tap(&ui, t);
        }
        assert_eq!(ui.global::<Api>().get_screen(), screen, "{taps:?}");
        advance(61);
        assert!(ui.global::<Api>().get_countdown_visible(), "{taps:?}");
        advance(15);
        assert_eq!(
            ui.global::<Api>().get_screen(),
            ScreenKind::Attract,
            "{taps:?}"
        );
        let api = ui.global::<Api>();
        assert!(api.get_name_masked().is_empty(), "{taps:?}");
        assert!(api.get_id_masked().is_empty(), "{taps:?}");
        assert!(api.get_form().value.is_empty(), "{taps:?}");
        assert_eq!(slint::Model::row_count(&api.get_items()), 0, "{taps:?}");
        assert_eq!(
            slint::Model::row_count(&api.get_police_types()),
            0,
            "{taps:?}"
        );
        assert!(api.get_detail().name.is_empty(), "{taps:?}");
        bench.reader.remove();
        // Real time for the reader to notice the card is gone (its polls are not on our clock).
        std::thread::sleep(Duration::from_millis(400));
    }
}
