//! `onetrip demo`: the kiosk with simulated devices on pseudo-terminals, a temporary store and the
//! reference upstream on loopback, plus a device panel window that plays the hardware.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context;
use onetrip_drivers::id_card::sim::{IdCardSim, SimCard};
use onetrip_drivers::printer::sim::{Printed, PrinterSim, SimPaper};
use onetrip_drivers::pty::Plugged;
use onetrip_drivers::scanner::sim::{frame, ScannerSim};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::reference_upstream::{spawn_local, Faults};
use crate::config::Config;
use crate::shell::{self, RuntimeOptions};
use crate::ui::DevicePanel;

pub const DEMO_TOKEN: &str = "demo-token";
/// The demo terminal's staff PIN.
pub const DEMO_STAFF_PIN: &str = "123456";

/// Simulated hardware and a local upstream, all inside one temporary directory.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub reader: IdCardSim,
    pub printer: PrinterSim,
    pub scanner: ScannerSim,
    pub upstream: std::net::SocketAddr,
    pub config: Config,
}

/// The demo's configuration: the shipped example with its paths pointed at the bench.
pub fn bench_config(dir: &Path, upstream: std::net::SocketAddr) -> anyhow::Result<Config> {
    let text = format!(
        r#"
[terminal]
id = "DEMO-0001"
hall = "郑州市公安局金水分局 示范派出所 服务大厅（演示）"
hall_en = "Model Police Station Service Hall, Zhengzhou (demo)"
slogan = "就跑一次"
slogan_en = "One trip is enough"
duty_phone = "0371-5550-0199"
# A demonstration bench: the demo catalog authority's key is accepted only here.
demo = true

[data]
dir = "{data}"

[devices.id_card]
path = "{dev}/id-card"

[devices.printer]
path = "{dev}/printer"
paper_width_mm = 80
automatic_status_back = true

[devices.scanner]
path = "{dev}/scanner"
required = false

[upstream]
base_url = "http://{upstream}"
token = "{DEMO_TOKEN}"
request_timeout_secs = 5
tracking_url = "https://track.example.invalid/s/{{number}}"

[catalog]
# The demo authority's key: the local upstream signs the catalog with its private half.
public_key = "{key}"
check_secs = 60

[staff]
# Press and hold the top-right corner of the idle screen for two seconds, then the demo PIN
# (DEMO_STAFF_PIN, 123456) and 确认.
pin_hash = "{pin_hash}"

[ui]
fullscreen = false
"#,
        data = dir.join("data").display(),
        dev = dir.join("dev").display(),
        key = crate::catalog::signature::public_of(&crate::catalog::signature::demo_signing_key()),
        pin_hash = crate::config::staff_pin::hash(DEMO_STAFF_PIN)?,
    );
    let path = dir.join("onetrip.toml");
    std::fs::write(&path, &text)?;
    Ok(Config::parse(&text, &path)?)
}

impl Bench {
    /// Starts the simulators and the upstream. Must run inside a tokio runtime context.
    pub async fn start() -> anyhow::Result<Bench> {
        let dir = tempfile::Builder::new().prefix("onetrip-demo-").tempdir()?;
        std::fs::create_dir_all(dir.path().join("dev"))?;
        let reader = IdCardSim::start(&dir.path().join("dev/id-card"), SimCard::sample_deck())
            .context("ID card simulator")?;
        let printer =
            PrinterSim::start(&dir.path().join("dev/printer")).context("printer simulator")?;
        let scanner = ScannerSim::start(&dir.path().join("dev/scanner"), false)
            .context("scanner simulator")?;
        let (upstream, _task) = spawn_local(
            &dir.path().join("upstream.sqlite3"),
            DEMO_TOKEN,
            Faults::default(),
        )
        .await
        .context("reference upstream")?;
        let config = bench_config(dir.path(), upstream)?;
        Ok(Bench {
            dir,
            reader,
            printer,
            scanner,
            upstream,
            config,
        })
    }

    /// Submissions the upstream has received.
    pub fn upstream_count(&self) -> usize {
        rusqlite::Connection::open(self.dir.path().join("upstream.sqlite3"))
            .ok()
            .and_then(|db| super::reference_upstream::received(&db).ok())
            .map(|r| r.len())
            .unwrap_or(0)
    }
}

