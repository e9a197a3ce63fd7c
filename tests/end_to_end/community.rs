//! The community officer panel: the signed feed over real HTTP on loopback (fetched with ETag,
//! kept, verified; forged, older and unsigned feeds refused and reported), and on the real kiosk,
//! headless: the panel opened without a card, the contact card printed and read back from the
//! printer's bytes, QR code included.

use crate::common;

use std::sync::{Arc, Mutex};

use onetrip::catalog::signature;
use onetrip::community::{kept, Feed};
use onetrip::config::Upstream;
use onetrip::devtools::reference_upstream::{spawn_local, Faults};
use onetrip::sync::catalog::CheckOutcome;
use onetrip::sync::community::{CommunityStatus, CommunityUpdater, SIGNATURE_HEADER};
use onetrip::sync::UpstreamClient;
use onetrip::ui::{Api, ScreenKind};
use onetrip_drivers::printer::sim::Printed;
use onetrip_drivers::pty::Plugged;
use slint::{ComponentHandle, Model};

use crate::common::kiosk::{plain, printed_lines, screen_is, tap, text_value, wait_for};

const TOKEN: &str = "t0ken";

fn upstream_cfg(addr: std::net::SocketAddr) -> Upstream {
    Upstream {
        base_url: format!("http://{addr}"),
        token: TOKEN.into(),
        connect_timeout_secs: 2,
        request_timeout_secs: 5,
        tracking_url: "https://t.invalid/{number}".into(),
        heartbeat_secs: 60,
        tls: None,
    }
}

async fn publish(addr: std::net::SocketAddr, doc: &[u8], sig: &str) {
    publish_as(addr, TOKEN, doc, sig).await
}

