//! Updates from a fleet server speaking hawkBit's Direct Device Integration API (Eclipse hawkBit,
//! gooseBit, …): the terminal polls `{server}/controller/v1/{controller_id}` with its target
//! token (only ever to that server's own origin, over HTTPS: `http`), tells the server its
//! attributes when asked (`configData`), and carries an offered deployment through: the version
//! policy (`policy`, shared with the update stick), the download to the data partition
//! (`download`: capped, checked, never into the store's free-space floor), `rauc install` into the
//! other slot, and a reboot. `closed/success` is reported only once the new slot is confirmed good
//! (the action is kept in `state` across the reboot); a fall-back is reported as a failure.
//! Every stage is DDI feedback with its reason. RAUC checks the bundle's signature, so the server
//! needs no trust beyond availability.

pub mod assess;
pub mod ddi;
pub mod download;
pub mod gate;
pub mod http;
pub mod local;
pub mod policy;
pub mod state;
mod task;

use std::path::Path;
use std::time::Duration;

use onetrip_drivers::supervisor::Pulse;
use serde_json::json;

pub use assess::{Look, Verdict};
pub use download::MAX_BUNDLE_BYTES;
use gate::{Gate, ScreenIdle};
use http::Http;
pub use http::Limits;
use local::Local;
use state::{FleetDir, Installed, Record, Reported};

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("fleet server: {0}")]
    Http(String),
    #[error("fleet server answered {0}")]
    Status(u16),
    #[error("fleet server sent something that is not a DDI answer: {0}")]
    Protocol(String),
    #[error("fleet state: {0}")]
    Local(String),
}

/// What one poll found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Nothing to do; poll again after this long (the server's `config.polling.sleep`).
    Idle(Duration),
    /// A deployment is offered but not carried out now, for this reason (reported to nobody).
    Waiting { action: String, reason: String },
    /// A deployment was installed into the other slot; the terminal reboots into it when no
    /// citizen is at the screen, and reports it once the new slot is confirmed good.
    Installed { action: String, version: String },
    /// An installed deployment's end, reported after the reboot: confirmed good, or fallen back.
    Reported {
        action: String,
        success: bool,
        detail: String,
    },
    /// A deployment was refused or failed, and reported as failed; the running firmware stays.
    Failed { action: String, reason: String },
}

/// How a downloaded bundle is installed and the terminal restarted (commands, so that tests and
/// development machines can stand in for `rauc install` and `systemctl reboot`).
#[derive(Debug, Clone)]
pub struct Installer {
    pub install: Vec<String>,
    pub reboot: Vec<String>,
}

/// The image's way for an unprivileged kiosk to have the terminal rebooted.
const REQUEST_REBOOT: &str = "/usr/lib/onetrip/request-reboot";

impl Default for Installer {
    fn default() -> Self {
        Installer {
            install: vec!["rauc".into(), "install".into()],
            // An image whose kiosk has no privilege to reboot asks root's one-shot for it.
            reboot: if Path::new(REQUEST_REBOOT).exists() {
                vec![REQUEST_REBOOT.into()]
            } else {
                vec!["systemctl".into(), "--no-block".into(), "reboot".into()]
            },
        }
    }
}

#[derive(Clone)]
pub struct FleetClient {
    http: Http,
    /// `{server}/controller/v1/{controller_id}`
    base: String,
    default_poll: Duration,
    dir: FleetDir,
    installer: Installer,
    local: Local,
    /// The store's free-space floor: a download never takes it.
    free_floor: u64,
    /// When the screen may be disturbed.
    gate: Gate,
}

impl FleetClient {
    /// A client of the configured server, keeping its state in `dir` (on the data partition),
    /// installing with RAUC and reading the image's firmware facts.
    pub fn new(
        cfg: &crate::config::Fleet,
        controller_id: &str,
        dir: &Path,
    ) -> Result<FleetClient, FleetError> {
        let server = cfg.server.trim_end_matches('/');
        Ok(FleetClient {
            http: Http::new(
                server,
                &cfg.token,
                &cfg.download_origins,
                cfg.ca_file.as_deref(),
            )?,
            base: format!("{server}/controller/v1/{controller_id}"),
            default_poll: Duration::from_secs(cfg.poll_secs),
            dir: FleetDir(dir.to_path_buf()),
            installer: Installer::default(),
            local: Local::from_env(),
            free_floor: 16 << 20,
            gate: Gate {
                screen: None,
                reboot_idle: Duration::from_secs(cfg.reboot_idle_secs),
                quiet: cfg.quiet_hours,
            },
        })
    }

    pub fn with_installer(mut self, installer: Installer) -> Self {
        self.installer = installer;
        self
    }

