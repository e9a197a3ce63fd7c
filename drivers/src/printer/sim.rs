//! An ESC/POS printer on a pseudo-terminal. It decodes what it receives into text lines (GB18030),
//! QR payloads and cuts, and answers `DLE EOT` from a configurable paper and cover state.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::pty::{PtyMaster, Replies, ReplyLine, Shared, SimHandle};

/// One thing the printer put on paper, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    Line {
        text: String,
        bold: bool,
        large: bool,
    },
    Qr(String),
    Cut {
        partial: bool,
    },
}

/// Paper and cover state the simulator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimPaper {
    Full,
    Low,
    Out,
    CoverOpen,
    /// Reports itself offline (DLE EOT 1 bit 3).
    Offline,
    /// Says nothing at all.
    NoAnswer,
}

/// Streaming ESC/POS decoder (the subset a receipt printer needs, and every command the driver sends).
#[derive(Debug, Default)]
pub struct EscPosDecoder {
    buf: Vec<u8>,
    line: Vec<u8>,
    bold: bool,
    large: bool,
    qr_data: Option<Vec<u8>>,
    chinese: bool,
    /// Commands this decoder does not know (first two bytes), for tests to catch surprises.
    pub unknown: Vec<[u8; 2]>,
}

/// Output of one decoding step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Printed(Printed),
    /// `DLE EOT n`: the host asks for status n.
    StatusRequest(u8),
    /// `GS a n`: the host asks for Automatic Status Back (n = 0 turns it off).
    AutoStatusBack(u8),
}

impl EscPosDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) -> Vec<Decoded> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            match self.step() {
                Step::NeedMore => break,
                Step::Consumed(n, item) => {
                    self.buf.drain(..n);
                    out.extend(item);
                }
            }
        }
        out
    }

    fn flush_line(&mut self) -> Decoded {
        let bytes = std::mem::take(&mut self.line);
        let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
        Decoded::Printed(Printed::Line {
            text: text.into_owned(),
            bold: self.bold,
            large: self.large,
        })
    }

    fn step(&mut self) -> Step {
        let b = &self.buf;
        let Some(&first) = b.first() else {
            return Step::NeedMore;
        };
        let need = |n: usize| b.len() < n;
        match first {
            b'\n' => {
                let line = self.flush_line();
                Step::Consumed(1, Some(line))
            }
            b'\r' => Step::Consumed(1, None),
            0x10 => {
                // DLE EOT n / DLE ENQ n
                if need(3) {
                    return Step::NeedMore;
                }
                if b[1] == 0x04 {
                    Step::Consumed(3, Some(Decoded::StatusRequest(b[2])))
                } else {
                    Step::Consumed(3, None)
                }
            }
            0x1B => {
                if need(2) {
                    return Step::NeedMore;
                }
                match b[1] {
                    b'@' => {
                        // Initialise: the print buffer (an unfinished line) and the modes are
                        // cleared, and a stored QR code with them.
                        self.bold = false;
                        self.large = false;
                        self.line.clear();
                        self.qr_data = None;
                        Step::Consumed(2, None)
                    }
                    b'2' => Step::Consumed(2, None),
                    b'E' | b'G' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        self.bold = b[2] & 1 == 1;
                        Step::Consumed(3, None)
                    }
                    b'!' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        self.large = b[2] & 0x30 == 0x30;
                        self.bold = b[2] & 0x08 != 0;
                        Step::Consumed(3, None)
                    }
                    b'd' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        let mut items = None;
                        if !self.line.is_empty() {
                            items = Some(self.flush_line());
                        }
                        Step::Consumed(3, items)
                    }
                    b'a' | b'3' | b'-' | b'M' | b't' | b'V' | b'{' | b'J' | b'R' | b'r' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        Step::Consumed(3, None)
                    }
                    other => {
                        self.unknown.push([0x1B, other]);
                        Step::Consumed(2, None)
                    }
                }
            }
            0x1C => {
                if need(2) {
                    return Step::NeedMore;
                }
                match b[1] {
                    b'&' => {
                        self.chinese = true;
                        Step::Consumed(2, None)
                    }
                    b'.' => {
                        self.chinese = false;
                        Step::Consumed(2, None)
                    }
                    other => {
                        self.unknown.push([0x1C, other]);
                        Step::Consumed(2, None)
                    }
                }
            }
            0x1D => {
                if need(2) {
                    return Step::NeedMore;
                }
                match b[1] {
                    b'!' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        self.large = b[2] & 0x11 == 0x11;
                        Step::Consumed(3, None)
                    }
                    b'a' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        Step::Consumed(3, Some(Decoded::AutoStatusBack(b[2])))
                    }
                    b'B' | b'r' | b'H' | b'f' | b'h' | b'w' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        Step::Consumed(3, None)
                    }
                    b'L' | b'W' => {
                        if need(4) {
                            return Step::NeedMore;
                        }
                        Step::Consumed(4, None)
                    }
                    b'V' => {
                        if need(3) {
                            return Step::NeedMore;
                        }
                        let m = b[2];
                        let (len, partial) = match m {
                            0 | 48 => (3, false),
                            1 | 49 => (3, true),
                            65 => (4, false),
                            66 => (4, true),
                            _ => (3, false),
                        };
                        if need(len) {
                            return Step::NeedMore;
                        }
                        let mut consumed = None;
                        if !self.line.is_empty() {
                            consumed = Some(self.flush_line());
                        }
                        // Anything pending was flushed; the cut is reported on the next step.
                        if consumed.is_some() {
                            return Step::Consumed(0, consumed);
                        }
                        Step::Consumed(len, Some(Decoded::Printed(Printed::Cut { partial })))
                    }
                    b'(' => {
                        // GS ( k pL pH cn fn data
                        if need(5) {
                            return Step::NeedMore;
                        }
                        let len = b[3] as usize + 256 * b[4] as usize;
                        if need(5 + len) {
                            return Step::NeedMore;
                        }
                        let params = &b[5..5 + len];
                        let mut item = None;
                        if b[2] == b'k' && params.len() >= 2 && params[0] == 0x31 {
                            match params[1] {
                                0x50 if params.len() >= 3 => {
                                    self.qr_data = Some(params[3..].to_vec())
                                }
                                0x51 => {
                                    if let Some(data) = self.qr_data.take() {
                                        item = Some(Decoded::Printed(Printed::Qr(
                                            String::from_utf8_lossy(&data).into_owned(),
                                        )));
                                    }
                                }
                                _ => {}
                            }
                        }
                        Step::Consumed(5 + len, item)
                    }
                    other => {
                        self.unknown.push([0x1D, other]);
                        Step::Consumed(2, None)
                    }
                }
            }
            // Other control codes are no text: NUL (what the driver's recovery sends) and the
            // rest are ignored outside a command.
            0x00..=0x1F => Step::Consumed(1, None),
            _ => {
                self.line.push(first);
                // Guard against a stream with no line feeds ever.
                if self.line.len() > 4096 {
                    let line = self.flush_line();
                    return Step::Consumed(1, Some(line));
                }
                Step::Consumed(1, None)
            }
        }
    }
}

