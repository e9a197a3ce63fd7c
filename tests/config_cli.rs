//! The binary's configuration handling, as a technician meets it.

use std::process::Command;

fn onetrip(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("run onetrip")
}

#[test]
fn broken_config_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        example.replace("paper_width_mm = 80", "paper_width_mm = \"wide\""),
    )
    .unwrap();
    let out = onetrip(&["--config", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("devices.printer.paper_width_mm"), "{err}");
    assert!(err.contains("\"wide\""), "{err}");
}

#[test]
fn missing_config_says_where_it_looked_and_what_to_do() {
    let out = onetrip(&["--config", "/nonexistent/onetrip.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/onetrip.toml"), "{err}");
    assert!(err.contains("onetrip.example.toml"), "{err}");
    assert!(err.contains("onetrip demo"), "{err}");
}

#[test]
fn the_example_config_checks_ok() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/onetrip.example.toml");
    let out = onetrip(&["--config", path, "check-config"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
