//! `onetrip burn-in` reports, from the journal, what each completion mode cost: the median taps
//! and seconds from the card to the receipt.

use std::process::Command;

#[test]
fn burn_in_prints_the_median_taps_and_seconds_of_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    // Ten sessions: the six sample cards and five modes in turn, so every mode meets a card
    // that may use it (the appointment item is for resident cards only).
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["burn-in", "--sessions", "10", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("sessions 10 · "), "{text}");
    let mut counted = 0;
    for mode in ["complete", "submit", "appointment", "query", "guide"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{mode} ")))
            .unwrap_or_else(|| panic!("no line for {mode} in {text}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        // "<mode> <n> sessions · median <taps> taps · <s> s from card to receipt"
        let sessions: usize = words[1].parse().unwrap();
        let taps: f64 = words[5].parse().unwrap();
        let seconds: f64 = words[8].parse().unwrap();
        assert_eq!(
            &words[9..],
            ["s", "from", "card", "to", "receipt"],
            "{line}"
        );
        counted += sessions;
        // A guide is the item and 打印指南; anything else has a form or a confirmation.
        if mode == "guide" {
            assert_eq!(taps, 2.0, "{line}");
        } else {
            assert!(taps >= 3.0, "{line}");
        }
        assert!((0.0..60.0).contains(&seconds), "{line}");
    }
    assert_eq!(counted, 10, "every session is counted once:\n{text}");
}
