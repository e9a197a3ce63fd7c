//! 呼叫工作人员 (issue 30): on the out-of-service screen a citizen rings the staff — the
//! terminal says it aloud even with the voice off, the heartbeat carries the call at once (not at
//! its next beat), the staff screen shows it first, and opening that screen answers it.

use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use onetrip::devtools::demo::DEMO_STAFF_PIN;
use onetrip::shell::voice::Speaker;
use onetrip::store::Store;
use onetrip::ui::{Api, ScreenKind};
use onetrip_drivers::pty::Plugged;
use slint::ComponentHandle;

use crate::common;
use crate::common::kiosk::{heartbeat_where, screen_is, tap, text_value, wait_for};

#[test]
fn a_citizen_calls_staff_from_the_out_of_service_screen() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    // A beat an hour: the call cannot ride on a regular one. The voice is off: the ring is
    // still heard.
    let mut config = bench.config.clone();
    config.ui.voice = false;
    let (ui, kiosk) = common::kiosk::launch_with(
        config,
        &rt,
        (1920, 1080),
        std::rc::Rc::new(Instant::now),
        |o| o.heartbeat = Duration::from_secs(3600),
    );
    let (speaker, said, _) = Speaker::recording_loudness();
    kiosk.borrow_mut().set_speaker(speaker);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The first beat (a few seconds after start) says nobody called.
    let first = heartbeat_where(&rt, &bench, "the first beat", |_| true);
    assert_eq!(first["help"], serde_json::Value::Null, "{first}");
    let quiet = said.borrow().len();

    // The card reader's cable pulled: nobody can be served.
    bench.reader.unplug();
    wait_for(
        &kiosk,
        "out of service",
        screen_is(ScreenKind::OutOfService),
    );
    assert!(ui.global::<Api>().get_help_offered());
    tap(&ui, "呼叫工作人员");
    assert_eq!(text_value(&ui, "staff called"), "已呼叫工作人员，请稍候");
    assert_eq!(
        said.borrow()[quiet..],
        ["已呼叫工作人员，请稍候。紧急情况请拨打110".to_string()]
    );
    let beat = heartbeat_where(&rt, &bench, "the call", |b| !b["help"].is_null());
    assert_eq!(beat["help"]["screen"], "out_of_service", "{beat}");
    assert!(beat["help"]["seen_at_ms"].is_null(), "{beat}");
    assert_eq!(
        beat["count"], 2,
        "sent at once, not at the next beat: {beat}"
    );
    // Pressed again: nobody is rung twice.
    assert!(
        crate::common::kiosk::labelled(&ui, "呼叫工作人员")
            .next()
            .is_none(),
        "the button is gone once pressed"
    );

    // Staff come: their screen shows the call first, and opening it answers it.
    let corner: Vec<_> = ElementHandle::find_by_accessible_label(&ui, "staff").collect();
    assert_eq!(
        corner.len(),
        1,
        "the staff corner is on the out-of-service screen"
    );
    corner[0].invoke_accessible_default_action();
    wait_for(&kiosk, "the PIN pad", screen_is(ScreenKind::StaffPin));
    for d in DEMO_STAFF_PIN.chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "确认");
    wait_for(&kiosk, "the staff screen", screen_is(ScreenKind::Staff));
    wait_for(&kiosk, "the report", |ui| {
        slint::Model::row_count(&ui.global::<Api>().get_staff().devices) > 0
    });
    let call = text_value(&ui, "device 群众呼叫工作人员");
    assert!(call.ends_with("，本机暂停服务时"), "{call}");
    let answered = heartbeat_where(&rt, &bench, "the answer", |b| {
        !b["help"]["seen_at_ms"].is_null()
    });
    assert_eq!(answered["help"]["screen"], "out_of_service");
    // In the audit log: the press, with the screen's name (no personal data).
    let called: Vec<(String, String)> = Store::open(&bench.config.data.dir)
        .unwrap()
        .connection()
        .prepare("SELECT actor, detail FROM audit WHERE event = 'staff_called'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        called,
        [("citizen".to_string(), "out_of_service".to_string())]
    );
    tap(&ui, "退出");
}
