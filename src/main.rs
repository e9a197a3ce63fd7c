//! The `onetrip` binary: a thin command line over the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use onetrip::config::{self, Config};
use onetrip::shell::{self, RuntimeOptions};
use slint::ComponentHandle;

#[derive(Parser)]
#[command(
    name = "onetrip",
    version,
    about = "OneTrip self-service police terminal"
)]
struct Cli {
    /// Configuration file.
    #[arg(long, global = true, default_value = config::DEFAULT_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the kiosk on this terminal (the default).
    Run,
    /// Run the kiosk with simulated devices, a temporary store and a local upstream.
    Demo {
        #[arg(long)]
        fullscreen: bool,
    },
    /// Render every screen to PNG (landscape and portrait, Chinese and English, normal and elderly).
    Screenshots {
        #[arg(long)]
        out: PathBuf,
    },
    /// Check the configuration file and exit (0 valid, 2 invalid).
    CheckConfig,
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .try_init();
}

fn load_config(path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("onetrip: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command.unwrap_or(Cmd::Run) {
        Cmd::Run => match load_config(&cli.config) {
            Ok(cfg) => run(cfg),
            Err(code) => return code,
        },
        Cmd::CheckConfig => match load_config(&cli.config) {
            Ok(_) => {
                println!("{}: ok", cli.config.display());
                Ok(())
            }
            Err(code) => return code,
        },
        Cmd::Demo { fullscreen } => onetrip::demo::run(fullscreen),
        Cmd::Screenshots { out } => {
            onetrip::screenshots::render_all(&out, "西湖区公安分局 文新派出所 服务大厅").map(
                |files| {
                    println!("wrote {} screenshots to {}", files.len(), out.display());
                },
            )
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onetrip: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The kiosk on a real terminal.
fn run(cfg: Config) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("onetrip-io")
        .enable_all()
        .build()?;
    let start = Instant::now();
    let clock: shell::kiosk::Clock = Rc::new(move || start + start.elapsed());
    let fullscreen = cfg.ui.fullscreen;
    let launched = shell::launch(RuntimeOptions::new(cfg), rt.handle(), clock, true)?;
    let _timer = shell::Kiosk::start_timer(&launched.kiosk);
    if fullscreen {
        launched.ui.window().set_fullscreen(true);
    }
    launched.ui.show()?;
    // Under systemd (Type=notify): ready once the window is up; watchdog pings come from the UI
    // thread, so a hung UI stops them and systemd restarts the kiosk.
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
    let mut usec = 0;
    let _watchdog = if sd_notify::watchdog_enabled(false, &mut usec) {
        let t = slint::Timer::default();
        t.start(
            slint::TimerMode::Repeated,
            Duration::from_micros(usec / 2),
            || {
                let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            },
        );
        Some(t)
    } else {
        None
    };
    slint::run_event_loop()?;
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    Ok(())
}
