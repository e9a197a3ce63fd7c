//! Recorded I/O holds no personal data (issue 31): a session recorded the way the kiosk records
//! it — a card read, a receipt printed, codes scanned — and the recordings searched for the
//! citizen's ID number, name, address and phone number in every encoding the devices use.

use std::path::Path;
use std::time::{Duration, SystemTime};

use onetrip_drivers::device::DeviceState;
use onetrip_drivers::id_card::reader::{self, IdCardEvent};
use onetrip_drivers::id_card::sim::{IdCardSim, SimCard};
use onetrip_drivers::printer::commands::{encode, Align, Block, Document};
use onetrip_drivers::printer::sim::PrinterSim;
use onetrip_drivers::printer::task::{self as printer_task, PrinterEvent};
use onetrip_drivers::record::{load, Direction, Recorder};
use onetrip_drivers::scanner::sim::{frame, ScannerSim};
use onetrip_drivers::scanner::task::{self as scanner_task, ScannerConfig, ScannerEvent};
use tokio::sync::mpsc;

use super::devices::{is_status, next, printer_config, reader_config};

/// The sample resident card's holder, as the card, the receipt and a scanned code carry them.
const NAME: &str = "张晓明";
const ID_NUMBER: &str = "330106198503121231";
const ADDRESS: &str = "浙江省杭州市西湖区文三路100号";
const PHONE: &str = "13812345678";

/// `text` in every encoding a device uses: UTF-8 (codes), GB18030 (receipts), UCS-2LE (cards).
fn encodings(text: &str) -> Vec<Vec<u8>> {
    vec![
        text.as_bytes().to_vec(),
        encoding_rs::GB18030.encode(text).0.into_owned(),
        text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    ]
}

/// Every piece of personal data in `recording`: in the file as it is, in its hex, and in the
/// bytes of each direction joined up (a name cut across two reads).
fn personal_data_in(recording: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(recording).unwrap();
    let exchanges = load(recording).unwrap();
    let joined = |dir: Direction| -> Vec<u8> {
        exchanges
            .iter()
            .filter(|e| e.dir == dir)
            .flat_map(|e| e.bytes())
            .collect()
    };
    let streams = [joined(Direction::Tx), joined(Direction::Rx)];
    let mut found = Vec::new();
    for secret in [NAME, ID_NUMBER, ADDRESS, PHONE, "138****5678"] {
        for bytes in encodings(secret) {
            let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            let in_streams = streams
                .iter()
                .any(|s| s.windows(bytes.len()).any(|w| w == bytes.as_slice()));
            if text.contains(secret) || text.contains(&hex) || in_streams {
                found.push(format!("{secret} in {}", recording.display()));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_holds_no_id_number_name_or_phone() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("rec");
    let until = SystemTime::now() + Duration::from_secs(3600);
    // As the kiosk records: one file per device, through `Recorder::in_dir`.
    let recorder = |device: &'static str| Recorder::in_dir(&records, device, until);

    // A card read.
    let reader_link = dir.path().join("id-card");
    let card = IdCardSim::start(&reader_link, SimCard::sample_deck()).unwrap();
    let mut rc = reader_config(&reader_link);
    rc.record = recorder("id_card");
    let (tx, mut rx) = mpsc::channel(64);
    let reading = tokio::spawn(reader::run(rc, tx));
    next(&mut rx, "reader online", |e| {
        is_status(e, DeviceState::Online)
    })
    .await;
    card.tap(0);
    let IdCardEvent::CardPresented(id) = next(&mut rx, "the card", |e| {
        matches!(e, IdCardEvent::CardPresented(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!((id.name.as_str(), id.id_number.as_str()), (NAME, ID_NUMBER));
    reading.abort();

    // A receipt, with the name, ID number and phone in full (worse than a real receipt's masks)
    // and the ID number in its QR code.
    let printer_link = dir.path().join("printer");
    let paper = PrinterSim::start(&printer_link).unwrap();
    let mut pc = printer_config(&printer_link);
    pc.record = recorder("printer");
    let (ptx, mut prx) = mpsc::channel(64);
    let printer = printer_task::spawn(pc, ptx);
    next(
        &mut prx,
        "printer ready",
        |e| matches!(e, PrinterEvent::Status(s) if s.is_ready()),
    )
    .await;
    let text = |t: String| Block::Text {
        text: t,
        align: Align::Left,
        bold: false,
        large: false,
    };
    let job = encode(&Document {
        blocks: vec![
            text(format!("申请人：{NAME}")),
            text(format!("证件号码：{ID_NUMBER}")),
            text(format!("住址：{ADDRESS}")),
            text(format!("电话：{PHONE} · 138****5678")),
            Block::Qr {
                data: format!("https://t.example.invalid/q?id={ID_NUMBER}"),
                module: 6,
            },
            Block::Cut { partial: false },
        ],
    })
    .unwrap();
    printer.print(job).await.unwrap();
    assert!(!paper.printed().is_empty());
    drop(printer);

    // Codes scanned: a notice carrying the ID number, and a phone number.
    let scanner_link = dir.path().join("scanner");
    let scanner = ScannerSim::start(&scanner_link, false).unwrap();
    let mut sc = ScannerConfig::new(&scanner_link, 9600);
    sc.record = recorder("scanner");
    let (stx, mut srx) = mpsc::channel(64);
    let _scanning = scanner_task::spawn(sc, stx);
    next(
        &mut srx,
        "scanner online",
        |e| matches!(e, ScannerEvent::Status(s) if s.state == DeviceState::Online),
    )
    .await;
    for code in [
        frame(
            format!("ID:{ID_NUMBER};{NAME}").as_bytes(),
            Some("]Q1"),
            b"\r\n",
        ),
        frame(PHONE.as_bytes(), None, b"\r"),
    ] {
        scanner.present(code);
        next(&mut srx, "a scan", |e| {
            matches!(e, ScannerEvent::Scanned(_))
        })
        .await;
    }

    // Each device's traffic is in its recording, counted where withheld; nothing personal.
    for device in ["id_card", "printer", "scanner"] {
        let path = records.join(format!("{device}.jsonl"));
        assert_eq!(personal_data_in(&path), Vec::<String>::new());
        let exchanges = load(&path).unwrap();
        assert!(
            exchanges.iter().any(|e| e.withheld > 0),
            "{device}: its data is counted"
        );
        assert!(
            exchanges.iter().any(|e| !e.bytes().is_empty()),
            "{device}: its frames and commands are kept"
        );
    }
}
