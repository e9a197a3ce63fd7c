//! `onetrip logs --out DIR` where DIR is not the technician's own: a log stick prepared by someone
//! else. The bundle goes only into a directory the command makes itself; whatever was put in the
//! way — a link to a file elsewhere, a FIFO named like a bundle file, a link for the directory
//! itself — stops it with a clear error, and nothing is written through it.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `onetrip logs --out OUT` to its end. A run that never ends (a FIFO opened for writing
/// with no reader) is killed after a bound far above what it takes (a second), and reported.
fn logs(config: &Path, out: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .arg("--config")
        .arg(config)
        .arg("logs")
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "off")
        .env("ONETRIP_HEALTH_FILE", config.with_extension("no-health"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run onetrip");
    let bound = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`onetrip logs --out {out:?}` hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// A directory already on the stick, holding `config.toml -> /some/file`: the link's target is
/// not replaced by the bundle's configuration (it was, as root, on any stick), and the command
/// says why it wrote nothing.
#[test]
fn a_link_in_a_directory_prepared_in_advance_writes_nothing_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("onetrip.toml");
    std::fs::write(&config, "[terminal]\nid = \"ZZ-0117\"\n").unwrap();
    let victim = dir.path().join("victim.sqlite3");
    std::fs::write(&victim, "the store, untouched").unwrap();
    let prepared = dir.path().join("stick/onetrip-logs-20261203T101500Z");
    std::fs::create_dir_all(&prepared).unwrap();
    for name in ["config.toml", "versions.txt", "journal.txt"] {
        std::os::unix::fs::symlink(&victim, prepared.join(name)).unwrap();
    }
    let out = logs(&config, &prepared);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("already exists") && err.contains("nothing written"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the store, untouched"
    );
    assert_eq!(
        names(&prepared),
        ["config.toml", "journal.txt", "versions.txt"]
    );

    // The directory itself a link to another directory: not written into either.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = dir.path().join("stick/onetrip-logs-20261203T101501Z");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let out = logs(&config, &link);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(names(&elsewhere).is_empty(), "{:?}", names(&elsewhere));

    // A new directory: the whole bundle, private to the user who wrote it.
    let fresh = dir.path().join("stick/onetrip-logs-20261203T101502Z");
    let out = logs(&config, &fresh);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = names(&fresh);
    for name in [
        "config.toml",
        "health.json",
        "journal.txt",
        "store.txt",
        "versions.txt",
    ] {
        assert!(written.iter().any(|n| n == name), "{name}: {written:?}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&fresh.join("config.toml")), 0o600);
    // Asked again for the same directory: refused, the first bundle left as it was.
    let before = std::fs::read(fresh.join("versions.txt")).unwrap();
    let out = logs(&config, &fresh);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(fresh.join("versions.txt")).unwrap(), before);
}

/// FIFOs named like the bundle's files, in a directory prepared in advance: the command neither
/// waits on them (the log stick's service hung there, the stick mounted) nor writes into them —
/// this test holds their reading ends open, so a write would not block but would be read here.
#[test]
fn a_fifo_named_like_a_bundle_file_neither_hangs_nor_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("onetrip.toml");
    std::fs::write(&config, "[terminal]\nid = \"ZZ-0117\"\n").unwrap();
    let prepared = dir.path().join("onetrip-logs-20261203T101500Z");
    std::fs::create_dir(&prepared).unwrap();
    let mut readers = Vec::new();
    for name in ["versions.txt", "config.toml"] {
        let fifo = prepared.join(name);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let fd = rustix::fs::open(
            &fifo,
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        readers.push((name, std::fs::File::from(fd)));
    }
    let out = logs(&config, &prepared);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("already exists"), "{err}");
    for (name, mut reader) in readers {
        let mut got = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut got);
        assert!(
            got.is_empty(),
            "written into the FIFO {name}: {}",
            String::from_utf8_lossy(&got)
        );
        let kind = std::fs::symlink_metadata(prepared.join(name))
            .unwrap()
            .file_type();
        assert!(kind.is_fifo(), "{name} replaced");
    }
    assert_eq!(names(&prepared), ["config.toml", "versions.txt"]);
}
