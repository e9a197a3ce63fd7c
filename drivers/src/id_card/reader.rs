//! The reader task: owns the serial port, polls for cards, reports typed events.
//!
//! Pacing: one find-card every `poll_interval`; a card that stays on the reader is read once and then
//! only watched; two misses in a row mean it was taken away. I/O errors or a run of three commands
//! without an answer ([`FAILURES_BEFORE_OFFLINE`]) mean the cable is gone: the task reports `Offline`
//! and reopens the port with backoff. One late or lost reply is not a lost reader.
//!
//! Every reply is matched to the command it answers: stale bytes are drained before each command,
//! and a reply that cannot be the answer to the command asked is dropped, not believed (a SAM reply
//! carries no copy of its command, so each command's possible answers are told by their status
//! words and their data's length: see [`answers`]). Deadlines come from the line
//! ([`crate::port::Line`]): the bytes of the command and of its longest reply at the line's speed,
//! the reader's own time for the command, and a latency margin.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::codec::{Command, Decoder, FrameError, Response, Sw3};
use super::identity::{self, Identity, TEXT_LEN};
use crate::device::{DeviceState, DeviceStatus};
use crate::port::{self, Line};
use crate::supervisor::Pulse;

#[derive(Debug, Clone)]
pub struct ReaderConfig {
    pub path: PathBuf,
    pub baud: u32,
    pub poll_interval: Duration,
    /// What a reply may take beyond its bytes' time on the line and the reader's own work
    /// ([`Line::latency`]).
    pub latency: Duration,
    /// Record every byte exchanged (see [`crate::record`]).
    pub record: Option<crate::record::Recorder>,
    /// Restarted after a panic, or when no poll happened for the stall time ([`spawn`]).
    pub supervision: crate::supervisor::Supervision,
}

impl ReaderConfig {
    /// The line the reader is on, for its deadlines.
    pub fn line(&self) -> Line {
        Line::new(self.baud).with_latency(self.latency)
    }