enum Step {
    NeedMore,
    Consumed(usize, Option<Decoded>),
}

/// The simulated printer: its paper, what it printed and how it misbehaves.
pub struct SimPrinter {
    paper: SimPaper,
    printed: Vec<Printed>,
    /// Raw bytes received, for golden tests.
    raw: Vec<u8>,
    /// Paper runs out after this many more lines (simulates a roll ending mid-job).
    lines_left: Option<u32>,
    /// Stops reading after this many more bytes (a jammed mechanism): the host's writes back up in
    /// the port.
    stall_after: Option<usize>,
    /// Automatic Status Back enabled by the host (`GS a n`, n ≠ 0).
    asb: bool,
    /// Wakes the serving task when the paper state changes (to push an ASB block).
    changed: Arc<tokio::sync::Notify>,
    /// The line sends junk by itself.
    noise: Option<crate::noise::Noise>,
    /// How replies travel back and how fast the host's bytes arrive.
    line: ReplyLine,
    /// Every `n`th status request goes unanswered (and the `drop_run - 1` after it).
    drop_every: Option<u32>,
    drop_run: u32,
    /// Status requests received (for `drop_every`).
    requests: u32,
    /// The line breaks after these bytes have arrived and this many more: everything after is lost.
    break_after: Option<(Vec<u8>, usize)>,
    /// The line broke ([`PrinterSim::break_line_after`]): nothing arrives until it is mended.
    broken: bool,
    /// Mend the line: drop what is still on its way, then take bytes again.
    mend: bool,
}

/// Handle to a running printer simulator.
pub type PrinterSim = SimHandle<SimPrinter>;

impl PrinterSim {
    pub fn start(link: &Path) -> std::io::Result<PrinterSim> {
        let printer = SimPrinter {
            paper: SimPaper::Full,
            printed: Vec::new(),
            raw: Vec::new(),
            lines_left: None,
            stall_after: None,
            asb: false,
            changed: Arc::new(tokio::sync::Notify::new()),
            noise: None,
            line: ReplyLine::default(),
            drop_every: None,
            drop_run: 1,
            requests: 0,
            break_after: None,
            broken: false,
            mend: false,
        };
        SimHandle::plug_in(link, printer, serve)
    }

