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
            "dir = \"/var/lib/onetrip/store\"",
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

/// Issue 32: a gateway rejected a backlog; putting it back was one command per submission. Now
/// `outbox requeue --all-rejected` puts every rejected one back at once, audited, and says how
/// many; one whose content was purged stays rejected; with none left it says so and exits 1.
#[test]
fn a_technician_puts_back_every_rejected_submission_at_once() {
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
            "dir = \"/var/lib/onetrip/store\"",
            &format!("dir = \"{}\"", data.display()),
        ),
    )
    .unwrap();
    let numbers: Vec<String> = {
        let store = Store::open(&data).unwrap();
        let subs: Vec<_> = (0..6)
            .map(|_| {
                store
                    .insert_submission(
                        "ZZ01",
                        "application",
                        "ZA-FZJL-01",
                        &serde_json::json!({"applicant": {"name": "测试"}}),
                    )
                    .unwrap()
            })
            .collect();
        // Five rejected by a gateway; one of them already purged at the retention limit.
        let rejected: Vec<_> = subs[..5]
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    Delivery::Rejected {
                        error: "HTTP 400: a JSON answer without the platform's error field \
                                · body 1a2b3c4d"
                            .into(),
                    },
                )
            })
            .collect();
        store.record_deliveries(&rejected).unwrap();
        store
            .connection()
            .execute(
                "UPDATE submissions SET payload = NULL WHERE id = ?1",
                [&subs[4].id],
            )
            .unwrap();
        subs.iter().map(|s| s.number.clone()).collect()
    };

    let out = onetrip(&config, &["outbox", "requeue", "--all-rejected"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "4 rejected submissions back in the queue; the kiosk sends them within 30 s\n"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 rejected submissions were purged"),
        "{out:?}"
    );
    let store = Store::open(&data).unwrap();
    let states: Vec<(String, String, i64)> = store
        .connection()
        .prepare("SELECT number, state, attempts FROM submissions ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let states: Vec<(&str, &str, i64)> = states
        .iter()
        .map(|(n, s, a)| (n.as_str(), s.as_str(), *a))
        .collect();
    assert_eq!(
        states,
        [
            (numbers[0].as_str(), "pending", 0),
            (numbers[1].as_str(), "pending", 0),
            (numbers[2].as_str(), "pending", 0),
            (numbers[3].as_str(), "pending", 0),
            (numbers[4].as_str(), "rejected", 1),
            (numbers[5].as_str(), "pending", 0),
        ]
    );
    let audit: Vec<(String, String, String)> = store
        .connection()
        .prepare(
            "SELECT actor, event, detail FROM audit WHERE event LIKE 'submission%requeued%'
             ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(audit.len(), 5, "{audit:?}");
    for (i, (actor, event, detail)) in audit[..4].iter().enumerate() {
        assert_eq!(
            (actor.as_str(), event.as_str()),
            ("technician", "submission_requeued")
        );
        assert!(detail.starts_with(&numbers[i]), "{detail}");
    }
    assert_eq!(
        audit[4],
        (
            "technician".to_string(),
            "submissions_requeued_all".to_string(),
            "4 queued, 1 purged".to_string()
        )
    );

    // Nothing left to put back: said, exit 1; a number and the flag together are refused.
    let again = onetrip(&config, &["outbox", "requeue", "--all-rejected"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no rejected submission"));
    let both = onetrip(
        &config,
        &["outbox", "requeue", &numbers[4], "--all-rejected"],
    );
    assert_eq!(both.status.code(), Some(2), "{both:?}");
    let neither = onetrip(&config, &["outbox", "requeue"]);
    assert_eq!(neither.status.code(), Some(2), "{neither:?}");
}
