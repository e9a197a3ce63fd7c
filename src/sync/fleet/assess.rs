//! What this terminal would do with what the server offers, and why: one decision shared by the
//! kiosk's poll (which then carries it out) and `onetrip fleet status` (which only prints it).
//! Reading it sends nothing and changes nothing.

use super::ddi::{self, Artifact, Deployment, Handling, Root};
use super::state::{Installed, Record, Reported};
use super::{policy, FleetClient, FleetError};

/// The decision for one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No deployment for this terminal.
    Nothing,
    /// Installed on this boot: the reboot into it is still to come.
    RebootPending(Installed),
    /// Installed before this boot, which is not confirmed good yet: the report waits for it.
    Unconfirmed(Installed),
    /// Installed before this boot, which is confirmed: its result is reported now.
    Report(Installed),
    /// The offered action was reported a success before (the server lost the report): again.
    Repeat(Reported),
    /// Offered, not now: the reason (reported to nobody).
    Wait { action: String, reason: String },
    /// Offered and refused: reported as failed with the reason.
    Refuse { action: String, reason: String },
    /// Offered and allowed: download and install now.
    Install {
        action: String,
        version: String,
        artifact: Artifact,
        url: String,
    },
}

/// What the server offers and what this terminal makes of it.
#[derive(Debug, Clone)]
pub struct Look {
    pub root: Root,
    pub deployment: Option<Deployment>,
    pub record: Record,
    pub verdict: Verdict,
}

impl FleetClient {
    /// Asks the server (GET only) and decides.
    pub async fn look(&self) -> Result<Look, FleetError> {
        let root = ddi::root(&self.http.get_json(&self.base, "the DDI root").await?);
        let record = self.dir.load();
        let confirmed = self.boot_confirmed();
        if let Some(installed) = record.installed.clone() {
            let verdict =
                if installed.boot_id.is_some() && installed.boot_id == self.local.boot_id() {
                    Verdict::RebootPending(installed)
                } else if confirmed {
                    Verdict::Report(installed)
                } else {
                    Verdict::Unconfirmed(installed)
                };
            return Ok(Look {
                root,
                deployment: None,
                record,
                verdict,
            });
        }
        let deployment = match &root.deployment {
            Some(href) => Some(ddi::deployment(
                &self.http.get_json(href, "deploymentBase").await?,
            )?),
            None => None,
        };
        let verdict = match &deployment {
            None => Verdict::Nothing,
            Some(d) => self.decide(d, &record, confirmed),
        };
        Ok(Look {
            root,
            deployment,
            record,
            verdict,
        })
    }

    /// The rules, in order: an action reported a success before is answered alike; nothing before this boot
    /// is confirmed good; the version policy; DDI's `update: skip` and maintenance window; a
    /// bundle with an HTTPS link the token may follow (or a listed download origin).
    fn decide(&self, d: &Deployment, record: &Record, confirmed: bool) -> Verdict {
        let action = d.action.clone();
        // (A failure is decided afresh: gooseBit offers one bundle under one action id, so a
        // forced retry after a passing fault must not meet the old answer.)
        if let Some(done) = record
            .reported
            .clone()
            .filter(|r| r.action == action && r.success)
        {
            return Verdict::Repeat(done);
        }
        let wait = |reason: &str| Verdict::Wait {
            action: action.clone(),
            reason: reason.to_string(),
        };
        let refuse = |reason: String| Verdict::Refuse {
            action: action.clone(),
            reason,
        };
        if !confirmed {
            return wait("the running firmware is not confirmed good on this boot; nothing is installed before it is");
        }
        if let Err(reason) = policy::may_install(
            &d.version,
            self.local.running_version().as_deref(),
            &self.local.failed_versions(),
        ) {
            return refuse(reason);
        }
        if d.update == Handling::Skip || d.download == Handling::Skip {
            return wait("the server says skip for now");
        }
        if d.window_open == Some(false) {
            return wait("outside the maintenance window");
        }
        if let Some(reason) = self
            .gate
            .install_waits(d.update == Handling::Attempt, super::gate::local_minute())
        {
            return wait(&reason);
        }
        let Some(artifact) = d.artifact.clone() else {
            return refuse("the deployment has no .raucb artifact to download".into());
        };
        let Some(url) = artifact.url.clone() else {
            return refuse(format!(
                "{} has no HTTPS download link (download-http is plain HTTP and never used)",
                artifact.filename
            ));
        };
        if let Err(reason) = self.http.whom(&url) {
            return refuse(reason);
        }
        Verdict::Install {
            action,
            version: d.version.clone(),
            artifact,
            url,
        }
    }
}

impl std::fmt::Display for Verdict {
    /// What the terminal would do, in a technician's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Nothing => write!(f, "nothing: the server offers no deployment"),
            Verdict::RebootPending(i) => write!(
                f,
                "reboot into {} (action {}) when no citizen is at the screen",
                i.version, i.action
            ),
            Verdict::Unconfirmed(i) => write!(
                f,
                "wait: {} (action {}) is reported once the running firmware is confirmed good",
                i.version, i.action
            ),
            Verdict::Report(i) => write!(
                f,
                "report action {} ({}): success if it runs from the new slot, else a fall-back",
                i.action, i.version
            ),
            Verdict::Repeat(r) => write!(
                f,
                "report action {} again: {} ({})",
                r.action,
                if r.success { "success" } else { "failure" },
                r.detail
            ),
            Verdict::Wait { action, reason } => write!(f, "wait (action {action}): {reason}"),
            Verdict::Refuse { action, reason } => write!(f, "refuse action {action}: {reason}"),
            Verdict::Install {
                action, version, ..
            } => write!(f, "install {version} (action {action}) now"),
        }
    }
}
