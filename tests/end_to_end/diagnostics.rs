//! `onetrip device …` as a technician runs it, against the simulators on pseudo-terminals.

use std::path::Path;

use onetrip_drivers::id_card::sim::{Fault, IdCardSim, SimCard};
use onetrip_drivers::printer::sim::{Printed, PrinterSim, SimPaper};

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn onetrip(args: &[&str]) -> Out {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .await
        .expect("run onetrip");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn id_card_json(port: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--json",
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    let out = onetrip(&args).await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    serde_json::from_str(out.stdout.trim()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_card_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("id-card");
    let sim = IdCardSim::start(&port, SimCard::sample_deck()).unwrap();

    sim.tap(0);
    let v = id_card_json(&port, &[]).await;
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "address",
            "birth_date",
            "card_type",
            "id_number",
            "id_number_valid",
            "issuer",
            "name",
            "nation",
            "photo_bytes",
            "sex",
            "valid_from",
            "valid_until"
        ]
    );
    assert_eq!(v["card_type"], "resident");
    assert_eq!(v["name"], "张*明");
    assert_eq!(v["id_number"], "330106********1231");
    assert_eq!(v["birth_date"], "1985-**-**");
    assert_eq!(v["sex"], "male");
    assert_eq!(v["nation"], "汉");
    assert_eq!(v["id_number_valid"], true);
    assert_eq!(v["valid_until"], "2035-06-01");
    assert_eq!(v["photo_bytes"], 1024);

    let v = id_card_json(&port, &["--reveal"]).await;
    assert_eq!(v["name"], "张晓明");
    assert_eq!(v["id_number"], "330106198503121231");
    assert_eq!(v["birth_date"], "1985-03-12");
    assert_eq!(v["address"], "浙江省杭州市西湖区文三路100号");

    sim.tap(1);
    let v = id_card_json(&port, &[]).await;
    assert_eq!(v["valid_until"], "long_term");
    assert_eq!(v["nation"], "维吾尔");
    assert_eq!(v["sex"], "female");
    sim.tap(2);
    assert_eq!(id_card_json(&port, &[]).await["card_type"], "hmt_residence");
    sim.tap(4);
    let v = id_card_json(&port, &[]).await;
    assert_eq!(v["card_type"], "foreign_permanent");
    assert_eq!(v["nation"], serde_json::Value::Null);
    sim.tap(5);
    assert_eq!(
        id_card_json(&port, &[]).await["card_type"],
        "foreign_permanent"
    );

    // Plain text output, masked by default.
    sim.tap(0);
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--timeout",
        "5",
    ])
    .await;
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout.contains("张*明") && !out.stdout.contains("张晓明"),
        "{}",
        out.stdout
    );

    // No card: exit 3.
    sim.remove();
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--timeout",
        "1",
    ])
    .await;
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(out.stderr.contains("no card"), "{}", out.stderr);

    // A card that fails to read: exit 4 with the SW3 code and meaning.
    sim.tap(0);
    sim.set_fault(Some(Fault::ReadStatus(0x41)));
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--timeout",
        "2",
    ])
    .await;
    assert_eq!(out.code, Some(4));
    assert!(
        out.stderr.contains("SW3 41") && out.stderr.contains("read card failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(port.to_str().unwrap()),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.trim().lines().count(),
        1,
        "one line: {}",
        out.stderr
    );

    // SAM status.
    sim.set_fault(None);
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--sam",
    ])
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with("SAM ok"), "{}", out.stdout);
    sim.set_fault(Some(Fault::SamFailure));
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        port.to_str().unwrap(),
        "--sam",
    ])
    .await;
    assert_eq!(out.code, Some(4));
    assert!(
        out.stderr.contains("SW3 60 (SAM self-test failed)"),
        "{}",
        out.stderr
    );

    // No such port.
    let out = onetrip(&[
        "device",
        "id-card",
        "--port",
        "/dev/onetrip-none",
        "--timeout",
        "1",
    ])
    .await;
    assert_eq!(out.code, Some(4));
    assert!(out.stderr.contains("/dev/onetrip-none"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printer_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("printer");
    let sim = PrinterSim::start(&port).unwrap();
    let p = port.to_str().unwrap();

    for (paper, state, level, cover) in [
        (SimPaper::Full, "online", "full", false),
        (SimPaper::Low, "online", "low", false),
        (SimPaper::Out, "online", "out", false),
        (SimPaper::CoverOpen, "online", "full", true),
        (SimPaper::Offline, "offline", "full", false),
    ] {
        sim.set_paper(paper);
        let out = onetrip(&["device", "printer", "--port", p, "--status", "--json"]).await;
        assert_eq!(out.code, Some(0), "{paper:?}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"state": state, "paper": level, "cover_open": cover}),
            "{paper:?}"
        );
    }

    sim.set_paper(SimPaper::NoAnswer);
    let out = onetrip(&["device", "printer", "--port", p, "--status"]).await;
    assert_eq!(out.code, Some(4));
    assert!(out.stderr.contains("does not answer"), "{}", out.stderr);

    sim.set_paper(SimPaper::Full);
    let out = onetrip(&["device", "printer", "--port", p, "--test-page"]).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let printed = sim.take_printed();
    assert!(printed
        .iter()
        .any(|x| matches!(x, Printed::Line { text, .. } if text == "打印机测试页")));
    assert!(printed.contains(&Printed::Qr("ONETRIP-PRINTER-TEST".into())));
    assert_eq!(printed.last(), Some(&Printed::Cut { partial: false }));

    sim.set_paper(SimPaper::Out);
    let out = onetrip(&["device", "printer", "--port", p, "--test-page"]).await;
    assert_eq!(out.code, Some(4));
    assert!(out.stderr.contains("paper out"), "{}", out.stderr);
    assert!(sim.printed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanner_diagnostics() {
    use onetrip_drivers::scanner::sim::{frame, ScannerSim};
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("scanner");
    let sim = ScannerSim::start(&port, true).unwrap();
    let p = port.to_str().unwrap().to_string();

    sim.present(frame("公安".as_bytes(), Some("]Q1"), b"\r\n"));
    let out = onetrip(&[
        "device",
        "scanner",
        "--port",
        &p,
        "--trigger",
        "--json",
        "--timeout",
        "5",
    ])
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"symbology": "qr", "text": "公安", "hex": "E585ACE5AE89"})
    );
    assert_eq!(sim.triggers().first(), Some(&true));

    // Nothing presented: exit 3.
    let out = onetrip(&[
        "device",
        "scanner",
        "--port",
        &p,
        "--trigger",
        "--timeout",
        "1",
    ])
    .await;
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    let out = onetrip(&[
        "device",
        "scanner",
        "--port",
        "/dev/onetrip-none",
        "--timeout",
        "1",
    ])
    .await;
    assert_eq!(out.code, Some(4), "{}", out.stderr);
}

