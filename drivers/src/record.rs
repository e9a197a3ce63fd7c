//! Recorded I/O: every byte exchanged with a device, with a timestamp and a direction, as JSON
//! Lines, so a field problem can be replayed against the driver in a test (tests/replay.rs).
//!
//! Only ever on by the configuration (`devices.record_dir` with `devices.record_until`): each
//! device appends to `<dir>/<device>.jsonl`, a file only the terminal's user can read, up to
//! `MAX_BYTES`, and nothing after the expiry time, which is never more than [`MAX_SPAN`] ahead.
//! Every device's personal bytes are redacted as they are recorded ([`crate::redaction`]): the
//! card reader's data (text, photo), the printer's text and QR codes, the scanner's payloads are
//! only counted; frames, commands and status stay.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use crate::redaction::{PrinterRedaction, ReaderRedaction, ScannerRedaction};

/// The most one device's recording may hold.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The furthest ahead a recording may end: a recording is for chasing one field problem, and
/// it holds a week of the terminal's traffic at most (the configuration refuses more, and a
/// recorder asked for more stops here).
pub const MAX_SPAN: Duration = Duration::from_secs(7 * 24 * 3600);

/// The recording format this firmware writes and reads. A recording starts with a header line
/// that names it; files from before the header (the fixtures' older recordings) read as well.
pub const FORMAT_VERSION: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always `onetrip-device-io`: what the file is.
    pub recording: String,
    pub version: u32,
    pub device: String,
}

impl Header {
    fn new(device: &str) -> Header {
        Header {
            recording: "onetrip-device-io".into(),
            version: FORMAT_VERSION,
            device: device.into(),
        }
    }
}

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
    /// Bytes that passed here but were not recorded (the card reader's data: text and photo).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Exchange {
    /// The bytes of `hex`, pair by pair; a pair that is not two hex digits is skipped (a
    /// hand-edited file must not stop a replay, nor panic on a character that is not ASCII).
    pub fn bytes(&self) -> Vec<u8> {
        let digit = |c: u8| (c as char).to_digit(16);
        self.hex
            .as_bytes()
            .chunks_exact(2)
            .filter_map(|p| Some((digit(p[0])? * 16 + digit(p[1])?) as u8))
            .collect()
    }
}

/// What one device's recording withholds, by the device.
#[derive(Debug)]
enum Redaction {
    /// The card reader's replies: their data.
    Reader(ReaderRedaction),
    /// The printer's jobs: their text and QR codes.
    Printer(PrinterRedaction),
    /// The scanner's codes: their payloads.
    Scanner(ScannerRedaction),
    /// A device this firmware does not know: every byte.
    Everything,
}

impl Redaction {
    fn of(device: &str) -> Redaction {
        match device {
            "id_card" => Redaction::Reader(ReaderRedaction::default()),
            "printer" => Redaction::Printer(PrinterRedaction::default()),
            "scanner" => Redaction::Scanner(ScannerRedaction::default()),
            _ => Redaction::Everything,
        }
    }

    /// (bytes to record, bytes withheld).
    fn filter(&mut self, dir: Direction, bytes: &[u8]) -> (Vec<u8>, usize) {
        match (self, dir) {
            (Redaction::Reader(r), Direction::Rx) => r.filter(bytes),
            (Redaction::Printer(r), Direction::Tx) => r.filter(bytes),
            (Redaction::Scanner(r), Direction::Rx) => r.filter(bytes),
            (Redaction::Everything, _) => (Vec::new(), bytes.len()),
            // The reader's commands, the printer's status, the scanner's triggers.
            _ => (bytes.to_vec(), 0),
        }
    }
}

struct Sink {
    file: File,
    written: u64,
    /// Set once the recording stopped (expired or full), so it is said once.
    stopped: bool,
}

