//! The staff screen, headless on the real kiosk with simulated devices: hidden entry and PIN,
//! devices, the queue with rejected submissions, a receipt reprinted from the screen, the paper
//! counter reset, and a corrupt store shown to staff while the terminal is out of service.

use onetrip_drivers::pty::Plugged;

use crate::common;

use std::time::{Duration, Instant};

use crate::common::kiosk::{screen_is, tap, text_value, wait_for};
use i_slint_backend_testing::ElementHandle;
use onetrip::devtools::demo::{Bench, DEMO_STAFF_PIN};
use onetrip::engine::ReceiptRequest;
use onetrip::store::{Delivery, Store};
use onetrip::ui::{Api, AppWindow, ScreenKind};
use onetrip_drivers::printer::sim::Printed;
use slint::ComponentHandle;

fn launch(bench: &Bench, rt: &tokio::runtime::Runtime) -> (AppWindow, common::kiosk::KioskRef) {
    common::kiosk::launch(bench.config.clone(), rt, (1920, 1080))
}

fn log_in(ui: &AppWindow, kiosk: &common::kiosk::KioskRef) {
    log_in_with(ui, kiosk, "确认", "密码错误，还可尝试 4 次");
}

/// A wrong PIN (and what the pad says to it), then the right one; `ok` is the pad's 确认 button
/// in the terminal's language.
fn log_in_with(ui: &AppWindow, kiosk: &common::kiosk::KioskRef, ok: &str, wrong_pin: &str) {
    // The hidden corner (a two-second press on the terminal; its default action here).
    let corner: Vec<_> = ElementHandle::find_by_accessible_label(ui, "staff").collect();
    assert_eq!(corner.len(), 1, "the staff corner is on the idle screen");
    corner[0].invoke_accessible_default_action();
    wait_for(kiosk, "the PIN pad", screen_is(ScreenKind::StaffPin));
    for d in "999999".chars() {
        tap(ui, &d.to_string());
    }
    assert_eq!(
        text_value(ui, "staff message"),
        "",
        "nothing is checked before 确认"
    );
    tap(ui, ok);
    assert_eq!(text_value(ui, "staff message"), wrong_pin);
    for d in DEMO_STAFF_PIN.chars() {
        tap(ui, &d.to_string());
    }
    tap(ui, ok);
    wait_for(kiosk, "the staff screen", screen_is(ScreenKind::Staff));
}