/// The lines of the last receipt on the simulated paper.
/// A sample card of the kind a session journal names (`card resident`, `card hmtresidence`, …),
/// for replaying a journal, which keeps no personal data.
pub fn stand_in_card(kind: &str) -> onetrip_drivers::id_card::Identity {
    let c = match kind {
        "foreignpermanent" => SimCard::foreign_old_sample(),
        "foreignpermanent2023" => SimCard::foreign_2023_sample(),
        "hmtresidence" => SimCard::hmt_sample(),
        _ => SimCard::resident_sample(),
    };
    onetrip_drivers::id_card::identity::parse(&c.text, c.photo)
}

/// The last receipt on the simulated paper as it was printed, for the device panel: its lines
/// with their bold and double size, the QR code as an image, the cut.
pub fn last_receipt_paper(printed: &[Printed]) -> Vec<crate::ui::PaperPart> {
    last_receipt_parts(printed)
        .iter()
        .map(|p| match p {
            Printed::Line { text, bold, large } => crate::ui::PaperPart {
                kind: "line".into(),
                text: text.as_str().into(),
                bold: *bold,
                large: *large,
                qr: Default::default(),
            },
            Printed::Qr(data) => crate::ui::PaperPart {
                kind: "qr".into(),
                text: data.as_str().into(),
                bold: false,
                large: false,
                qr: crate::ui::qr_image(data),
            },
            Printed::Cut { .. } => crate::ui::PaperPart {
                kind: "cut".into(),
                text: Default::default(),
                bold: false,
                large: false,
                qr: Default::default(),
            },
        })
        .collect()
}

/// The last receipt's printed parts: from after the cut before it through its own cut.
fn last_receipt_parts(printed: &[Printed]) -> &[Printed] {
    let end = printed
        .iter()
        .rposition(|p| matches!(p, Printed::Cut { .. }))
        .map_or(printed.len(), |i| i + 1);
    let start = printed[..end.saturating_sub(1)]
        .iter()
        .rposition(|p| matches!(p, Printed::Cut { .. }))
        .map_or(0, |i| i + 1);
    &printed[start..end]
}

pub fn last_receipt(printed: &[Printed]) -> Vec<String> {
    last_receipt_parts(printed)
        .iter()
        .filter_map(|p| match p {
            Printed::Line { text, .. } => Some(text.clone()),
            Printed::Qr(data) => Some(format!("[二维码 QR] {data}")),
            Printed::Cut { .. } => None,
        })
        .collect()
}

