//! The developer's build holds every marker `image/build` looks for in the terminal's binary, so
//! the terminal's check (`image/lib/check-terminal-binary.sh`, run on every image build) cannot
//! pass because a marker went stale. And the check itself refuses this build.

use std::path::Path;

fn markers() -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("image/lib/dev-tools-markers"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_developer_build_holds_every_marker_and_the_terminal_check_refuses_it() {
    let bin = std::fs::read(env!("CARGO_BIN_EXE_onetrip")).unwrap();
    let markers = markers();
    assert!(markers.len() >= 6, "{markers:?}");
    for m in &markers {
        assert!(
            bin.windows(m.len()).any(|w| w == m.as_bytes()),
            "the developer's build does not hold {m:?}: the marker is stale"
        );
    }
    let out = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("image/lib/check-terminal-binary.sh"),
    )
    .arg(env!("CARGO_BIN_EXE_onetrip"))
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("demo-token"), "{err}");
    assert!(err.contains("has the `demo` command"), "{err}");
}
