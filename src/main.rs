//! The `onetrip` binary: a thin command line over the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use onetrip::config::{self, Config};
use onetrip::shell::{self, RuntimeOptions};
use slint::ComponentHandle;

/// The hall name on the screenshots: a long one, as real halls have.
#[cfg(feature = "dev-tools")]
const SCREENSHOT_HALL: &str = "西湖区公安分局 文新派出所 服务大厅";
#[cfg(feature = "dev-tools")]
const SCREENSHOT_HALL_EN: &str = "Wenxin Police Station Service Hall, Xihu District";

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
        /// On a missing or broken configuration, show "本机未配置/本机配置有误" with the
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
    Screenshots {
        #[arg(long, required_unless_present = "check")]
        out: Option<PathBuf>,
        /// Only the views whose name starts with this (e.g. `staff`).
        #[arg(long)]
        only: Option<String>,
        /// Only this orientation; both by default.
        #[arg(long, value_enum)]
        orientation: Option<onetrip::screenshots::Orientation>,
        /// Write no pictures: list every text that is elided, broken inside a word, overflowing
        /// or cut off, and exit 1 if there is any.
        #[arg(long, conflicts_with = "out")]
        check: bool,
        /// The hall name in the top bar (a long one by default, as real halls have).
        #[arg(long, default_value = SCREENSHOT_HALL)]
        hall: String,
        /// Its English name, shown in the English views.
        #[arg(long, default_value = SCREENSHOT_HALL_EN)]
        hall_en: String,
    },
    /// Check the configuration file and exit (0 valid, 2 invalid).
    CheckConfig,
    /// Run N synthetic citizen sessions through engine, drivers, store and sync; exit 0 only when
    /// every submission was accepted upstream. Simulated devices unless --config is given.
    BurnIn {
        #[arg(long)]
        sessions: u32,
        /// Keep the store here (simulated runs; a killed burn-in resumes its outbox).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Upstream base URL for simulated runs (default: a local reference server).
        #[arg(long)]
        upstream: Option<String>,
        /// The upstream's token for --upstream (default: ONETRIP_UPSTREAM_TOKEN, else the local
        /// reference server's demo token). Prefer --token-file: a command line is visible to
        /// every user of the machine.
        #[arg(long)]
        token: Option<String>,
        /// Read the token from this file (first line).
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Seconds to wait for the outbox to drain.
        #[arg(long, default_value_t = 120)]
        drain_timeout: u64,
        /// Longest wait between delivery attempts, in seconds (default: the terminal's own, 15
        /// minutes). A crash test that must drain within --drain-timeout sets it short.
        #[arg(long)]
        retry_cap: Option<u64>,
    },
    /// Technician diagnostics for one device (exit 0 ok, 3 timeout, 4 device error).
    Device {
        #[command(subcommand)]
        device: DeviceCmd,
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
        command: StaffCmd,
    },
    /// Technician: the outbox (submissions waiting for or refused by upstream).
    Outbox {
        #[command(subcommand)]
        command: OutboxCmd,
    },
    /// The service catalog: check, make a signing key, sign for publishing.
    Catalog {
        #[command(subcommand)]
        command: CatalogCmd,
    },
}