    pub fn new(path: impl Into<PathBuf>, baud: u32) -> ReaderConfig {
        ReaderConfig {
            path: path.into(),
            baud,
            poll_interval: Duration::from_millis(300),
            latency: Line::DEFAULT_LATENCY,
            record: None,
            supervision: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("no reply to {0:?}")]
    Timeout(Command),
    #[error("{cmd:?} answered {sw3}")]
    Status { cmd: Command, sw3: Sw3 },
    #[error("bad frame: {0}")]
    Frame(#[from] FrameError),
    #[error("reply too short for a card read ({0} bytes)")]
    ShortRead(usize),
    #[error("port error: {0}")]
    Io(String),
    /// The line never goes quiet (noise, a floating RX line, a wrong device on the port).
    #[error("the reader's line keeps sending bytes that are no reply")]
    Noise,
}

impl ReadError {
    /// The cable or port is gone, or the line is flooded: reopen rather than retry.
    pub fn is_link_lost(&self) -> bool {
        matches!(self, ReadError::Io(_) | ReadError::Noise)
    }
}

/// The longest a late reply is waited out, and the most bytes taken for one, before the line
/// counts as flooded: a device that never stops sending cannot hold the driver.
const DRAIN_LIMIT: Duration = Duration::from_millis(300);
const DRAIN_MAX_BYTES: usize = 8 * 1024;

/// A run of this many commands without an answer (a timeout, a bad frame) and the reader counts as
/// gone: it is reported offline and its port reopened. One or two late replies on a slow or busy
/// line are not a lost reader.
pub const FAILURES_BEFORE_OFFLINE: u32 = 3;

/// The reader's own time for a command, beyond the bytes' time on the line: vendor demos show
/// ~300 ms for a select and ~1.1 s for a read; about twice that is allowed.
pub fn work(cmd: Command) -> Duration {
    Duration::from_millis(match cmd {
        Command::ReadText => 2_000,
        Command::ReadTextWithFingerprint => 2_500,
        Command::ResetSam | Command::ReadAdditionalAddress => 1_000,
        Command::SelectCard | Command::ReadPhysicalId => 600,
        Command::SamStatus | Command::ReadSamId | Command::FindCard | Command::SetMaxRfFrame(_) => {
            300
        }
    })
}

/// The longest reply a command can have, in bytes on the wire (preamble to checksum).
pub fn longest_reply(cmd: Command) -> usize {
    // Preamble, length, SW1–SW3 and the checksum: 11 bytes around the data.
    11 + match cmd {
        // Text and photo lengths, 256 + 1024 bytes.
        Command::ReadText => 4 + 256 + 1024,
        // …and a fingerprint's length and up to 1024 bytes of it.
        Command::ReadTextWithFingerprint => 6 + 256 + 1024 + 1024,
        Command::ReadAdditionalAddress => 70,
        Command::ReadSamId => 16,
        Command::FindCard | Command::SelectCard | Command::ReadPhysicalId => 8,
        Command::ResetSam | Command::SamStatus | Command::SetMaxRfFrame(_) => 0,
    }
}

/// Whether `reply` can be the answer to `cmd`. A SAM reply carries no copy of its command (only
/// SW1–SW3 and data), so each command's possible answers are told apart by their status word and
/// their data's length: a find-card answers 9F (card found) or 80 (no card), a SAM command 90 or
/// a SAM fault with no data, a select 90 with a few bytes, a read 90 with the text and photo, and
/// a failed select or read a card error with no data. A status about the host's own frame
/// (checksum, length, command error) can answer any command. Anything else is a late reply to an
/// earlier command, or noise: dropped, never believed.
pub fn answers(cmd: Command, reply: &Response) -> bool {
    let sw3 = reply.sw3.0;
    let empty = reply.data.is_empty();
    // The host's frame was refused: the answer to whatever was just sent.
    if matches!(sw3, 0x10 | 0x11 | 0x21 | 0x23 | 0x24) {
        return empty;
    }
    // Statuses that name another command's outcome, never a card error of a select or a read.
    let other_commands = matches!(sw3, 0x90 | 0x9F | 0x80 | 0x81 | 0x60 | 0x66);
    match cmd {
        Command::ResetSam | Command::SamStatus | Command::SetMaxRfFrame(_) => {
            matches!(sw3, 0x90 | 0x60 | 0x66) && empty
        }
        Command::ReadSamId => {
            (sw3 == 0x90 && (1..=64).contains(&reply.data.len()))
                || (matches!(sw3, 0x60 | 0x66) && empty)
        }
        Command::FindCard => (sw3 == 0x9F && reply.data.len() <= 8) || (sw3 == 0x80 && empty),
        // The documented select reply has 8 bytes of data; one with none is taken too (a late
        // SAM status read as a select's success costs nothing: the select's own reply, late
        // in turn, cannot answer the read that follows).
        Command::SelectCard | Command::ReadPhysicalId => {
            (sw3 == 0x90 && reply.data.len() <= 16)
                || (sw3 == 0x81 && cmd == Command::SelectCard && empty)
                || (!other_commands && empty)
        }
        Command::ReadText => {
            (sw3 == 0x90 && reply.data.len() >= 4 + TEXT_LEN) || (!other_commands && empty)
        }
        Command::ReadTextWithFingerprint => {
            (sw3 == 0x90 && reply.data.len() >= 6 + TEXT_LEN) || (!other_commands && empty)
        }
        Command::ReadAdditionalAddress => {
            (sw3 == 0x90 && !empty && reply.data.len() <= 256) || (!other_commands && empty)
        }
    }
}

#[derive(Debug, Clone)]
pub enum IdCardEvent {
    Status(DeviceStatus),
    /// A card entered the field; reading has started ("正在读取身份证…").
    CardDetected,
    CardPresented(Box<Identity>),
    CardRemoved,
    ReadFailed(ReadError),
}

/// One conversation with a reader over any byte stream.
pub struct Link<S> {
    io: S,
    decoder: Decoder,
    line: Line,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    /// A conversation on `line`: its speed and latency give every command its deadline.
    pub fn new(io: S, line: Line) -> Link<S> {
        Link {
            io,
            decoder: Decoder::new(),
            line,
        }
    }

    /// Sends one command and waits for its reply: stale bytes are dropped first, and only a reply
    /// that can answer `cmd` is taken ([`answers`]) within the command's deadline.
    pub async fn transact(&mut self, cmd: Command) -> Result<Response, ReadError> {
        self.drain_stale().await?;
        let frame = cmd.encode();
        // A line that does not take a command within its time is stuck: the port is reopened.
        let write_limit = self.line.deadline(frame.len(), 0, Duration::ZERO);
        match tokio::time::timeout(write_limit, self.io.write_all(&frame)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ReadError::Io(e.to_string())),
            Err(_) => {
                return Err(ReadError::Io(
                    "the reader's line does not take commands".into(),
                ))
            }
        }
        let limit = self
            .line
            .deadline(frame.len(), longest_reply(cmd), work(cmd));
        let deadline = tokio::time::Instant::now() + limit;
        let mut buf = [0u8; 1024];
        loop {
            while let Some(reply) = self.decoder.next_response() {
                let reply = reply.map_err(ReadError::from)?;
                if answers(cmd, &reply) {
                    return Ok(reply);
                }
                // A late answer to an earlier command (or noise that framed): not this one's.
                tracing::debug!(device = "id_card", command = ?cmd, sw3 = %reply.sw3, "a reply that does not answer the command was dropped");
            }
            match tokio::time::timeout_at(deadline, self.io.read(&mut buf)).await {
                Err(_) => {
                    self.decoder.clear();
                    self.drain_late_bytes().await?;
                    return Err(ReadError::Timeout(cmd));
                }
                Ok(Ok(0)) => return Err(ReadError::Io("port closed".into())),
                Ok(Ok(n)) => self.decoder.push(&buf[..n]),
                Ok(Err(e)) => return Err(ReadError::Io(e.to_string())),
            }
        }
    }

    /// Drops whatever already waits on the line before a command (a late reply to an earlier
    /// one), without waiting for more. Bounded: a line that keeps bytes coming is noise.
    async fn drain_stale(&mut self) -> Result<(), ReadError> {
        self.decoder.clear();
        let mut buf = [0u8; 1024];
        let mut taken = 0usize;
        // A zero timeout still polls the read once: it takes what is there and never waits.
        while let Ok(Ok(n)) = tokio::time::timeout(Duration::ZERO, self.io.read(&mut buf)).await {
            if n == 0 {
                break;
            }
            taken += n;
            if taken > DRAIN_MAX_BYTES {
                return Err(ReadError::Noise);
            }
        }
        if taken > 0 {
            tracing::debug!(
                device = "id_card",
                bytes = taken,
                "stale bytes dropped before a command"
            );
        }
        Ok(())
    }

    /// A reply that arrives after its timeout must not be taken for the next command's reply.
    /// Bounded: a line that is still sending after `DRAIN_LIMIT` or `DRAIN_MAX_BYTES` is noise.
    async fn drain_late_bytes(&mut self) -> Result<(), ReadError> {
        let mut buf = [0u8; 1024];
        let until = tokio::time::Instant::now() + DRAIN_LIMIT;
        let mut taken = 0usize;
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(30), self.io.read(&mut buf)).await
        {
            if n == 0 {
                break;
            }
            taken += n;
            if taken > DRAIN_MAX_BYTES || tokio::time::Instant::now() >= until {
                return Err(ReadError::Noise);
            }
        }
        Ok(())
    }

