//! Recorded I/O, replayed: recordings of the simulators' interesting cases (checked in under
//! drivers/tests/fixtures/recordings, regenerated with `UPDATE_RECORDINGS=1`) are fed back to the drivers,
//! which must send the same bytes and report the same events. Recordings from real hardware go in
//! the same folder and replay the same way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use onetrip_drivers::device::{DeviceState, PaperLevel};
use onetrip_drivers::id_card::reader::{self, IdCardEvent, ReaderConfig};
use onetrip_drivers::id_card::sim::{Fault, IdCardSim, SimCard};
use onetrip_drivers::printer::commands::encode;
use onetrip_drivers::printer::sim::{PrinterSim, SimPaper};
use onetrip_drivers::printer::task::{print_job, query_status, PrinterConfig};
use onetrip_drivers::printer::{Align, Block, Document};
use onetrip_drivers::record::{load, Direction, Exchange, Recorded, Recorder, Replay};
use onetrip_drivers::scanner::sim::{frame, ScannerSim};
use onetrip_drivers::scanner::{decode_scan, Framer, Symbology};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recordings")
        .join(name)
}

/// Uses a fresh recording, and (re)writes the checked-in one when asked to.
fn keep(fresh: &Path, name: &str) {
    if std::env::var_os("UPDATE_RECORDINGS").is_some() {
        std::fs::copy(fresh, fixture(name)).unwrap();
    }
}

fn reader_cfg(path: &Path, rec: Option<Recorder>) -> ReaderConfig {
    let mut c = ReaderConfig::new(path, 115_200);
    c.poll_interval = Duration::from_millis(40);
    c.latency = Duration::from_millis(100);
    c.record = rec;
    c
}

/// Recordings of test cards and simulators here: no expiry to speak of.
fn forever() -> std::time::SystemTime {
    std::time::SystemTime::now() + Duration::from_secs(24 * 3600)
}

async fn next_card_event(rx: &mut mpsc::Receiver<IdCardEvent>, pick: fn(&IdCardEvent) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) if pick(&e) => return,
            Ok(Some(_)) => {}
            _ => panic!("timed out recording"),
        }
    }
}

/// Records a reader session against the simulator: tap, read, removal (and optionally a fault).
async fn record_reader(dir: &Path, name: &str, fault: Option<Fault>) -> PathBuf {
    let link = dir.join(format!("{name}.tty"));
    let out = dir.join(name);
    let sim = IdCardSim::start(&link, SimCard::sample_deck()).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let task = tokio::spawn(reader::run(
        reader_cfg(
            &link,
            Some(
                Recorder::create(&out, "id_card", forever())
                    .unwrap()
                    .unredacted(),
            ),
        ),
        tx,
    ));
    next_card_event(
        &mut rx,
        |e| matches!(e, IdCardEvent::Status(s) if s.state == DeviceState::Online),
    )
    .await;
    sim.set_fault(fault);
    sim.tap(0);
    if fault.is_some() {
        next_card_event(&mut rx, |e| matches!(e, IdCardEvent::ReadFailed(_))).await;
    } else {
        next_card_event(&mut rx, |e| matches!(e, IdCardEvent::CardPresented(_))).await;
    }
    sim.set_fault(None);
    sim.remove();
    next_card_event(&mut rx, |e| matches!(e, IdCardEvent::CardRemoved)).await;
    task.abort();
    tokio::time::sleep(Duration::from_millis(50)).await;
    out
}

/// Replays a reader recording; returns the events in order and checks the driver sent exactly
/// the recorded bytes.
async fn replay_reader(recording: &[Exchange]) -> Vec<IdCardEvent> {
    let mut replay = Replay::new(recording.to_vec());
    let (tx, mut rx) = mpsc::channel(256);
    let why = reader::run_on(&reader_cfg(Path::new("replay"), None), &mut replay, tx).await;
    assert!(why.is_some(), "the session ends when the recording does");
    assert!(replay.finished(), "the whole recording was played");
    let sent: Vec<u8> = recording
        .iter()
        .filter(|e| e.dir == Direction::Tx)
        .flat_map(|e| e.bytes())
        .collect();
    // The driver sent the recorded commands (and at most one more, which met the end of the
    // recording: a hung-up port).
    assert!(
        replay.written.starts_with(&sent),
        "the driver sent the recorded commands"
    );
    assert!(
        replay.written.len() - sent.len() <= 10,
        "one command after the end at most"
    );
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    events
}

