//! The printer task: owns the port, polls real-time status when idle and before every job, and never
//! starts a job on a printer that is out of paper or open.
//!
//! Every status reply is matched to the request it answers: stale bytes are drained before each
//! request, one request is on the line at a time, a reply must have the bit pattern of an answer to
//! the n asked ([`super::status::answers`]), and a request that goes unanswered is asked once more
//! and its late reply waited out before another n is asked, so it is never taken for that one's
//! answer. Deadlines come from the line ([`Line`]): the bytes still ahead on the wire (a job just
//! written, the recovery bytes) and the reply, at the line's speed, and a latency margin. One poll
//! without an answer is not an offline printer: a run of [`FAILURES_BEFORE_OFFLINE`] is.
//!
//! A printer keeps its power when the terminal loses its own or the task is restarted, and may be
//! left inside a command a job cut short (the QR code's data half sent). It still answers `DLE EOT`
//! — real-time commands are executed as they arrive, even inside another command's data (Epson
//! TM-T88III specification and Citizen CT-S2000 manual, `DLE EOT n`) — but those bytes, and the
//! next job's first bytes, are also eaten as the rest of the unfinished command. So every time the
//! port opens, the task first sends [`LONGEST_COMMAND`] `NUL`s, which finish any command a job can
//! leave open and are ignored otherwise, then `ESC @`, which clears the print buffer and the modes
//! (the unfinished line is dropped, not printed), before the first query or job.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use super::commands::LONGEST_COMMAND;
use super::status::{
    answers, asb_to_device_status, request, Incoming, IncomingDecoder, RealTimeStatus, ENABLE_ASB,
};
use crate::device::{DeviceState, DeviceStatus, PaperLevel};
use crate::port::{self, Line};

#[derive(Debug, Clone)]
pub struct PrinterConfig {
    pub path: PathBuf,
    pub baud: u32,
    /// How often status is polled while idle.
    pub status_interval: Duration,
    /// What a status reply may take beyond its bytes' time on the line ([`Line::latency`]).
    pub latency: Duration,
    /// Ask the printer to push status changes (`GS a`), where it offers Automatic Status Back.
    pub automatic_status_back: bool,
    /// A job whose bytes the printer has not taken within their time on the line and this much
    /// more failed (a jammed mechanism).
    pub job_timeout: Duration,
    /// Record every byte exchanged (see [`crate::record`]).
    pub record: Option<crate::record::Recorder>,
    /// Restarted after a panic, or when no status poll or job happened for the stall time.
    pub supervision: crate::supervisor::Supervision,
}

impl PrinterConfig {
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> PrinterConfig {
        PrinterConfig {
            path: path.into(),
            baud,
            status_interval: Duration::from_secs(2),
            latency: Line::DEFAULT_LATENCY,
            automatic_status_back: false,
            job_timeout: Duration::from_secs(30),
            record: None,
            supervision: Default::default(),
        }
    }

    /// The line the printer is on, for its deadlines.
    pub fn line(&self) -> Line {
        Line::new(self.baud).with_latency(self.latency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("printer not ready: {0}")]
    NotReady(String),
    #[error("printer offline: {0}")]
    Offline(String),
    #[error("job failed midway: {0}")]
    FailedMidJob(String),
}

#[derive(Debug, Clone)]
pub enum PrinterEvent {
    Status(DeviceStatus),
    /// A job finished; `lines` counts printed text lines (for paper-use counters).
    Printed {
        bytes: usize,
    },
}

struct Job {
    bytes: Vec<u8>,
    reply: oneshot::Sender<Result<(), PrintError>>,
}

/// Cheap to clone; each clone talks to the same printer task.
#[derive(Clone)]
pub struct PrinterHandle {
    tx: mpsc::Sender<Job>,
}

impl PrinterHandle {
    /// Prints one job (the bytes of [`super::commands::encode`]); returns once the printer has taken
    /// it and reported a sane status afterwards.
    pub async fn print(&self, bytes: Vec<u8>) -> Result<(), PrintError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { bytes, reply })
            .await
            .map_err(|_| PrintError::Offline("printer task stopped".into()))?;
        rx.await
            .map_err(|_| PrintError::Offline("printer task stopped".into()))?
    }
}