    async fn expect_ok(&mut self, cmd: Command) -> Result<Response, ReadError> {
        let r = self.transact(cmd).await?;
        if r.sw3.is_ok() {
            Ok(r)
        } else {
            Err(ReadError::Status { cmd, sw3: r.sw3 })
        }
    }

    /// SAM status; `Err(Status{sw3: 60})` is a failed self-test.
    pub async fn sam_status(&mut self) -> Result<(), ReadError> {
        self.expect_ok(Command::SamStatus).await.map(|_| ())
    }

    pub async fn sam_id(&mut self) -> Result<Vec<u8>, ReadError> {
        self.expect_ok(Command::ReadSamId).await.map(|r| r.data)
    }

    /// Is a card in the field? (`Ok(false)` for SW3 80.)
    pub async fn find_card(&mut self) -> Result<bool, ReadError> {
        let r = self.transact(Command::FindCard).await?;
        Ok(r.sw3 == Sw3::CARD_FOUND)
    }

    /// Select, then read text and photo.
    pub async fn read_card(&mut self) -> Result<Identity, ReadError> {
        self.expect_ok(Command::SelectCard).await?;
        let r = self.expect_ok(Command::ReadText).await?;
        parse_read_reply(&r.data, false)
    }

    /// Select, then read text, photo and fingerprint data (`30 10`, readers that support it).
    /// Returns the fingerprint bytes too (empty when the card carries none).
    pub async fn read_card_with_fingerprint(&mut self) -> Result<(Identity, Vec<u8>), ReadError> {
        self.expect_ok(Command::SelectCard).await?;
        let r = self.expect_ok(Command::ReadTextWithFingerprint).await?;
        let identity = parse_read_reply(&r.data, true)?;
        let text_len = u16::from_be_bytes([r.data[0], r.data[1]]) as usize;
        let photo_len = u16::from_be_bytes([r.data[2], r.data[3]]) as usize;
        let fp_len = u16::from_be_bytes([r.data[4], r.data[5]]) as usize;
        let start = 6 + text_len + photo_len;
        let fingerprint = r
            .data
            .get(start..start + fp_len)
            .unwrap_or_default()
            .to_vec();
        Ok((identity, fingerprint))
    }