async fn publish_as(addr: std::net::SocketAddr, token: &str, doc: &[u8], sig: &str) {
    let r = reqwest::Client::new()
        .put(format!("http://{addr}/v1/admin/community"))
        .bearer_auth(token)
        .header(SIGNATURE_HEADER, sig)
        .body(doc.to_vec())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

/// The heartbeats the reference upstream kept (its admin view).
fn heartbeats(rt: &tokio::runtime::Runtime, url: &str, token: &str) -> serde_json::Value {
    rt.block_on(async {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

fn demo_with_version(version: &str) -> Vec<u8> {
    let mut feed = Feed::parse(onetrip::community::demo_feed().as_bytes()).unwrap();
    feed.version = version.into();
    serde_json::to_vec_pretty(&feed).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_feed_installs_once_and_forged_or_older_ones_are_refused() {
    let logs = common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite"), TOKEN, Faults::default())
        .await
        .unwrap();
    let data = dir.path().join("data");
    let delivered: Arc<Mutex<Vec<String>>> = Arc::default();
    let got = delivered.clone();
    let (status, status_rx) = tokio::sync::watch::channel(CommunityStatus::default());
    let demo_key = signature::demo_signing_key();
    let updater = CommunityUpdater {
        client: UpstreamClient::new(&upstream_cfg(addr)).unwrap(),
        data_dir: data.clone(),
        key: Some(demo_key.verifying_key()),
        status,
        deliver: Arc::new(move |f| got.lock().unwrap().push(f.version.clone())),
        not_taken: Default::default(),
    };

    // The demo village, signed by the authority: kept, delivered, then not fetched again.
    assert_eq!(
        updater.check().await,
        CheckOutcome::Installed("2026.12.01".into())
    );
    assert_eq!(updater.check().await, CheckOutcome::NotModified);
    assert_eq!(*delivered.lock().unwrap(), ["2026.12.01"]);
    let kept = kept::load(&data, Some(&demo_key.verifying_key()))
        .unwrap()
        .unwrap();
    assert_eq!(kept.people[0].phone, "0371-5550-0123");

    // A newer feed with a forged phone number, signed by someone else: refused, reported.
    let mut forged = Feed::parse(&demo_with_version("2026.12.02")).unwrap();
    forged.people[0].phone = "0371-9999-0000".into();
    let forged = serde_json::to_vec(&forged).unwrap();
    let (other, _) = signature::generate().unwrap();
    let other = signature::signing_key(&other).unwrap();
    publish(addr, &forged, &signature::sign(&forged, &other)).await;
    assert!(matches!(updater.check().await, CheckOutcome::Refused(r) if r.contains("signature")));
    assert!(status_rx
        .borrow()
        .last_rejection
        .as_deref()
        .is_some_and(|r| r.contains("signature")));
    // The refused bytes are not downloaded and verified again on the next check: a 304 by their
    // ETag (a city's terminals would otherwise fetch a refused feed every check).
    assert_eq!(updater.check().await, CheckOutcome::NotModified);
    // Unsigned, and an older one properly signed (a replay): refused too.
    publish(addr, &forged, "").await;
    assert!(matches!(updater.check().await, CheckOutcome::Refused(_)));
    let older = demo_with_version("2026.11.01");
    publish(addr, &older, &signature::sign(&older, &demo_key)).await;
    assert!(matches!(updater.check().await, CheckOutcome::Refused(r) if r.contains("not newer")));
    // The feed in force never changed.
    assert_eq!(*delivered.lock().unwrap(), ["2026.12.01"]);
    let kept = kept::load(&data, Some(&demo_key.verifying_key()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.version.as_str(), kept.people[0].phone.as_str()),
        ("2026.12.01", "0371-5550-0123")
    );

    // A newer one published with a wrong signature: refused, and remembered; the same bytes then
    // signed by the authority are another document (a new ETag), fetched and installed.
    let newer = demo_with_version("2026.12.15");
    publish(addr, &newer, &signature::sign(&newer, &other)).await;
    assert!(matches!(updater.check().await, CheckOutcome::Refused(r) if r.contains("signature")));
    assert_eq!(updater.check().await, CheckOutcome::NotModified);
    publish(addr, &newer, &signature::sign(&newer, &demo_key)).await;
    assert_eq!(
        updater.check().await,
        CheckOutcome::Installed("2026.12.15".into())
    );
    assert_eq!(status_rx.borrow().version.as_deref(), Some("2026.12.15"));
    assert_eq!(status_rx.borrow().last_rejection, None);
    drop(logs);
}

#[test]
fn the_panel_shows_the_officer_and_prints_a_contact_card_without_a_card() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch_with(
        bench.config.clone(),
        &rt,
        (1920, 1080),
        std::rc::Rc::new(std::time::Instant::now),
        |o| o.heartbeat = std::time::Duration::from_millis(300),
    );
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The idle screen shows the area's notices one at a time, once the feed is in.
    wait_for(&kiosk, "a notice on the idle screen", |ui| {
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(ui, "rotating notice").any(
            |e| {
                e.accessible_value()
                    .is_some_and(|v| plain(&v).contains("警情通报"))
            },
        )
    });
    tap(&ui, "我的社区民警");
    wait_for(&kiosk, "the panel", screen_is(ScreenKind::Community));
    // The feed comes from the local upstream at start (it may land after the tap).
    wait_for(&kiosk, "the village's people", |ui| {
        ui.global::<Api>().get_community().people.row_count() == 2
    });
    let panel = ui.global::<Api>().get_community();
    assert_eq!(plain(&panel.area), "示例村（演示数据）");
    assert_eq!(text_value(&ui, "officer name"), "李示警");
    assert_eq!(text_value(&ui, "officer phone"), "0371-5550-0123");
    let aux = panel.people.row_data(1).unwrap();
    assert_eq!(
        (plain(&aux.role).as_str(), aux.badge.as_str()),
        ("辅警（非人民警察）", "")
    );
    assert_eq!(panel.duty_phone, "0371-5550-0110");
    // The officer's face from the feed; the auxiliary has none there, and gets the pictogram.
    let photos: Vec<String> =
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&ui, "officer photo")
            .filter_map(|e| e.accessible_value())
            .map(|v| v.to_string())
            .collect();
    assert_eq!(photos, ["李示警"]);
    // The label's own text is labelled too: the number is the one with a value.
    let emergency: Vec<String> = crate::common::kiosk::labelled(&ui, "紧急报警")
        .filter_map(|e| e.accessible_value())
        .map(|v| v.to_string())
        .collect();
    assert_eq!(emergency, ["110"]);

    // The area's notices, read in full from the top bar, and back.
    tap(&ui, "通报（2）");
    wait_for(&kiosk, "the notices", screen_is(ScreenKind::Notices));
    assert!(text_value(&ui, "notice title").contains("警情通报"));
    tap(&ui, "下一位");
    wait_for(&kiosk, "the fraud alert", |ui| {
        text_value(ui, "notice").contains("96110")
    });
    tap(&ui, "返回");
    wait_for(&kiosk, "the panel again", screen_is(ScreenKind::Community));

    let before = bench.printer.printed().len();
    tap(&ui, "打印警民联系卡");
    wait_for(&kiosk, "the card printed", |ui| {
        plain(&ui.global::<Api>().get_community().note).contains("已打印")
    });
    let lines = printed_lines(&bench, before);
    for expected in [
        "警民联系卡",
        "李示警  社区民警",
        "警号 000001",
        "0371-5550-0123",
        "王示例  辅警（非人民警察）",
        "0371-5550-0110",
        "紧急报警：110",
        "投诉民警：12389",
        "反诈专线：96110",
        "信息更新于：2026-12-01",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected:?} not on the card: {lines:?}"
        );
    }
    assert!(
        lines.iter().any(|l| l.starts_with("打印时间：")),
        "{lines:?}"
    );
    let qr: Vec<String> = bench.printer.printed()[before..]
        .iter()
        .filter_map(|p| match p {
            Printed::Qr(data) => Some(data.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(qr, ["tel:037155500123"]);
    // Nothing of a citizen: no card was read.
    assert!(!lines
        .iter()
        .any(|l| l.contains("申请人") || l.contains("证件号码")));

    // A call-back booked from the panel: the card, a reason, a time from upstream; the receipt
    // names the number that will call and the code the officer says first, and upstream gets
    // the same code with the request.
    tap(&ui, "我要找民警");
    wait_for(&kiosk, "the requests", screen_is(ScreenKind::Items));
    tap(&ui, "请民警回电或上门");
    wait_for(&kiosk, "its page", screen_is(ScreenKind::ItemDetail));
    bench.reader.tap(0);
    wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
    tap(&ui, "办证咨询");
    wait_for(&kiosk, "call or visit", |ui| {
        plain(&ui.global::<Api>().get_form().label) == "回电还是上门？"
    });
    tap(&ui, "给我回电话");
    wait_for(&kiosk, "the phone", |ui| {
        ui.global::<Api>().get_form().kind == "phone"
    });
    for d in "13912345678".chars() {
        tap(&ui, &d.to_string());
    }
    tap(&ui, "下一步");
    wait_for(&kiosk, "times", |ui| {
        ui.global::<Api>().get_slots_state() == onetrip::ui::QueryState::Found
    });
    let first = ui.global::<Api>().get_slots().row_data(0).unwrap();
    tap(&ui, first.name.as_str());
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    let before = bench.printer.printed().len();
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    let number = ui.global::<Api>().get_submission_number().to_string();
    let lines = printed_lines(&bench, before);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("民警将用 0371-5550-0123（社区民警 李示警）")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("民警不会要求您转账、下载软件")),
        "{lines:?}"
    );
    let printed_code = lines
        .iter()
        .find_map(|l| l.split("核验码 ").nth(1))
        .map(|rest| rest.chars().take(4).collect::<String>())
        .expect("a verification code on the receipt");
    assert!(
        printed_code.chars().all(|c| c.is_ascii_digit()),
        "{printed_code}"
    );
    let body = received_body(&bench, &number);
    assert_eq!(body["kind"], "visit_request");
    assert_eq!(body["verification_code"], printed_code.as_str());
    assert_eq!(body["answers"]["way"], "call");
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(std::time::Duration::from_millis(400));

    // On the same timeline as a case: the request's number and the card show what happens next.
    let (steps, _) = timeline_by_card(&ui, &kiosk, &bench, &number);
    assert!(
        steps
            .iter()
            .any(|s| s.contains("已派社区民警，将按约定时间回电或上门")),
        "{steps:?}"
    );

    // The fleet sees which feed is in force, and how old it is; the terminal is in service.
    let url = format!("http://{}/v1/admin/heartbeats", bench.upstream);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let beat = loop {
        let beats = heartbeats(&rt, &url, &bench.config.upstream.token);
        if let Some(b) = beats
            .as_array()
            .and_then(|a| a.first())
            .filter(|b| {
                b["community"]["version"] == "2026.12.01"
                    && b["out_of_service"]["since_ms"].is_null()
            })
            .cloned()
        {
            break b;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no heartbeat with the feed: {beats}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(beat["community"]["issued"], "2026-12-01", "{beat}");
    assert!(beat["community"]["age_days"].as_i64().is_some(), "{beat}");
    assert!(beat["community"]["last_rejection"].is_null(), "{beat}");

    // The reader's cable pulled in an empty room: the screen says where the officer is and
    // which numbers answer, not "go to the counter"; the heartbeat says since when the terminal
    // is down.
    bench.reader.unplug();
    wait_for(
        &kiosk,
        "out of service",
        screen_is(ScreenKind::OutOfService),
    );
    assert_eq!(text_value(&ui, "officer name"), "李示警");
    assert_eq!(text_value(&ui, "officer phone"), "0371-5550-0123");
    assert!(text_value(&ui, "nearest").contains("示例镇派出所服务大厅"));
    let numbers: Vec<String> = crate::common::kiosk::labelled(&ui, "紧急报警")
        .filter_map(|e| e.accessible_value())
        .map(|v| v.to_string())
        .collect();
    assert_eq!(numbers, ["110"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let beats = heartbeats(&rt, &url, &bench.config.upstream.token);
        let b = &beats[0];
        if b["out_of_service"]["since_ms"].as_i64().is_some() {
            assert!(b["out_of_service"]["for_ms"].as_i64().unwrap() >= 0, "{b}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no heartbeat while down: {beats}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bench.reader.replug().unwrap();
    wait_for(&kiosk, "back in service", screen_is(ScreenKind::Attract));
}

/// A feed whose signature does not verify (forged, or the phone numbers changed on the way): the
/// panel shows no person, only the station's duty phone (the terminal's configured one: no feed
/// was ever trusted) and 110, and the heartbeat says why.
#[test]
fn a_badly_signed_feed_shows_only_the_duty_phone_and_110() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let forged = demo_with_version("2026.12.20");
    let (other, _) = signature::generate().unwrap();
    let other = signature::signing_key(&other).unwrap();
    rt.block_on(publish_as(
        bench.upstream,
        &bench.config.upstream.token,
        &forged,
        &signature::sign(&forged, &other),
    ));
    let (ui, kiosk) = common::kiosk::launch_with(
        bench.config.clone(),
        &rt,
        (1920, 1080),
        std::rc::Rc::new(std::time::Instant::now),
        |o| o.heartbeat = std::time::Duration::from_millis(300),
    );
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The refusal is in the heartbeat once the updater has tried.
    let url = format!("http://{}/v1/admin/heartbeats", bench.upstream);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        kiosk.borrow_mut().pump();
        let beats = heartbeats(&rt, &url, &bench.config.upstream.token);
        let refused = beats[0]["community"]["last_rejection"]
            .as_str()
            .is_some_and(|r| r.contains("signature"));
        if refused {
            assert!(beats[0]["community"]["version"].is_null(), "{beats}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no refusal reported: {beats}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tap(&ui, "我的社区民警");
    wait_for(&kiosk, "the panel", screen_is(ScreenKind::Community));
    let panel = ui.global::<Api>().get_community();
    assert_eq!(panel.people.row_count(), 0);
    // The terminal's configured number: no feed was ever trusted here.
    assert_eq!(panel.duty_phone, "0371-5550-0199");
    assert!(
        text_value(&ui, "why nobody").contains("110"),
        "{}",
        text_value(&ui, "why nobody")
    );
    let before = bench.printer.printed().len();
    tap(&ui, "打印警民联系卡");
    wait_for(&kiosk, "the card printed", |ui| {
        plain(&ui.global::<Api>().get_community().note).contains("已打印")
    });
    let lines = printed_lines(&bench, before).join("\n");
    assert!(
        !lines.contains("李示警") && !lines.contains("0371-5550-0123"),
        "{lines}"
    );
    assert!(
        lines.contains("0371-5550-0199") && lines.contains("紧急报警：110"),
        "{lines}"
    );
}

/// The authority's tools: a feed checked as a terminal checks it, and signed so a terminal takes
/// it; a feed with an auxiliary shown with a 警号 is refused, and never signed.
#[test]
fn the_feed_is_checked_and_signed_with_the_catalogs_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authority.key");
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
            .args(args)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let keygen = run(&[
        "catalog".as_ref(),
        "keygen".as_ref(),
        "--key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(keygen.status.success());
    let public = String::from_utf8(keygen.stdout).unwrap();
    let feed = dir.path().join("feed.json");
    std::fs::write(&feed, onetrip::community::demo_feed()).unwrap();
    let check = run(&["community".as_ref(), "check".as_ref(), feed.as_os_str()]);
    assert!(check.status.success());
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("2026.12.01 is valid: 2 people, 2 notices"),
        "{check:?}"
    );
    let sig = dir.path().join("feed.sig");
    let sign = run(&[
        "community".as_ref(),
        "sign".as_ref(),
        feed.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
        "--out".as_ref(),
        sig.as_os_str(),
    ]);
    assert!(sign.status.success(), "{sign:?}");
    let pk = signature::public_key(public.trim()).unwrap();
    let bytes = std::fs::read(&feed).unwrap();
    let verified =
        kept::verify(&bytes, &std::fs::read_to_string(&sig).unwrap(), Some(&pk)).unwrap();
    assert_eq!(verified.people[0].name.zh, "李示警");

    let mut bad = Feed::parse(&bytes).unwrap();
    bad.people[1].badge = Some("123456".into());
    std::fs::write(&feed, serde_json::to_vec(&bad).unwrap()).unwrap();
    let refused = run(&[
        "community".as_ref(),
        "sign".as_ref(),
        feed.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
        "--out".as_ref(),
        dir.path().join("bad.sig").as_os_str(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("only a police officer carries a 警号"),
        "{refused:?}"
    );
    assert!(!dir.path().join("bad.sig").exists());
}

/// 我的社区民警 from the idle screen, once the village's feed from the local upstream is in
/// (fetched at start: it may land after the tap).
fn open_panel_with_the_feed(ui: &onetrip::ui::AppWindow, kiosk: &common::kiosk::KioskRef) {
    tap(ui, "我的社区民警");
    wait_for(kiosk, "the feed", |ui| {
        ui.global::<Api>().get_community().people.row_count() == 2
    });
}

/// The body of submission `number` as the reference upstream received it (waiting for the
/// delivery worker up to 15 s).
fn received_body(bench: &onetrip::devtools::demo::Bench, number: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let db = rusqlite::Connection::open(bench.dir.path().join("upstream.sqlite3")).unwrap();
        if let Ok(b) = db.query_row(
            "SELECT body FROM received WHERE number = ?1",
            [number],
            |r| r.get::<_, String>(0),
        ) {
            return serde_json::from_str(&b).unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{number} never arrived upstream"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `digits` stands in `text` as a number of its own (not inside a longer one: a time in ms).
fn has_number(text: &str, digits: &str) -> bool {
    text.match_indices(digits).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + digits.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// Every byte the kiosk's store holds on disk (the database, its WAL: free pages included), as
/// text a search can run over.
fn store_bytes(bench: &onetrip::devtools::demo::Bench) -> String {
    let mut all = Vec::new();
    for f in ["onetrip.sqlite3", "onetrip.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(bench.config.data.dir.join(f)) {
            all.extend(bytes);
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

/// An anonymous tip through the real UI with a citizen's card lying on the reader: the card is
/// not used, the receipt holds the tip's number and PIN and nothing of a person, the answers
/// reach the store only sealed (not in its rows, journal, free pages, log or log bundle), the
/// receiving unit opens them with its key, and the number and PIN — nobody's card — follow the
/// tip on the timeline.
#[test]
fn an_anonymous_tip_names_nobody_and_is_followed_by_number_and_pin() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    open_panel_with_the_feed(&ui, &kiosk);
    tap(&ui, "我要找民警");
    wait_for(&kiosk, "the requests", screen_is(ScreenKind::Items));
    tap(&ui, "匿名提供线索");
    wait_for(&kiosk, "its page", screen_is(ScreenKind::ItemDetail));
    // A card put down here starts nothing and goes nowhere.
    bench.reader.tap(0);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(ui.global::<Api>().get_screen(), ScreenKind::ItemDetail);
    tap(&ui, "开始办理");
    wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
    for (choice, next) in [
        ("没有", "什么线索？"),
        ("涉毒", "在哪里？"),
        ("东示例村", "什么时候？"),
        ("今天", "现在还在继续吗？"),
    ] {
        tap(&ui, choice);
        wait_for(&kiosk, next, move |ui| {
            plain(&ui.global::<Api>().get_form().label) == next
        });
    }
    tap(&ui, "还在继续");
    wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
    let before = bench.printer.printed().len();
    tap(&ui, "确认提交");
    wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
    wait_for(&kiosk, "printed", |ui| {
        ui.global::<Api>().get_outcome() == onetrip::ui::Outcome::Printed
    });
    let number = text_value(&ui, "submission-number");
    let pin = text_value(&ui, "tip pin");
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    let lines = printed_lines(&bench, before);
    assert!(
        lines.iter().any(|l| l.contains("匿名线索回执")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains(&number)), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains(&pin)), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("线索已加密，只有示例镇派出所能打开")),
        "{lines:?}"
    );
    let qr = bench.printer.printed()[before..]
        .iter()
        .any(|p| matches!(p, Printed::Qr(_)));
    assert!(!qr, "no tracking code on an anonymous tip");
    tap(&ui, "完成");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();

    // Upstream: no applicant, the answers sealed; the unit's key opens them, and the PIN's hash
    // checks the printed PIN.
    let body = received_body(&bench, &number);
    assert_eq!(
        (&body["kind"], &body["anonymous"]),
        (&"tip".into(), &true.into())
    );
    assert!(
        body.get("applicant").is_none() && body.get("answers").is_none(),
        "{body}"
    );
    let opened =
        onetrip::community::tip::open(&onetrip::community::tip::demo_secret_key(), &body["sealed"])
            .expect("the unit opens it");
    let opened: serde_json::Value = serde_json::from_slice(&opened).unwrap();
    assert_eq!(opened["answers"]["category"], "drugs");
    assert_eq!(opened["answers"]["place"], "east_village");
    assert!(onetrip::config::staff_pin::verify(
        body["pin_verifier"].as_str().unwrap(),
        &pin
    ));

    // The terminal: nothing that names the tipster or tells the tip, anywhere on its disk or in
    // its log; the journal has one step for the whole tip.
    let on_disk = store_bytes(&bench);
    // The log without each line's timestamp (its microseconds are six digits, like a PIN).
    let logs: String = common::logged()
        .lines()
        .map(|l| l.split_once(' ').map_or("", |(_, rest)| rest))
        .collect::<Vec<_>>()
        .join("\n");
    let bundle_dir = bench.dir.path().join("stick");
    onetrip::terminal::log_bundle::write_bundle(
        &bench.dir.path().join("onetrip.toml"),
        &bundle_dir,
    )
    .unwrap();
    let mut bundle = String::new();
    for f in std::fs::read_dir(&bundle_dir).unwrap() {
        bundle.push_str(&String::from_utf8_lossy(
            &std::fs::read(f.unwrap().path()).unwrap(),
        ));
    }
    for (what, text) in [("store", &on_disk), ("log", &logs), ("log bundle", &bundle)] {
        for secret in [
            "张晓明",
            "330106198503121231",
            "文三路",
            "drugs",
            "east_village",
        ] {
            assert!(!text.contains(secret), "{secret:?} in the {what}");
        }
        assert!(!has_number(text, &pin), "the PIN in the {what}");
    }
    let db = rusqlite::Connection::open(bench.config.data.dir.join("onetrip.sqlite3")).unwrap();
    let journal: Vec<String> = db
        .prepare("SELECT detail FROM audit WHERE event = 'journal' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let after_page: Vec<&String> = journal
        .iter()
        .skip_while(|d| !d.contains("ZA-SQJW-04"))
        .skip(1)
        .collect();
    assert!(
        after_page
            .iter()
            .filter(|d| d.contains("anonymous_tip"))
            .count()
            == 1
            && !after_page.iter().any(|d| d.contains("\"choose\"")),
        "{journal:#?}"
    );

    // Followed by its number and PIN, with no card: a wrong PIN finds nothing.
    for (typed_pin, found) in [("000000", false), (pin.as_str(), true)] {
        if typed_pin == pin && pin == "000000" {
            continue;
        }
        tap(&ui, "我的社区民警");
        wait_for(&kiosk, "the panel", screen_is(ScreenKind::Community));
        tap(&ui, "我要找民警");
        wait_for(&kiosk, "the requests", screen_is(ScreenKind::Items));
        tap(&ui, "查询匿名线索");
        wait_for(&kiosk, "its page", screen_is(ScreenKind::ItemDetail));
        tap(&ui, "开始办理");
        wait_for(&kiosk, "the number", screen_is(ScreenKind::Form));
        for c in number.chars() {
            tap(&ui, &c.to_string());
        }
        tap(&ui, "下一步");
        wait_for(&kiosk, "the PIN", |ui| {
            plain(&ui.global::<Api>().get_form().label).contains("查询码")
        });
        for c in typed_pin.chars() {
            tap(&ui, &c.to_string());
        }
        tap(&ui, "下一步");
        let want = if found {
            onetrip::ui::QueryState::Found
        } else {
            onetrip::ui::QueryState::NotFound
        };
        wait_for(&kiosk, "the answer", move |ui| {
            ui.global::<Api>().get_query_state() == want
        });
        if found {
            let steps: Vec<String> = ui
                .global::<Api>()
                .get_progress()
                .iter()
                .map(|p| plain(&p.text))
                .collect();
            assert!(
                steps.iter().any(|s| s.contains("匿名线索已转民警核实")),
                "{steps:?}"
            );
            assert!(!ui.global::<Api>().get_rating_offered());
        }
        tap(&ui, "结束办理");
        wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    }
}

/// A mediation request and a named tip through the real UI, each on the progress timeline by its
/// number and the card, with the promise the platform makes for its kind; upstream gets the other
/// side of a dispute as a relation only, and the tip's place by the feed's code.
#[test]
fn mediation_and_a_named_tip_are_on_the_timeline_by_number_and_card() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // The feed (the tip's places) comes from the local upstream at start.
    open_panel_with_the_feed(&ui, &kiosk);
    tap(&ui, "返回");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // One request from the card to its number: the item, its choices, a phone.
    let request = |item: &str, choices: &[&str]| -> String {
        bench.reader.tap(0);
        wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
        tap(&ui, "治安");
        wait_for(&kiosk, "categories", screen_is(ScreenKind::Categories));
        tap(&ui, "社区警务");
        wait_for(&kiosk, "items", screen_is(ScreenKind::Items));
        tap(&ui, item);
        wait_for(&kiosk, "its page", screen_is(ScreenKind::ItemDetail));
        tap(&ui, "开始办理");
        wait_for(&kiosk, "the form", screen_is(ScreenKind::Form));
        for choice in choices {
            let before = ui.global::<Api>().get_form().label;
            tap(&ui, choice);
            wait_for(&kiosk, "the next question", move |ui| {
                ui.global::<Api>().get_form().label != before
            });
        }
        assert_eq!(ui.global::<Api>().get_form().kind, "phone");
        for d in "13912345678".chars() {
            tap(&ui, &d.to_string());
        }
        tap(&ui, "下一步");
        wait_for(&kiosk, "confirm", screen_is(ScreenKind::Confirm));
        tap(&ui, "确认提交");
        wait_for(&kiosk, "done", screen_is(ScreenKind::Done));
        let number = text_value(&ui, "submission-number");
        tap(&ui, "完成");
        wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
        bench.reader.remove();
        std::thread::sleep(std::time::Duration::from_millis(400));
        number
    };
    let mediation = request("申请纠纷调解", &["邻里", "邻居", "没有", "周末"]);
    let tip = request(
        "实名提供线索",
        &["没有", "涉毒", "东示例村", "今天", "还在继续"],
    );

    let body = received_body(&bench, &mediation);
    assert_eq!(body["kind"], "mediation");
    assert_eq!(body["answers"]["other_party"], "neighbour");
    assert_eq!(body["answers"]["violence"], "no");
    let body = received_body(&bench, &tip);
    assert_eq!(body["kind"], "tip");
    assert_eq!(body["answers"]["place"], "east_village");
    assert!(body.get("anonymous").is_none(), "{body}");

    for (number, promise) in [
        (&mediation, "已转调解：一般纠纷3日内联系您"),
        (&tip, "线索已转民警核实，核实后电话反馈"),
    ] {
        let (steps, rating_offered) = timeline_by_card(&ui, &kiosk, &bench, number);
        assert!(steps.iter().any(|s| s.contains(promise)), "{steps:?}");
        // The person who asked may rate how it was handled.
        assert!(rating_offered);
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
}

/// 案件办理进度查询 with the card and `number`: the timeline's steps and whether a rating is
/// offered; back on the attract screen, the card taken away.
fn timeline_by_card(
    ui: &onetrip::ui::AppWindow,
    kiosk: &common::kiosk::KioskRef,
    bench: &onetrip::devtools::demo::Bench,
    number: &str,
) -> (Vec<String>, bool) {
    bench.reader.tap(0);
    wait_for(kiosk, "home", screen_is(ScreenKind::Home));
    tap(ui, "执法公开");
    wait_for(kiosk, "items", screen_is(ScreenKind::Items));
    tap(ui, "案件办理进度查询");
    wait_for(kiosk, "item page", screen_is(ScreenKind::ItemDetail));
    tap(ui, "开始办理");
    wait_for(kiosk, "the number", screen_is(ScreenKind::Form));
    for c in number.chars() {
        tap(ui, &c.to_string());
    }
    tap(ui, "下一步");
    wait_for(kiosk, "the timeline", |ui| {
        ui.global::<Api>().get_query_state() == onetrip::ui::QueryState::Found
    });
    let steps: Vec<String> = ui
        .global::<Api>()
        .get_progress()
        .iter()
        .map(|p| plain(&p.text))
        .collect();
    let rating_offered = ui.global::<Api>().get_rating_offered();
    tap(ui, "结束办理");
    wait_for(kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    (steps, rating_offered)
}

/// The reference platform's side of a tip's PIN: the right PIN finds the tip, a wrong one the
/// same 404 as a number that does not exist, and after `PIN_TRIES` wrong ones the number answers
/// nothing more, right PIN or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tips_number_takes_a_few_wrong_pins_then_answers_nothing() {
    use onetrip::devtools::reference_upstream::lookups::PIN_TRIES;
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite"), TOKEN, Faults::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let tip = serde_json::json!({
        "id": "9a0e", "number": "T1-000001", "terminal_id": "T1", "kind": "tip",
        "item_code": "ZA-SQJW-04", "created_at_ms": 0, "anonymous": true,
        "sealed": {"alg": "x25519-xsalsa20poly1305-sealedbox", "key_id": "k", "ciphertext": "AA=="},
        "pin_verifier": onetrip::config::staff_pin::hash("482913").unwrap(),
    });
    let r = http
        .post(format!("http://{addr}/v1/submissions"))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", "9a0e")
        .json(&tip)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let ask = |pin: &'static str| {
        let http = http.clone();
        async move {
            http.post(format!("http://{addr}/v1/cases/query"))
                .bearer_auth(TOKEN)
                .json(&serde_json::json!({
                    "item_code": "ZA-SQJW-05", "id_number": "", "case_number": "T1-000001",
                    "answers": {"case_number": "T1-000001", "pin": pin},
                }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(ask("482913").await, 200);
    for _ in 0..PIN_TRIES {
        assert_eq!(ask("000000").await, 404);
    }
    assert_eq!(
        ask("482913").await,
        404,
        "locked after {PIN_TRIES} wrong PINs"
    );
}