    pub fn set_paper(&self, paper: SimPaper) {
        let mut s = self.state();
        s.paper = paper;
        s.changed.notify_one();
    }

    /// The line sends junk by itself (`None`: quiet again).
    pub fn set_noise(&self, noise: Option<crate::noise::Noise>) {
        self.state().noise = noise;
    }

    /// Whether the host turned Automatic Status Back on.
    pub fn asb_enabled(&self) -> bool {
        self.state().asb
    }

    pub fn paper(&self) -> SimPaper {
        self.state().paper
    }

    /// The roll ends after `n` more printed lines.
    pub fn run_out_after(&self, n: u32) {
        self.state().lines_left = Some(n);
    }

    /// Stops reading from the port after `bytes` more bytes (`None` resumes), so a job stays
    /// half-sent.
    pub fn stall_after(&self, bytes: Option<usize>) {
        self.state().stall_after = bytes;
    }

    /// Everything printed so far.
    pub fn printed(&self) -> Vec<Printed> {
        self.state().printed.clone()
    }

    /// Everything printed so far, and forget it.
    pub fn take_printed(&self) -> Vec<Printed> {
        std::mem::take(&mut self.state().printed)
    }

    /// Raw bytes received (status requests included).
    pub fn raw(&self) -> Vec<u8> {
        self.state().raw.clone()
    }

    pub fn clear_raw(&self) {
        self.state().raw.clear();
    }

    /// How the line behaves: status replies late by a delay, the host's bytes and the replies
    /// paced at a slow line's speed.
    pub fn set_line(&self, line: ReplyLine) {
        self.state().line = line;
    }

    /// Every `n`th status request from now on goes unanswered (`None`: all answered).
    pub fn drop_status_replies(&self, every: Option<u32>) {
        self.drop_status_runs(every, 1);
    }

    /// From now on, every `n`th status request and the `run - 1` after it go unanswered: a run of
    /// two swallows a request and the driver's retry, so the poll is missed.
    pub fn drop_status_runs(&self, every: Option<u32>, run: u32) {
        let mut s = self.state();
        s.drop_every = every.filter(|n| *n > 0);
        s.drop_run = run.max(1);
        s.requests = 0;
    }

    /// The line breaks `then` bytes after the printer next receives `after`: the rest of what the
    /// host sends is lost, as when the terminal loses power (or the driver is killed) in the
    /// middle of a job while the printer stays on, holding half a command. `None` mends the line.
    /// Mending drops whatever the dead host's driver had written but the printer had not read,
    /// then takes bytes again; [`Self::line_broken`] tells when that is done.
    pub fn break_line_after(&self, cut: Option<(Vec<u8>, usize)>) {
        let mut s = self.state();
        match cut {
            Some(cut) => {
                s.broken = false;
                s.break_after = Some(cut);
            }
            None => {
                s.break_after = None;
                s.mend = true;
                s.changed.notify_one();
            }
        }
    }

    /// Whether the line is broken ([`Self::break_line_after`]), or not yet mended.
    pub fn line_broken(&self) -> bool {
        let s = self.state();
        s.broken || s.mend
    }
}

/// Real-time commands are executed as they arrive, wherever they are in the stream — inside another
/// command's parameters or data too (Epson TM-T88III specification and Citizen CT-S2000 manual,
/// `DLE EOT n`: "the status is transmitted whenever the data sequence 10 04 n is received"); the
/// same bytes also go on to the command interpreter, which takes them as that other command's
/// parameters when it is waiting for some. This finds `DLE EOT n` across reads.
#[derive(Debug, Default)]
struct RealTime {
    tail: Vec<u8>,
}

impl RealTime {
    /// The `n` of every `DLE EOT n` (1 ≤ n ≤ 4) completed by `bytes`.
    fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &b in bytes {
            self.tail.push(b);
            if self.tail.len() > 3 {
                self.tail.remove(0);
            }
            if let [0x10, 0x04, n @ 1..=4] = self.tail[..] {
                out.push(n);
                self.tail.clear();
            }
        }
        out
    }
}

