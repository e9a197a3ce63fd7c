//! `onetrip logs --out DIR`: the technician's diagnostic bundle (see `terminal::log_bundle`).

use std::path::Path;
use std::process::ExitCode;

/// Writes the bundle into `out` and says how many files it holds.
pub fn command(config_path: &Path, out: &Path) -> ExitCode {
    super::exit_code(
        crate::terminal::log_bundle::write_bundle(config_path, out).map(|files| {
            println!("wrote {} files to {}", files.len(), out.display());
        }),
    )
}