/// Appends exchanges to a JSONL file; cheap to clone, shared by one device's reconnects.
#[derive(Clone)]
pub struct Recorder {
    sink: Arc<Mutex<Sink>>,
    start: Instant,
    until: SystemTime,
    device: &'static str,
    redaction: Option<Arc<Mutex<Redaction>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// A recording into `path` (created 0600) until `until`, or [`MAX_SPAN`] from now if that
    /// comes first; redacted for `device` (`id_card`, `printer`, `scanner`; any other name
    /// withholds every byte).
    pub fn create(path: &Path, device: &'static str, until: SystemTime) -> io::Result<Recorder> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let latest = SystemTime::now() + MAX_SPAN;
        if until > latest {
            tracing::warn!(
                device,
                "a device I/O recording ends at most 7 days from now"
            );
        }
        let until = until.min(latest);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        // An older file made with other modes is made private too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        let mut written = file.metadata()?.len();
        let mut file = file;
        if written == 0 {
            let header = serde_json::to_string(&Header::new(device)).map_err(io::Error::other)?;
            writeln!(file, "{header}")?;
            written = header.len() as u64 + 1;
        }
        Ok(Recorder {
            sink: Arc::new(Mutex::new(Sink {
                file,
                written,
                stopped: false,
            })),
            start: Instant::now(),
            until,
            device,
            redaction: Some(Arc::new(Mutex::new(Redaction::of(device)))),
        })
    }

    /// Keeps every byte: only for recordings of test cards and simulators in the drivers' own
    /// replay tests. The kiosk records through [`Recorder::in_dir`], which always redacts.
    pub fn unredacted(mut self) -> Recorder {
        self.redaction = None;
        self
    }

    /// The recorder for `device` in `dir` until `until`; `None` (logged) when it cannot be made.
    pub fn in_dir(dir: &Path, device: &'static str, until: SystemTime) -> Option<Recorder> {
        match Recorder::create(&dir.join(format!("{device}.jsonl")), device, until) {
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
        let (shown, withheld) = match &self.redaction {
            Some(r) => r
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .filter(dir, bytes),
            None => (bytes.to_vec(), 0),
        };
        let line = Exchange {
            t_ms: self.start.elapsed().as_millis() as u64,
            dir,
            hex: shown.iter().map(|b| format!("{b:02X}")).collect(),
            withheld,
        };
        let Ok(json) = serde_json::to_string(&line) else {
            return;
        };
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        if sink.stopped {
            return;
        }
        let why = if SystemTime::now() >= self.until {
            Some("its time is up")
        } else if sink.written + json.len() as u64 + 1 > MAX_BYTES {
            Some("it is full")
        } else {
            None
        };
        if let Some(why) = why {
            sink.stopped = true;
            tracing::warn!(device = self.device, "device I/O recording stopped: {why}");
            return;
        }
        if writeln!(sink.file, "{json}").is_ok() {
            sink.written += json.len() as u64 + 1;
        }
    }
}

/// Reads a recording back.
pub fn load(path: &Path) -> io::Result<Vec<Exchange>> {
    parse(&std::fs::read_to_string(path)?)
}

/// A recording's text (JSON Lines) as exchanges: its header lines are checked (a newer format
/// is refused, not guessed at) and left out; the first other line that is not an exchange is the
/// error.
pub fn parse(text: &str) -> io::Result<Vec<Exchange>> {
    let mut exchanges = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(header) = serde_json::from_str::<Header>(line) {
            if header.version > FORMAT_VERSION {
                return Err(io::Error::other(format!(
                    "recording format {} is newer than this firmware reads ({FORMAT_VERSION})",
                    header.version
                )));
            }
            continue;
        }
        exchanges.push(serde_json::from_str(line).map_err(io::Error::other)?);
    }
    Ok(exchanges)
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
            // A redacted line stands for its withheld bytes too (they came after its shown ones).
            let bytes = front.bytes();
            let len = bytes.len() + front.withheld;
            if len <= n {
                n -= len;
                self.script.pop_front();
            } else {
                let shown = n.min(bytes.len());
                front.hex = bytes[shown..].iter().map(|b| format!("{b:02X}")).collect();
                front.withheld -= n - shown;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_card::codec::PREAMBLE;

    /// A reply frame as the reader sends it: header, `data`, checksum.
    fn reply(data: &[u8]) -> Vec<u8> {
        let mut f = PREAMBLE.to_vec();
        f.extend(((data.len() + 4) as u16).to_be_bytes());
        f.extend([0x00, 0x00, 0x90]);
        f.extend(data);
        f.push(0x5A);
        f
    }

    #[test]
    fn a_recording_round_trips_with_its_format_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("printer.jsonl");
        let far = SystemTime::now() + std::time::Duration::from_secs(3600);
        let rec = Recorder::create(&path, "printer", far).unwrap();
        rec.record(Direction::Tx, &[0x10, 0x04, 0x01]);
        rec.record(Direction::Rx, &[0x12]);
        // A restart appends to the same file: one header, at the top.
        let again = Recorder::create(&path, "printer", far).unwrap();
        again.record(Direction::Tx, &[0x1B, 0x40]);
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Header = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(header, Header::new("printer"));
        assert_eq!(text.matches("onetrip-device-io").count(), 1, "{text}");
        let back = load(&path).unwrap();
        let shown: Vec<(Direction, Vec<u8>)> = back.iter().map(|e| (e.dir, e.bytes())).collect();
        assert_eq!(
            shown,
            [
                (Direction::Tx, vec![0x10, 0x04, 0x01]),
                (Direction::Rx, vec![0x12]),
                (Direction::Tx, vec![0x1B, 0x40]),
            ]
        );
        // Serialised and read back, an exchange is the same.
        for e in &back {
            let line = serde_json::to_string(e).unwrap();
            assert_eq!(&serde_json::from_str::<Exchange>(&line).unwrap(), e);
        }
    }

