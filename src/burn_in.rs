//! `onetrip burn-in --sessions N`: synthetic citizen sessions through the real session engine, the
//! device drivers, the store and the sync worker, then a wait for the outbox to drain.
//!
//! Without `--config` the devices are the simulators (on pseudo-terminals) and the upstream is the
//! local reference server, unless `--upstream` names one. With `--config`, the terminal's real
//! devices and upstream are used and the technician taps a test card for each session.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "dev-tools")]
use onetrip_drivers::id_card::sim::{IdCardSim, SimCard};
#[cfg(feature = "dev-tools")]
use onetrip_drivers::printer::sim::PrinterSim;

use crate::config::Config;
use crate::engine::{Action, Engine, EngineConfig, Harness, Screen};
use crate::shell::{Runtime, RuntimeOptions, UiSink};
use crate::store::Store;
use crate::sync::worker::Backoff;

/// Answers every question of the form the way a citizen might: the first choice, a well-formed
/// number of the right length.
fn answer_form(h: &mut Harness) {
    // Bounded: a form that kept refusing its sample answers must not hang the burn-in.
    for _ in 0..20 {
        let Some(answer) = h.sample_answer() else {
            return;
        };
        let choice = h.view().form.is_some_and(|f| !f.choices.is_empty());
        if choice {
            h.touch(Action::FormChoose(answer));
        } else {
            for c in answer.chars() {
                h.touch(Action::FormKey(c));
            }
            h.touch(Action::FormNext);
        }
    }
}

/// complete, submit, appointment, query, guide.
const BURN_IN_ITEMS: [&str; 5] = [
    "JG-WF-01",
    "ZA-FZJL-01",
    "CRJ-JF-03",
    "FZ-ZFGK-02",
    "HZ-HKDJ-01",
];
const FALLBACK_ITEM: &str = "HZ-HKDJ-01";

pub struct Options {
    pub sessions: u32,
    pub config: Option<Config>,
    /// Store location when simulating (kept, so a killed burn-in resumes its outbox).
    pub data_dir: Option<PathBuf>,
    /// Upstream when simulating: `http://host:port` and its token.
    pub upstream: Option<(String, String)>,
    /// How long to wait for the outbox to drain at the end.
    pub drain_timeout: Duration,
    /// Longest wait between delivery attempts (default: the terminal's backoff). Exponential
    /// backoff can otherwise outlast the drain wait: a head submission that failed five times
    /// waits up to 64 s, and the queue is strictly in order.
    pub retry_cap: Option<Duration>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub sessions: u32,
    pub receipts: u32,
    pub accepted: i64,
    pub rejected: i64,
    pub pending: i64,
    /// From the journal: the median taps and seconds from card to receipt, per completion mode.
    pub by_mode: Vec<ModeFigures>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModeFigures {
    pub mode: &'static str,
    pub sessions: usize,
    pub median_taps: f64,
    pub median_seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sessions {} · receipts {} · submissions accepted {} · rejected {} · pending {}",
            self.sessions, self.receipts, self.accepted, self.rejected, self.pending
        )?;
        for m in &self.by_mode {
            write!(
                f,
                "\n  {:<12} {} sessions · median {} taps · {:.2} s from card to receipt",
                m.mode, m.sessions, m.median_taps, m.median_seconds
            )?;
        }
        Ok(())
    }
}

/// The median taps and seconds per completion mode of the last `n` sessions in the journal.
fn figures_by_mode(
    store: &Store,
    catalog: &crate::catalog::Catalog,
    n: usize,
) -> anyhow::Result<Vec<ModeFigures>> {
    use crate::engine::journal::{figures, median, sessions};
    let sessions = sessions(&store.journal_rows()?);
    let recent = &sessions[sessions.len().saturating_sub(n)..];
    // Each completed session's mode and figures.
    let measured: Vec<_> = recent
        .iter()
        .map(|session| figures(&session.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>()))
        .filter(|f| f.completed)
        .filter_map(|f| {
            let item = catalog.item(f.item.as_deref()?)?;
            Some((item.mode, f))
        })
        .collect();
    let mut out = Vec::new();
    for mode in crate::catalog::Mode::ALL {
        let (mut taps, mut seconds): (Vec<f64>, Vec<f64>) = measured
            .iter()
            .filter(|(m, _)| *m == mode)
            .map(|(_, f)| (f64::from(f.taps), f.seconds))
            .unzip();
        if !taps.is_empty() {
            out.push(ModeFigures {
                mode: mode.name(),
                sessions: taps.len(),
                median_taps: median(&mut taps),
                median_seconds: median(&mut seconds),
            });
        }
    }
    Ok(out)
}