/// The bytes of `incoming` the printer receives before the line breaks (the rest is lost).
fn arriving<'a>(s: &mut SimPrinter, incoming: &'a [u8]) -> &'a [u8] {
    if s.broken {
        return &[];
    }
    let Some((after, then)) = s.break_after.as_mut() else {
        return incoming;
    };
    // Where the count of `then` starts in `incoming`: after `after`, once it has arrived.
    let mut start = 0;
    if !after.is_empty() {
        let back = s.raw.len().min(after.len() - 1);
        let mut window = s.raw[s.raw.len() - back..].to_vec();
        window.extend_from_slice(incoming);
        let Some(at) = window
            .windows(after.len())
            .position(|w| w == after.as_slice())
        else {
            return incoming;
        };
        start = at + after.len() - back;
        after.clear();
    }
    let keep = start + (*then).min(incoming.len() - start);
    *then -= keep - start;
    if *then == 0 {
        s.broken = true;
        s.break_after = None;
    }
    &incoming[..keep]
}

/// The ASB block for a paper state (`None` for a printer that says nothing).
fn asb_block(paper: SimPaper) -> Option<[u8; 4]> {
    Some(match paper {
        SimPaper::NoAnswer => return None,
        SimPaper::Full => [0x10, 0, 0, 0],
        SimPaper::Low => [0x10, 0, 0x03, 0],
        SimPaper::Out => [0x18, 0, 0x0F, 0],
        SimPaper::CoverOpen => [0x38, 0, 0, 0],
        SimPaper::Offline => [0x18, 0, 0, 0],
    })
}

fn status_byte(paper: SimPaper, n: u8) -> Option<u8> {
    Some(match (paper, n) {
        (SimPaper::NoAnswer, _) => return None,
        (SimPaper::Offline, 1) => 0x1A,
        (SimPaper::CoverOpen, 1) | (SimPaper::Out, 1) => 0x1A,
        (SimPaper::CoverOpen, 2) => 0x16,
        (SimPaper::Out, 2) => 0x32,
        (SimPaper::Out, 4) => 0x72,
        (SimPaper::Low, 4) => 0x1E,
        _ => 0x12,
    })
}

/// Mends a broken line if asked: what is still in the pty (written by the driver that died) is
/// dropped first. Returns whether it did.
fn mend(pty: &PtyMaster, state: &Shared<SimPrinter>) -> bool {
    let mut s = state.lock();
    if !s.mend {
        return false;
    }
    let _ = pty.discard_input();
    s.broken = false;
    s.mend = false;
    true
}

