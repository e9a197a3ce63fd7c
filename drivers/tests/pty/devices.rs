//! The real drivers against the simulators on pseudo-terminals: bytes on the wire, events out.

use std::time::Duration;

use onetrip_drivers::device::{DeviceState, PaperLevel};
use onetrip_drivers::id_card::reader::{self, IdCardEvent, ReaderConfig};
use onetrip_drivers::id_card::sim::{Fault, IdCardSim, SimCard};
use onetrip_drivers::id_card::{CardType, Command};
use onetrip_drivers::printer::commands::{encode, Align, Block, Document};
use onetrip_drivers::printer::sim::{Printed, PrinterSim, SimPaper};
use onetrip_drivers::printer::task::{
    self as printer_task, PrintError, PrinterConfig, PrinterEvent,
};
use onetrip_drivers::pty::Plugged;
use tokio::sync::mpsc;

pub(crate) async fn next<T>(
    rx: &mut mpsc::Receiver<T>,
    what: &str,
    mut pick: impl FnMut(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) if pick(&ev) => return ev,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("channel closed waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

pub(crate) fn is_status(ev: &IdCardEvent, state: DeviceState) -> bool {
    matches!(ev, IdCardEvent::Status(s) if s.state == state)
}

pub(crate) fn reader_config(path: &std::path::Path) -> ReaderConfig {
    let mut c = ReaderConfig::new(path, 115_200);
    c.poll_interval = Duration::from_millis(50);
    c.latency = Duration::from_millis(100);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_taps_reads_once_notices_removal_and_survives_a_cable_pull() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("id-card");
    let sim = IdCardSim::start(&link, SimCard::sample_deck()).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let task = tokio::spawn(reader::run(reader_config(&link), tx));

    next(&mut rx, "online", |e| is_status(e, DeviceState::Online)).await;
    assert_eq!(sim.commands()[0], Command::SamStatus);

    sim.tap(0);
    next(&mut rx, "detected", |e| {
        matches!(e, IdCardEvent::CardDetected)
    })
    .await;
    let IdCardEvent::CardPresented(id) = next(&mut rx, "card", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(id.name, "张晓明");
    assert!(id.id_number_valid);
    assert_eq!(id.photo.len(), 1024);

    // Held on the reader: watched, not re-read.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reads = sim
        .commands()
        .iter()
        .filter(|c| **c == Command::ReadText)
        .count();
    assert_eq!(reads, 1, "a held card is read once");

    sim.remove();
    next(&mut rx, "removed", |e| {
        matches!(e, IdCardEvent::CardRemoved)
    })
    .await;

    // A different card.
    sim.tap(4);
    let IdCardEvent::CardPresented(id) = next(&mut rx, "foreign card", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(id.card_type, CardType::ForeignPermanent);
    sim.remove();
    next(&mut rx, "removed", |e| {
        matches!(e, IdCardEvent::CardRemoved)
    })
    .await;

    // Cable pulled: offline. Replugged (a new pty behind the same path): online again by itself.
    sim.unplug();
    next(&mut rx, "offline", |e| is_status(e, DeviceState::Offline)).await;
    sim.replug().unwrap();
    next(&mut rx, "online again", |e| {
        is_status(e, DeviceState::Online)
    })
    .await;
    sim.tap(1);
    let IdCardEvent::CardPresented(id) = next(&mut rx, "card after replug", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(id.nation.as_deref(), Some("维吾尔"));
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_reports_each_injected_fault() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("id-card");
    let sim = IdCardSim::start(&link, SimCard::sample_deck()).unwrap();

    // SAM self-test failure → hardware error.
    sim.set_fault(Some(Fault::SamFailure));
    let (tx, mut rx) = mpsc::channel(64);
    let task = tokio::spawn(reader::run(reader_config(&link), tx));
    let IdCardEvent::Status(s) = next(&mut rx, "hardware error", |e| {
        is_status(e, DeviceState::HardwareError)
    })
    .await
    else {
        unreachable!()
    };
    assert!(s.detail.unwrap().contains("SAM self-test failed"));
    sim.set_fault(None);
    next(&mut rx, "online", |e| is_status(e, DeviceState::Online)).await;

    // A read that answers SW3 41, then a corrupt checksum, then a card pulled mid-read.
    for (fault, expect) in [
        (Fault::ReadStatus(0x41), "read card failed"),
        (Fault::CorruptChecksum, "checksum"),
        (Fault::PulledMidRead, "no reply"),
    ] {
        sim.set_fault(Some(fault));
        sim.tap(0);
        let IdCardEvent::ReadFailed(e) =
            next(&mut rx, &format!("read failure for {fault:?}"), |e| {
                matches!(e, IdCardEvent::ReadFailed(_))
            })
            .await
        else {
            unreachable!()
        };
        assert!(e.to_string().contains(expect), "{fault:?}: {e}");
        sim.set_fault(None);
        sim.remove();
        tokio::time::sleep(Duration::from_millis(300)).await;
        while rx.try_recv().is_ok() {}
    }

    // A slow reply within the timeout still reads.
    sim.set_fault(Some(Fault::SlowReply(Duration::from_millis(100))));
    sim.tap(3);
    let IdCardEvent::CardPresented(id) = next(&mut rx, "slow card", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(id.name, "王\u{E000}䶮");
    sim.remove();

    // No reply at all: the reader is declared offline.
    sim.set_fault(Some(Fault::NoReply));
    next(&mut rx, "offline (silent)", |e| {
        is_status(e, DeviceState::Offline)
    })
    .await;
    sim.set_fault(None);
    next(&mut rx, "online", |e| is_status(e, DeviceState::Online)).await;
    task.abort();
}

pub(crate) fn printer_config(path: &std::path::Path) -> PrinterConfig {
    let mut c = PrinterConfig::new(path, 115_200);
    c.status_interval = Duration::from_millis(100);
    c.latency = Duration::from_millis(300);
    c
}

pub(crate) fn doc(lines: &[&str]) -> Vec<u8> {
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
        data: "https://t.example.invalid/s/1".into(),
        module: 6,
    });
    blocks.push(Block::Cut { partial: false });
    encode(&Document { blocks }).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printer_prints_refuses_when_out_and_recovers_from_a_pull() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let printer = printer_task::spawn(printer_config(&link), tx);
    let ready = |e: &PrinterEvent| matches!(e, PrinterEvent::Status(s) if s.is_ready());
    next(&mut rx, "ready", ready).await;

    printer
        .print(doc(&["公安自助服务", "编号 1"]))
        .await
        .unwrap();
    let printed = sim.take_printed();
    assert_eq!(
        printed,
        vec![
            Printed::Line {
                text: "公安自助服务".into(),
                bold: false,
                large: false
            },
            Printed::Line {
                text: "编号 1".into(),
                bold: false,
                large: false
            },
            Printed::Qr("https://t.example.invalid/s/1".into()),
            Printed::Cut { partial: false },
        ]
    );

    // Paper low: still prints, and says so.
    sim.set_paper(SimPaper::Low);
    next(
        &mut rx,
        "paper low",
        |e| matches!(e, PrinterEvent::Status(s) if s.paper == Some(PaperLevel::Low)),
    )
    .await;

    // Out of paper: the job never starts.
    sim.set_paper(SimPaper::Out);
    next(
        &mut rx,
        "paper out",
        |e| matches!(e, PrinterEvent::Status(s) if s.paper == Some(PaperLevel::Out)),
    )
    .await;
    sim.clear_raw();
    let r = printer.print(doc(&["不应打印"])).await;
    assert!(matches!(r, Err(PrintError::NotReady(_))), "{r:?}");
    assert!(
        sim.raw()
            .chunks(3)
            .all(|c| c.len() == 3 && c[0] == 0x10 && c[1] == 0x04),
        "only status requests went out: {:02X?}",
        sim.raw()
    );

    // Cover open is refused too.
    sim.set_paper(SimPaper::CoverOpen);
    next(
        &mut rx,
        "cover open",
        |e| matches!(e, PrinterEvent::Status(s) if s.cover_open),
    )
    .await;
    assert!(matches!(
        printer.print(doc(&["x"])).await,
        Err(PrintError::NotReady(_))
    ));

    // The roll ends midway: reported as failed, not as success.
    sim.set_paper(SimPaper::Full);
    next(&mut rx, "ready again", ready).await;
    sim.run_out_after(1);
    let r = printer.print(doc(&["第一行", "第二行", "第三行"])).await;
    assert!(matches!(r, Err(PrintError::FailedMidJob(_))), "{r:?}");
    sim.set_paper(SimPaper::Full);

    // Silent printer → offline.
    sim.set_paper(SimPaper::NoAnswer);
    next(
        &mut rx,
        "offline",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await;
    sim.set_paper(SimPaper::Full);
    next(&mut rx, "ready", ready).await;

    // Cable pulled in the middle of a job: the printer stops reading, the job backs up in the port,
    // then the cable goes. The job is reported failed, never printed.
    sim.stall_after(Some(2000));
    let long: Vec<String> = (0..400)
        .map(|i| format!("第{i}行 长回执内容 long receipt line"))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let job = {
        let printer = printer.clone();
        let bytes = doc(&long);
        tokio::spawn(async move { printer.print(bytes).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.unplug();
    let r = tokio::time::timeout(Duration::from_secs(5), job)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(r, Err(PrintError::FailedMidJob(_))), "{r:?}");
    next(
        &mut rx,
        "offline (pulled mid-job)",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await;
    sim.stall_after(None);
    sim.replug().unwrap();
    next(&mut rx, "ready after the mid-job pull", ready).await;

    // A jam: the printer stops taking data and the cable stays in. The job fails after the job
    // timeout instead of hanging, and the printer is used again once it reads.
    let mut jam_cfg = printer_config(&link);
    jam_cfg.job_timeout = Duration::from_millis(800);
    let (jtx, mut jrx) = mpsc::channel(64);
    drop(printer);
    let printer = printer_task::spawn(jam_cfg, jtx);
    next(&mut jrx, "ready (jam test)", ready).await;
    sim.stall_after(Some(2000));
    let long: Vec<String> = (0..2000)
        .map(|i| format!("第{i}行 卡纸测试 jam test line"))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    // The job's own time on the line (about 6 s at 115200 baud) and the 800 ms allowance.
    let r = tokio::time::timeout(Duration::from_secs(30), printer.print(doc(&long)))
        .await
        .unwrap();
    assert!(
        matches!(&r, Err(PrintError::FailedMidJob(e)) if e.contains("stopped taking data")),
        "{r:?}"
    );
    sim.stall_after(None);
    next(&mut jrx, "ready after the jam", ready).await;
    let mut rx = jrx;

    // Cable pulled and replugged.
    sim.unplug();
    next(
        &mut rx,
        "offline (pulled)",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await;
    assert!(printer.print(doc(&["x"])).await.is_err());
    sim.replug().unwrap();
    next(&mut rx, "ready after replug", ready).await;
    sim.take_printed();
    printer.print(doc(&["恢复"])).await.unwrap();
    assert_eq!(
        sim.printed()[0],
        Printed::Line {
            text: "恢复".into(),
            bold: false,
            large: false
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_commands_fingerprint_and_additional_address() {
    use onetrip_drivers::id_card::reader::Link;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("id-card");
    let mut moved = SimCard::resident_sample();
    moved.extra_address = Some("浙江省杭州市拱墅区湖墅南路1号".into());
    let sim = IdCardSim::start(&link, vec![moved, SimCard::hmt_sample()]).unwrap();
    let port = onetrip_drivers::port::open(&link, 115_200).unwrap();
    let mut reader = Link::new(port, onetrip_drivers::port::Line::new(115_200));
    reader.sam_status().await.unwrap();
    assert!(!reader.find_card().await.unwrap());
    sim.tap(0);
    assert!(reader.find_card().await.unwrap());
    let (id, fingerprint) = reader.read_card_with_fingerprint().await.unwrap();
    assert_eq!(id.name, "张晓明");
    assert!(
        fingerprint.is_empty(),
        "synthetic cards carry no fingerprint"
    );
    assert_eq!(
        reader.additional_address().await.unwrap().as_deref(),
        Some("浙江省杭州市拱墅区湖墅南路1号")
    );
    sim.tap(1);
    assert_eq!(
        reader.additional_address().await.unwrap(),
        None,
        "SW3 91: no content"
    );
    // A second program cannot open the port while the reader has it.
    let busy = onetrip_drivers::port::open(&link, 115_200);
    assert!(
        matches!(busy, Err(onetrip_drivers::port::PortError::Busy(_))),
        "{:?}",
        busy.err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_status_back_reports_changes_without_polling() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let mut cfg = printer_config(&link);
    cfg.status_interval = Duration::from_secs(3600); // only the first poll: changes must be pushed
    cfg.automatic_status_back = true;
    let (tx, mut rx) = mpsc::channel(64);
    let _printer = printer_task::spawn(cfg, tx);
    next(
        &mut rx,
        "ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;
    assert!(sim.asb_enabled(), "the driver sent GS a");
    sim.set_paper(SimPaper::Low);
    next(
        &mut rx,
        "pushed low",
        |e| matches!(e, PrinterEvent::Status(s) if s.paper == Some(PaperLevel::Low)),
    )
    .await;
    sim.set_paper(SimPaper::Out);
    next(
        &mut rx,
        "pushed out",
        |e| matches!(e, PrinterEvent::Status(s) if s.paper == Some(PaperLevel::Out)),
    )
    .await;
    sim.set_paper(SimPaper::CoverOpen);
    next(
        &mut rx,
        "pushed cover",
        |e| matches!(e, PrinterEvent::Status(s) if s.cover_open),
    )
    .await;
    sim.set_paper(SimPaper::Full);
    next(
        &mut rx,
        "pushed ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;
    // And a pulled cable is noticed without a poll too.
    sim.unplug();
    next(
        &mut rx,
        "offline",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanner_frames_decodes_triggers_and_survives_floods_and_pulls() {
    use onetrip_drivers::scanner::sim::{frame, ScannerSim};
    use onetrip_drivers::scanner::task::{
        self as scanner_task, ScannerConfig, ScannerEvent, TriggerMode,
    };
    use onetrip_drivers::scanner::Symbology;

    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let sim = ScannerSim::start(&link, false).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let mut cfg = ScannerConfig::new(&link, 9600);
    cfg.gap = Duration::from_millis(60);
    let _scanner = scanner_task::spawn(cfg, tx);
    let online =
        |e: &ScannerEvent| matches!(e, ScannerEvent::Status(s) if s.state == DeviceState::Online);
    next(&mut rx, "online", online).await;

    async fn scan(rx: &mut mpsc::Receiver<ScannerEvent>) -> onetrip_drivers::scanner::Scan {
        match next(rx, "a scan", |e| matches!(e, ScannerEvent::Scanned(_))).await {
            ScannerEvent::Scanned(s) => s,
            _ => unreachable!(),
        }
    }

    // UTF-8 QR with AIM prefix and CRLF.
    sim.present(frame("公安".as_bytes(), Some("]Q1"), b"\r\n"));
    let s = scan(&mut rx).await;
    assert_eq!(
        (s.symbology, s.text.as_deref()),
        (Some(Symbology::Qr), Some("公安"))
    );
    // GBK payload, CR only.
    sim.present(frame(&[0xB9, 0xAB, 0xB0, 0xB2], Some("]Q1"), b"\r"));
    assert_eq!(scan(&mut rx).await.text.as_deref(), Some("公安"));
    // EAN with LF, no AIM prefix.
    sim.present(frame(b"6901234567892", None, b"\n"));
    let s = scan(&mut rx).await;
    assert_eq!(
        (s.symbology, s.text.as_deref()),
        (None, Some("6901234567892"))
    );
    // No suffix at all: ended by the inter-character gap.
    sim.present(frame(b"NO-SUFFIX-1", Some("]C0"), b""));
    let s = scan(&mut rx).await;
    assert_eq!(
        (s.symbology, s.text.as_deref()),
        (Some(Symbology::Code128), Some("NO-SUFFIX-1"))
    );
    // Binary that is neither UTF-8 nor GB18030: bytes kept, no text, no panic.
    sim.present(frame(&[0x81, 0x20, 0xFF], None, b"\r\n"));
    let s = scan(&mut rx).await;
    assert_eq!((s.bytes, s.text), (vec![0x81, 0x20, 0xFF], None));

    // A flood of garbage with no terminator is cut into bounded scans; the next code still reads.
    sim.send_raw(vec![b'#'; 20_000]);
    sim.present(frame(b"AFTER-FLOOD", None, b"\r\n"));
    loop {
        let s = scan(&mut rx).await;
        assert!(s.bytes.len() <= onetrip_drivers::scanner::framing::MAX_SCAN);
        if s.text
            .as_deref()
            .is_some_and(|t| t.ends_with("AFTER-FLOOD"))
        {
            break;
        }
    }

    // Pulled and replugged.
    sim.unplug();
    next(
        &mut rx,
        "offline",
        |e| matches!(e, ScannerEvent::Status(s) if s.state == DeviceState::Offline),
    )
    .await;
    sim.replug().unwrap();
    next(&mut rx, "online again", online).await;
    sim.present(frame(b"BACK", None, b"\r\n"));
    assert_eq!(scan(&mut rx).await.text.as_deref(), Some("BACK"));

    // Host-triggered (Honeywell): nothing is read until the host triggers.
    let link2 = dir.path().join("scanner2");
    let sim2 = ScannerSim::start(&link2, true).unwrap();
    let (tx2, mut rx2) = mpsc::channel(64);
    let mut cfg2 = ScannerConfig::new(&link2, 9600);
    cfg2.trigger = TriggerMode::Honeywell;
    let handle = scanner_task::spawn(cfg2, tx2);
    next(&mut rx2, "online", online).await;
    sim2.present(frame(b"WAITS", None, b"\r\n"));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx2.recv())
            .await
            .is_err(),
        "no scan before the trigger"
    );
    handle.trigger(true).await;
    assert_eq!(scan(&mut rx2).await.text.as_deref(), Some("WAITS"));
    handle.trigger(false).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sim2.triggers(), vec![true, false]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_scanner_does_not_stall_the_card_reader() {
    use onetrip_drivers::scanner::sim::ScannerSim;
    use onetrip_drivers::scanner::task::{self as scanner_task, ScannerConfig};

    let dir = tempfile::tempdir().unwrap();
    let scanner_link = dir.path().join("scanner");
    let flood = ScannerSim::start(&scanner_link, false).unwrap();
    let (stx, _srx_kept_but_never_read) = mpsc::channel(4);
    let _scanner = scanner_task::spawn(ScannerConfig::new(&scanner_link, 9600), stx);
    let reader_link = dir.path().join("id-card");
    let sim = IdCardSim::start(&reader_link, SimCard::sample_deck()).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let _reader = tokio::spawn(reader::run(reader_config(&reader_link), tx));
    next(&mut rx, "reader online", |e| {
        is_status(e, DeviceState::Online)
    })
    .await;
    for _ in 0..50 {
        flood.send_raw(b"garbage\r\n".repeat(200));
    }
    sim.tap(0);
    next(&mut rx, "a card despite the flood", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await;
}

/// Review M1: a printer line that never goes quiet hung the status query (and every job) for ever
/// while the printer still showed as fine. Now the query and a job return within their deadlines,
/// the printer is reported offline with the reason (so a required printer takes the terminal out
/// of service), and it comes back once the line is quiet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_printer_line_is_reported_and_never_hangs_a_job() {
    use onetrip_drivers::noise::Noise;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("printer");
    let sim = PrinterSim::start(&link).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let printer = printer_task::spawn(printer_config(&link), tx);
    let ready = |e: &PrinterEvent| matches!(e, PrinterEvent::Status(s) if s.is_ready());
    next(&mut rx, "ready", ready).await;

    sim.set_noise(Some(Noise::FLOOD));
    next(&mut rx, "offline for noise", |e| {
        matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Offline
            && s.detail.as_deref() == Some(printer_task::NOISE))
    })
    .await;
    // It returns (well before the 30 s job deadline a hung job would end at) and says why.
    let job = tokio::time::timeout(Duration::from_secs(10), printer.print(doc(&["编号 2"])))
        .await
        .expect("a print job on a flooded line returns");
    assert_eq!(
        job,
        Err(printer_task::PrintError::Offline(
            printer_task::NOISE.into()
        ))
    );
    assert!(
        !sim.printed()
            .iter()
            .any(|p| matches!(p, Printed::Line { text, .. } if text == "编号 2")),
        "nothing printed on a flooded line"
    );

    sim.set_noise(None);
    next(&mut rx, "ready again", ready).await;
    printer.print(doc(&["编号 3"])).await.unwrap();

    // A byte every 10 ms leaves the line quiet between bytes: the status replies are still
    // found among the junk, so the printer keeps printing, within the job's deadline.
    sim.set_noise(Some(Noise::CHATTER));
    let job = tokio::time::timeout(Duration::from_secs(5), printer.print(doc(&["编号 4"])))
        .await
        .expect("a print job on a chattering line returns");
    assert_eq!(job, Ok(()));
    assert!(sim
        .printed()
        .iter()
        .any(|p| matches!(p, Printed::Line { text, .. } if text == "编号 4")));
    sim.set_noise(None);
}

/// The card reader: a line that chatters while the reader says nothing used to hold the driver in
/// its wait for late bytes for ever; now it is reported offline and reopened, and recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chattering_reader_line_is_reported_and_recovers() {
    use onetrip_drivers::noise::Noise;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("id-card");
    let sim = IdCardSim::start(&link, SimCard::sample_deck()).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let _task = tokio::spawn(reader::run(reader_config(&link), tx));
    next(&mut rx, "online", |e| is_status(e, DeviceState::Online)).await;

    sim.set_fault(Some(Fault::NoReply));
    sim.set_noise(Some(Noise::CHATTER));
    let IdCardEvent::Status(s) =
        next(&mut rx, "offline", |e| is_status(e, DeviceState::Offline)).await
    else {
        unreachable!()
    };
    assert!(
        s.detail
            .as_deref()
            .unwrap_or_default()
            .contains("keeps sending"),
        "{s:?}"
    );
    sim.set_noise(None);
    sim.set_fault(None);
    next(&mut rx, "online again", |e| {
        is_status(e, DeviceState::Online)
    })
    .await;
}

/// The device tasks' watchdog: idle devices whose loops turn are left alone however long they
/// idle; a task that cannot move (here the scanner, blocked handing scans to a consumer that
/// stopped taking them) is restarted after the stall time, reported as stalled, and serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_devices_are_left_alone_and_a_stuck_one_is_restarted_and_reported() {
    use onetrip_drivers::scanner::sim::{frame, ScannerSim};
    use onetrip_drivers::scanner::task::{self as scanner_task, ScannerConfig, ScannerEvent};
    use onetrip_drivers::supervisor::{Policy, Restart, Supervision};
    use std::sync::{Arc, Mutex};

    let restarts = Arc::new(Mutex::new(Vec::<(&str, Restart)>::new()));
    let log = restarts.clone();
    let supervision = Supervision {
        policy: Policy {
            // Above a status query's worst case (three 500 ms replies and the drain), so a slow
            // machine's idle printer is never taken for a stuck one.
            stall_after: Some(Duration::from_secs(3)),
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(50),
        },
        on_restart: Arc::new(move |name, why| log.lock().unwrap().push((name, why))),
    };
    let dir = tempfile::tempdir().unwrap();
    let _reader_sim =
        IdCardSim::start(&dir.path().join("id-card"), SimCard::sample_deck()).unwrap();
    let _printer_sim = PrinterSim::start(&dir.path().join("printer")).unwrap();
    let scanner_sim = ScannerSim::start(&dir.path().join("scanner"), false).unwrap();

    let mut rc = reader_config(&dir.path().join("id-card"));
    rc.poll_interval = Duration::from_millis(200);
    rc.supervision = supervision.clone();
    let (rtx, mut rrx) = mpsc::channel(64);
    let _reader = reader::spawn(rc, rtx);
    let mut pc = PrinterConfig::new(dir.path().join("printer"), 115_200);
    pc.status_interval = Duration::from_millis(200);
    pc.supervision = supervision.clone();
    let (ptx, mut prx) = mpsc::channel(64);
    let _printer = printer_task::spawn(pc, ptx);
    let mut sc = ScannerConfig::new(dir.path().join("scanner"), 9600);
    sc.gap = Duration::from_millis(60);
    sc.supervision = supervision;
    // Room for one event: a consumer that stops taking them blocks the scanner's task.
    let (stx, mut srx) = mpsc::channel(1);
    let _scanner = scanner_task::spawn(sc, stx);

    next(&mut rrx, "reader online", |e| {
        is_status(e, DeviceState::Online)
    })
    .await;
    next(
        &mut prx,
        "printer online",
        |e| matches!(e, PrinterEvent::Status(s) if s.state == DeviceState::Online),
    )
    .await;
    next(
        &mut srx,
        "scanner online",
        |e| matches!(e, ScannerEvent::Status(s) if s.state == DeviceState::Online),
    )
    .await;
    // Idle for three stall times (the scanner sees nothing at all): nobody is restarted.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(*restarts.lock().unwrap(), []);

    // Three scans nobody takes: the first fills the channel, the second blocks the task.
    for n in 0..3 {
        scanner_sim.present(frame(format!("SCAN-{n}").as_bytes(), None, b"\r\n"));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !restarts
        .lock()
        .unwrap()
        .contains(&("scanner", Restart::Stalled))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stuck scanner was not restarted: {:?}",
            restarts.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The consumer is back: the restarted task serves again (what was still on the line first).
    while srx.try_recv().is_ok() {}
    scanner_sim.present(frame(b"AFTER", None, b"\r\n"));
    let mut seen = Vec::new();
    while !seen.iter().any(|t| t == "AFTER") {
        match next(&mut srx, "the scan after the restart", |e| {
            matches!(e, ScannerEvent::Scanned(_))
        })
        .await
        {
            ScannerEvent::Scanned(s) => seen.push(s.text.unwrap_or_default()),
            _ => unreachable!(),
        }
    }
    assert!(
        seen.iter().all(|t| t.starts_with("SCAN-") || t == "AFTER"),
        "{seen:?}"
    );
    let only_the_scanner = restarts
        .lock()
        .unwrap()
        .iter()
        .all(|(n, _)| *n == "scanner");
    assert!(only_the_scanner, "{:?}", restarts.lock().unwrap());
}