    /// The additional address written by a police station after a move, if any.
    pub async fn additional_address(&mut self) -> Result<Option<String>, ReadError> {
        let r = self.transact(Command::ReadAdditionalAddress).await?;
        match r.sw3 {
            Sw3::SUCCESS => Ok(Some(identity::ucs2(&r.data))),
            Sw3::NO_CONTENT => Ok(None),
            sw3 => Err(ReadError::Status {
                cmd: Command::ReadAdditionalAddress,
                sw3,
            }),
        }
    }

    pub fn into_inner(self) -> S {
        self.io
    }
}

/// Splits the data of a read reply: `[text len][photo len]([fp len])` then the blocks.
pub fn parse_read_reply(data: &[u8], with_fingerprint: bool) -> Result<Identity, ReadError> {
    let header = if with_fingerprint { 6 } else { 4 };
    if data.len() < header {
        return Err(ReadError::ShortRead(data.len()));
    }
    let text_len = u16::from_be_bytes([data[0], data[1]]) as usize;
    let photo_len = u16::from_be_bytes([data[2], data[3]]) as usize;
    let text_end = header + text_len;
    let photo_end = text_end + photo_len;
    if text_len < TEXT_LEN || data.len() < photo_end {
        return Err(ReadError::ShortRead(data.len()));
    }
    Ok(identity::parse(
        &data[header..text_end],
        data[text_end..photo_end].to_vec(),
    ))
}

struct Reporter {
    tx: mpsc::Sender<IdCardEvent>,
    last: Option<DeviceStatus>,
}

impl Reporter {
    /// Sends the status only when it changed; `false` once nobody listens.
    async fn status(&mut self, status: DeviceStatus) -> bool {
        if self.last.as_ref() == Some(&status) {
            return !self.tx.is_closed();
        }
        tracing::info!(device = "id_card", state = ?status.state, detail = ?status.detail, "status");
        self.last = Some(status.clone());
        self.tx.send(IdCardEvent::Status(status)).await.is_ok()
    }

    async fn event(&mut self, e: IdCardEvent) -> bool {
        self.tx.send(e).await.is_ok()
    }
}

