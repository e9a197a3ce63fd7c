//! `onetrip run` (the default) and `onetrip check-config`: the kiosk itself, and the check of
//! its configuration a technician runs before restarting it.

use std::path::Path;
use std::process::ExitCode;

use crate::config::{self, Config};

/// Runs the kiosk on `config_path`'s configuration (exit 2 if it is missing or broken). With
/// `setup_screen`, a terminal without a usable configuration says so on its screen (with its
/// hardware id for the technician) instead of restarting in a loop behind a black screen.
pub fn run(config_path: &Path, setup_screen: bool) -> ExitCode {
    let result = match Config::load(config_path) {
        Ok(cfg) => crate::terminal::service::run(cfg, None),
        Err(e) if !setup_screen => {
            eprintln!("onetrip: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("onetrip: {e}");
            let reason = crate::engine::Outage::NotConfigured {
                found: !matches!(e, config::ConfigError::NotFound(_)),
                hardware_id: crate::terminal::hardware_id::hardware_id(),
            };
            crate::terminal::service::run(Config::not_configured(), Some(reason))
        }
    };
    super::exit_code(result)
}

/// Exit 0 with "PATH: ok" when the configuration is valid, else 2 with what is wrong.
pub fn check_config(config_path: &Path) -> ExitCode {
    match super::load_config(config_path) {
        Ok(_) => {
            println!("{}: ok", config_path.display());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
