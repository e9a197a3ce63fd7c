//! Shared by the end-to-end tests: every log line captured, to prove no personal field is logged.

pub mod kiosk;

use std::sync::{Arc, Mutex, OnceLock};

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
