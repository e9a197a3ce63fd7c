//! `onetrip journal`: what happened in the last citizen sessions, step by step, for staff (the
//! journal keeps no personal data).

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;

/// Prints the last `sessions` sessions of the journal of the store `config_path` names.
pub fn command(config_path: &Path, sessions: usize) -> ExitCode {
    match super::load_config(config_path) {
        Ok(cfg) => super::exit_code(print_last(&cfg, sessions)),
        Err(code) => code,
    }
}

fn print_last(cfg: &Config, last: usize) -> anyhow::Result<()> {
    let store = crate::store::Store::open(&cfg.data.dir)?;
    let rows = store.journal_rows()?;
    let sessions = crate::engine::journal::sessions(&rows);
    for session in sessions.iter().skip(sessions.len().saturating_sub(last)) {
        let Some((start, _)) = session.first() else {
            continue;
        };
        let started = chrono::DateTime::from_timestamp_millis(*start)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        let steps: Vec<_> = session.iter().map(|(_, s)| s.clone()).collect();
        let f = crate::engine::journal::figures(&steps);
        println!(
            "session at {started} · {} · {} taps · {:.0} s{}",
            f.item.as_deref().unwrap_or("no item"),
            f.taps,
            f.seconds,
            if f.completed { "" } else { " (not completed)" }
        );
        for (_, step) in session {
            println!(
                "  +{:>6.1}s  {:<14} {}",
                step.at_ms as f64 / 1000.0,
                step.screen,
                step.what.text()
            );
        }
    }
    Ok(())
}
