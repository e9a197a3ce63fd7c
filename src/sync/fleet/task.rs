//! The kiosk's fleet task: polls for ever at the server's pace, beating its pulse at every step
//! and while it waits (a poll interval may be a day long), and reboots into an installed update
//! once no citizen is at the screen. `run` carries out the install and reboot commands.

use std::path::Path;
use std::time::Duration;

use onetrip_drivers::supervisor::Pulse;

use super::{FleetClient, PollOutcome};

impl FleetClient {
    /// Reboots into the installed slot (the caller has made sure no citizen is at the screen).
    pub async fn reboot(&self) {
        if let Err(e) = run_command(&self.installer.reboot, None).await {
            tracing::error!(error = %e, "reboot after the update failed");
        }
    }

    /// Waits, beating, until no citizen is at the screen (`Gate::may_reboot`), then reboots.
    /// Without a screen to ask, it never reboots by itself.
    async fn reboot_when_allowed(&self, pulse: &Pulse) {
        if self.gate.screen.is_none() {
            tracing::warn!("fleet update installed; no screen to ask, so no reboot by itself");
            return;
        }
        while !self.may_reboot() {
            pulse.beat();
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        tracing::info!("the screen is idle: rebooting into the update");
        self.reboot().await;
    }

    /// Polls for ever at the server's pace; a failed poll is retried at the default interval.
    pub async fn run(self) {
        self.run_with(Pulse::default()).await
    }

    /// As `run`, beating `pulse` at every step and while it waits (its supervisor restarts it
    /// when that stops).
    pub async fn run_with(self, pulse: Pulse) {
        loop {
            pulse.beat();
            let wait = match self.poll_with(&pulse).await {
                Ok(PollOutcome::Idle(sleep)) => sleep,
                Ok(PollOutcome::Installed { .. }) => {
                    self.reboot_when_allowed(&pulse).await;
                    Duration::from_secs(300)
                }
                Ok(PollOutcome::Failed { action, reason }) => {
                    tracing::error!(action, %reason, "fleet update refused or failed");
                    self.default_poll
                }
                Ok(PollOutcome::Waiting { action, reason }) => {
                    tracing::info!(action, %reason, "fleet update waits");
                    self.default_poll
                }
                Ok(PollOutcome::Reported {
                    action, success, ..
                }) => {
                    tracing::info!(action, success, "fleet update reported");
                    Duration::from_secs(10)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fleet poll failed");
                    self.default_poll
                }
            };
            sleep_beating(wait, &pulse).await;
        }
    }
}

/// Sleeps, beating the pulse every minute (a poll interval may be a day long).
async fn sleep_beating(wait: Duration, pulse: &Pulse) {
    let until = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < until {
        pulse.beat();
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        tokio::time::sleep(left.min(Duration::from_secs(60))).await;
    }
    pulse.beat();
}

/// Runs a command (with the file as its last argument); its error output's last line is the
/// reason when it fails.
pub(super) async fn run_command(command: &[String], file: Option<&Path>) -> Result<(), String> {
    let (program, args) = command.split_first().ok_or("no command configured")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args);
    if let Some(f) = file {
        cmd.arg(f);
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!("{program} exited with {}: {last}", out.status))
    }
}
