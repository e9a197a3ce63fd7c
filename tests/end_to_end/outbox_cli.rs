//! `onetrip outbox`: what a technician sees of the queue, and sending a rejected submission again.

use std::process::Command;

use onetrip::store::{Delivery, Store};

fn onetrip(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("run onetrip")
}

#[test]
fn a_technician_lists_and_requeues_a_rejected_submission() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let config = dir.path().join("onetrip.toml");
    std::fs::write(
        &config,
        example.replace(
            "dir = \"/var/lib/onetrip\"",
            &format!("dir = \"{}\"", data.display()),
        ),
    )
    .unwrap();
    let number = {
        let store = Store::open(&data).unwrap();
        let s = store
            .insert_submission(
                "ZZ01",
                "application",
                "ZA-FZJL-01",
                &serde_json::json!({"applicant": {"name": "测试"}}),
            )
            .unwrap();
        store
            .record_deliveries(&[(
                s.id,
                Delivery::Rejected {
                    error: "HTTP 422: item not offered at this hall".into(),
                },
            )])
            .unwrap();
        s.number
    };

    let out = onetrip(&config, &["outbox", "status"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pending 0 · rejected 1 · accepted 0"),
        "{text}"
    );
    assert!(
        text.contains(&format!("rejected  {number}  ZA-FZJL-01  HTTP 422")),
        "{text}"
    );
    assert!(!text.contains("测试"), "no personal data: {text}");

    let out = onetrip(&config, &["outbox", "requeue", &number]);
    assert!(out.status.success(), "{out:?}");
    let (state, attempts): (String, i64) = Store::open(&data)
        .unwrap()
        .connection()
        .query_row(
            "SELECT state, attempts FROM submissions WHERE number = ?1",
            [&number],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("pending", 0));
    let actor: String = Store::open(&data)
        .unwrap()
        .connection()
        .query_row(
            "SELECT actor FROM audit WHERE event = 'submission_requeued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(actor, "technician");

    // Twice is a no-op that says so; an unknown number too.
    let again = onetrip(&config, &["outbox", "requeue", &number]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not rejected"));
    let unknown = onetrip(&config, &["outbox", "requeue", "ZZ01-999999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such submission"));
}
