//! The reader task: owns the serial port, polls for cards, reports typed events.
//!
//! Pacing: one find-card every `poll_interval`; a card that stays on the reader is read once and then
//! only watched; two misses in a row mean it was taken away. I/O errors or three silent commands in a
//! row mean the cable is gone: the task reports `Offline` and reopens the port with backoff.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::codec::{Command, Decoder, FrameError, Response, Sw3};
use super::identity::{self, Identity, TEXT_LEN};
use crate::device::{DeviceState, DeviceStatus};
use crate::port;
use crate::supervisor::Pulse;

#[derive(Debug, Clone)]
pub struct ReaderConfig {
    pub path: PathBuf,
    pub baud: u32,
    pub poll_interval: Duration,
    /// Per-command timeout for short commands.
    pub command_timeout: Duration,
    /// Timeout for the read reply (1295 bytes take ~112 ms on the wire, readers need ~1.1 s).
    pub read_timeout: Duration,
    /// Record every byte exchanged (see [`crate::record`]).
    pub record: Option<crate::record::Recorder>,
    /// Restarted after a panic, or when no poll happened for the stall time ([`spawn`]).
    pub supervision: crate::supervisor::Supervision,
}

impl ReaderConfig {
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> ReaderConfig {
        ReaderConfig {
            path: path.into(),
            baud,
            poll_interval: Duration::from_millis(300),
            command_timeout: Duration::from_millis(800),
            read_timeout: Duration::from_millis(3000),
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
    command_timeout: Duration,
    read_timeout: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link<S> {
    pub fn new(io: S, command_timeout: Duration, read_timeout: Duration) -> Link<S> {
        Link {
            io,
            decoder: Decoder::new(),
            command_timeout,
            read_timeout,
        }
    }

    /// Sends one command and waits for its reply.
    pub async fn transact(&mut self, cmd: Command) -> Result<Response, ReadError> {
        self.decoder.clear();
        // A line that does not take a command within its timeout is stuck: the port is reopened.
        match tokio::time::timeout(self.command_timeout, self.io.write_all(&cmd.encode())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ReadError::Io(e.to_string())),
            Err(_) => {
                return Err(ReadError::Io(
                    "the reader's line does not take commands".into(),
                ))
            }
        }
        let limit = match cmd {
            Command::ReadText | Command::ReadTextWithFingerprint => self.read_timeout,
            _ => self.command_timeout,
        };
        let deadline = tokio::time::Instant::now() + limit;
        let mut buf = [0u8; 1024];
        loop {
            if let Some(reply) = self.decoder.next_response() {
                return reply.map_err(ReadError::from);
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
    let mut backoff = Duration::from_millis(200);
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
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(3));
            }
            Ok(stream) => {
                backoff = Duration::from_millis(200);
                let stream = crate::record::Recorded::new(stream, config.record.clone());
                let link = Link::new(stream, config.command_timeout, config.read_timeout);
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
                tokio::time::sleep(backoff).await;
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
    let link = Link::new(stream, config.command_timeout, config.read_timeout);
    session(config, link, &mut rep, &Pulse::default()).await
}

/// One open port's life. Returns why it ended, or `None` when nobody listens any more.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    config: &ReaderConfig,
    mut link: Link<S>,
    rep: &mut Reporter,
    pulse: &Pulse,
) -> Option<String> {
    match link.sam_status().await {
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
                if silent >= 3 {
                    return Some(format!("reader does not answer ({e})"));
                }
            }
        }
    }
}