    pub fn with_local(mut self, local: Local) -> Self {
        self.local = local;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.http.limits = limits;
        self
    }

    /// The kiosk's screen: installs and reboots wait for its idle screen.
    pub fn with_screen(mut self, screen: ScreenIdle) -> Self {
        self.gate.screen = Some(screen);
        self
    }

    /// Whether the terminal may reboot into an installed update now.
    pub fn may_reboot(&self) -> bool {
        self.gate
            .may_reboot(std::time::Instant::now(), gate::local_minute())
    }

    /// The free space the store keeps (`store::MIN_FREE_BYTES`).
    pub fn with_free_floor(mut self, bytes: u64) -> Self {
        self.free_floor = bytes;
        self
    }

    /// DDI feedback for an action: `execution` proceeding/closed, `finished` none/success/failure,
    /// the reason in `details`.
    async fn feedback(
        &self,
        action: &str,
        execution: &str,
        finished: &str,
        detail: &str,
    ) -> Result<(), FleetError> {
        let body = json!({
            "id": action,
            "status": {
                "execution": execution,
                "result": {"finished": finished},
                "details": [detail],
            }
        });
        let url = format!("{}/deploymentBase/{action}/feedback", self.base);
        let sent = self
            .http
            .send_json(reqwest::Method::POST, &url, &body, "feedback")
            .await;
        if let Err(e) = &sent {
            tracing::warn!(error = %e, action, "fleet feedback not delivered");
        }
        sent
    }

    /// Closes an action with its result, remembered so that the same action offered again is
    /// answered alike.
    async fn close(&self, record: &mut Record, action: &str, success: bool, detail: &str) {
        let finished = if success { "success" } else { "failure" };
        self.local
            .log_update(&format!("action {action} {finished}: {detail}"));
        if self
            .feedback(action, "closed", finished, detail)
            .await
            .is_ok()
        {
            record.reported = Some(Reported {
                action: action.to_string(),
                success,
                detail: detail.to_string(),
            });
            self.save(record);
        }
    }

    fn save(&self, record: &Record) {
        if let Err(e) = self.dir.save(record) {
            tracing::error!(error = %e, "fleet state not saved");
        }
    }

    /// Whether the running slot was confirmed good on this boot.
    fn boot_confirmed(&self) -> bool {
        self.local.confirmed_this_boot()
    }

    /// The terminal's attributes, as the server asked for them (gooseBit matches bundles by
    /// `hw_boardname`, RAUC's compatible string, and skips the version in `sw_version`).
    async fn send_config_data(&self, href: &str) {
        let body = json!({
            "mode": "merge",
            "data": {
                "sw_version": self.local.running_version().unwrap_or_else(|| env!("CARGO_PKG_VERSION").into()),
                "hw_boardname": self.local.compatible().unwrap_or_else(|| "onetrip".into()),
                "hw_revision": "default",
                "onetrip_binary": env!("CARGO_PKG_VERSION"),
            }
        });
        if let Err(e) = self
            .http
            .send_json(reqwest::Method::PUT, href, &body, "configData")
            .await
        {
            tracing::warn!(error = %e, "fleet configData not delivered");
        }
    }

    /// One poll, as the kiosk's task makes it.
    pub async fn poll_once(&self) -> Result<PollOutcome, FleetError> {
        self.poll_with(&Pulse::default()).await
    }

    /// One poll: nothing, an earlier installation reported, or a deployment carried through to
    /// installed (the reboot is the caller's, when the screen allows it), waiting, or failed (and
    /// reported). One poll at a time per terminal.
    pub async fn poll_with(&self, pulse: &Pulse) -> Result<PollOutcome, FleetError> {
        let _lock = self
            .dir
            .lock()
            .map_err(|e| FleetError::Local(e.to_string()))?;
        self.dir.remove_leftovers();
        let Look {
            root,
            mut record,
            verdict,
            ..
        } = self.look().await?;
        if let Some(href) = &root.config_data {
            self.send_config_data(href).await;
        }
        let sleep = root
            .sleep
            .unwrap_or(self.default_poll)
            .clamp(Duration::from_secs(10), Duration::from_secs(86_400));
        match verdict {
            Verdict::Nothing => Ok(PollOutcome::Idle(sleep)),
            Verdict::RebootPending(i) => Ok(PollOutcome::Installed {
                action: i.action,
                version: i.version,
            }),
            Verdict::Unconfirmed(i) => Ok(PollOutcome::Waiting {
                action: i.action,
                reason: "the running firmware is not confirmed good yet".into(),
            }),
            Verdict::Report(i) => Ok(self.report_installed(&mut record, i).await),
            Verdict::Repeat(done) => {
                let finished = if done.success { "success" } else { "failure" };
                let _ = self
                    .feedback(&done.action, "closed", finished, &done.detail)
                    .await;
                Ok(if done.success {
                    PollOutcome::Reported {
                        action: done.action,
                        success: true,
                        detail: done.detail,
                    }
                } else {
                    PollOutcome::Failed {
                        action: done.action,
                        reason: done.detail,
                    }
                })
            }
            Verdict::Wait { action, reason } => Ok(PollOutcome::Waiting { action, reason }),
            Verdict::Refuse { action, reason } => self.refuse(&action, reason).await,
            Verdict::Install {
                action,
                version,
                artifact,
                url,
            } => {
                self.install(&mut record, action, version, &artifact, &url, pulse)
                    .await
            }
        }
    }