#[derive(Subcommand)]
enum CatalogCmd {
    /// Validate a catalog directory or file (exit 0 valid, 2 invalid), each problem with its file,
    /// item code and what to fix, for a terminal with --capabilities.
    Check {
        path: PathBuf,
        /// The terminal's devices (its `[terminal] capabilities`): no item may need or claim
        /// more, e.g. a receipt that proves payment on a terminal that takes none.
        #[arg(long, value_delimiter = ',', value_parser = capability,
              default_value = "card_reader,printer,scanner")]
        capabilities: Vec<onetrip::catalog::Capability>,
    },
    /// Write the review sheet the issuing authority checks and signs: one printable page per
    /// item (every field, its sources as links, a box for the reviewer), an index, and one CSV
    /// row per item.
    Review {
        path: PathBuf,
        #[arg(long)]
        out: PathBuf,
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

fn journal(cfg: &Config, last: usize) -> anyhow::Result<()> {
    let store = onetrip::store::Store::open(&cfg.data.dir)?;
    let rows = store.journal_rows()?;
    let sessions = onetrip::engine::journal::sessions(&rows);
    for session in sessions.iter().skip(sessions.len().saturating_sub(last)) {
        let Some((start, _)) = session.first() else {
            continue;
        };
        let started = chrono::DateTime::from_timestamp_millis(*start)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
        let steps: Vec<_> = session.iter().map(|(_, s)| s.clone()).collect();
        let f = onetrip::engine::journal::figures(&steps);
        println!(
            "session at {started} · {} · {} taps · {:.0} s{}",
            f.item.as_deref().unwrap_or("no item"),
            f.taps,
            f.seconds,
            if f.completed { "" } else { " (not completed)" }
        );
        for (_, step) in session {
            println!(
                "  +{:>6.1}s  {:<14} {}",
                step.at_ms as f64 / 1000.0,
                step.screen,
                step.what.text()
            );
        }
    }
    Ok(())
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Asks for the new PIN (4 to 8 digits) twice on standard input and writes its argon2 hash
    /// into the configuration file as staff.pin_hash (the PIN itself is never stored). Restart
    /// the kiosk to use it.
    SetPin,
}

/// Reads one line from standard input, without echo when it is a terminal.
fn read_secret(prompt: &str) -> std::io::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    // SAFETY: termios of our own standard input, restored below.
    let saved = tty.then(|| unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(0, &mut t);
        let mut quiet = t;
        quiet.c_lflag &= !libc::ECHO;
        libc::tcsetattr(0, libc::TCSANOW, &quiet);
        t
    });
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = saved {
        // SAFETY: as above.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
        eprintln!();
    }
    read?;
    Ok(line.trim().to_string())
}

