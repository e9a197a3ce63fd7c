//! Driving the real kiosk window headlessly: find by accessible label, tap, wait for a screen.
#![allow(dead_code)]

use std::rc::Rc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use onetrip::devtools::demo::Bench;
use onetrip::shell;
pub use onetrip::ui::words::plain;
use onetrip::ui::{Api, AppWindow, ScreenKind};
use onetrip_drivers::printer::sim::Printed;
use slint::platform::PointerEventButton;
use slint::ComponentHandle;

/// The button whose label reads `label` (joiners aside), on the screen as it is (no paging).
pub fn find_button(ui: &AppWindow, label: &str) -> Option<ElementHandle> {
    ElementQuery::from_root(ui)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .match_predicate({
            let label = plain(label);
            // The window's words are joined against line breaks (ui/words.rs); a citizen reads
            // them as written.
            move |e| e.accessible_label().is_some_and(|l| plain(&l) == label)
        })
        .find_first()
}

/// Every element whose accessible label reads `label`: as written, or with its Chinese words
/// joined as the window shows them (ui/words.rs).
pub fn labelled(ui: &AppWindow, label: &str) -> std::vec::IntoIter<ElementHandle> {
    let joined = onetrip::ui::words::keep_whole(label);
    let as_joined: Vec<ElementHandle> = if joined == label {
        Vec::new()
    } else {
        ElementHandle::find_by_accessible_label(ui, &joined).collect()
    };
    ElementHandle::find_by_accessible_label(ui, label)
        .chain(as_joined)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The button labelled `label`; a tile on a later page of a list is paged to first, as a citizen
/// would (下一页 / Next page).
pub fn button(ui: &AppWindow, label: &str) -> ElementHandle {
    for _ in 0..10 {
        if let Some(found) = find_button(ui, label) {
            return found;
        }
        let next = find_button(ui, "下一页").or_else(|| find_button(ui, "Next page"));
        match next {
            Some(next) if next.accessible_enabled() == Some(true) => {
                next.invoke_accessible_default_action()
            }
            _ => break,
        }
    }
    panic!(
        "no button labelled {label:?} on screen {:?}",
        ui.global::<Api>().get_screen()
    )
}

pub fn tap(ui: &AppWindow, label: &str) {
    button(ui, label).mock_single_click(PointerEventButton::Left);
}

pub fn text_value(ui: &AppWindow, label: &str) -> String {
    let found: Vec<_> = labelled(ui, label).collect();
    assert!(!found.is_empty(), "nothing labelled {label:?}");
    plain(&found[0].accessible_value().unwrap_or_default())
}

/// Pumps the kiosk until `cond` holds, or fails after 20 s naming what it waited for.
pub fn wait_for(
    kiosk: &Rc<std::cell::RefCell<shell::Kiosk>>,
    what: &str,
    mut cond: impl FnMut(&AppWindow) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        kiosk.borrow_mut().pump();
        let ui = kiosk.borrow().ui().clone_strong();
        if cond(&ui) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; screen is {:?}",
            ui.global::<Api>().get_screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// From the home screen to an item's page, as a citizen taps: police type, category, item.
pub fn open_item(
    ui: &AppWindow,
    kiosk: &Rc<std::cell::RefCell<shell::Kiosk>>,
    police_type: &str,
    category: &str,
    item: &str,
) {
    tap(ui, police_type);
    wait_for(kiosk, "categories", screen_is(ScreenKind::Categories));
    tap(ui, category);
    wait_for(kiosk, "items", screen_is(ScreenKind::Items));
    tap(ui, item);
    wait_for(kiosk, "item page", screen_is(ScreenKind::ItemDetail));
}

pub fn screen_is(s: ScreenKind) -> impl FnMut(&AppWindow) -> bool {
    move |ui| ui.global::<Api>().get_screen() == s
}

/// [`super::boot`] for a test of the kiosk window: Slint's headless platform as well. Then, as
/// there, `let _guard = rt.enter();` and `launch(bench.config.clone(), &rt, size)`.
pub fn boot() -> (tokio::runtime::Runtime, Bench) {
    i_slint_backend_testing::init_no_event_loop();
    super::boot()
}

/// A tokio runtime for a kiosk test: two workers, like the terminal.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub type KioskRef = Rc<std::cell::RefCell<shell::Kiosk>>;

/// The real kiosk on `config`, headless, at `size`, with fast device polling; `tweak` adjusts the
/// runtime options (a moved clock goes in `clock`).
pub fn launch_with(
    config: onetrip::config::Config,
    rt: &tokio::runtime::Runtime,
    size: (u32, u32),
    clock: shell::kiosk::Clock,
    tweak: impl FnOnce(&mut shell::RuntimeOptions),
) -> (AppWindow, KioskRef) {
    let mut options = shell::RuntimeOptions::new(config);
    options.reader_poll = Duration::from_millis(100);
    options.printer_status_interval = Duration::from_millis(200);
    tweak(&mut options);
    let launched = shell::launch(options, rt.handle(), clock, false).unwrap();
    let ui = launched.ui.clone_strong();
    ui.window()
        .set_size(slint::PhysicalSize::new(size.0, size.1));
    ui.show().unwrap();
    (ui, launched.kiosk.clone())
}

/// As `launch_with`, on the wall clock and default options.
pub fn launch(
    config: onetrip::config::Config,
    rt: &tokio::runtime::Runtime,
    size: (u32, u32),
) -> (AppWindow, KioskRef) {
    launch_with(config, rt, size, Rc::new(Instant::now), |_| {})
}

/// The text lines the printer simulator printed since `from` (an index into its log).
pub fn printed_lines(bench: &Bench, from: usize) -> Vec<String> {
    bench.printer.printed()[from..]
        .iter()
        .filter_map(|p| match p {
            Printed::Line { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The reference upstream's newest heartbeat once `pick` finds what is waited for in it (its
/// admin listing, polled for up to 20 s).
pub fn heartbeat_where(
    rt: &tokio::runtime::Runtime,
    bench: &Bench,
    what: &str,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    heartbeat_within(rt.handle(), bench, what, Duration::from_secs(20), pick)
}

/// As [`heartbeat_where`], polled for up to `within` (a terminal under QEMU is slower).
pub fn heartbeat_within(
    rt: &tokio::runtime::Handle,
    bench: &Bench,
    what: &str,
    within: Duration,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let url = format!("http://{}/v1/admin/heartbeats", bench.upstream);
    let deadline = Instant::now() + within;
    loop {
        let beats: serde_json::Value = rt.block_on(async {
            reqwest::Client::new()
                .get(&url)
                .bearer_auth(&bench.config.upstream.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        if let Some(b) = beats.as_array().and_then(|a| a.first()).filter(|b| pick(b)) {
            return b.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no heartbeat with {what}: {beats}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A case the station filed upstream (XZ-AJ) for the resident sample card, as the police
/// platform would hold it: what the case-progress query then finds.
pub fn file_case(rt: &tokio::runtime::Runtime, bench: &Bench, case: &str) {
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("http://{}/v1/submissions", bench.upstream))
            .bearer_auth(&bench.config.upstream.token)
            .header("Idempotency-Key", format!("station-{case}"))
            .json(&serde_json::json!({
                "number": case, "item_code": "XZ-AJ", "terminal_id": "STATION",
                "applicant": {"id_number": "330106198503121231"}
            }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "filing {case}: {}", r.status());
    });
}

/// The body of the first submission for `item_code` the reference upstream received, once it
/// has (waited for up to 15 s: delivery is the outbox's, after the receipt).
pub fn delivered(bench: &Bench, item_code: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let db = rusqlite::Connection::open(bench.dir.path().join("upstream.sqlite3")).unwrap();
        if let Ok(b) = db.query_row(
            "SELECT body FROM received WHERE item_code = ?1 ORDER BY rowid LIMIT 1",
            [item_code],
            |r| r.get::<_, String>(0),
        ) {
            return serde_json::from_str(&b).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{item_code} never arrived upstream"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A card laid on the reader (the simulator's deck, by index), and the home screen it opens.
pub fn card_to_home(bench: &Bench, kiosk: &KioskRef, index: usize) {
    bench.reader.tap(index);
    wait_for(kiosk, "home", screen_is(ScreenKind::Home));
}

/// `button` (结束办理, 完成) back to the attract screen, and the card taken away.
pub fn leave(ui: &AppWindow, kiosk: &KioskRef, bench: &Bench, button: &str) {
    tap(ui, button);
    wait_for(kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(300));
}
