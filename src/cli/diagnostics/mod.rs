//! Technician diagnostics: `onetrip device <id-card|printer> …`, talking to one device directly
//! through the same drivers the kiosk uses. Exit codes: 0 ok, 3 timeout (no card), 4 device error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub mod id_card;
pub mod printer;
pub mod scanner;

#[derive(clap::Subcommand)]
pub enum DeviceCmd {
    /// Wait for one ID card and print it (masked unless --reveal), or the SAM status with --sam.
    IdCard {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        /// Seconds to wait for a card.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        #[arg(long)]
        json: bool,
        /// Show personal fields in clear (only with the citizen's consent).
        #[arg(long)]
        reveal: bool,
        /// Print the SAM status and id instead of waiting for a card.
        #[arg(long)]
        sam: bool,
    },
    /// Print the next scan (--trigger sends the Honeywell serial trigger first).
    Scanner {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        #[arg(long)]
        trigger: bool,
        /// Seconds to wait for a scan.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        #[arg(long)]
        json: bool,
    },
    /// Print the printer's status (--status) or a test page (--test-page).
    Printer {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        #[arg(long, required_unless_present = "test_page")]
        status: bool,
        #[arg(long, conflicts_with = "status")]
        test_page: bool,
        #[arg(long)]
        json: bool,
    },
}

/// Runs one device's diagnostics: what it found on stdout, or the failure on stderr with its exit
/// code.
pub fn command(cmd: DeviceCmd) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("onetrip: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match cmd {
            DeviceCmd::IdCard {
                port,
                baud,
                timeout,
                json,
                reveal,
                sam,
            } => {
                id_card::run(id_card::Options {
                    port: &port,
                    baud,
                    timeout: Duration::from_secs(timeout),
                    json,
                    reveal,
                    sam,
                })
                .await
            }
            DeviceCmd::Scanner {
                port,
                baud,
                trigger,
                timeout,
                json,
            } => {
                scanner::run(scanner::Options {
                    port: &port,
                    baud,
                    trigger,
                    timeout: Duration::from_secs(timeout),
                    json,
                })
                .await
            }
            DeviceCmd::Printer {
                port,
                baud,
                status: _,
                test_page,
                json,
            } => {
                printer::run(printer::Options {
                    port: &port,
                    baud,
                    json,
                    test_page,
                })
                .await
            }
        }
    });
    match result {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("onetrip: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// A diagnostics outcome: the exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn device(message: impl Into<String>) -> Failure {
        Failure {
            code: 4,
            message: message.into(),
        }
    }

    pub fn timeout(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
}