/// `onetrip logs --out DIR` on a terminal that has served citizens: the bundle says what a
/// technician needs (versions, queue, audit, configuration) and holds no personal field and no
/// secret.
#[tokio::test]
async fn log_bundle_has_no_personal_data_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let token = "tok-7f3a9c1e55d2";
    let config = example
        .replace(
            "dir = \"/var/lib/onetrip/store\"",
            &format!("dir = \"{}\"", data.display()),
        )
        .replace("replace-with-the-provisioned-token", token)
        .replace(
            "# pin_hash = \"$argon2id$…\"",
            &format!(
                "pin_hash = \"{}\"",
                onetrip::config::staff_pin::hash("480917").unwrap()
            ),
        );
    let config_path = dir.path().join("onetrip.toml");
    std::fs::write(&config_path, &config).unwrap();
    {
        let store = onetrip::store::Store::open(&data).unwrap();
        let payload = serde_json::json!({"applicant": {
            "name": "张晓明", "id_number": "330106198503121231",
            "address": "浙江省杭州市西湖区文三路100号"},
            "answers": {"phone": "13812345678"}});
        store
            .insert_submission("HZXH-0001", "application", "ZA-WFZ-01", &payload)
            .unwrap();
        store.audit("citizen", "item_started", "ZA-WFZ-01").unwrap();
        store
            .audit("citizen", "journal", "1200 form key digit")
            .unwrap();
    }
    let out_dir = dir.path().join("stick");
    let out = onetrip(&[
        "--config",
        config_path.to_str().unwrap(),
        "logs",
        "--out",
        out_dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();
    assert!(read("store.txt").contains("queue pending 1 rejected 0 accepted 0"));
    assert!(read("audit.tsv").contains("item_started\tZA-WFZ-01"));
    assert!(read("versions.txt").starts_with("binary "));
    assert!(read("config.toml").contains("HZXH-0001"));
    for file in std::fs::read_dir(&out_dir).unwrap() {
        let path = file.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_string();
        for secret_or_personal in [
            "张晓明",
            "330106198503121231",
            "文三路",
            "13812345678",
            token,
            "480917",
        ] {
            assert!(
                !text.contains(secret_or_personal),
                "{secret_or_personal} in {path:?}"
            );
        }
    }
}
