//! The burn-in's sessions: one item of every completion mode in turn, a card tapped for each
//! (by the simulated bench, or by the technician), then the wait for the outbox to drain and the
//! journal's figures.

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::driver::OnRuntime;
use super::{ModeFigures, Options, Summary};
use crate::engine::{Action, Engine, EngineConfig, Screen};
use crate::shell::{Runtime, RuntimeOptions, UiSink};
use crate::store::Store;
use crate::sync::worker::Backoff;

// The simulated devices of a developer's burn-in.
#[cfg(feature = "dev-tools")]
use crate::devtools::burn_in::SimulatedBench;

/// Answers every question of the form the way a citizen might: the first choice, a well-formed
/// number of the right length.
fn answer_form(h: &mut OnRuntime) {
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

/// complete, submit, appointment, query, guide — never `decision`: a burn-in against a real
/// platform must not have the authority decide a penalty (its submissions are marked test; a
/// decision cannot be).
const BURN_IN_ITEMS: [&str; 5] = [
    "FZ-ZFGK-05",
    "ZA-FZJL-01",
    "CRJ-JF-03",
    "FZ-ZFGK-02",
    "HZ-HKDJ-01",
];
const FALLBACK_ITEM: &str = "HZ-HKDJ-01";

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

/// The terminal's build has no simulators: a burn-in there uses the terminal's own devices.
#[cfg(not(feature = "dev-tools"))]
enum SimulatedBench {}

#[cfg(not(feature = "dev-tools"))]
impl SimulatedBench {
    fn start(
        _: &tokio::runtime::Runtime,
        _: Option<&std::path::Path>,
        _: Option<&(String, String)>,
    ) -> anyhow::Result<(crate::config::Config, SimulatedBench)> {
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

/// Runs the sessions and waits for the outbox to drain (at most `drain_timeout`); the summary
/// says what was delivered.
pub fn run(mut options: Options) -> anyhow::Result<Summary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _guard = rt.enter();

    let (config, sims) = match options.config.take() {
        Some(c) => (c, None),
        None => {
            let (config, sims) =
                SimulatedBench::start(&rt, options.data_dir.as_deref(), options.upstream.as_ref())?;
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
    runtime_options.firmware = crate::terminal::firmware::running();
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
    let mut h = OnRuntime::new(engine, runtime.effects.clone(), rx);
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
