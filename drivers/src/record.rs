//! Recorded I/O: every byte exchanged with a device, with a timestamp and a direction, as JSON
//! Lines, so a field problem can be replayed against the driver in a test (tests/replay.rs).
//!
//! Switched on with `ONETRIP_RECORD_DIR=/some/dir` (or `devices.record_dir` in the configuration):
//! each device appends to `<dir>/<device>.jsonl`. Recordings hold raw card data (names, ID
//! numbers): they are for technicians on test cards, never left on in service.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Host to device.
    Tx,
    /// Device to host.
    Rx,
}

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub t_ms: u64,
    pub dir: Direction,
    pub hex: String,
}

impl Exchange {
    pub fn bytes(&self) -> Vec<u8> {
        (0..self.hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(&self.hex[2 * i..2 * i + 2], 16).ok())
            .collect()
    }
}

/// Appends exchanges to a JSONL file; cheap to clone, shared by one device's reconnects.
#[derive(Clone)]
pub struct Recorder {
    file: Arc<Mutex<File>>,
    start: Instant,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    pub fn create(path: &Path) -> io::Result<Recorder> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Recorder {
            file: Arc::new(Mutex::new(file)),
            start: Instant::now(),
        })
    }

    /// The recorder for `device` when `ONETRIP_RECORD_DIR` is set.
    pub fn from_env(device: &str) -> Option<Recorder> {
        let dir = std::env::var_os("ONETRIP_RECORD_DIR")?;
        Recorder::in_dir(Path::new(&dir), device)
    }

    pub fn in_dir(dir: &Path, device: &str) -> Option<Recorder> {
        match Recorder::create(&dir.join(format!("{device}.jsonl"))) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(device, error = %e, "cannot record device I/O");
                None
            }
        }
    }

    pub fn record(&self, dir: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let line = Exchange {
            t_ms: self.start.elapsed().as_millis() as u64,
            dir,
            hex: bytes.iter().map(|b| format!("{b:02X}")).collect(),
        };
        if let Ok(json) = serde_json::to_string(&line) {
            let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(f, "{json}");
        }
    }
}

/// Reads a recording back.
pub fn load(path: &Path) -> io::Result<Vec<Exchange>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(io::Error::other))
        .collect()
}

/// A byte stream that records what passes through it.
pub struct Recorded<S> {
    inner: S,
    recorder: Option<Recorder>,
}

impl<S> Recorded<S> {
    pub fn new(inner: S, recorder: Option<Recorder>) -> Recorded<S> {
        Recorded { inner, recorder }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(rec)) = (&r, &self.recorder) {
            rec.record(Direction::Rx, &buf.filled()[before..]);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let (Poll::Ready(Ok(n)), Some(rec)) = (&r, &self.recorder) {
            rec.record(Direction::Tx, &data[..*n]);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Plays a recording back as the device: each time the host writes, the bytes the device sent
/// after that write become readable. When the recording runs out, reads end (a pulled cable).
pub struct Replay {
    script: std::collections::VecDeque<Exchange>,
    readable: Vec<u8>,
    /// Everything the host wrote, to compare against the recording's tx lines.
    pub written: Vec<u8>,
}

impl Replay {
    pub fn new(script: Vec<Exchange>) -> Replay {
        let mut r = Replay {
            script: script.into(),
            readable: Vec::new(),
            written: Vec::new(),
        };
        r.release_rx();
        r
    }

    /// Moves the device's replies up to the next host write into the readable buffer.
    fn release_rx(&mut self) {
        while let Some(e) = self.script.front() {
            if e.dir == Direction::Tx {
                break;
            }
            let e = self.script.pop_front().expect("front exists");
            self.readable.extend(e.bytes());
        }
    }

    /// The host wrote: consume recorded tx bytes of the same length, then release the replies.
    fn on_write(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.script.front_mut() else {
                break;
            };
            if front.dir != Direction::Tx {
                break;
            }
            let bytes = front.bytes();
            if bytes.len() <= n {
                n -= bytes.len();
                self.script.pop_front();
            } else {
                front.hex = front.hex[2 * n..].to_string();
                n = 0;
            }
        }
        if self.script.front().is_none_or(|e| e.dir == Direction::Rx) {
            self.release_rx();
        }
    }

    pub fn finished(&self) -> bool {
        self.script.is_empty() && self.readable.is_empty()
    }
}

impl AsyncRead for Replay {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.readable.is_empty() {
            // Nothing more will come: behave like a hung-up port once the script is spent, or
            // like a silent device while the host still owes a write.
            if self.script.is_empty() {
                return Poll::Ready(Ok(()));
            }
            return Poll::Pending;
        }
        let n = buf.remaining().min(self.readable.len());
        buf.put_slice(&self.readable[..n]);
        self.readable.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.extend_from_slice(data);
        self.on_write(data.len());
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
