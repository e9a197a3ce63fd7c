//! `onetrip catalog check|review|keygen|sign`: the catalog tool of the issuing authority and the
//! technician (see `catalog::tool`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::catalog::{tool, Capability};

#[derive(clap::Subcommand)]
pub enum CatalogCmd {
    /// Validate a catalog directory or file (exit 0 valid, 2 invalid), each problem with its file,
    /// item code and what to fix, for a terminal with --capabilities.
    Check {
        path: PathBuf,
        /// The terminal's devices (its `[terminal] capabilities`): no item may need or claim
        /// more, e.g. a receipt that proves payment on a terminal that takes none.
        #[arg(long, value_delimiter = ',', value_parser = capability,
              default_value = "card_reader,printer,scanner")]
        capabilities: Vec<Capability>,
    },
    /// Write the review sheet the issuing authority checks and signs: one printable page per
    /// item (every field, its sources as links, its content digest, its page on this terminal's
    /// screen in Chinese and English and the receipt it prints, a box for the reviewer), an
    /// index, and one CSV row per item with the reviewer's columns (审核结论 同意 / 修改后同意 /
    /// 不同意, 审核人, 审核日期, 审核意见). With --import, bring the filled-in CSV back: agreed
    /// items become verified with their digest, comments go into editors' notes (exit 2 and
    /// nothing written if any row cannot be taken).
    Review {
        path: PathBuf,
        #[arg(long, required_unless_present = "import", conflicts_with = "import")]
        out: Option<PathBuf>,
        #[arg(long)]
        import: Option<PathBuf>,
        /// Pages without the pictures of the screens and the receipts (quicker: about a tenth of
        /// a second per item and language saved).
        #[arg(long, conflicts_with = "import")]
        no_pictures: bool,
    },
    /// Make an ed25519 key pair: the private key to --key (never overwritten), the public key (for
    /// `catalog.public_key`) to standard output.
    Keygen {
        #[arg(long)]
        key: PathBuf,
    },
    /// Validate and sign a catalog: writes it as one document to --out and the signature to
    /// --out with ".sig" added.
    Sign {
        path: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

/// What the review pages show of each item on the screen and on paper: drawn by the developer's
/// build (the screenshots' renderer); the terminal's own build writes the pages without them.
#[cfg(feature = "dev-tools")]
const SHOW_ITEMS: tool::ShowItems = &crate::devtools::review_pictures::show_items;
#[cfg(not(feature = "dev-tools"))]
const SHOW_ITEMS: tool::ShowItems = NO_PICTURES;
const NO_PICTURES: tool::ShowItems = &|_, _| Ok(Default::default());

/// A capability by its configuration name, for `--capabilities`.
fn capability(name: &str) -> Result<Capability, String> {
    let all = Capability::ALL;
    all.into_iter().find(|c| c.name() == name).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|c| c.name()).collect();
        format!("not a capability; one of {}", names.join(", "))
    })
}

/// Exit 0 done, 2 invalid (the catalog, a key, a file).
pub fn command(cmd: CatalogCmd) -> ExitCode {
    match cmd {
        CatalogCmd::Check { path, capabilities } => ExitCode::from(tool::check(
            &path,
            &capabilities,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        CatalogCmd::Review {
            path,
            out: Some(out),
            import: None,
            no_pictures,
        } => ExitCode::from(tool::review(
            &path,
            &out,
            if no_pictures { NO_PICTURES } else { SHOW_ITEMS },
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        CatalogCmd::Review {
            path,
            import: Some(csv),
            ..
        } => ExitCode::from(tool::import_review(
            &path,
            &csv,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        CatalogCmd::Review { .. } => ExitCode::from(tool::INVALID),
        CatalogCmd::Keygen { key } => match tool::keygen(&key) {
            Ok(public) => {
                println!("{public}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", key.display());
                ExitCode::from(tool::INVALID)
            }
        },
        CatalogCmd::Sign { path, key, out } => match tool::sign(&path, &key, &out) {
            Ok(sig) => {
                println!("{sig}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(tool::INVALID)
            }
        },
    }
}