/// Starts the reader as a supervised task (see [`ReaderConfig::supervision`]).
pub fn spawn(config: ReaderConfig, tx: mpsc::Sender<IdCardEvent>) -> tokio::task::JoinHandle<()> {
    config.supervision.clone().spawn("id_card", move |pulse| {
        run_beating(config.clone(), tx.clone(), pulse)
    })
}

/// Runs the reader until the receiver is dropped (or the task is aborted).
pub async fn run(config: ReaderConfig, tx: mpsc::Sender<IdCardEvent>) {
    run_beating(config, tx, Pulse::default()).await
}

/// As [`run`], beating `pulse` at every poll and every attempt to open the port.
pub async fn run_beating(config: ReaderConfig, tx: mpsc::Sender<IdCardEvent>, pulse: Pulse) {
    let mut rep = Reporter { tx, last: None };
    let mut reopen = port::Reopen::default();
    loop {
        pulse.beat();
        match port::open(&config.path, config.baud) {
            Err(e) => {
                if !rep
                    .status(DeviceStatus::with_detail(e.device_state(), e.to_string()))
                    .await
                {
                    return;
                }
                tokio::time::sleep(reopen.failed(&e)).await;
            }
            Ok(stream) => {
                reopen.opened();
                let stream = crate::record::Recorded::new(stream, config.record.clone());
                let link = Link::new(stream, config.line());
                let why = match session(&config, link, &mut rep, &pulse).await {
                    Some(why) => why,
                    None => return,
                };
                if !rep
                    .status(DeviceStatus::with_detail(DeviceState::Offline, why))
                    .await
                {
                    return;
                }
                tokio::time::sleep(reopen.broke_off()).await;
            }
        }
    }
}

/// Runs the reader on an already open stream (a replayed recording, a socket) until it ends;
/// returns why it ended, or `None` when nobody listens any more.
pub async fn run_on<S: AsyncRead + AsyncWrite + Unpin>(
    config: &ReaderConfig,
    stream: S,
    tx: mpsc::Sender<IdCardEvent>,
) -> Option<String> {
    let mut rep = Reporter { tx, last: None };
    let link = Link::new(stream, config.line());
    session(config, link, &mut rep, &Pulse::default()).await
}

