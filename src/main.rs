//! The `onetrip` binary: the command line only. It parses the arguments and hands each command to
//! its handler in `onetrip::cli`, which returns the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use onetrip::cli;

#[derive(Parser)]
#[command(
    name = "onetrip",
    version,
    about = "OneTrip self-service police terminal"
)]
struct Cli {
    /// Configuration file [default: /etc/onetrip/onetrip.toml].
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the kiosk on this terminal (the default).
    Run {
        /// On a missing or broken configuration, show "本机尚未开通/本机设置有误" with the
        /// hardware id on screen and keep running, instead of exiting 2 (the terminal's service
        /// uses this: no restart loop behind a black screen).
        #[arg(long)]
        setup_screen: bool,
    },
    /// Run the kiosk with simulated devices, a temporary store and a local upstream.
    #[cfg(feature = "dev-tools")]
    Demo {
        #[arg(long)]
        fullscreen: bool,
    },
    /// Render every screen to PNG (landscape and portrait, Chinese and English, normal and elderly).
    #[cfg(feature = "dev-tools")]
    Screenshots(cli::screenshots::Args),
    /// Check the configuration file and exit (0 valid, 2 invalid).
    CheckConfig,
    /// Run N synthetic citizen sessions through engine, drivers, store and sync; exit 0 only when
    /// every submission was accepted upstream. Simulated devices unless --config is given.
    BurnIn(cli::burn_in::Args),
    /// Technician diagnostics for one device (exit 0 ok, 3 timeout, 4 device error).
    Device {
        #[command(subcommand)]
        device: cli::diagnostics::DeviceCmd,
    },
    /// Technician: a diagnostic bundle (versions, configuration without secrets, queue, audit
    /// log, device health, this boot's journal) into DIR, e.g. a USB stick. No personal data.
    Logs {
        #[arg(long)]
        out: PathBuf,
    },
    /// Staff: what happened in the last citizen sessions, step by step (no personal data).
    Journal {
        #[arg(long, default_value_t = 5)]
        sessions: usize,
    },
    /// Technician: the staff screen's PIN.
    Staff {
        #[command(subcommand)]
        command: cli::staff::StaffCmd,
    },
    /// Technician: the outbox (submissions waiting for or refused by upstream).
    Outbox {
        #[command(subcommand)]
        command: cli::outbox::OutboxCmd,
    },
    /// Technician: fleet updates — what the server offers and what this terminal would do
    /// (`status`), one poll by hand (`poll --once`), the version policy (`allows VERSION`).
    /// Exit 0 nothing to do, 1 server unreachable, 2 no [fleet], 3 waits, 4 refused, 5 install.
    Fleet {
        #[command(subcommand)]
        command: cli::fleet::FleetCmd,
    },
    /// The service catalog: check, make a signing key, sign for publishing.
    Catalog {
        #[command(subcommand)]
        command: cli::catalog::CatalogCmd,
    },
    /// The community feed (the village's officers): check it, sign it for publishing.
    Community {
        #[command(subcommand)]
        command: cli::community::CommunityCmd,
    },
}

fn main() -> ExitCode {
    let args = Cli::parse();
    cli::init_logging();
    let config_path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(onetrip::config::DEFAULT_PATH));
    let command = args.command.unwrap_or(Cmd::Run {
        setup_screen: false,
    });
    match command {
        Cmd::Run { setup_screen } => cli::kiosk::run(&config_path, setup_screen),
        Cmd::CheckConfig => cli::kiosk::check_config(&config_path),
        Cmd::Device { device } => cli::diagnostics::command(device),
        Cmd::Catalog { command } => cli::catalog::command(command),
        Cmd::Community { command } => cli::community::command(command),
        Cmd::Logs { out } => cli::logs::command(&config_path, &out),
        Cmd::Staff { command } => cli::staff::command(&config_path, command),
        Cmd::Outbox { command } => cli::outbox::command(&config_path, command),
        Cmd::Fleet { command } => cli::fleet::command(&config_path, command),
        Cmd::Journal { sessions } => cli::journal::command(&config_path, sessions),
        // Only a configuration given on the command line: without, the burn-in is simulated.
        Cmd::BurnIn(burn_in) => cli::burn_in::command(burn_in, args.config.as_deref()),
        #[cfg(feature = "dev-tools")]
        Cmd::Demo { fullscreen } => cli::demo::command(fullscreen),
        #[cfg(feature = "dev-tools")]
        Cmd::Screenshots(screenshots) => cli::screenshots::command(screenshots),
    }
}