async fn serve(mut pty: PtyMaster, state: Shared<SimPrinter>) {
    let noise_state = state.clone();
    let _noise = crate::noise::start(&pty, move || noise_state.lock().noise);
    let line_state = state.clone();
    let Ok(replies) = Replies::start(&pty, move || line_state.lock().line) else {
        return;
    };
    let mut decoder = EscPosDecoder::new();
    let mut real_time = RealTime::default();
    let mut buf = [0u8; 1024];
    loop {
        let (stall_after, line) = {
            let s = state.lock();
            (s.stall_after, s.line)
        };
        // A slow line delivers the host's bytes a few at a time, each at the line's pace.
        let most = if line.baud.is_some() { 16 } else { buf.len() };
        let room = match stall_after {
            Some(0) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Some(n) => n.min(most),
            None => most,
        };
        let changed = state.lock().changed.clone();
        if mend(&pty, &state) {
            continue;
        }
        let read = tokio::select! {
            read = pty.read(&mut buf[..room]) => read,
            _ = changed.notified() => {
                if mend(&pty, &state) {
                    continue;
                }
                let s = state.lock();
                if s.asb {
                    replies.send(asb_block(s.paper).map(Vec::from).unwrap_or_default(), s.line.delay);
                }
                continue;
            }
        };
        let n = match read {
            Ok(0) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Ok(n) => n,
        };
        let wire = line.wire(n);
        if !wire.is_zero() {
            tokio::time::sleep(wire).await;
        }
        let mut out = Vec::new();
        let mut s = state.lock();
        if let Some(left) = s.stall_after.as_mut() {
            *left = left.saturating_sub(n);
        }
        let got = arriving(&mut s, &buf[..n]);
        s.raw.extend_from_slice(got);
        // Real-time requests first, as they arrive; the interpreter then takes the same bytes.
        for n in real_time.push(got) {
            s.requests = s.requests.wrapping_add(1);
            let run = s.drop_run;
            let requests = s.requests;
            if s.drop_every.is_some_and(|every| {
                (0..run).any(|k| requests >= k && (requests - k).is_multiple_of(every))
            }) {
                continue;
            }
            out.extend(status_byte(s.paper, n));
        }
        for item in decoder.push(got) {
            match item {
                // Answered above, as it arrived.
                Decoded::StatusRequest(_) => {}
                Decoded::AutoStatusBack(n) => {
                    s.asb = n != 0;
                    if s.asb {
                        // The printer answers the enable with its current status.
                        out.extend(asb_block(s.paper).into_iter().flatten());
                    }
                }
                Decoded::Printed(p) => {
                    // A printer out of paper or open prints nothing.
                    if matches!(s.paper, SimPaper::Out | SimPaper::CoverOpen) {
                        continue;
                    }
                    if let Some(left) = s.lines_left.as_mut() {
                        if *left == 0 {
                            s.paper = SimPaper::Out;
                            s.lines_left = None;
                            continue;
                        }
                        *left -= 1;
                    }
                    s.printed.push(p);
                }
            }
        }
        replies.send(out, s.line.delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::commands::{encode, Align, Block, Document};

    #[test]
    fn decodes_what_the_encoder_writes_in_any_fragmentation() {
        let doc = Document {
            blocks: vec![
                Block::Text {
                    text: "受理回执".into(),
                    align: Align::Center,
                    bold: true,
                    large: true,
                },
                Block::Text {
                    text: "编号 No. 42".into(),
                    align: Align::Left,
                    bold: false,
                    large: false,
                },
                Block::Qr {
                    data: "https://example.invalid/t/42".into(),
                    module: 6,
                },
                Block::Cut { partial: true },
            ],
        };
        let bytes = encode(&doc).unwrap();
        for chunk in [1usize, 3, 7, bytes.len()] {
            let mut d = EscPosDecoder::new();
            let mut out = Vec::new();
            for c in bytes.chunks(chunk) {
                out.extend(d.push(c));
            }
            let printed: Vec<Printed> = out
                .into_iter()
                .filter_map(|d| match d {
                    Decoded::Printed(p) => Some(p),
                    _ => None,
                })
                .collect();
            assert_eq!(
                printed,
                vec![
                    Printed::Line {
                        text: "受理回执".into(),
                        bold: true,
                        large: true
                    },
                    Printed::Line {
                        text: "编号 No. 42".into(),
                        bold: false,
                        large: false
                    },
                    Printed::Qr("https://example.invalid/t/42".into()),
                    Printed::Cut { partial: true },
                ],
                "chunk {chunk}"
            );
            assert!(d.unknown.is_empty(), "{:?}", d.unknown);
        }
    }

    #[test]
    fn status_requests_are_decoded() {
        let mut d = EscPosDecoder::new();
        assert_eq!(
            d.push(&[0x10, 0x04, 0x04, 0x10, 0x04]),
            vec![Decoded::StatusRequest(4)]
        );
        assert_eq!(d.push(&[0x01]), vec![Decoded::StatusRequest(1)]);
    }

    #[test]
    fn a_status_request_is_found_anywhere_even_inside_a_commands_data() {
        let mut rt = RealTime::default();
        // Inside a QR code's data, cut across reads.
        let mut found = rt.push(&[0x1D, 0x28, 0x6B, 0x10, 0x00, 0x31, 0x50, 0x30, 0x41, 0x10]);
        found.extend(rt.push(&[0x04]));
        found.extend(rt.push(&[0x02, 0x10, 0x04, 0x04, 0x10, 0x04, 0x05]));
        assert_eq!(found, vec![2, 4], "n = 5 is no request");
        // The interpreter takes the same bytes as the QR code's data, and nothing is printed.
        let mut d = EscPosDecoder::new();
        let mut stream = vec![0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30];
        stream.extend([0x10, 0x04, 0x01]);
        assert_eq!(d.push(&stream), vec![]);
        assert_eq!(d.qr_data.as_deref(), Some(&[0x10, 0x04, 0x01][..]));
        // NULs outside a command are nothing; ESC @ drops an unfinished line.
        assert_eq!(
            d.push(&[0x00, 0x00, b'A', 0x1B, 0x40, b'B', b'\n']),
            vec![Decoded::Printed(Printed::Line {
                text: "B".into(),
                bold: false,
                large: false
            })]
        );
        assert!(d.qr_data.is_none());
    }

    #[test]
    fn sim_answers_match_the_research_vectors() {
        assert_eq!(status_byte(SimPaper::Low, 4), Some(0x1E));
        assert_eq!(status_byte(SimPaper::Out, 4), Some(0x72));
        assert_eq!(status_byte(SimPaper::CoverOpen, 2), Some(0x16));
        assert_eq!(status_byte(SimPaper::Full, 1), Some(0x12));
        assert_eq!(status_byte(SimPaper::NoAnswer, 1), None);
    }
}