/// Starts the printer task; it runs until every handle is dropped.
pub fn spawn(config: PrinterConfig, events: mpsc::Sender<PrinterEvent>) -> PrinterHandle {
    let (tx, rx) = mpsc::channel(4);
    // The job queue outlives a crashed task, so the supervisor's restart serves the same handles.
    let jobs = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
    config.supervision.clone().spawn("printer", move |pulse| {
        run(config.clone(), jobs.clone(), events.clone(), pulse)
    });
    PrinterHandle { tx }
}

#[derive(Debug)]
pub enum QueryError {
    NoAnswer,
    Io(String),
    /// The line never goes quiet (noise, a wrong device): the port is reopened.
    Noise,
}

/// Words for a line that does not take what is written to it.
pub const STUCK: &str = "the printer's line does not take data (stuck or flow control)";

/// Words for a flooded line, for the staff screen and the log.
pub const NOISE: &str = "the printer's line keeps sending data (noise or a wrong device)";

/// Words for a printer that answered no status poll in a run of [`FAILURES_BEFORE_OFFLINE`].
pub const NO_ANSWER: &str = "printer does not answer";

/// A run of this many status polls without an answer takes the printer out of service; one or two
/// missed polls on a slow or busy line do not (and each poll already asks an unanswered request
/// twice).
pub const FAILURES_BEFORE_OFFLINE: u32 = 3;

/// How many times one status request is sent before it counts as unanswered.
const ATTEMPTS: usize = 2;

/// The longest stale bytes are drained before a query or a job, and the most taken, before the
/// line counts as flooded. The most is half a tty's input buffer (4 KiB): a line that filled the
/// buffer while the driver was not reading counts as flooded on its first reads, however the
/// reads are scheduled (a 1 ms pause in the reads would otherwise end the drain as "quiet"). A
/// real flood at 115200 baud sends about 1.2 KiB in the 100 ms, so the time limit catches it.
const DRAIN_LIMIT: Duration = Duration::from_millis(100);
/// How long a newly opened port is left to settle before the first query or job.
const SETTLE: Duration = Duration::from_millis(50);
const DRAIN_MAX_BYTES: usize = 2 * 1024;

/// `ESC @`: initialise the printer (clears the print buffer and the print modes; what is already
/// in the receive buffer stays).
const INITIALISE: [u8; 2] = [0x1B, 0x40];

/// What the task sends first on a newly opened port: enough `NUL`s to finish the longest command a
/// job can leave unfinished (a `NUL` outside a command is ignored), then `ESC @`.
pub fn recovery() -> Vec<u8> {
    let mut bytes = vec![0u8; LONGEST_COMMAND];
    bytes.extend_from_slice(&INITIALISE);
    bytes
}

/// The deadlines of one status query: the first reply may wait behind bytes still ahead of its
/// request on the wire; the others only behind their own request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    pub first: Duration,
    pub each: Duration,
}

impl Patience {
    /// A query on `line` after `in_flight` bytes that may not have left yet.
    pub fn after(line: &Line, in_flight: usize) -> Patience {
        let request = request(1).len();
        Patience {
            first: line.deadline(in_flight.saturating_add(request), 1, Duration::ZERO),
            each: line.deadline(request, 1, Duration::ZERO),
        }
    }
}

/// Asks DLE EOT 1, 2 and 4, each reply within `timeout`.
pub async fn query_status<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    timeout: Duration,
) -> Result<RealTimeStatus, QueryError> {
    query(
        io,
        Patience {
            first: timeout,
            each: timeout,
        },
    )
    .await
}

/// Asks DLE EOT 1, 2 and 4, one request on the line at a time.
pub async fn query<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    patience: Patience,
) -> Result<RealTimeStatus, QueryError> {
    let mut answers = [0u8; 3];
    let mut limit = patience.first;
    for (slot, n) in answers.iter_mut().zip([1u8, 2, 4]) {
        *slot = ask(io, n, limit).await?;
        limit = patience.each;
    }
    Ok(RealTimeStatus {
        printer: answers[0],
        offline_cause: answers[1],
        paper: answers[2],
    })
}