fn set_pin(config_path: &std::path::Path) -> ExitCode {
    let first = read_secret("new staff PIN (4 to 8 digits): ");
    let again = read_secret("the same PIN again: ");
    let (Ok(first), Ok(again)) = (first, again) else {
        eprintln!("onetrip: staff set-pin: cannot read the PIN from standard input");
        return ExitCode::from(2);
    };
    if first != again {
        eprintln!("onetrip: staff set-pin: the two PINs differ; nothing changed");
        return ExitCode::from(2);
    }
    match onetrip::staff_pin::set_in_file(config_path, &first) {
        Ok(()) => {
            println!(
                "staff PIN set in {} (as an argon2 hash); restart the kiosk: systemctl restart onetrip",
                config_path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("onetrip: staff set-pin: {e:#}; nothing changed");
            ExitCode::from(2)
        }
    }
}

#[derive(Subcommand)]
enum OutboxCmd {
    /// Counts, and the submissions upstream rejected (number, item, reason; no personal data).
    Status,
    /// Send a rejected submission again (after checking with the platform why it was refused).
    /// Exit 0 queued, 1 not possible (unknown, not rejected, or purged).
    Requeue { number: String },
}

fn outbox(cfg: &Config, cmd: OutboxCmd) -> anyhow::Result<ExitCode> {
    let store = onetrip::store::Store::open(&cfg.data.dir)?;
    match cmd {
        OutboxCmd::Status => {
            let c = store.queue_counts()?;
            println!(
                "pending {} · rejected {} · accepted {}",
                c.pending, c.rejected, c.accepted
            );
            for r in store.rejected_submissions(100)? {
                println!("rejected  {}  {}  {}", r.number, r.item_code, r.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCmd::Requeue { number } => {
            use onetrip::store::Requeued;
            let (text, code) = match store.requeue(&number, "technician")? {
                Requeued::Queued => (
                    format!("{number}: back in the queue; the kiosk sends it within 30 s"),
                    0,
                ),
                Requeued::Unknown => (format!("{number}: no such submission"), 1),
                Requeued::NotRejected => (format!("{number}: not rejected, nothing to do"), 1),
                Requeued::Purged => (
                    format!("{number}: its personal data was purged at the retention limit; nothing to send"),
                    1,
                ),
            };
            if code == 0 {
                println!("{text}");
            } else {
                eprintln!("onetrip: outbox requeue: {text}");
            }
            Ok(ExitCode::from(code))
        }
    }
}

fn capability(name: &str) -> Result<onetrip::catalog::Capability, String> {
    use onetrip::catalog::Capability;
    let all = Capability::ALL;
    all.into_iter().find(|c| c.name() == name).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|c| c.name()).collect();
        format!("not a capability; one of {}", names.join(", "))
    })
}

fn catalog(cmd: CatalogCmd) -> ExitCode {
    use onetrip::catalog::tool;
    match cmd {
        CatalogCmd::Check { path, capabilities } => ExitCode::from(tool::check(
            &path,
            &capabilities,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        CatalogCmd::Review { path, out } => ExitCode::from(tool::review(
            &path,
            &out,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
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

#[derive(Subcommand)]
enum DeviceCmd {
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

fn device(cmd: DeviceCmd) -> ExitCode {
    use onetrip::diagnostics::{id_card, printer, scanner};
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

fn init_logging() {
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

fn load_config(path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("onetrip: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
    let result = match cli.command.unwrap_or(Cmd::Run {
        setup_screen: false,
    }) {
        // A terminal without a usable configuration says so on its screen (with its hardware id
        // for the technician) instead of restarting in a loop behind a black screen.
        Cmd::Run { setup_screen } => match Config::load(&config_path) {
            Ok(cfg) => run(cfg, None),
            Err(e) if !setup_screen => {
                eprintln!("onetrip: {e}");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("onetrip: {e}");
                let reason = onetrip::engine::Outage::NotConfigured {
                    found: !matches!(e, config::ConfigError::NotFound(_)),
                    hardware_id: onetrip::hardware_id::hardware_id(),
                };
                run(Config::not_configured(), Some(reason))
            }
        },
        Cmd::CheckConfig => match load_config(&config_path) {
            Ok(_) => {
                println!("{}: ok", config_path.display());
                Ok(())
            }
            Err(code) => return code,
        },
        Cmd::Device { device: cmd } => return device(cmd),
        Cmd::Catalog { command } => return catalog(command),
        Cmd::Logs { out } => onetrip::log_bundle::write_bundle(&config_path, &out).map(|files| {
            println!("wrote {} files to {}", files.len(), out.display());
        }),
        Cmd::Staff {
            command: StaffCmd::SetPin,
        } => return set_pin(&config_path),
        Cmd::Outbox { command } => {
            return match load_config(&config_path) {
                Ok(cfg) => outbox(&cfg, command).unwrap_or_else(|e| {
                    eprintln!("onetrip: outbox: {e:#}");
                    ExitCode::FAILURE
                }),
                Err(code) => code,
            }
        }
        Cmd::Journal { sessions } => match load_config(&config_path) {
            Ok(cfg) => journal(&cfg, sessions),
            Err(code) => return code,
        },
        Cmd::BurnIn {
            sessions,
            data_dir,
            upstream,
            token,
            token_file,
            drain_timeout,
            retry_cap,
        } => {
            let token = match (token, token_file) {
                (Some(t), _) => Some(t),
                (None, Some(file)) => match std::fs::read_to_string(&file) {
                    Ok(t) => Some(t.lines().next().unwrap_or_default().trim().to_string()),
                    Err(e) => {
                        eprintln!("onetrip: burn-in: cannot read {}: {e}", file.display());
                        return ExitCode::from(2);
                    }
                },
                (None, None) => std::env::var("ONETRIP_UPSTREAM_TOKEN").ok(),
            };
            // Without one, a simulated run's upstream is the demo's (developer's build only).
            #[cfg(feature = "dev-tools")]
            let token = token.or_else(|| Some(onetrip::demo::DEMO_TOKEN.to_string()));
            let config = match &cli.config {
                Some(path) => match load_config(path) {
                    Ok(c) => Some(c),
                    Err(code) => return code,
                },
                None => None,
            };
            let options = onetrip::burn_in::Options {
                sessions,
                config,
                data_dir,
                upstream: upstream.map(|u| (u, token.unwrap_or_default())),
                drain_timeout: Duration::from_secs(drain_timeout),
                retry_cap: retry_cap.map(Duration::from_secs),
            };
            return match onetrip::burn_in::run(options) {
                Ok(summary) => {
                    println!("{summary}");
                    if summary.pending == 0 && summary.rejected == 0 {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("onetrip: burn-in: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        #[cfg(feature = "dev-tools")]
        Cmd::Demo { fullscreen } => onetrip::demo::run(fullscreen),
        #[cfg(feature = "dev-tools")]
        Cmd::Screenshots {
            check: true,
            only,
            orientation,
            hall,
            hall_en,
            ..
        } => onetrip::screenshots::misfits_all(
            onetrip::screenshots::Hall {
                zh: &hall,
                en: &hall_en,
            },
            only.as_deref(),
            orientation,
        )
        .and_then(|(views, misfits)| {
            for (view, misfit) in &misfits {
                println!("{view}: {misfit}");
            }
            println!("{views} views, {} texts that do not fit", misfits.len());
            anyhow::ensure!(misfits.is_empty(), "some texts do not fit");
            Ok(())
        }),
        #[cfg(feature = "dev-tools")]
        Cmd::Screenshots {
            out,
            only,
            orientation,
            hall,
            hall_en,
            ..
        } => {
            let out = out.expect("clap requires --out without --check");
            let hall = onetrip::screenshots::Hall {
                zh: &hall,
                en: &hall_en,
            };
            onetrip::screenshots::render_all(&out, hall, only.as_deref(), orientation).map(
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

/// The kiosk on a real terminal. It ends only when asked to (SIGTERM or SIGINT, e.g. `systemctl
/// stop`); an event loop that ends by itself (Slint's linuxkms backend quits on Ctrl+Alt+Backspace)
/// is an error, so systemd restarts the kiosk instead of leaving a blank terminal.
fn run(cfg: Config, not_configured: Option<onetrip::engine::Outage>) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    // No core file may hold a citizen's card data, whatever the service manager says.
    disable_core_dumps();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("onetrip-io")
        .enable_all()
        .build()?;
    let start = Instant::now();
    let clock: shell::kiosk::Clock = Rc::new(move || start + start.elapsed());
    let fullscreen = cfg.ui.fullscreen;
    let mut options = RuntimeOptions::new(cfg);
    options.not_configured = not_configured;
    let launched = shell::launch(options, rt.handle(), clock, true)?;
    shell::Kiosk::start_timer(&launched.kiosk);
    launched.ui.show()?;
    if fullscreen {
        onetrip::ui::fill_screen(&launched.ui);
    }

    let asked_to_stop = Arc::new(AtomicBool::new(false));
    {
        let asked = asked_to_stop.clone();
        rt.spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("shutdown requested");
            asked.store(true, Ordering::SeqCst);
            let _ = slint::invoke_from_event_loop(|| {
                let _ = slint::quit_event_loop();
            });
        });
    }
    // Under systemd (Type=notify): READY once the event loop runs and the store's fate is known.
    // STATUS says which; the A/B slot is marked good only on "store open".
    let mut store_state = launched.runtime.store_state.clone();
    rt.spawn(async move {
        let state = store_state
            .wait_for(|s| *s != shell::StoreState::Opening)
            .await
            .map(|s| s.clone())
            .unwrap_or(shell::StoreState::Unusable("runtime stopped".into()));
        let _ = slint::invoke_from_event_loop(move || {
            let status = match &state {
                shell::StoreState::Open => "store open".to_string(),
                other => format!("out of service: {other:?}"),
            };
            tracing::info!(%status, "kiosk ready");
            let _ = sd_notify::notify(
                false,
                &[
                    sd_notify::NotifyState::Ready,
                    sd_notify::NotifyState::Status(&status),
                ],
            );
        });
    });
    // Watchdog pings come from the UI thread, so a hung UI stops them and systemd restarts the
    // kiosk.
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
    if asked_to_stop.load(Ordering::SeqCst) {
        Ok(())
    } else {
        anyhow::bail!("the event loop ended without a shutdown request (a key combination?)")
    }
}

fn disable_core_dumps() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit and prctl only read the values passed; no memory is shared.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
