//! `onetrip demo`: the kiosk on the developer's simulated bench (see `devtools::demo`).

use std::process::ExitCode;

pub fn command(fullscreen: bool) -> ExitCode {
    super::exit_code(crate::devtools::demo::run(fullscreen))
}