/// One request: stale bytes drained, sent, its reply awaited; sent once more if unanswered. A
/// request is given up only at twice its deadline: one still owed a reply (the printer answers
/// in order, so the first reply is the first request's) has it waited out until then, so a late
/// reply is never taken for the answer to the next request.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    n: u8,
    limit: Duration,
) -> Result<u8, QueryError> {
    drain(io).await?;
    let mut owed = 0usize;
    let mut answer = None;
    let mut last_sent = tokio::time::Instant::now();
    for _ in 0..ATTEMPTS {
        // A line that does not take three bytes in the reply time is stuck, not slow.
        match tokio::time::timeout(limit, io.write_all(&request(n))).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(QueryError::Io(e.to_string())),
            Err(_) => return Err(QueryError::Io(STUCK.into())),
        }
        owed += 1;
        last_sent = tokio::time::Instant::now();
        if let Some(b) = read_reply(io, n, last_sent + limit, 1).await?.first() {
            owed -= 1;
            answer = Some(*b);
            break;
        }
    }
    if owed > 0 {
        let late = read_reply(io, n, last_sent + limit * 2, owed).await?;
        if !late.is_empty() {
            tracing::debug!(
                device = "printer",
                n,
                late = late.len(),
                "late status replies waited out"
            );
        }
    }
    answer.ok_or(QueryError::NoAnswer)
}

/// Up to `want` replies to `DLE EOT n` before `deadline`; bytes that cannot be one are skipped
/// (noise, an ASB block), within the flood limit.
async fn read_reply<S: AsyncRead + Unpin>(
    io: &mut S,
    n: u8,
    deadline: tokio::time::Instant,
    want: usize,
) -> Result<Vec<u8>, QueryError> {
    let mut got = Vec::new();
    let mut skipped = 0usize;
    let mut b = [0u8; 1];
    while got.len() < want {
        match tokio::time::timeout_at(deadline, io.read(&mut b)).await {
            Err(_) => break,
            Ok(Ok(0)) => return Err(QueryError::Io("port closed".into())),
            Ok(Ok(_)) if answers(n, b[0]) => got.push(b[0]),
            Ok(Ok(_)) => {
                skipped += 1;
                if skipped > DRAIN_MAX_BYTES {
                    return Err(QueryError::Noise);
                }
            }
            Ok(Err(e)) => return Err(QueryError::Io(e.to_string())),
        }
    }
    Ok(got)
}

/// Drops stale bytes before a query, within `DRAIN_LIMIT` and `DRAIN_MAX_BYTES`.
async fn drain<S: AsyncRead + Unpin>(io: &mut S) -> Result<(), QueryError> {
    let mut buf = [0u8; 64];
    let until = tokio::time::Instant::now() + DRAIN_LIMIT;
    let mut taken = 0usize;
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), io.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        taken += n;
        if taken > DRAIN_MAX_BYTES || tokio::time::Instant::now() >= until {
            return Err(QueryError::Noise);
        }
    }
    Ok(())
}

struct Reporter {
    tx: mpsc::Sender<PrinterEvent>,
    last: Option<DeviceStatus>,
    /// Status polls in a row the printer did not answer.
    misses: u32,
}

impl Reporter {
    async fn status(&mut self, s: DeviceStatus) {
        if self.last.as_ref() != Some(&s) {
            tracing::info!(device = "printer", state = ?s.state, paper = ?s.paper, cover_open = s.cover_open, "status");
            self.last = Some(s.clone());
            let _ = self.tx.send(PrinterEvent::Status(s)).await;
        }
    }

    /// What a status query saw: an answer is reported (and ends a run of misses); no answer is
    /// reported only once it is the [`FAILURES_BEFORE_OFFLINE`]th in a row.
    async fn polled(&mut self, s: DeviceStatus) {
        if s.state == DeviceState::Offline && s.detail.as_deref() == Some(NO_ANSWER) {
            self.misses = self.misses.saturating_add(1);
            if self.misses < FAILURES_BEFORE_OFFLINE {
                tracing::info!(
                    device = "printer",
                    misses = self.misses,
                    "a status poll went unanswered"
                );
                return;
            }
        } else {
            self.misses = 0;
        }
        self.status(s).await;
    }
}

fn offline(detail: impl Into<String>) -> DeviceStatus {
    DeviceStatus {
        paper: Some(PaperLevel::Unknown),
        ..DeviceStatus::with_detail(DeviceState::Offline, detail)
    }
}

