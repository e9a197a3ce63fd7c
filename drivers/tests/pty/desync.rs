//! Drivers that never desync (issue 32): late replies, a slow line, missed status polls, and a
//! receipt cut short by a restart while the printer kept its power — each played by the
//! simulators on their pseudo-terminals, and each seen as a user would: the events a driver
//! reports, what the printer put on paper.

use std::time::Duration;

use onetrip_drivers::device::{DeviceState, PaperLevel};
use onetrip_drivers::id_card::reader::{self, IdCardEvent};
use onetrip_drivers::id_card::sim::{IdCardSim, SimCard};
use onetrip_drivers::printer::commands::{encode, Align, Block, Document};
use onetrip_drivers::printer::sim::{Printed, PrinterSim, SimPaper};
use onetrip_drivers::printer::task::{
    self as printer_task, PrintError, PrinterConfig, PrinterEvent,
};
use onetrip_drivers::pty::ReplyLine;
use tokio::sync::mpsc;

use super::devices::{is_status, next, printer_config, reader_config};

/// Everything a channel delivers within `window`.
async fn gather<T>(rx: &mut mpsc::Receiver<T>, window: Duration) -> Vec<T> {
    let until = tokio::time::Instant::now() + window;
    let mut got = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout_at(until, rx.recv()).await {
        got.push(e);
    }
    got
}

/// The printer's statuses among `events`.
fn statuses(events: &[PrinterEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            PrinterEvent::Status(s) => Some(format!("{:?} {:?} {:?}", s.state, s.paper, s.detail)),
            _ => None,
        })
        .collect()
}

/// A receipt of `lines`, its QR code holding `qr`, then a cut.
fn receipt(lines: &[&str], qr: &str) -> Vec<u8> {
    let mut blocks: Vec<Block> = lines
        .iter()
        .map(|l| Block::Text {
            text: l.to_string(),
            align: Align::Left,
            bold: false,
            large: false,
        })
        .collect();
    blocks.push(Block::Qr {
        data: qr.into(),
        module: 6,
    });
    blocks.push(Block::Cut { partial: false });
    encode(&Document { blocks }).unwrap()
}

/// What the printer puts on paper for [`receipt`].
fn on_paper(lines: &[&str], qr: &str) -> Vec<Printed> {
    let mut out: Vec<Printed> = lines
        .iter()
        .map(|l| Printed::Line {
            text: l.to_string(),
            bold: false,
            large: false,
        })
        .collect();
    out.push(Printed::Qr(qr.into()));
    out.push(Printed::Cut { partial: false });
    out
}

