//! Power-cut style crash test: the kiosk process (a burn-in) is SIGKILLed at random points while
//! the reference upstream injects errors and loses responses; after every restart the outbox
//! resumes. In the end every committed submission reached upstream exactly once.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "crash-token";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn burn_in(data: &Path, url: &str, sessions: u32) -> Command {
    // The token from a file, not the command line (which every user of the machine can read).
    let token_file = data.parent().unwrap().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_onetrip"));
    c.args(["burn-in", "--sessions", &sessions.to_string(), "--data-dir"])
        .arg(data)
        .args(["--upstream", url, "--token-file"])
        .arg(&token_file)
        .args(["--drain-timeout", "600"])
        // With the terminal's own backoff (up to 15 min) one unlucky head of the queue outlasts any
        // drain wait; 1 s keeps every stored next attempt, killed runs' included, close.
        .args(["--retry-cap", "1"])
        .env("RUST_LOG", "info")
        // Killed runs leave their simulator directories behind: keep them in the test's own.
        .env("TMPDIR", data.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let upstream_db = dir.path().join("upstream.sqlite3");
    let _upstream = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_onetrip-upstream"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--token", TOKEN])
            .args(["--error-rate", "0.2", "--lose-response-rate", "0.2"])
            .args(["--drop-after-commit-rate", "0.1", "--db"])
            .arg(&upstream_db)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "upstream did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let data = dir.path().join("data");
    let mut rng = fastrand::Rng::with_seed(0x0E_7219);
    let mut logs = String::new();
    for _round in 0..10 {
        let mut child = burn_in(&data, &url, 4).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(150..2500)));
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        logs.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    // A last, uninterrupted run drains whatever is left.
    let out = burn_in(&data, &url, 1).output().unwrap();
    assert!(
        out.status.success(),
        "final burn-in failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        logs.contains("submission committed"),
        "the kiosk's logs were captured"
    );
    for personal in [
        "张晓明",
        "330106198503121231",
        "阿依古丽",
        "650102194807050023",
        "陈家明",
        "SMITH",
        "史密斯",
        "MUELLER",
        "文三路",
    ] {
        assert!(
            !logs.contains(personal),
            "{personal} appears in the kiosk's log"
        );
    }

    let store = rusqlite::Connection::open(data.join("onetrip.sqlite3")).unwrap();
    let mut committed: Vec<String> = store
        .prepare("SELECT id FROM submissions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let states: Vec<String> = store
        .prepare("SELECT DISTINCT state FROM submissions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(states, vec!["accepted".to_string()]);
    assert!(
        committed.len() > 5,
        "the rounds committed work ({})",
        committed.len()
    );

    let up = rusqlite::Connection::open(&upstream_db).unwrap();
    let received = onetrip::devtools::reference_upstream::received(&up).unwrap();
    let mut keys: Vec<String> = received.iter().map(|r| r.key.clone()).collect();
    assert_eq!(keys.len(), committed.len(), "count matches");
    keys.sort();
    committed.sort();
    keys.dedup();
    assert_eq!(keys, committed, "ids match, each exactly once");

    // A burn-in's submissions say they are tests, never citizens' applications.
    let bodies: Vec<String> = up
        .prepare("SELECT body FROM received")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for body in &bodies {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["test"], true, "{}", v["number"]);
    }

    for db in [&store, &up] {
        let ok: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }
}