    #[test]
    fn a_newer_format_is_refused_and_a_recording_without_a_header_still_reads() {
        let newer = format!(
            "{{\"recording\":\"onetrip-device-io\",\"version\":{},\"device\":\"scanner\"}}\n{{\"t_ms\":0,\"dir\":\"rx\",\"hex\":\"41\"}}\n",
            FORMAT_VERSION + 1
        );
        let e = parse(&newer).unwrap_err().to_string();
        assert!(e.contains("newer than this firmware"), "{e}");
        let old = parse("{\"t_ms\":0,\"dir\":\"rx\",\"hex\":\"41\"}\n").unwrap();
        assert_eq!(old[0].bytes(), b"A");
    }

    #[test]
    fn a_hand_edited_line_neither_panics_nor_stops_the_replay() {
        let lines = parse(
            "{\"t_ms\":0,\"dir\":\"rx\",\"hex\":\"aé0102\"}\n\n{\"t_ms\":5,\"dir\":\"tx\",\"hex\":\"+f0A\"}\n",
        )
        .unwrap();
        // Pairs of bytes as they come: "a" + half of "é", the other half + "0", then "10"; the
        // odd "2" at the end is left.
        assert_eq!(lines[0].bytes(), vec![0x10]);
        assert_eq!(lines[1].bytes(), vec![0x0A], "a sign is not a digit");
        assert!(parse("{\"t_ms\":0}").is_err());
    }

    #[test]
    fn the_readers_data_is_withheld_across_any_cut() {
        let name: Vec<u8> = "张晓明"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut data = name.clone();
        data.extend(vec![0x41; 1200]); // the rest of the text and the photo
        let mut stream = vec![0x00, 0x13]; // noise before
        stream.extend(reply(&data));
        stream.extend(reply(&[0x01, 0x02])); // a short reply: its data is withheld as well
        for cut in [1, 7, 10, 64, 1024, stream.len()] {
            let mut r = ReaderRedaction::default();
            let (mut shown, mut withheld) = (Vec::new(), 0);
            for chunk in stream.chunks(cut) {
                let (s, w) = r.filter(chunk);
                shown.extend(s);
                withheld += w;
            }
            assert_eq!(withheld, data.len() + 1 + 2 + 1, "cut {cut}");
            let mut expected = vec![0x00, 0x13];
            expected.extend(&reply(&data)[..10]);
            expected.extend(&reply(&[0x01, 0x02])[..10]);
            assert_eq!(shown, expected, "cut {cut}");
            assert!(!shown.windows(name.len()).any(|w| w == name.as_slice()));
        }
    }

    #[test]
    fn a_recording_never_runs_more_than_a_week() {
        let dir = tempfile::tempdir().unwrap();
        let year = SystemTime::now() + Duration::from_secs(365 * 24 * 3600);
        let rec = Recorder::in_dir(dir.path(), "printer", year).unwrap();
        assert!(rec.until <= SystemTime::now() + MAX_SPAN);
        assert!(rec.until > SystemTime::now() + MAX_SPAN - Duration::from_secs(60));
        let soon = SystemTime::now() + Duration::from_secs(3600);
        assert_eq!(
            Recorder::in_dir(dir.path(), "scanner", soon).unwrap().until,
            soon
        );
    }