/// Seen in the field under a slow guest: the reader's replies came after their deadline, and a
/// late answer to a find-card (SW3 80, "no card") was taken for the answer to the SAM status asked
/// after the reconnect — "SAM not ready: SW3 80 (find card failed (no card))", the reader out of
/// service. The simulator holds its replies (so the reader goes offline after a run of
/// unanswered commands), then lets them all go just before its answer to the next command: the
/// SAM status. A late reply is dropped, not believed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_reply_is_never_taken_for_the_next_commands_answer() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("id-card");
    let sim = IdCardSim::start(&link, SimCard::sample_deck()).unwrap();
    let (tx, mut rx) = mpsc::channel(256);
    let _task = tokio::spawn(reader::run(reader_config(&link), tx));
    next(&mut rx, "online", |e| is_status(e, DeviceState::Online)).await;

    sim.hold_replies(true);
    next(&mut rx, "offline after a run of silent commands", |e| {
        is_status(e, DeviceState::Offline)
    })
    .await;
    // Everything held — answers to find-card and to the SAM statuses of the reconnects — now
    // arrives just before the answer to the next command the reader hears.
    sim.hold_replies(false);
    let mut seen = Vec::new();
    loop {
        let e = next(&mut rx, "online again", |_| true).await;
        let online = is_status(&e, DeviceState::Online);
        seen.push(e);
        if online {
            break;
        }
    }
    for e in &seen {
        match e {
            IdCardEvent::Status(s) => assert!(
                s.state != DeviceState::HardwareError
                    && !s.detail.as_deref().unwrap_or_default().contains("SW3"),
                "a late reply was believed: {s:?}"
            ),
            other => panic!("no card is on the reader: {other:?}"),
        }
    }

    // And the reader reads the next card as it is, in step with its replies.
    sim.tap(0);
    let IdCardEvent::CardPresented(id) = next(&mut rx, "the card", |e| {
        assert!(!matches!(e, IdCardEvent::ReadFailed(_)), "{e:?}");
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(id.name, "张晓明");
}

/// A status reply later than its deadline (the printer answers, slowly) was taken for the answer
/// to the next request: a printer out of paper was reported offline, then "ready" with paper.
/// With every reply late, the driver must report nothing but the truth: out of paper, and a job
/// is refused, never sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_status_reply_is_never_believed_as_another_requests_answer() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let mut cfg = printer_config(&link);
    cfg.latency = Duration::from_millis(500);
    let (tx, mut rx) = mpsc::channel(256);
    let printer = printer_task::spawn(cfg, tx);
    sim.set_paper(SimPaper::Out);
    next(
        &mut rx,
        "paper out",
        |e| matches!(e, PrinterEvent::Status(s) if s.paper == Some(PaperLevel::Out)),
    )
    .await;

    // Every reply 1.2 times the deadline late: past it, and well within twice the deadline
    // from the request asked again (when the driver gives a request up).
    sim.set_line(ReplyLine {
        delay: Some(Duration::from_millis(600)),
        baud: None,
    });
    let events = gather(&mut rx, Duration::from_secs(6)).await;
    assert_eq!(statuses(&events), Vec::<String>::new(), "nothing changed");
    sim.clear_raw();
    let r = printer.print(receipt(&["不应打印"], "x")).await;
    assert!(matches!(r, Err(PrintError::NotReady(_))), "{r:?}");
    assert!(sim.printed().is_empty());
    assert!(
        !sim.raw().iter().any(|b| matches!(b, 0x1B..=0x1D)),
        "only status requests went out: {:02X?}",
        sim.raw()
    );
}

