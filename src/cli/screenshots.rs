//! `onetrip screenshots`: every screen to PNG, or `--check` for texts that do not fit (see
//! `devtools::screenshots`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::devtools::screenshots::{self, Hall, Orientation};

/// The hall name on the screenshots: a long one, as real halls have.
const SCREENSHOT_HALL: &str = "郑州市公安局金水分局 示范派出所 服务大厅";
const SCREENSHOT_HALL_EN: &str = "Model Police Station Service Hall, Jinshui District, Zhengzhou";
/// The programme's slogan on the screenshots: Zhengzhou's, as the demo's configuration gives it.
const SCREENSHOT_SLOGAN: &str = "就跑一次";
const SCREENSHOT_SLOGAN_EN: &str = "One trip is enough";

// `onetrip screenshots`' arguments (the command's help is on its variant in main.rs).
#[derive(clap::Args)]
pub struct Args {
    #[arg(long, required_unless_present = "check")]
    out: Option<PathBuf>,
    /// Only the views whose name starts with this (e.g. `staff`).
    #[arg(long)]
    only: Option<String>,
    /// Only this orientation; both by default.
    #[arg(long, value_enum)]
    orientation: Option<Orientation>,
    /// Write no pictures: list every text that is elided, broken inside a word, overflowing
    /// or cut off, and exit 1 if there is any.
    #[arg(long, conflicts_with = "out")]
    check: bool,
    /// With --check: add this many rows to the confirm summary, more than any screen can show —
    /// the check's own test that a row cut off or scrolled out of sight is found.
    #[arg(long, default_value_t = 0, requires = "check")]
    plant_rows: usize,
    /// The hall name in the top bar (a long one by default, as real halls have).
    #[arg(long, default_value = SCREENSHOT_HALL)]
    hall: String,
    /// Its English name, shown in the English views.
    #[arg(long, default_value = SCREENSHOT_HALL_EN)]
    hall_en: String,
    /// The programme's slogan (as `terminal.slogan` gives it; "" for none).
    #[arg(long, default_value = SCREENSHOT_SLOGAN)]
    slogan: String,
    /// Its English words, shown in the English views.
    #[arg(long, default_value = SCREENSHOT_SLOGAN_EN)]
    slogan_en: String,
}

/// Exit 0 written (or everything fits), 1 otherwise.
pub fn command(args: Args) -> ExitCode {
    let hall = Hall {
        zh: &args.hall,
        en: &args.hall_en,
        slogan_zh: &args.slogan,
        slogan_en: &args.slogan_en,
    };
    let only = args.only.as_deref();
    super::exit_code(if args.check {
        screenshots::misfits_all(hall, only, args.orientation, args.plant_rows).and_then(
            |(views, misfits)| {
                for (view, misfit) in &misfits {
                    println!("{view}: {misfit}");
                }
                println!("{views} views, {} texts that do not fit", misfits.len());
                anyhow::ensure!(misfits.is_empty(), "some texts do not fit");
                Ok(())
            },
        )
    } else {
        let out = args.out.expect("clap requires --out without --check");
        screenshots::render_all(&out, hall, only, args.orientation).map(|files| {
            println!("wrote {} screenshots to {}", files.len(), out.display());
        })
    })
}
