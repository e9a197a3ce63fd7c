//! `onetrip community check|sign`: the community feed as the authority publishes it — checked
//! the way a terminal checks it, then signed with the catalog's key (`onetrip catalog keygen`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::catalog::signature;
use crate::community::{Feed, Invalid};

/// Exit code for an invalid feed or key (as `catalog`).
const INVALID: u8 = 2;

#[derive(clap::Subcommand)]
pub enum CommunityCmd {
    /// Check a feed (JSON) as a terminal would: exit 0 valid, 2 invalid, each problem named.
    Check { path: PathBuf },
    /// Check and sign a feed: the exact bytes are signed; the signature goes to --out (for the
    /// `X-Community-Signature` header) and to standard output.
    Sign {
        path: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

fn read_checked(path: &Path) -> Result<(Vec<u8>, Feed), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    match Feed::parse(&bytes) {
        Ok(feed) => Ok((bytes, feed)),
        Err(Invalid(problems)) => Err(format!(
            "{}: the community feed is invalid:\n{}",
            path.display(),
            problems.join("\n")
        )),
    }
}

pub fn command(cmd: CommunityCmd) -> ExitCode {
    let result = match cmd {
        CommunityCmd::Check { path } => read_checked(&path).map(|(_, feed)| {
            format!(
                "community feed {} is valid: {} people, {} notices, issued {}, expires {}",
                feed.version,
                feed.people.len(),
                feed.notices.len(),
                feed.issued,
                feed.expires_at
            )
        }),
        CommunityCmd::Sign { path, key, out } => read_checked(&path).and_then(|(bytes, _)| {
            let text = std::fs::read_to_string(&key)
                .map_err(|e| format!("{}: cannot read the key: {e}", key.display()))?;
            let key = signature::signing_key(&text).map_err(|e| e.to_string())?;
            let sig = signature::sign(&bytes, &key);
            std::fs::write(&out, format!("{sig}\n"))
                .map_err(|e| format!("{}: {e}", out.display()))?;
            Ok(sig)
        }),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(INVALID)
        }
    }
}