/// A receipt at 9600 baud takes about two seconds on the wire; the status asked after it waits
/// behind it. With one fixed reply timeout the receipt printed but was reported failed ("no
/// status after the job"): the deadline is now derived from the bytes ahead of the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_on_a_slow_line_is_not_reported_failed() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    sim.set_line(ReplyLine {
        delay: None,
        baud: Some(9600),
    });
    let (tx, mut rx) = mpsc::channel(256);
    // The kiosk's own settings, but for the line.
    let printer = printer_task::spawn(PrinterConfig::new(&link, 9600), tx);
    next(
        &mut rx,
        "ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;
    let lines: Vec<String> = (0..40)
        .map(|i| format!("第{i}行 慢速串口 slow line receipt"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let job = receipt(&lines, "https://t.example.invalid/s/9600");
    assert!(
        job.len() > 1700,
        "{} bytes: over 1.7 s at 9600 baud",
        job.len()
    );
    sim.take_printed();
    assert_eq!(printer.print(job).await, Ok(()));
    assert_eq!(
        sim.take_printed(),
        on_paper(&lines, "https://t.example.invalid/s/9600")
    );
}

/// One missed status poll is not an offline printer. A printer that leaves every other status
/// request unanswered stays online — the terminal stays in service — and prints every receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_that_misses_every_other_status_reply_stays_in_service() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let (tx, mut rx) = mpsc::channel(256);
    let printer = printer_task::spawn(printer_config(&link), tx);
    next(
        &mut rx,
        "ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;

    // Every sixth request and the retry after it go unanswered: now and then a whole poll is
    // missed (one miss at a time, never a run).
    sim.drop_status_runs(Some(6), 2);
    let events = gather(&mut rx, Duration::from_secs(5)).await;
    assert_eq!(statuses(&events), Vec::<String>::new(), "always ready");
    for n in 1..=3 {
        let number = format!("编号 {n}");
        sim.take_printed();
        assert_eq!(printer.print(receipt(&[&number], "q")).await, Ok(()));
        assert_eq!(sim.take_printed(), on_paper(&[&number], "q"));
    }
    let events = gather(&mut rx, Duration::from_millis(500)).await;
    assert_eq!(
        statuses(&events),
        Vec::<String>::new(),
        "still ready after the jobs"
    );

    // A printer that stops answering at all is still reported, after a run of missed polls.
    sim.drop_status_replies(None);
    sim.set_paper(SimPaper::NoAnswer);
    let PrinterEvent::Status(s) = next(
        &mut rx,
        "offline",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await
    else {
        unreachable!()
    };
    assert_eq!(s.detail.as_deref(), Some(printer_task::NO_ANSWER));
}

/// The terminal lost its power (or the printer's task was killed) in the middle of a receipt while
/// the printer kept its own: the printer holds half a command — here 20 bytes into a QR code's
/// 300. It still answers status requests (real-time commands are executed as they arrive, even
/// inside another command's data), and it would have eaten the next receipt's first bytes as
/// the rest of that QR code. The restarted driver finishes and drops the half command first:
/// the next receipt prints whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_cut_short_by_a_restart_is_flushed_and_the_next_prints_whole() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let mut cfg = printer_config(&link);
    // Only the poll on opening: nothing but the driver's own recovery fills the half command.
    cfg.status_interval = Duration::from_secs(3600);

    let long_link = format!("https://t.example.invalid/s/{}", "A".repeat(272));
    assert_eq!(long_link.len(), 300);
    let first = receipt(&["第一张回执", "申请人：张*明"], &long_link);
    // The line breaks 20 bytes into the QR code's data.
    let store = [0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30];
    assert!(first.windows(8).any(|w| w == store));
    sim.break_line_after(Some((store.to_vec(), 20)));

    // The first driver, on a runtime of its own, killed with it once the line broke mid-job.
    let old = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (old_tx, _old_rx) = mpsc::channel(256);
    let old_cfg = cfg.clone();
    old.spawn(async move {
        let printer = printer_task::spawn(old_cfg, old_tx);
        let _ = printer.print(first).await;
        std::future::pending::<()>().await;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !sim.line_broken() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    old.shutdown_background();
    // Gone once its port is free (it is opened exclusively).
    loop {
        match onetrip_drivers::port::open(&link, 115_200) {
            Ok(port) => break drop(port),
            Err(e) => {
                assert!(tokio::time::Instant::now() < deadline, "{e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    let half = sim.take_printed();
    assert_eq!(
        half.first(),
        Some(&Printed::Line {
            text: "第一张回执".into(),
            bold: false,
            large: false
        }),
        "{half:?}"
    );
    assert!(!half
        .iter()
        .any(|p| matches!(p, Printed::Qr(_) | Printed::Cut { .. })));
    // The printer kept its power and its half command; the line works again.
    sim.break_line_after(None);
    let mended_by = tokio::time::Instant::now() + Duration::from_secs(10);
    while sim.line_broken() {
        assert!(
            tokio::time::Instant::now() < mended_by,
            "the line never mended"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let (tx, mut rx) = mpsc::channel(256);
    let printer = printer_task::spawn(cfg, tx);
    next(
        &mut rx,
        "ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;
    assert_eq!(sim.take_printed(), vec![], "the recovery prints nothing");
    let lines = ["第二张回执", "编号 DEMO-0001-000002"];
    let second = receipt(&lines, "https://t.example.invalid/s/2");
    assert_eq!(printer.print(second).await, Ok(()));
    assert_eq!(
        sim.take_printed(),
        on_paper(&lines, "https://t.example.invalid/s/2")
    );
}
