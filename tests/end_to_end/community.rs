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
use onetrip_drivers::printer::sim::{Printed, SimPaper};
use slint::{ComponentHandle, Model};

use crate::common::kiosk::{printed_lines, screen_is, tap, text_value, wait_for};

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
    let r = reqwest::Client::new()
        .put(format!("http://{addr}/v1/admin/community"))
        .bearer_auth(TOKEN)
        .header(SIGNATURE_HEADER, sig)
        .body(doc.to_vec())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
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

    // A newer one the authority signed: installed.
    let newer = demo_with_version("2026.12.15");
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
    tap(&ui, "我的社区民警");
    wait_for(&kiosk, "the panel", screen_is(ScreenKind::Community));
    // The feed comes from the local upstream at start (it may land after the tap).
    wait_for(&kiosk, "the village's people", |ui| {
        ui.global::<Api>().get_community().people.row_count() == 2
    });
    let panel = ui.global::<Api>().get_community();
    assert_eq!(panel.area, "示例村（演示数据）");
    assert_eq!(text_value(&ui, "officer name"), "李示警");
    assert_eq!(text_value(&ui, "officer phone"), "0371-5550-0123");
    let aux = panel.people.row_data(1).unwrap();
    assert_eq!(
        (aux.role.as_str(), aux.badge.as_str()),
        ("辅警（非人民警察）", "")
    );
    assert_eq!(panel.duty_phone, "0371-5550-0110");
    // The label's own text is labelled too: the number is the one with a value.
    let emergency: Vec<String> =
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&ui, "紧急报警")
            .filter_map(|e| e.accessible_value())
            .map(|v| v.to_string())
            .collect();
    assert_eq!(emergency, ["110"]);

    let before = bench.printer.printed().len();
    tap(&ui, "打印警民联系卡");
    wait_for(&kiosk, "the card printed", |ui| {
        ui.global::<Api>()
            .get_community()
            .note
            .contains("联系卡已打印")
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

    tap(&ui, "返回");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));

    // The fleet sees which feed is in force, and how old it is; the terminal is in service.
    let url = format!("http://{}/v1/admin/heartbeats", bench.upstream);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let beat = loop {
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

    // Out of paper in an empty room: the screen says where the officer is and which numbers
    // answer, not "go to the counter"; the heartbeat says since when the terminal is down.
    bench.printer.set_paper(SimPaper::Out);
    wait_for(
        &kiosk,
        "out of service",
        screen_is(ScreenKind::OutOfService),
    );
    assert_eq!(text_value(&ui, "officer name"), "李示警");
    assert_eq!(text_value(&ui, "officer phone"), "0371-5550-0123");
    assert!(text_value(&ui, "nearest").contains("示例镇派出所服务大厅"));
    let numbers: Vec<String> =
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&ui, "紧急报警")
            .filter_map(|e| e.accessible_value())
            .map(|v| v.to_string())
            .collect();
    assert_eq!(numbers, ["110"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
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
    bench.printer.set_paper(SimPaper::Full);
    wait_for(&kiosk, "back in service", screen_is(ScreenKind::Attract));
}