async fn run(
    config: PrinterConfig,
    jobs: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    events: mpsc::Sender<PrinterEvent>,
    pulse: crate::supervisor::Pulse,
) {
    let mut jobs = jobs.lock().await;
    let mut rep = Reporter {
        tx: events,
        last: None,
        misses: 0,
    };
    let line = config.line();
    let mut reopen = port::Reopen::default();
    loop {
        pulse.beat();
        let mut io = match port::open(&config.path, config.baud) {
            Ok(io) => crate::record::Recorded::new(io, config.record.clone()),
            Err(e) => {
                let mut s = offline(e.to_string());
                s.state = e.device_state();
                rep.status(s).await;
                let sleep = tokio::time::sleep(reopen.failed(&e));
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        job = jobs.recv() => match job {
                            None => return,
                            Some(job) => { let _ = job.reply.send(Err(PrintError::Offline(e.to_string()))); }
                        },
                    }
                }
                continue;
            }
        };
        reopen.opened();
        // The line settles before it is judged: opening the port changes DTR and RTS, which
        // wakes or resets some printers, and what arrives meanwhile is drained by the first
        // query. A flooded line has filled the input buffer by then, so that query's drain
        // meets its byte limit at once, however busy the machine is.
        tokio::time::sleep(SETTLE).await;
        // Whatever a job cut short left the printer waiting for is finished and dropped first.
        let mut first = recovery();
        if config.automatic_status_back {
            first.extend_from_slice(&ENABLE_ASB);
        }
        let limit = line.deadline(first.len(), 0, Duration::ZERO);
        match tokio::time::timeout(limit, io.write_all(&first)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                rep.status(offline(e.to_string())).await;
                tokio::time::sleep(reopen.broke_off()).await;
                continue;
            }
            Err(_) => {
                rep.status(offline(STUCK)).await;
                tokio::time::sleep(reopen.broke_off()).await;
                continue;
            }
        }
        // Bytes that may still be on the wire ahead of the next request.
        let mut in_flight = first.len();
        let mut ticker = tokio::time::interval(config.status_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut incoming = IncomingDecoder::default();
        let mut buf = [0u8; 64];
        let why = loop {
            pulse.beat();
            // In this order, not at random: a citizen's job waiting is served first, and the
            // status poll comes before the line's bytes (a flooded line always has bytes to
            // read; only the poll tells it is noise). Chosen at random, a job on a flooded line
            // could lose the draw to the poll cycle after cycle, each a reopen of the port.
            tokio::select! {
                biased;
                job = jobs.recv() => {
                    let Some(job) = job else { return };
                    let len = job.bytes.len();
                    let (result, status, lost) =
                        print_job_after(&mut io, &config, job.bytes, in_flight).await;
                    in_flight = 0;
                    if let Some(s) = status { rep.polled(s).await; }
                    if result.is_ok() { let _ = rep.tx.send(PrinterEvent::Printed { bytes: len }).await; }
                    let _ = job.reply.send(result);
                    if let Some(e) = lost { break e; }
                }
                _ = ticker.tick() => {
                    let polled = query(&mut io, Patience::after(&line, in_flight)).await;
                    in_flight = 0;
                    match polled {
                        Ok(st) => rep.polled(st.to_device_status()).await,
                        Err(QueryError::NoAnswer) => rep.polled(offline(NO_ANSWER)).await,
                        Err(QueryError::Io(e)) => break e,
                        Err(QueryError::Noise) => break NOISE.to_string(),
                    }
                },
                // Between jobs: status the printer pushes by itself (ASB), and the hang-up of a
                // pulled cable, noticed at once rather than at the next poll.
                read = io.read(&mut buf) => match read {
                    Ok(0) => break "port closed".to_string(),
                    Ok(n) => {
                        for item in incoming.push(&buf[..n]) {
                            if let Some(s) = pushed_status(config.automatic_status_back, item) {
                                rep.status(s).await;
                            }
                        }
                    }
                    Err(e) => break e.to_string(),
                },
            }
        };
        rep.status(offline(why)).await;
        // A flooded line would otherwise be reopened and refused in a tight loop.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A status the printer pushed by itself, believed only when Automatic Status Back was asked
/// for: otherwise four bytes of line noise could declare the paper out (or back).
fn pushed_status(asb_enabled: bool, item: Incoming) -> Option<DeviceStatus> {
    match item {
        Incoming::Asb(block) if asb_enabled => Some(asb_to_device_status(block)),
        _ => None,
    }
}

/// A job's status query: as the idle polls, one unanswered query is not an offline printer — only
/// a run of [`FAILURES_BEFORE_OFFLINE`] is (the first waits for `in_flight` bytes on the wire).
async fn query_in_a_run<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    line: &Line,
    in_flight: usize,
) -> Result<RealTimeStatus, QueryError> {
    let mut result = query(io, Patience::after(line, in_flight)).await;
    for _ in 1..FAILURES_BEFORE_OFFLINE {
        if !matches!(result, Err(QueryError::NoAnswer)) {
            break;
        }
        result = query(io, Patience::after(line, 0)).await;
    }
    result
}