pub fn run(fullscreen: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("onetrip-io")
        .enable_all()
        .build()?;
    let _guard = rt.enter();
    let bench = rt.block_on(Bench::start())?;
    println!(
        "OneTrip demo: data and simulated devices in {}",
        bench.dir.path().display()
    );
    println!("reference upstream on http://{}", bench.upstream);
    let start = Instant::now();
    let clock: shell::kiosk::Clock = Rc::new(move || start + start.elapsed());
    let mut options = RuntimeOptions::new(bench.config.clone());
    options.firmware = crate::terminal::firmware::running();
    let launched = shell::launch(options, rt.handle(), clock, true)?;
    shell::Kiosk::start_timer(&launched.kiosk);

    let panel = DevicePanel::new()?;
    let labels: Vec<SharedString> = bench
        .reader
        .deck_labels()
        .into_iter()
        .map(Into::into)
        .collect();
    panel.set_cards(ModelRc::new(VecModel::from(labels)));
    {
        let reader = bench.reader.clone();
        panel.on_tap(move |i| reader.tap(i as usize));
        let reader = bench.reader.clone();
        panel.on_remove_card(move || reader.remove());
        let printer = bench.printer.clone();
        panel.on_set_paper(move |p| {
            printer.set_paper(match p.as_str() {
                "low" => SimPaper::Low,
                "out" => SimPaper::Out,
                "cover" => SimPaper::CoverOpen,
                _ => SimPaper::Full,
            })
        });
        let scanner = bench.scanner.clone();
        let printer = bench.printer.clone();
        let tracking = bench.config.upstream.tracking_url.clone();
        panel.on_scan(move |kind| {
            let payload = match kind.as_str() {
                // The QR code of the last receipt printed, as a citizen would bring it back.
                "receipt" => printer
                    .printed()
                    .iter()
                    .rev()
                    .find_map(|p| match p {
                        Printed::Qr(data) => Some(data.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| tracking.replace("{number}", "DEMO-0001-000001")),
                _ => "6901234567892".to_string(),
            };
            let aim = if kind.as_str() == "receipt" {
                "]Q1"
            } else {
                "]E0"
            };
            scanner.present(frame(payload.as_bytes(), Some(aim), b"\r\n"));
        });
        let reader = bench.reader.clone();
        let printer = bench.printer.clone();
        let weak = panel.as_weak();
        panel.on_toggle_plug(move |which| {
            let result = match which.as_str() {
                "id_card" if reader.is_plugged() => {
                    reader.unplug();
                    Ok(())
                }
                "id_card" => reader.replug(),
                _ if printer.is_plugged() => {
                    printer.unplug();
                    Ok(())
                }
                _ => printer.replug(),
            };
            if let Err(e) = result {
                eprintln!("replug failed: {e}");
            }
            if let Some(p) = weak.upgrade() {
                p.set_reader_plugged(reader.is_plugged());
                p.set_printer_plugged(printer.is_plugged());
            }
        });
    }
    let refresh = slint::Timer::default();
    {
        let weak = panel.as_weak();
        let reader = bench.reader.clone();
        let printer = bench.printer.clone();
        let store_path = bench.config.data.dir.join(crate::store::DB_FILE);
        let upstream_db = bench.dir.path().join("upstream.sqlite3");
        refresh.start(slint::TimerMode::Repeated, Duration::from_millis(400), move || {
            let Some(p) = weak.upgrade() else { return };
            p.set_card_on_reader(reader.card_on_reader().map(|i| i as i32).unwrap_or(-1));
            p.set_paper(
                match printer.paper() {
                    SimPaper::Low => "low",
                    SimPaper::Out => "out",
                    SimPaper::CoverOpen => "cover",
                    _ => "full",
                }
                .into(),
            );
            p.set_receipt(ModelRc::new(VecModel::from(last_receipt_paper(&printer.printed()))));
            let pending = rusqlite::Connection::open(&store_path)
                .and_then(|c| c.query_row("SELECT COUNT(*) FROM submissions WHERE state = 'pending'", [], |r| r.get::<_, i64>(0)))
                .unwrap_or(0);
            let received = rusqlite::Connection::open(&upstream_db)
                .ok()
                .and_then(|db| super::reference_upstream::received(&db).ok())
                .map(|r| r.len())
                .unwrap_or(0);
            p.set_status_line(format!("本机待发送 {pending} 件 · 上游已接收 {received} 件 (pending here / received upstream)").into());
        });
    }
    // Side by side (a window manager may still place them its own way).
    launched
        .ui
        .window()
        .set_position(slint::PhysicalPosition::new(0, 0));
    panel
        .window()
        .set_position(slint::PhysicalPosition::new(1930, 0));
    launched.ui.show()?;
    if fullscreen {
        crate::ui::fill_screen(&launched.ui);
    }
    panel.show()?;
    slint::run_event_loop()?;
    drop(refresh);
    drop(launched);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Printed {
        Printed::Line {
            text: text.into(),
            bold: false,
            large: false,
        }
    }

    /// The last receipt is the one between the last two cuts: an earlier receipt and one still
    /// printing (no cut yet) are not part of it.
    #[test]
    fn the_last_receipt_is_the_last_one_cut() {
        let cut = Printed::Cut { partial: true };
        let printed = [
            line("first"),
            cut.clone(),
            line("second"),
            Printed::Qr("https://t/1".into()),
            cut.clone(),
            line("still printing"),
        ];
        assert_eq!(
            last_receipt_parts(&printed),
            &[
                line("second"),
                Printed::Qr("https://t/1".into()),
                cut.clone()
            ]
        );
        assert_eq!(
            last_receipt(&printed),
            ["second", "[二维码 QR] https://t/1"]
        );
        assert_eq!(last_receipt(&[line("only")]), ["only"]);
        let paper = last_receipt_paper(&printed);
        let kinds: Vec<&str> = paper.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["line", "qr", "cut"]);
        assert!(paper[1].qr.size().width > 0, "the QR code is an image");
    }
}