    #[test]
    fn the_printers_text_and_qr_data_are_withheld_and_its_commands_kept() {
        use crate::printer::commands::{encode, Align, Block, Document};
        let doc = Document {
            blocks: vec![
                Block::Text {
                    text: "申请人：张*明".into(),
                    align: Align::Center,
                    bold: true,
                    large: true,
                },
                Block::Text {
                    text: "电话 138****5678".into(),
                    align: Align::Left,
                    bold: false,
                    large: false,
                },
                Block::Qr {
                    data: "https://t.example.invalid/s/DEMO-0001-000042".into(),
                    module: 6,
                },
                Block::Cut { partial: false },
            ],
        };
        let job = encode(&doc).unwrap();
        let secrets: [&[u8]; 4] = [
            &encoding_rs::GB18030.encode("张").0,
            b"5678",
            b"DEMO-0001-000042",
            b"example",
        ];
        for cut in [1, 2, 5, 64, job.len()] {
            let mut r = PrinterRedaction::default();
            let (mut shown, mut withheld) = (Vec::new(), 0);
            for chunk in job.chunks(cut) {
                let (s, w) = r.filter(chunk);
                shown.extend(s);
                withheld += w;
            }
            assert_eq!(shown.len() + withheld, job.len(), "cut {cut}");
            for secret in secrets {
                assert!(
                    !shown.windows(secret.len()).any(|w| w == secret),
                    "cut {cut}"
                );
            }
            // The commands stay: initialise, Chinese mode, the QR code's model and store
            // header, the cut.
            let has = |seq: &[u8]| shown.windows(seq.len()).any(|w| w == seq);
            assert!(has(&[0x1B, 0x40, 0x1C, 0x26]), "cut {cut}: {shown:02X?}");
            assert!(has(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]));
            assert!(has(&[0x1D, 0x28, 0x6B, 0x2F, 0x00, 0x31, 0x50, 0x30, 0x1D]));
            assert!(has(&[0x1D, 0x56, 0x41, 0x00]), "cut {cut}: {shown:02X?}");
        }
    }

    #[test]
    fn the_scanners_payloads_are_withheld_and_their_frames_kept() {
        let stream = b"]Q1330106198503121231\r\n13812345678\r]C0NO-SUFFIX";
        for cut in [1, 3, 7, stream.len()] {
            let mut r = ScannerRedaction::default();
            let (mut shown, mut withheld) = (Vec::new(), 0);
            for chunk in stream.chunks(cut) {
                let (s, w) = r.filter(chunk);
                shown.extend(s);
                withheld += w;
            }
            assert_eq!(shown, b"]Q1\r\n\r]C0", "cut {cut}");
            assert_eq!(withheld, 18 + 11 + 9, "cut {cut}");
        }
    }

    #[test]
    fn a_device_it_does_not_know_is_recorded_without_a_byte() {
        let dir = tempfile::tempdir().unwrap();
        let rec = Recorder::in_dir(
            dir.path(),
            "other",
            SystemTime::now() + Duration::from_secs(60),
        )
        .unwrap();
        rec.record(Direction::Tx, b"13812345678");
        rec.record(Direction::Rx, b"ok");
        let lines = load(&dir.path().join("other.jsonl")).unwrap();
        assert!(lines.iter().all(|e| e.bytes().is_empty()));
        assert_eq!(lines.iter().map(|e| e.withheld).sum::<usize>(), 13);
    }

    #[test]
    fn recordings_are_private_redacted_and_stop_at_their_time() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);
        let rec = Recorder::in_dir(dir.path(), "id_card", later).unwrap();
        rec.record(Direction::Tx, &[0xAA, 0x01]);
        rec.record(Direction::Rx, &reply(&[0x41; 300]));
        let path = dir.path().join("id_card.jsonl");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let lines = load(&path).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].bytes(), vec![0xAA, 0x01], "commands are kept");
        assert_eq!(lines[1].bytes().len(), 10);
        assert_eq!(lines[1].withheld, 301);

        // Over: nothing more is written.
        let past = SystemTime::now() - std::time::Duration::from_secs(1);
        let rec = Recorder::in_dir(dir.path(), "printer", past).unwrap();
        rec.record(Direction::Tx, &[0x10, 0x04, 0x01]);
        assert!(load(&dir.path().join("printer.jsonl")).unwrap().is_empty());
    }
}
