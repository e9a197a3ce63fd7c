//! The command line's handlers: `main.rs` parses the arguments and calls one of these, which does
//! the command, prints what it has to say and returns the process's exit code. One file per
//! family of commands; the technician's device diagnostics in `diagnostics/`.
//!
//! stdout is for a command's output (diagnostics JSON, a public key, a summary); messages and logs
//! go to stderr (and the journal).

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;

pub mod burn_in;
pub mod catalog;
pub mod community;
#[cfg(feature = "dev-tools")]
pub mod demo;
pub mod diagnostics;
pub mod fleet;
pub mod journal;
pub mod kiosk;
pub mod logs;
pub mod outbox;
#[cfg(feature = "dev-tools")]
pub mod screenshots;
pub mod staff;

/// Logs to stderr, at `RUST_LOG`'s levels (`info` by default).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        // Colours only for a person at a terminal, not in the journal or a log bundle.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // stdout is for command output (diagnostics JSON); logs go to stderr (and the journal).
        .with_writer(std::io::stderr)
        .try_init();
}

/// The configuration, or exit code 2 with the reason on stderr.
fn load_config(path: &Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("onetrip: {e}");
        ExitCode::from(2)
    })
}

/// 0, or 1 with the error and its causes on stderr.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onetrip: {e:#}");
            ExitCode::FAILURE
        }
    }
}
