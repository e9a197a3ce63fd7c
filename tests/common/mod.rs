//! Shared by the end-to-end tests: the bench a test boots (`boot`, and `kiosk::boot` for a test
//! of the window), and every log line captured, to prove no personal field is logged.

pub mod citizen;
pub mod goosebit;
pub mod kiosk;

use std::sync::{Arc, Mutex, OnceLock};

use onetrip::devtools::demo::Bench;
use tokio::runtime::Runtime;

/// What an end-to-end test of the running terminal stands on (as quinn's tests stand on a `Pair`):
/// the log captured, a runtime like the terminal's (`kiosk::runtime`) and a [`Bench`] on it (the
/// simulated devices and the reference upstream, in a temporary directory). The caller then holds
/// the runtime's guard for the rest of the test (a guard borrows its runtime, so it cannot come
/// back in the same value):
///
/// ```ignore
/// let (rt, bench) = common::boot();
/// let _guard = rt.enter();
/// ```
#[allow(dead_code)]
pub fn boot() -> (Runtime, Bench) {
    capture_logs();
    let rt = kiosk::runtime();
    let bench = bench(&rt);
    (rt, bench)
}

/// A fresh bench on `rt` (a second terminal, or the same terminal started again).
#[allow(dead_code)]
pub fn bench(rt: &Runtime) -> Bench {
    rt.block_on(Bench::start()).unwrap()
}

#[derive(Clone, Default)]
pub struct LogCapture(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> LogCapture {
        self.clone()
    }
}

static LOGS: OnceLock<LogCapture> = OnceLock::new();

/// Installs (once per test binary) a subscriber that keeps every line at debug level.
pub fn capture_logs() -> LogCapture {
    LOGS.get_or_init(|| {
        let logs = LogCapture::default();
        let installed = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(logs.clone())
            .with_ansi(false)
            .try_init();
        if let Err(e) = installed {
            panic!("cannot capture logs: {e}");
        }
        logs
    })
    .clone()
}

/// Everything logged so far.
pub fn logged() -> String {
    String::from_utf8_lossy(&capture_logs().0.lock().unwrap()).into_owned()
}

/// Fails if any of `personal` appears in the captured log (and if nothing was captured at all).
#[allow(dead_code)]
pub fn assert_not_logged(personal: &[&str]) {
    let text = logged();
    assert!(!text.is_empty(), "no log lines were captured");
    for p in personal {
        assert!(!text.contains(p), "{p} appears in the log");
    }
}