/// One open port's life. Returns why it ended, or `None` when nobody listens any more.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    config: &ReaderConfig,
    mut link: Link<S>,
    rep: &mut Reporter,
    pulse: &Pulse,
) -> Option<String> {
    // A late or lost answer is asked again: a run of failures, not one, means no reader.
    let mut sam = link.sam_status().await;
    for _ in 1..FAILURES_BEFORE_OFFLINE {
        match &sam {
            Err(e) if !e.is_link_lost() && !matches!(e, ReadError::Status { .. }) => {
                sam = link.sam_status().await;
            }
            _ => break,
        }
    }
    match sam {
        Ok(()) => {}
        Err(ReadError::Status { sw3, .. }) => {
            rep.status(DeviceStatus::with_detail(
                DeviceState::HardwareError,
                sw3.to_string(),
            ))
            .await
            .then_some(())?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            return Some(format!("SAM not ready: {sw3}"));
        }
        Err(e) => return Some(e.to_string()),
    }
    rep.status(DeviceStatus::new(DeviceState::Online))
        .await
        .then_some(())?;

    let mut card_read = false;
    let mut failed_reads = 0u32;
    let mut misses = 0u32;
    let mut silent = 0u32;
    let mut ticker = tokio::time::interval(config.poll_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        pulse.beat();
        if rep.tx.is_closed() {
            return None;
        }
        match link.find_card().await {
            Ok(true) => {
                silent = 0;
                misses = 0;
                // A card held on the reader is read once; a failed read is retried twice, then left.
                if card_read || failed_reads >= 3 {
                    continue;
                }
                if failed_reads == 0 {
                    rep.event(IdCardEvent::CardDetected).await.then_some(())?;
                }
                match link.read_card().await {
                    Ok(identity) => {
                        card_read = true;
                        failed_reads = 0;
                        rep.event(IdCardEvent::CardPresented(Box::new(identity)))
                            .await
                            .then_some(())?;
                    }
                    Err(e) if e.is_link_lost() => return Some(e.to_string()),
                    Err(e) => {
                        failed_reads += 1;
                        tracing::warn!(device = "id_card", error = %e, "card read failed");
                        rep.event(IdCardEvent::ReadFailed(e)).await.then_some(())?;
                    }
                }
            }
            Ok(false) => {
                silent = 0;
                misses += 1;
                if misses >= 2 && (card_read || failed_reads > 0) {
                    card_read = false;
                    failed_reads = 0;
                    rep.event(IdCardEvent::CardRemoved).await.then_some(())?;
                }
            }
            Err(e) if e.is_link_lost() => return Some(e.to_string()),
            Err(e) => {
                silent += 1;
                if silent >= FAILURES_BEFORE_OFFLINE {
                    return Some(format!("reader does not answer ({e})"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(sw3: u8, data: usize) -> Response {
        Response {
            data: vec![0; data],
            ..Response::status(Sw3(sw3))
        }
    }

    #[test]
    fn each_reply_answers_only_the_commands_it_can_answer() {
        use Command::*;
        let all = [
            ResetSam,
            SamStatus,
            ReadSamId,
            FindCard,
            SelectCard,
            ReadText,
            ReadAdditionalAddress,
            ReadPhysicalId,
            ReadTextWithFingerprint,
            SetMaxRfFrame(0x50),
        ];
        // Each reply, and exactly the commands it may answer.
        let cases: [(Response, &[Command]); 11] = [
            (
                reply(0x90, 0),
                &[
                    ResetSam,
                    SamStatus,
                    SetMaxRfFrame(0x50),
                    SelectCard,
                    ReadPhysicalId,
                ],
            ),
            (
                reply(0x60, 0),
                &[ResetSam, SamStatus, ReadSamId, SetMaxRfFrame(0x50)],
            ),
            (
                reply(0x90, 16),
                &[ReadSamId, SelectCard, ReadAdditionalAddress, ReadPhysicalId],
            ),
            (reply(0x9F, 4), &[FindCard]),
            (reply(0x80, 0), &[FindCard]),
            (
                reply(0x90, 8),
                &[ReadSamId, SelectCard, ReadAdditionalAddress, ReadPhysicalId],
            ),
            (reply(0x81, 0), &[SelectCard]),
            // Text and photo, with or without a fingerprint's length: a card read either way.
            (reply(0x90, 1284), &[ReadText, ReadTextWithFingerprint]),
            (reply(0x90, 1286), &[ReadText, ReadTextWithFingerprint]),
            (
                reply(0x41, 0),
                &[
                    SelectCard,
                    ReadText,
                    ReadAdditionalAddress,
                    ReadPhysicalId,
                    ReadTextWithFingerprint,
                ],
            ),
            // The host's own frame refused: the answer to whatever was sent.
            (reply(0x21, 0), &all),
        ];
        for (r, answered) in cases {
            for cmd in all {
                assert_eq!(answers(cmd, &r), answered.contains(&cmd), "{cmd:?} ← {r:?}");
            }
        }
        // The field's case: a late "no card" is no SAM status.
        assert!(!answers(SamStatus, &reply(0x80, 0)));
    }

    #[test]
    fn deadlines_cover_the_longest_reply_on_the_line() {
        let line = Line::new(9600).with_latency(Duration::from_millis(100));
        // A card read at 9600 baud: 1305 bytes on the wire (1.36 s), the reader's 2 s, 0.1 s.
        let read = line.deadline(
            Command::ReadText.encode().len(),
            longest_reply(Command::ReadText),
            work(Command::ReadText),
        );
        assert_eq!(longest_reply(Command::ReadText), 1295);
        assert_eq!(
            read,
            Duration::from_micros(1_359_375) + Duration::from_millis(2100)
        );
        let find = line.deadline(
            10,
            longest_reply(Command::FindCard),
            work(Command::FindCard),
        );
        assert!(find < Duration::from_millis(450), "{find:?}");
    }
}