/// The simulated bench: a card reader with a deck of sample cards, a printer, and (unless
/// `--upstream` names one) the local reference upstream.
#[cfg(feature = "dev-tools")]
struct Sims {
    reader: IdCardSim,
    _printer: PrinterSim,
    _dir: tempfile::TempDir,
}

#[cfg(feature = "dev-tools")]
impl Sims {
    fn start(rt: &tokio::runtime::Runtime, options: &Options) -> anyhow::Result<(Config, Sims)> {
        let dir = tempfile::Builder::new()
            .prefix("onetrip-burn-in-")
            .tempdir()?;
        std::fs::create_dir_all(dir.path().join("dev"))?;
        let reader = IdCardSim::start(&dir.path().join("dev/id-card"), SimCard::sample_deck())?;
        let printer = PrinterSim::start(&dir.path().join("dev/printer"))?;
        let upstream = match &options.upstream {
            Some((url, token)) => (url.clone(), token.clone()),
            None => {
                let (addr, _task) = rt.block_on(crate::reference_upstream::spawn_local(
                    &dir.path().join("upstream.sqlite3"),
                    crate::demo::DEMO_TOKEN,
                    Default::default(),
                ))?;
                (
                    format!("http://{addr}"),
                    crate::demo::DEMO_TOKEN.to_string(),
                )
            }
        };
        let data = options
            .data_dir
            .clone()
            .unwrap_or_else(|| dir.path().join("data"));
        let text = format!(
            "[terminal]\nid = \"BURNIN\"\nhall = \"老化测试\"\n[data]\ndir = \"{}\"\n\
             [devices.id_card]\npath = \"{}\"\n[devices.printer]\npath = \"{}\"\n\
             [upstream]\nbase_url = \"{}\"\ntoken = \"{}\"\nconnect_timeout_secs = 2\n\
             request_timeout_secs = 5\ntracking_url = \"https://t.invalid/{{number}}\"\n",
            data.display(),
            dir.path().join("dev/id-card").display(),
            dir.path().join("dev/printer").display(),
            upstream.0,
            upstream.1
        );
        let config = Config::parse(&text, &dir.path().join("burn-in.toml"))?;
        Ok((
            config,
            Sims {
                reader,
                _printer: printer,
                _dir: dir,
            },
        ))
    }

    /// Session `i`'s card (the deck in turn).
    fn tap(&self, i: usize) {
        self.reader.tap(i % self.reader.deck_labels().len());
    }

    fn remove(&self) {
        self.reader.remove();
    }
}

/// The terminal's build has no simulators: a burn-in there uses the terminal's own devices.
#[cfg(not(feature = "dev-tools"))]
enum Sims {}

#[cfg(not(feature = "dev-tools"))]
impl Sims {
    fn start(_: &tokio::runtime::Runtime, _: &Options) -> anyhow::Result<(Config, Sims)> {
        anyhow::bail!(
            "this is the terminal's build, without simulators: give --config to burn in the \
             terminal's own devices (the simulated burn-in is in the developer's build)"
        )
    }

    fn tap(&self, _: usize) {
        match *self {}
    }

    fn remove(&self) {
        match *self {}
    }
}