/// One job on an open port: status before, the bytes, status after.
/// Returns (result, status seen, link lost reason).
pub async fn print_job<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    config: &PrinterConfig,
    bytes: Vec<u8>,
) -> (Result<(), PrintError>, Option<DeviceStatus>, Option<String>) {
    print_job_after(io, config, bytes, 0).await
}

/// As [`print_job`], with `in_flight` bytes written just before that may still be on the wire.
async fn print_job_after<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    config: &PrinterConfig,
    bytes: Vec<u8>,
    in_flight: usize,
) -> (Result<(), PrintError>, Option<DeviceStatus>, Option<String>) {
    let line = config.line();
    let before = match query_in_a_run(io, &line, in_flight).await {
        Ok(st) => st.to_device_status(),
        Err(QueryError::NoAnswer) => {
            return (
                Err(PrintError::Offline("no status reply".into())),
                Some(offline(NO_ANSWER)),
                None,
            );
        }
        Err(QueryError::Io(e)) => return (Err(PrintError::Offline(e.clone())), None, Some(e)),
        Err(QueryError::Noise) => {
            let e = NOISE.to_string();
            return (Err(PrintError::Offline(e.clone())), None, Some(e));
        }
    };
    if !before.is_ready() {
        let why = before.detail.clone().unwrap_or_else(|| "not ready".into());
        return (Err(PrintError::NotReady(why)), Some(before), None);
    }
    // The bytes' own time on the line, and the mechanism's allowance. Not flushed (`tcdrain`
    // would block a runtime thread for the whole job): the status query after it waits for the
    // job's bytes ahead of its request instead.
    let limit = line.wire(bytes.len()) + config.job_timeout;
    match tokio::time::timeout(limit, io.write_all(&bytes)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let e = e.to_string();
            return (Err(PrintError::FailedMidJob(e.clone())), None, Some(e));
        }
        Err(_) => {
            // Half a job is stuck in the port: reopen it so the next job starts clean.
            let e = "the printer stopped taking data".to_string();
            return (Err(PrintError::FailedMidJob(e.clone())), None, Some(e));
        }
    }
    // The job is only done if the printer is still fine after it: paper may run out midway.
    match query_in_a_run(io, &line, bytes.len()).await {
        Ok(st) => {
            let after = st.to_device_status();
            if after.is_ready() {
                (Ok(()), Some(after), None)
            } else {
                let why = after.detail.clone().unwrap_or_else(|| "not ready".into());
                (Err(PrintError::FailedMidJob(why)), Some(after), None)
            }
        }
        Err(QueryError::NoAnswer) => (
            Err(PrintError::FailedMidJob("no status after the job".into())),
            Some(offline(NO_ANSWER)),
            None,
        ),
        Err(QueryError::Io(e)) => (Err(PrintError::FailedMidJob(e.clone())), None, Some(e)),
        Err(QueryError::Noise) => {
            let e = NOISE.to_string();
            (Err(PrintError::FailedMidJob(e.clone())), None, Some(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_status_is_believed_only_with_automatic_status_back() {
        let mut decoder = IncomingDecoder::default();
        // An ASB block that says "paper out", as noise could spell it.
        let items = decoder.push(&[0x18, 0x00, 0x0F, 0x00]);
        assert!(!items.is_empty(), "the decoder sees a block");
        for item in items.clone() {
            assert_eq!(pushed_status(false, item), None);
        }
        let believed: Vec<DeviceStatus> = items
            .into_iter()
            .filter_map(|i| pushed_status(true, i))
            .collect();
        assert_eq!(believed.len(), 1);
        assert_eq!(believed[0].paper, Some(PaperLevel::Out));
    }
}
