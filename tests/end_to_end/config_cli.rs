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

/// A secret never reaches the terminal's output or journal through a configuration error: not
/// with the wrong type, not on a line the TOML parser cannot read.
#[test]
fn configuration_errors_never_echo_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let token_line = "token = \"replace-with-the-provisioned-token\"";
    assert!(example.contains(token_line));
    for (name, line, secret) in [
        ("wrong type", "token = 98765432109876", "98765432109876"),
        ("syntax", "token = \"s3cr3t-T0KEN-value", "s3cr3t-T0KEN"),
        ("syntax, bare", "token = s3cr3t-T0KEN-bare", "s3cr3t-T0KEN"),
    ] {
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, example.replace(token_line, line)).unwrap();
        let out = onetrip(&["--config", broken.to_str().unwrap(), "check-config"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains(secret), "{name}: the secret is echoed: {err}");
        assert!(err.contains("token"), "{name}: the key is named: {err}");
    }
    // The PIN too, of the wrong type and in clear.
    let broken = dir.path().join("pin.toml");
    std::fs::write(
        &broken,
        example.replace("[staff]", "[staff]\npin_hash = 24681357"),
    )
    .unwrap();
    let out = onetrip(&["--config", broken.to_str().unwrap(), "check-config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("24681357"), "the PIN is echoed: {err}");
    std::fs::write(
        &broken,
        example.replace("[staff]", "[staff]\npin = \"24681357\""),
    )
    .unwrap();
    let out = onetrip(&["--config", broken.to_str().unwrap(), "check-config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("24681357"), "the PIN is echoed: {err}");
}

/// `onetrip staff set-pin`: a plain PIN is refused with the way out; set-pin writes only a hash,
/// keeps the file private and valid, and changes nothing when the two entries differ.
#[test]
fn set_pin_replaces_a_plain_pin_with_its_hash() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let path = dir.path().join("onetrip.toml");
    std::fs::write(
        &path,
        example.replace("# pin_hash = \"$argon2id$…\"", "pin = \"2580\""),
    )
    .unwrap();
    let out = onetrip(&["--config", path.to_str().unwrap(), "check-config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("staff set-pin"), "{err}");

    let set_pin = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onetrip"))
            .args(["--config", path.to_str().unwrap(), "staff", "set-pin"])
            .env("RUST_LOG", "off")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let before = std::fs::read_to_string(&path).unwrap();
    for wrong in ["24681357\n24681358\n", "12\n12\n"] {
        let out = set_pin(wrong);
        assert_eq!(out.status.code(), Some(2), "{wrong:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "{wrong:?}");
    }
    let out = set_pin("24681357\n24681357\n");
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("24681357") && !text.contains("pin = "),
        "{text}"
    );
    let hash = text
        .lines()
        .find_map(|l| l.strip_prefix("pin_hash = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("a pin_hash line");
    assert!(onetrip::config::staff_pin::verify(hash, "24681357"));
    assert!(text.contains("[ui]"), "the rest of the file is kept");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = onetrip(&["--config", path.to_str().unwrap(), "check-config"]);
    assert!(out.status.success(), "{out:?}");
}

/// `http://127.0.0.1:1@upstream.example.invalid` looks like loopback to a reader who splits the
/// text, but its host is `upstream.example.invalid`: the HTTP client would send the token and
/// citizens' applications there in clear. Refused, upstream and fleet alike, with what is wrong
/// and without echoing what stood before the `@`.
#[test]
fn a_url_with_a_user_before_the_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let base_line = example
        .lines()
        .find(|l| l.starts_with("base_url = "))
        .unwrap();
    let fleet =
        "\n[fleet]\nserver = \"http://127.0.0.1:1@fleet.example.invalid/DEFAULT\"\ntoken = \"t\"\n";
    for (key, text) in [
        (
            "upstream.base_url",
            example.replace(
                base_line,
                "base_url = \"http://127.0.0.1:1@upstream.example.invalid\"",
            ),
        ),
        ("fleet.server", format!("{example}{fleet}")),
    ] {
        let path = dir.path().join("onetrip.toml");
        std::fs::write(&path, text).unwrap();
        let out = onetrip(&["--config", path.to_str().unwrap(), "check-config"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {err}");
        assert!(
            err.contains(key) && err.contains("user@host"),
            "{key}: {err}"
        );
        assert!(!err.contains("127.0.0.1:1@"), "{key}: echoed: {err}");
    }
}
