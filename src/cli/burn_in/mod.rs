//! `onetrip burn-in --sessions N`: synthetic citizen sessions through the real session engine, the
//! device drivers, the store and the sync worker, then a wait for the outbox to drain.
//!
//! With `--config`, the terminal's real devices and upstream are used and the technician taps a
//! test card for each session: that is the terminal's own test, in its build. Without, the
//! devices are simulators and the upstream is the local reference server (unless `--upstream`
//! names one): that bench is a developer's tool (`devtools::burn_in`), and the terminal's build,
//! which has no simulators, says so instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;

mod driver;
mod sessions;

pub use sessions::run;

// `onetrip burn-in`'s arguments (the command's help is on its variant in main.rs).
#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    sessions: u32,
    /// Keep the store here (simulated runs; a killed burn-in resumes its outbox).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Upstream base URL for simulated runs (default: a local reference server).
    #[arg(long)]
    upstream: Option<String>,
    /// The upstream's token for --upstream (default: ONETRIP_UPSTREAM_TOKEN, else the local
    /// reference server's demo token). Prefer --token-file: a command line is visible to
    /// every user of the machine.
    #[arg(long)]
    token: Option<String>,
    /// Read the token from this file (first line).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Seconds to wait for the outbox to drain.
    #[arg(long, default_value_t = 120)]
    drain_timeout: u64,
    /// Longest wait between delivery attempts, in seconds (default: the terminal's own, 15
    /// minutes). A crash test that must drain within --drain-timeout sets it short.
    #[arg(long)]
    retry_cap: Option<u64>,
}

/// Runs the burn-in on the terminal `config` names (its own devices), else on simulated ones;
/// exit 0 only when every submission was accepted upstream, 1 when some were not, 2 on an
/// unreadable token file or configuration.
pub fn command(args: Args, config: Option<&Path>) -> ExitCode {
    let token = match (args.token, args.token_file) {
        (Some(t), _) => Some(t),
        (None, Some(file)) => match std::fs::read_to_string(&file) {
            Ok(t) => Some(t.lines().next().unwrap_or_default().trim().to_string()),
            Err(e) => {
                eprintln!("onetrip: burn-in: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        },
        (None, None) => std::env::var("ONETRIP_UPSTREAM_TOKEN").ok(),
    };
    // Without one, a simulated run's upstream is the demo's (developer's build only).
    #[cfg(feature = "dev-tools")]
    let token = token.or_else(|| Some(crate::devtools::demo::DEMO_TOKEN.to_string()));
    let config = match config {
        Some(path) => match super::load_config(path) {
            Ok(c) => Some(c),
            Err(code) => return code,
        },
        None => None,
    };
    let options = Options {
        sessions: args.sessions,
        config,
        data_dir: args.data_dir,
        upstream: args.upstream.map(|u| (u, token.unwrap_or_default())),
        drain_timeout: Duration::from_secs(args.drain_timeout),
        retry_cap: args.retry_cap.map(Duration::from_secs),
    };
    match run(options) {
        Ok(summary) => {
            println!("{summary}");
            if summary.pending == 0 && summary.rejected == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("onetrip: burn-in: {e:#}");
            ExitCode::FAILURE
        }
    }
}

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