#[test]
fn staff_see_devices_queue_rejections_and_reprint() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    // Before the terminal starts: one submission upstream refused, one receipt that did not print.
    let (rejected_number, unprinted_number) = {
        let store = Store::open(&bench.config.data.dir).unwrap();
        let payload = serde_json::json!({"applicant": {"name": "测试"}});
        let r = store
            .insert_submission("DEMO-0001", "application", "ZA-FZJL-01", &payload)
            .unwrap();
        store
            .record_deliveries(&[(
                r.id.clone(),
                Delivery::Rejected {
                    error: "HTTP 422: the platform's error answer · body 1a2b3c4d".into(),
                },
            )])
            .unwrap();
        let p = store
            .insert_submission("DEMO-0001", "application", "HZ-SFZ-02", &payload)
            .unwrap();
        store
            .save_receipt(
                &ReceiptRequest {
                    kind: Default::default(),
                    submission: p.clone(),
                    item_code: "HZ-SFZ-02".into(),
                    item_name: "居民身份证到期换领".into(),
                    next_steps: vec!["新证制好后短信通知".into()],
                    name_masked: "张*明".into(),
                    id_masked: "330106********1231".into(),
                    english: false,
                    acceptance: None,
                    decision: None,
                },
                false,
            )
            .unwrap();
        store
            .bump(&onetrip::store::Counter::PaperMm, 12_345)
            .unwrap();
        (r.number, p.number)
    };
    let (ui, kiosk) = launch(&bench, &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The optional scanner's cable pulled: the terminal stays in service, and staff, not
    // citizens, are told.
    bench.scanner.unplug();
    log_in(&ui, &kiosk);
    wait_for(&kiosk, "the report", |ui| {
        slint::Model::row_count(&ui.global::<Api>().get_staff().devices) > 0
    });
    assert_eq!(text_value(&ui, "device 身份证阅读器"), "正常");
    assert_eq!(text_value(&ui, "device 回执打印机"), "正常");
    // (The report is refreshed while the screen is open: the pull may land in a later one.)
    wait_for(&kiosk, "the scanner's state for staff", |ui| {
        text_value(ui, "device 扫码器（可选）") == "未连接或无响应"
    });
    bench.scanner.replug().unwrap();
    assert_eq!(text_value(&ui, "store"), "本地存储：正常");
    let rejected = text_value(&ui, &format!("rejected {rejected_number}"));
    assert!(rejected.contains("ZA-FZJL-01"), "{rejected}");
    // The typed reason and the answer's digest (upstream's own words are never kept).
    assert!(
        rejected.contains("HTTP 422: the platform's error answer · body 1a2b3c4d"),
        "{rejected}"
    );
    assert!(text_value(&ui, "queue").contains(" / 1 / "), "one rejected");
    assert!(text_value(&ui, "catalog").starts_with(&format!(
        "服务目录：{}",
        onetrip::catalog::shipped().version
    )));
    // A developer's build runs from no terminal image: staff are told so, not shown a version.
    assert_eq!(
        text_value(&ui, "firmware"),
        "固件：开发者构建（不在终端镜像中运行）"
    );

    // Reprint from the screen: the printer simulator decodes the kept (masked) receipt.
    let before = bench.printer.printed().len();
    tap(&ui, &format!("补打 {unprinted_number}"));
    wait_for(&kiosk, "the reprint", |ui| {
        ui.global::<Api>().get_staff_message() == format!("{unprinted_number} 已补打").as_str()
    });
    let printed = bench.printer.printed();
    let lines: Vec<String> = printed[before..]
        .iter()
        .filter_map(|p| match p {
            Printed::Line { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        lines.iter().any(|l| l.contains(&unprinted_number)),
        "{lines:?}"
    );
    wait_for(&kiosk, "the reprinted receipt leaves the list", |ui| {
        slint::Model::row_count(&ui.global::<Api>().get_staff().unprinted) == 0
    });

    // A new roll: the paper counter starts again.
    tap(&ui, "已换新纸卷");
    let db = bench.config.data.dir.clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Store::open(&db)
        .unwrap()
        .count(&onetrip::store::Counter::PaperMm)
        .unwrap()
        != 0
    {
        assert!(Instant::now() < deadline, "paper counter not reset");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The rejection was checked with the platform: staff send it again, and it is delivered.
    tap(&ui, &format!("requeue {rejected_number}"));
    wait_for(&kiosk, "the requeue", |ui| {
        ui.global::<Api>().get_staff_message()
            == format!("{rejected_number} 已重新排队发送").as_str()
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state: String = Store::open(&db)
            .unwrap()
            .connection()
            .query_row(
                "SELECT state FROM submissions WHERE number = ?1",
                [&rejected_number],
                |r| r.get(0),
            )
            .unwrap();
        if state == "accepted" {
            break;
        }
        assert!(Instant::now() < deadline, "requeued, still {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_for(&kiosk, "the requeued one leaves the rejected list", |ui| {
        ui.global::<Api>().get_staff().rejected == 0
    });

    let audited: Vec<(String, String)> = Store::open(&db)
        .unwrap()
        .connection()
        .prepare(
            "SELECT actor, event FROM audit WHERE event LIKE 'staff%' OR event = 'submission_requeued' ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let audited: Vec<(&str, &str)> = audited
        .iter()
        .map(|(a, e)| (a.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        audited,
        [
            ("staff", "staff_login_failed"),
            ("staff", "staff_login"),
            ("staff", "staff_reprint"),
            ("staff", "staff_paper_replaced"),
            ("staff", "staff_requeue"),
            ("staff", "submission_requeued"),
        ]
    );

    tap(&ui, "退出");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
}

#[test]
fn a_corrupt_store_is_shown_to_staff() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    std::fs::create_dir_all(&bench.config.data.dir).unwrap();
    let file = bench.config.data.dir.join("onetrip.sqlite3");
    std::fs::write(&file, vec![0x5a; 8192]).unwrap();
    let (ui, kiosk) = launch(&bench, &rt);
    wait_for(
        &kiosk,
        "out of service",
        screen_is(ScreenKind::OutOfService),
    );
    log_in(&ui, &kiosk);
    wait_for(&kiosk, "the report", |ui| {
        !ui.global::<Api>().get_staff().store_problem.is_empty()
    });
    let store = text_value(&ui, "store");
    assert!(store.starts_with("本地存储无法使用："), "{store}");
    assert!(
        store.contains("onetrip.sqlite3"),
        "the file is named: {store}"
    );
    // The file is left as it was, for the technician.
    assert_eq!(std::fs::read(&file).unwrap(), vec![0x5a; 8192]);
    tap(&ui, "退出");
    wait_for(
        &kiosk,
        "still out of service",
        screen_is(ScreenKind::OutOfService),
    );
}

/// Review M5: a power cycle gave five more guesses. The lockout is kept in the store by the
/// running kiosk, and a kiosk that starts with it kept stays locked.
#[test]
fn a_pin_lockout_is_kept_in_the_store_and_holds_after_a_restart() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let open_pad = |ui: &AppWindow, kiosk: &common::kiosk::KioskRef| {
        let corner: Vec<_> = ElementHandle::find_by_accessible_label(ui, "staff").collect();
        corner[0].invoke_accessible_default_action();
        wait_for(kiosk, "the PIN pad", screen_is(ScreenKind::StaffPin));
    };

    // Five wrong PINs: the pad locks, and the running kiosk keeps that in the store.
    let (ui, kiosk) = launch(&bench, &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    open_pad(&ui, &kiosk);
    for _ in 0..5 {
        for d in "1111".chars() {
            tap(&ui, &d.to_string());
        }
        tap(&ui, "确认");
    }
    assert_eq!(
        text_value(&ui, "staff message"),
        "密码错误次数过多，请5分钟后再试"
    );
    let data = bench.config.data.dir.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    let kept = loop {
        let kept = Store::open(&data)
            .unwrap()
            .setting("staff_pin_guard")
            .unwrap();
        match kept {
            Some(k) if k.contains("\"lockouts\":1") => break k,
            _ => assert!(Instant::now() < deadline, "lockout not kept: {kept:?}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Kept until a terminal age (running time), not a wall-clock time a clock step could pass.
    let until: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert!(until.get("locked_until_ms").is_none(), "{kept}");
    // (The age a store opens at is the latest kept: up to a few ms before the lockout was.)
    let left =
        until["locked_until_age_ms"].as_i64().unwrap() - Store::open(&data).unwrap().age_ms();
    assert!((200_000..=301_000).contains(&left), "{left} ms left");
    drop(kiosk);
    drop(ui);

    // Another terminal start on a store holding that lockout: still locked, even to the right PIN.
    let bench = common::bench(&rt);
    Store::open(&bench.config.data.dir)
        .unwrap()
        .set_setting("staff_pin_guard", &kept)
        .unwrap();
    let (ui, kiosk) = launch(&bench, &rt);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    open_pad(&ui, &kiosk);
    wait_for(&kiosk, "the pad to say it is locked", |ui| {
        ui.global::<Api>()
            .get_staff_message()
            .starts_with("密码错误次数过多，请")
    });
    for d in DEMO_STAFF_PIN.chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "确认");
    kiosk.borrow_mut().pump();
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::StaffPin);
}

/// A terminal set up for English shows staff an English PIN pad and staff screen: the fixed
/// words through the translation, the devices, the store, the catalog and the messages worded
/// by the engine — no Chinese in the middle of it.
#[test]
fn an_english_terminal_shows_staff_an_english_screen() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let mut config = bench.config.clone();
    config.ui.language = onetrip::config::Language::En;
    let (ui, kiosk) = common::kiosk::launch(config, &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    log_in_with(&ui, &kiosk, "OK", "Wrong PIN: 4 more tries");
    wait_for(&kiosk, "the report", |ui| {
        slint::Model::row_count(&ui.global::<Api>().get_staff().devices) > 0
    });
    assert_eq!(text_value(&ui, "device ID card reader"), "OK");
    assert_eq!(text_value(&ui, "device Receipt printer"), "OK");
    assert_eq!(text_value(&ui, "store"), "Local store: OK");
    let catalog = text_value(&ui, "catalog");
    assert!(catalog.ends_with("(as shipped)"), "{catalog}");
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let staff = ui.global::<Api>().get_staff();
    for d in slint::Model::iter(&staff.devices) {
        assert!(!han(&d.name) && !han(&d.state), "{d:?}");
    }
    tap(&ui, "New roll put in");
    assert_eq!(text_value(&ui, "staff message"), "New paper roll noted");
    tap(&ui, "Sign out");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
}

/// A gateway in front of the platform: `400 {"message": "blocked"}` to every request; the
/// heartbeats it is sent are kept for the test.
async fn blocking_gateway() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    let beats = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = beats.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let kept = kept.clone();
        async move {
            if uri.path() == "/v1/heartbeat" {
                if let Ok(v) = serde_json::from_slice(&body) {
                    kept.lock().unwrap().push(v);
                }
            }
            (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({"message": "blocked"})),
            )
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, beats)
}

/// Issue 32 (review N6): a gateway answering `400 {"message": "blocked"}` marked the whole
/// backlog rejected, and staff put it back one tap per row (20 rows shown). Now the kiosk rejects
/// three, holds the rest and pauses the queue — staff and the heartbeat are told — and staff put
/// back every rejected one with one tap, audited.
#[test]
fn a_gateway_rejecting_everything_pauses_the_queue_and_staff_put_back_all() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (gateway, beats) = rt.block_on(blocking_gateway());
    let data = bench.config.data.dir.clone();
    {
        let store = Store::open(&data).unwrap();
        for i in 0..10 {
            store
                .insert_submission(
                    "DEMO-0001",
                    "application",
                    "ZA-FZJL-01",
                    &serde_json::json!({"applicant": {"name": format!("测试{i}")}}),
                )
                .unwrap();
        }
    }
    let counts = || {
        let c = Store::open(&data).unwrap().queue_counts().unwrap();
        (c.pending, c.rejected, c.accepted)
    };
    let mut config = bench.config.clone();
    config.upstream.base_url = format!("http://{gateway}");
    let (ui, kiosk) = common::kiosk::launch_with(
        config,
        &rt,
        (1920, 1080),
        std::rc::Rc::new(Instant::now),
        |o| o.heartbeat = Duration::from_millis(300),
    );
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The heartbeat says the queue is paused, and why.
    let deadline = Instant::now() + Duration::from_secs(20);
    let beat = loop {
        let paused = beats
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|b| b["delivery"]["paused"] == true)
            .cloned();
        if let Some(b) = paused {
            break b;
        }
        assert!(
            Instant::now() < deadline,
            "no heartbeat said the queue is paused"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(beat["delivery"]["refusal"], "repeated_rejection");
    let detail = beat["delivery"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("HTTP 400: a JSON answer without the platform's error field · body "),
        "{detail}"
    );
    assert!(!detail.contains("blocked"), "upstream's words: {detail}");
    assert_eq!(counts(), (7, 3, 0), "at most three rejected");

    // Staff see the pause in words and the three rejected, and put them all back.
    log_in(&ui, &kiosk);
    wait_for(&kiosk, "the paused queue", |ui| {
        crate::common::kiosk::plain(&ui.global::<Api>().get_staff().delivery_problem)
            .contains("同一原因")
    });
    let delivery = text_value(&ui, "delivery");
    assert!(delivery.contains("连续 3 次"), "{delivery}");
    assert!(delivery.contains("全部重新发送"), "{delivery}");
    assert_eq!(text_value(&ui, "queue"), "7 / 3 / 0");
    tap(&ui, "requeue all rejected");
    wait_for(&kiosk, "all put back", |ui| {
        ui.global::<Api>().get_staff_message() == "已将 3 份被拒收的申请重新排队发送"
    });
    assert_eq!(counts(), (10, 0, 0));
    wait_for(&kiosk, "the button goes with the last rejected one", |ui| {
        ui.global::<Api>().get_staff().rejected == 0
    });
    assert!(
        ElementHandle::find_by_accessible_label(&ui, "requeue all rejected")
            .next()
            .is_none()
    );
    let audited: Vec<(String, String, String)> = Store::open(&data)
        .unwrap()
        .connection()
        .prepare(
            "SELECT actor, event, detail FROM audit WHERE event LIKE 'submission%' ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let events: Vec<(&str, &str)> = audited
        .iter()
        .filter(|(_, e, _)| e != "submission_committed")
        .map(|(a, e, _)| (a.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("sync", "submission_rejected"),
            ("sync", "submission_rejected"),
            ("sync", "submission_rejected"),
            ("staff", "submission_requeued"),
            ("staff", "submission_requeued"),
            ("staff", "submission_requeued"),
            ("staff", "submissions_requeued_all"),
        ]
    );
    assert_eq!(audited.last().unwrap().2, "3 queued, 0 purged");
    tap(&ui, "退出");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
}

/// Issue 32 (review N4): a wall clock stepped a month ahead (DHCP-supplied NTP, a wrong BIOS
/// date) went unnoticed. Noticed by the store against the monotonic clock, it is shown to staff
/// and sent in the heartbeat.
#[test]
fn a_clock_step_is_shown_to_staff_and_sent_in_the_heartbeat() {
    use onetrip::store::{ShiftedClock, DAY_MS};
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    {
        // The store reads its clocks through a seam: here the wall clock steps 31 days ahead
        // between two readings, as NTP would step it while the terminal runs.
        let clock = std::sync::Arc::new(ShiftedClock::default());
        let store = Store::open_with_clock(&bench.config.data.dir, clock.clone()).unwrap();
        clock.step_wall(31 * DAY_MS);
        store.audit("terminal", "test", "").unwrap();
    }
    let (ui, kiosk) = common::kiosk::launch_with(
        bench.config.clone(),
        &rt,
        (1920, 1080),
        std::rc::Rc::new(Instant::now),
        |o| o.heartbeat = Duration::from_millis(300),
    );
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    log_in(&ui, &kiosk);
    wait_for(&kiosk, "the report", |ui| {
        slint::Model::row_count(&ui.global::<Api>().get_staff().devices) > 0
    });
    let clock = text_value(&ui, "device 系统时钟");
    assert!(clock.contains("跳变 +31 天"), "{clock}");
    assert!(clock.contains("按本机实际运行时间计算"), "{clock}");

    let beat = common::kiosk::heartbeat_where(&rt, &bench, "a first beat", |_| true);
    let step = &beat["clock"]["last_step"];
    assert!(
        step["step_ms"].as_i64().unwrap() >= 31 * DAY_MS - 60_000,
        "{beat}"
    );
    assert_eq!(step["count"], 1);
    assert!(
        beat["clock"]["terminal_age_ms"].as_i64().is_some(),
        "{beat}"
    );
    tap(&ui, "退出");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
}
