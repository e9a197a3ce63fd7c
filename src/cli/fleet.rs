//! `onetrip fleet status|poll --once|allows VERSION`: the technician's view of fleet updates —
//! what the server offers, what this terminal would do with it and why — one poll made by hand,
//! and the version policy the update stick asks. Exit codes (the README's table):
//! 0 nothing to do (or done), 1 the server unreachable or not answering DDI, 2 no usable
//! configuration or no `[fleet]`, 3 an update waits (the reason is printed), 4 refused or failed,
//! 5 to install (status) / installed, the reboot to follow (poll).

use std::path::Path;
use std::process::ExitCode;

use crate::sync::fleet::local::Local;
use crate::sync::fleet::{policy, FleetClient, PollOutcome, Verdict};

#[derive(clap::Subcommand)]
pub enum FleetCmd {
    /// What the fleet server offers this terminal and what the terminal would do, and why
    /// (nothing is sent, downloaded or installed).
    Status,
    /// One poll, as the kiosk makes it: reports, downloads and installs; never reboots (the
    /// kiosk does, when no citizen is at the screen).
    Poll {
        #[arg(long, required = true)]
        once: bool,
    },
    /// Whether this firmware version may be installed here (exit 0) or not (exit 1, the reason on
    /// stdout): never the running one, one that failed here, or an older one. The update stick
    /// asks this; no configuration is needed.
    Allows { version: String },
}

const WAIT: u8 = 3;
const REFUSED: u8 = 4;
const INSTALL: u8 = 5;

pub fn command(config_path: &Path, cmd: FleetCmd) -> ExitCode {
    if let FleetCmd::Allows { version } = &cmd {
        return allows(version);
    }
    let cfg = match super::load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (Some(fleet), Some(controller)) = (&cfg.fleet, cfg.fleet_controller_id()) else {
        eprintln!(
            "onetrip: fleet: no [fleet] section in {}",
            config_path.display()
        );
        return ExitCode::from(2);
    };
    let client = match FleetClient::new(fleet, &controller, &cfg.data.dir.join("fleet")) {
        Ok(c) => c.with_free_floor(crate::store::MIN_FREE_BYTES),
        Err(e) => {
            eprintln!("onetrip: fleet: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("onetrip: fleet: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("fleet server  {} (controller {controller})", fleet.server);
    firmware(&Local::from_env());
    match cmd {
        FleetCmd::Status => rt.block_on(status(&client)),
        FleetCmd::Poll { .. } => rt.block_on(poll(&client)),
        FleetCmd::Allows { .. } => unreachable!("answered above"),
    }
}

fn allows(version: &str) -> ExitCode {
    let local = Local::from_env();
    match policy::may_install(
        version,
        local.running_version().as_deref(),
        &local.failed_versions(),
    ) {
        Ok(()) => {
            println!(
                "version {version} may be installed over {}",
                local.running_version().unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(reason) => {
            println!("{reason}");
            ExitCode::FAILURE
        }
    }
}

/// The running firmware as the fleet client sees it.
fn firmware(local: &Local) {
    if local.dev_keys() {
        println!("DEVELOPMENT KEYS: this image is signed with a development PKI; never ship it");
    }
    println!(
        "firmware      {} in slot {}",
        local
            .running_version()
            .as_deref()
            .unwrap_or("- (not an A/B image)"),
        local.running_slot().as_deref().unwrap_or("-")
    );
    let failed = local.failed_versions();
    if !failed.is_empty() {
        println!("failed here   {}", failed.join(", "));
    }
}

async fn status(client: &FleetClient) -> ExitCode {
    let look = match client.look().await {
        Ok(l) => l,
        Err(e) => {
            println!("unreachable   {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(d) = &look.deployment {
        println!(
            "offered       action {}: version {} (download {:?}, update {:?}, maintenance window {})",
            d.action,
            d.version,
            d.download,
            d.update,
            match d.window_open {
                None => "none",
                Some(true) => "open",
                Some(false) => "closed",
            }
        );
        if let Some(a) = &d.artifact {
            println!(
                "bundle        {} ({} bytes) from {}",
                a.filename,
                a.size,
                a.url.as_deref().unwrap_or("(no HTTPS link)")
            );
        }
    }
    if let Some(r) = &look.record.reported {
        println!(
            "last closed   action {}: {} ({})",
            r.action,
            if r.success { "success" } else { "failure" },
            r.detail
        );
    }
    println!("would         {}", look.verdict);
    ExitCode::from(match look.verdict {
        Verdict::Nothing | Verdict::Repeat(_) | Verdict::Report(_) => 0,
        Verdict::Wait { .. } | Verdict::Unconfirmed(_) => WAIT,
        Verdict::Refuse { .. } => REFUSED,
        Verdict::Install { .. } | Verdict::RebootPending(_) => INSTALL,
    })
}

async fn poll(client: &FleetClient) -> ExitCode {
    match client.poll_once().await {
        Err(e) => {
            println!("failed        {e}");
            ExitCode::FAILURE
        }
        Ok(PollOutcome::Idle(next)) => {
            println!(
                "nothing       no deployment; the server asks for the next poll in {} s",
                next.as_secs()
            );
            ExitCode::SUCCESS
        }
        Ok(PollOutcome::Reported {
            action,
            success,
            detail,
        }) => {
            let result = if success { "success" } else { "failure" };
            println!("reported      action {action}: {result} ({detail})");
            ExitCode::SUCCESS
        }
        Ok(PollOutcome::Waiting { action, reason }) => {
            println!("waits         action {action}: {reason}");
            ExitCode::from(WAIT)
        }
        Ok(PollOutcome::Failed { action, reason }) => {
            println!("refused       action {action}: {reason} (reported to the server)");
            ExitCode::from(REFUSED)
        }
        Ok(PollOutcome::Installed { action, version }) => {
            println!(
                "installed     action {action}: {version} is in the other slot; the kiosk reboots into it when no citizen is at the screen (or reboot now)"
            );
            ExitCode::from(INSTALL)
        }
    }
}