    /// Downloads, installs into the other slot and records the action for its report after the
    /// reboot.
    async fn install(
        &self,
        record: &mut Record,
        action: String,
        version: String,
        artifact: &ddi::Artifact,
        url: &str,
        pulse: &Pulse,
    ) -> Result<PollOutcome, FleetError> {
        tracing::info!(action, version, file = %artifact.filename, "fleet deployment");
        let _ = self
            .feedback(
                &action,
                "proceeding",
                "none",
                &format!("downloading {}", artifact.filename),
            )
            .await;
        let path = match download::fetch(
            &self.http,
            artifact,
            url,
            self.dir.downloads(),
            self.free_floor,
            pulse,
        )
        .await
        {
            Ok(p) => p,
            Err(reason) => return self.refuse(&action, reason).await,
        };
        let _ = self
            .feedback(
                &action,
                "proceeding",
                "none",
                &format!("installing {version}"),
            )
            .await;
        let installed = {
            // `rauc install` writes a whole slot: a minute or more without another sign of life.
            let install = task::run_command(&self.installer.install, Some(&path));
            tokio::pin!(install);
            let mut beat = tokio::time::interval(Duration::from_secs(30));
            loop {
                tokio::select! {
                    done = &mut install => break done,
                    _ = beat.tick() => pulse.beat(),
                }
            }
        };
        let _ = tokio::fs::remove_file(&path).await;
        if let Err(reason) = installed {
            return self
                .refuse(&action, format!("install failed: {reason}"))
                .await;
        }
        // Kept before anything else: a power cut from here on still ends in a report.
        record.installed = Some(Installed {
            action: action.clone(),
            version: version.clone(),
            from_version: self.local.running_version(),
            from_slot: self.local.running_slot(),
            boot_id: self.local.boot_id(),
        });
        self.dir
            .save(record)
            .map_err(|e| FleetError::Local(e.to_string()))?;
        self.local
            .log_update(&format!("action {action}: version {version} installed"));
        let _ = self
            .feedback(
                &action,
                "proceeding",
                "none",
                &format!("installed {version} into the other slot; rebooting into it when no citizen is at the screen"),
            )
            .await;
        tracing::info!(action, version, "fleet update installed; a reboot follows");
        Ok(PollOutcome::Installed { action, version })
    }

    /// Reports a deployment refused or failed; the running firmware stays.
    async fn refuse(&self, action: &str, reason: String) -> Result<PollOutcome, FleetError> {
        let mut record = self.dir.load();
        self.close(&mut record, action, false, &reason).await;
        Ok(PollOutcome::Failed {
            action: action.to_string(),
            reason,
        })
    }

    /// After the reboot, on a confirmed boot: the installed version running from another slot is
    /// a success; anything else is a fall-back, reported as a failure (and never installed again).
    async fn report_installed(&self, record: &mut Record, installed: Installed) -> PollOutcome {
        let running = self.local.running_version();
        let slot = self.local.running_slot();
        let moved = installed.from_slot.is_none() || slot != installed.from_slot;
        let success = moved && running.as_deref() == Some(installed.version.as_str());
        let detail = if success {
            format!(
                "version {} confirmed good in slot {}",
                installed.version,
                slot.as_deref().unwrap_or("-")
            )
        } else {
            if let Err(e) = self.local.record_failed(&installed.version) {
                tracing::error!(error = %e, "failed-versions not written");
            }
            format!(
                "fell back to version {} in slot {}: version {} was not confirmed good",
                running.as_deref().unwrap_or("-"),
                slot.as_deref().unwrap_or("-"),
                installed.version
            )
        };
        record.installed = None;
        self.close(record, &installed.action, success, &detail)
            .await;
        if record
            .reported
            .as_ref()
            .is_none_or(|r| r.action != installed.action)
        {
            // Not delivered: the installation stays recorded and is reported on the next poll.
            record.installed = Some(installed.clone());
            self.save(record);
        }
        PollOutcome::Reported {
            action: installed.action,
            success,
            detail,
        }
    }
}