pub fn run(mut options: Options) -> anyhow::Result<Summary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _guard = rt.enter();

    let (config, sims) = match options.config.take() {
        Some(c) => (c, None),
        None => {
            let (config, sims) = Sims::start(&rt, &options)?;
            (config, Some(sims))
        }
    };

    let (tx, rx) = std_mpsc::channel();
    let sink: UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let mut runtime_options = RuntimeOptions::new(config.clone());
    runtime_options.reader_poll = Duration::from_millis(100);
    runtime_options.printer_status_interval = Duration::from_millis(500);
    // A burn-in's sessions are a technician's, never citizens' applications: the platform is
    // told so in every submission.
    runtime_options.test_submissions = true;
    if let Some(cap) = options.retry_cap {
        runtime_options.backoff = Backoff::capped(cap);
    }
    let runtime = Runtime::start(runtime_options, rt.handle(), sink);
    let engine = Engine::new(
        EngineConfig::new(Duration::from_secs(600)),
        Arc::new(crate::catalog::shipped()),
        Instant::now(),
        crate::shell::today(),
    );
    let mut h = Harness::on_runtime(engine, runtime.effects.clone(), rx);
    // One item of every completion mode, in turn.
    let items = BURN_IN_ITEMS;
    let mut summary = Summary::default();
    let step = Duration::from_secs(30);

    for i in 0..options.sessions {
        h.wait_for(step, "the terminal to be available", |e| {
            e.screen() == Screen::Attract
        })
        .map_err(anyhow::Error::msg)?;
        match &sims {
            Some(s) => s.tap(i as usize),
            None => println!("session {}: tap a test card on the reader", i + 1),
        }
        h.wait_for(step, "a card", |e| e.screen() == Screen::Home)
            .map_err(anyhow::Error::msg)?;
        let mut code = items[i as usize % items.len()];
        h.touch(Action::SelectItem(code.into()));
        if !h.view().detail.is_some_and(|d| d.eligible) {
            // This card cannot apply for it (e.g. a foreigner and a mainland permit): another
            // item of the same mode this card can apply for, so every mode is measured, else a
            // guide item (no rules).
            let mode = h.catalog().item(code).map(|i| i.mode);
            let same_mode: Vec<String> = h
                .catalog()
                .items
                .iter()
                .filter(|i| Some(i.mode) == mode && i.code != code)
                .map(|i| i.code.clone())
                .collect();
            code = FALLBACK_ITEM;
            for other in &same_mode {
                h.touch(Action::Back);
                h.touch(Action::SelectItem(other.clone()));
                if h.view().detail.is_some_and(|d| d.eligible) {
                    code = other;
                    break;
                }
            }
            if code == FALLBACK_ITEM {
                h.touch(Action::Back);
                h.touch(Action::SelectItem(code.into()));
            }
        }
        h.touch(Action::Start);
        answer_form(&mut h);
        if h.screen() == Screen::QueryResult {
            // A query: wait for upstream's answer, then leave (nothing is submitted).
            h.wait_for(step, "the query's answer", |e| {
                e.view().query_outcome.is_some()
            })
            .map_err(anyhow::Error::msg)?;
            h.touch(Action::Finish);
            if let Some(s) = &sims {
                s.remove();
                // Two missed polls make a removal: the next card is then a new one.
                std::thread::sleep(Duration::from_millis(400));
            }
            summary.sessions += 1;
            continue;
        }
        if h.screen() == Screen::Slots {
            h.wait_for(step, "appointment times", |e| e.view().slots.is_some())
                .map_err(anyhow::Error::msg)?;
            match h.view().slots {
                Some(crate::engine::SlotsOutcome::Offered(slots)) if !slots.is_empty() => {
                    h.touch(Action::ChooseSlot(slots[0].id.clone()));
                }
                _ => h.touch(Action::GuideInstead),
            }
        }
        if h.screen() == Screen::Confirm {
            h.touch(Action::Confirm);
        }
        h.wait_for(step, "the receipt", |e| e.screen() == Screen::Done)
            .map_err(anyhow::Error::msg)?;
        if h.view().outcome == Some(crate::engine::DoneOutcome::Printed) {
            summary.receipts += 1;
        }
        h.touch(Action::Finish);
        if let Some(s) = &sims {
            s.remove();
            std::thread::sleep(Duration::from_millis(400));
        } else {
            println!("session {}: done, take the card away", i + 1);
        }
        summary.sessions += 1;
    }

    // Wait for the outbox to drain.
    let store = Store::open(&config.data.dir)?;
    let deadline = Instant::now() + options.drain_timeout;
    loop {
        let c = store.queue_counts()?;
        summary.accepted = c.accepted;
        summary.rejected = c.rejected;
        summary.pending = c.pending;
        if c.pending == 0 || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(runtime);
    summary.by_mode = figures_by_mode(&store, h.catalog(), options.sessions as usize)?;
    Ok(summary)
}