fn summary(events: &[IdCardEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            IdCardEvent::Status(s) => format!("status {:?}", s.state),
            IdCardEvent::CardDetected => "detected".into(),
            IdCardEvent::CardPresented(id) => format!("card {}", id.name),
            IdCardEvent::CardRemoved => "removed".into(),
            IdCardEvent::ReadFailed(e) => format!("failed {e}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_card_recordings_replay() {
    let dir = tempfile::tempdir().unwrap();
    for (name, fault) in [
        ("id_card_tap_read_remove.jsonl", None),
        (
            "id_card_read_failure_sw3_41.jsonl",
            Some(Fault::ReadStatus(0x41)),
        ),
    ] {
        let fresh = record_reader(dir.path(), name, fault).await;
        keep(&fresh, name);
        for recording in [load(&fresh).unwrap(), load(&fixture(name)).unwrap()] {
            assert!(recording.iter().any(|e| e.dir == Direction::Rx));
            let events = summary(&replay_reader(&recording).await);
            assert_eq!(
                events.first().map(String::as_str),
                Some("status Online"),
                "{name}"
            );
            assert!(
                events.contains(&"detected".to_string()),
                "{name}: {events:?}"
            );
            match fault {
                None => assert!(events.contains(&"card 张晓明".to_string()), "{events:?}"),
                Some(_) => assert!(
                    events
                        .iter()
                        .any(|e| e.starts_with("failed") && e.contains("SW3 41")),
                    "{events:?}"
                ),
            }
            assert!(
                events.contains(&"removed".to_string()),
                "{name}: {events:?}"
            );
        }
    }
}

fn job() -> Vec<u8> {
    encode(&Document {
        blocks: vec![
            Block::Text {
                text: "受理回执".into(),
                align: Align::Center,
                bold: true,
                large: true,
            },
            Block::Qr {
                data: "https://t.example.invalid/s/1".into(),
                module: 6,
            },
            Block::Cut { partial: false },
        ],
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printer_recordings_replay() {
    let dir = tempfile::tempdir().unwrap();
    let name = "printer_job_then_paper_out.jsonl";
    let fresh = dir.path().join(name);
    {
        let link = dir.path().join("printer.tty");
        let sim = PrinterSim::start(&link).unwrap();
        let cfg = PrinterConfig::new(&link, 115_200);
        let port = onetrip_drivers::port::open(&link, 115_200).unwrap();
        let mut io = Recorded::new(
            port,
            Some(
                Recorder::create(&fresh, "device", forever())
                    .unwrap()
                    .unredacted(),
            ),
        );
        let (ok, _, _) = print_job(&mut io, &cfg, job()).await;
        ok.unwrap();
        sim.set_paper(SimPaper::Out);
        let (refused, _, _) = print_job(&mut io, &cfg, job()).await;
        assert!(refused.is_err());
    }
    keep(&fresh, name);
    for recording in [load(&fresh).unwrap(), load(&fixture(name)).unwrap()] {
        let mut replay = Replay::new(recording.clone());
        let cfg = PrinterConfig::new("replay", 115_200);
        let (first, status, _) = print_job(&mut replay, &cfg, job()).await;
        assert_eq!(first, Ok(()));
        assert_eq!(status.unwrap().paper, Some(PaperLevel::Full));
        let (second, status, _) = print_job(&mut replay, &cfg, job()).await;
        assert!(second.is_err(), "paper out: never printed");
        assert_eq!(status.unwrap().paper, Some(PaperLevel::Out));
        // Once the recording is spent the port reads as closed.
        assert!(query_status(&mut replay, Duration::from_millis(100))
            .await
            .is_err());
        let sent: Vec<u8> = recording
            .iter()
            .filter(|e| e.dir == Direction::Tx)
            .flat_map(|e| e.bytes())
            .collect();
        // The recorded bytes, then the status request that met the end of the recording.
        assert!(replay.written.starts_with(&sent));
        assert_eq!(&replay.written[sent.len()..], &[0x10, 0x04, 0x01]);
    }
}

/// Feeds a scanner recording to the scanner's framing and decoding, honouring the recorded gaps.
fn replay_scans(recording: &[Exchange], gap_ms: u64) -> Vec<(Option<Symbology>, Option<String>)> {
    let mut framer = Framer::new();
    let mut out = Vec::new();
    let mut last_t = None;
    for e in recording.iter().filter(|e| e.dir == Direction::Rx) {
        if last_t.is_some_and(|t| e.t_ms.saturating_sub(t) > gap_ms) {
            out.extend(framer.gap());
        }
        out.extend(framer.push(&e.bytes()));
        last_t = Some(e.t_ms);
    }
    out.extend(framer.gap());
    out.into_iter()
        .map(|f| {
            let s = decode_scan(&f);
            (s.symbology, s.text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanner_recordings_replay() {
    let dir = tempfile::tempdir().unwrap();
    let name = "scanner_mixed_suffixes_and_encodings.jsonl";
    let fresh = dir.path().join(name);
    {
        let link = dir.path().join("scanner.tty");
        let sim = ScannerSim::start(&link, false).unwrap();
        let port = onetrip_drivers::port::open(&link, 9600).unwrap();
        let mut io = Recorded::new(
            port,
            Some(
                Recorder::create(&fresh, "device", forever())
                    .unwrap()
                    .unredacted(),
            ),
        );
        let codes: Vec<Vec<u8>> = vec![
            frame("公安".as_bytes(), Some("]Q1"), b"\r\n"),
            frame(&[0xB9, 0xAB, 0xB0, 0xB2], Some("]Q1"), b"\r"),
            frame(b"6901234567892", Some("]E0"), b"\n"),
            frame(b"NO-SUFFIX", Some("]C0"), b""),
            frame(b"AFTER-GAP", None, b"\r\n"),
        ];
        let total: usize = codes.iter().map(Vec::len).sum();
        let mut got = 0;
        let mut buf = [0u8; 256];
        for code in codes {
            sim.present(code);
            // Leave a real gap between codes, as a person would.
            tokio::time::sleep(Duration::from_millis(150)).await;
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(20), io.read(&mut buf)).await
            {
                got += n;
            }
        }
        assert_eq!(got, total);
    }
    keep(&fresh, name);
    for recording in [load(&fresh).unwrap(), load(&fixture(name)).unwrap()] {
        assert_eq!(
            replay_scans(&recording, 80),
            vec![
                (Some(Symbology::Qr), Some("公安".to_string())),
                (Some(Symbology::Qr), Some("公安".to_string())),
                (Some(Symbology::Ean), Some("6901234567892".to_string())),
                (Some(Symbology::Code128), Some("NO-SUFFIX".to_string())),
                (None, Some("AFTER-GAP".to_string())),
            ]
        );
    }
}
