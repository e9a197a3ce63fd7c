//! Updates from a fleet server speaking hawkBit's Direct Device Integration API (Eclipse hawkBit,
//! goosebit, …): the terminal polls `{server}/controller/v1/{controller_id}` with its target
//! token; a deployment names a signed RAUC bundle, which is downloaded to the data partition
//! (size-capped, SHA-256 checked), installed into the other slot by `rauc install`, and the
//! terminal reboots into it. Each stage is reported back as DDI feedback: downloading,
//! installing, then closed with success or failure and the reason. RAUC checks the bundle's
//! signature, so the server needs no trust beyond availability; the slot is still marked good
//! only once the new kiosk is READY with its store open.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sha2::Digest;

/// The largest bundle accepted (a root slot is 1 GiB).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("fleet server: {0}")]
    Http(String),
    #[error("fleet server answered {0}")]
    Status(u16),
    #[error("fleet server sent something that is not a DDI answer: {0}")]
    Protocol(String),
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Nothing to do; poll again after this long (the server's `config.polling.sleep`).
    Idle(Duration),
    /// A deployment was installed; the terminal reboots into it.
    Installed { action: String, version: String },
    /// A deployment failed and was reported as failed; the running firmware stays.
    Failed { action: String, reason: String },
}

/// How a downloaded bundle is installed and the terminal restarted (commands, so that tests and
/// development machines can stand in for `rauc install` and `systemctl reboot`).
#[derive(Debug, Clone)]
pub struct Installer {
    pub install: Vec<String>,
    pub reboot: Vec<String>,
}

impl Default for Installer {
    fn default() -> Self {
        Installer {
            install: vec!["rauc".into(), "install".into()],
            reboot: vec!["systemctl".into(), "--no-block".into(), "reboot".into()],
        }
    }
}

#[derive(Clone)]
pub struct FleetClient {
    http: reqwest::Client,
    /// `{server}/controller/v1/{controller_id}`
    base: String,
    token: String,
    default_poll: Duration,
    download_dir: PathBuf,
    installer: Installer,
}

/// One artifact of a deployment: the bundle to install.
#[derive(Debug, Clone)]
struct Artifact {
    filename: String,
    size: u64,
    sha256: Option<String>,
    url: String,
}

fn http(e: reqwest::Error) -> FleetError {
    FleetError::Http(e.without_url().to_string())
}

/// hawkBit's "HH:MM:SS" polling interval.
fn parse_sleep(text: &str) -> Option<Duration> {
    let mut parts = text.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(Duration::from_secs(h * 3600 + m * 60 + s))
}

impl FleetClient {
    pub fn new(
        cfg: &crate::config::Fleet,
        controller_id: &str,
        download_dir: &Path,
        installer: Installer,
    ) -> Result<FleetClient, FleetError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A bundle is hundreds of MiB on a slow link: the whole download may take long, but
            // every read must make progress.
            .read_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("onetrip/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(http)?;
        Ok(FleetClient {
            http,
            base: format!(
                "{}/controller/v1/{}",
                cfg.server.trim_end_matches('/'),
                controller_id
            ),
            token: cfg.token.clone(),
            default_poll: Duration::from_secs(cfg.poll_secs),
            download_dir: download_dir.to_path_buf(),
            installer,
        })
    }

    async fn get_json(&self, url: &str) -> Result<Value, FleetError> {
        let resp = self
            .http
            .get(url)
            .header("Authorization", format!("TargetToken {}", self.token))
            .header("Accept", "application/hal+json, application/json")
            .send()
            .await
            .map_err(http)?;
        if !resp.status().is_success() {
            return Err(FleetError::Status(resp.status().as_u16()));
        }
        let bytes = resp.bytes().await.map_err(http)?;
        if bytes.len() > 1 << 20 {
            return Err(FleetError::Protocol("answer larger than 1 MiB".into()));
        }
        serde_json::from_slice(&bytes).map_err(|e| FleetError::Protocol(e.to_string()))
    }

    /// DDI feedback for an action: `execution` proceeding/closed, `finished` none/success/failure.
    async fn feedback(&self, action: &str, execution: &str, finished: &str, detail: &str) {
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
            .post(&url)
            .header("Authorization", format!("TargetToken {}", self.token))
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(
                status = r.status().as_u16(),
                action,
                "fleet feedback refused"
            ),
            Err(e) => tracing::warn!(error = %http(e), action, "fleet feedback not delivered"),
        }
    }

    /// One poll: nothing, or a deployment carried through to installed (and a reboot asked for)
    /// or failed (and reported).
    pub async fn poll_once(&self) -> Result<PollOutcome, FleetError> {
        let root = self.get_json(&self.base).await?;
        let sleep = root["config"]["polling"]["sleep"]
            .as_str()
            .and_then(parse_sleep)
            .unwrap_or(self.default_poll)
            .clamp(Duration::from_secs(10), Duration::from_secs(86_400));
        let Some(href) = root["_links"]["deploymentBase"]["href"].as_str() else {
            return Ok(PollOutcome::Idle(sleep));
        };
        let deployment = self.get_json(href).await?;
        let action = match &deployment["id"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(FleetError::Protocol("deployment without an id".into())),
        };
        let chunk = deployment["deployment"]["chunks"]
            .as_array()
            .and_then(|c| c.first())
            .cloned()
            .unwrap_or(Value::Null);
        let version = chunk["version"].as_str().unwrap_or("?").to_string();
        let artifact = chunk["artifacts"].as_array().and_then(|list| {
            list.iter().find_map(|a| {
                let filename = a["filename"].as_str()?;
                filename.ends_with(".raucb").then(|| Artifact {
                    filename: filename.to_string(),
                    size: a["size"].as_u64().unwrap_or(0),
                    sha256: a["hashes"]["sha256"].as_str().map(str::to_ascii_lowercase),
                    url: a["_links"]["download-http"]["href"]
                        .as_str()
                        .or_else(|| a["_links"]["download"]["href"].as_str())
                        .unwrap_or_default()
                        .to_string(),
                })
            })
        });
        let Some(artifact) = artifact.filter(|a| !a.url.is_empty()) else {
            let reason = "the deployment has no .raucb artifact to download".to_string();
            self.feedback(&action, "closed", "failure", &reason).await;
            return Ok(PollOutcome::Failed { action, reason });
        };
        tracing::info!(action, version, file = %artifact.filename, "fleet deployment");
        self.feedback(
            &action,
            "proceeding",
            "none",
            &format!("downloading {}", artifact.filename),
        )
        .await;
        let path = match self.download(&artifact).await {
            Ok(p) => p,
            Err(reason) => {
                self.feedback(&action, "closed", "failure", &reason).await;
                return Ok(PollOutcome::Failed { action, reason });
            }
        };
        self.feedback(
            &action,
            "proceeding",
            "none",
            &format!("installing {version}"),
        )
        .await;
        let installed = run(&self.installer.install, Some(&path)).await;
        let _ = tokio::fs::remove_file(&path).await;
        match installed {
            Ok(()) => {
                self.feedback(
                    &action,
                    "closed",
                    "success",
                    &format!("installed {version}; rebooting into it"),
                )
                .await;
                tracing::info!(action, version, "fleet update installed; rebooting");
                if let Err(e) = run(&self.installer.reboot, None).await {
                    tracing::error!(error = %e, "reboot after the update failed");
                }
                Ok(PollOutcome::Installed { action, version })
            }
            Err(reason) => {
                let reason = format!("install failed: {reason}");
                self.feedback(&action, "closed", "failure", &reason).await;
                Ok(PollOutcome::Failed { action, reason })
            }
        }
    }

    /// Streams the artifact to the data partition, refusing more bytes than announced (or than a
    /// slot holds) and a SHA-256 that does not match.
    async fn download(&self, artifact: &Artifact) -> Result<PathBuf, String> {
        use tokio::io::AsyncWriteExt;
        let limit = if artifact.size > 0 {
            artifact.size.min(MAX_BUNDLE_BYTES)
        } else {
            MAX_BUNDLE_BYTES
        };
        tokio::fs::create_dir_all(&self.download_dir)
            .await
            .map_err(|e| format!("{}: {e}", self.download_dir.display()))?;
        // The server names the file; only its last component, and only safe characters, are used.
        let name: String = artifact
            .filename
            .rsplit('/')
            .next()
            .unwrap_or("bundle.raucb")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_+".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.download_dir.join(format!("{name}.part"));
        let mut resp = self
            .http
            .get(&artifact.url)
            .header("Authorization", format!("TargetToken {}", self.token))
            .send()
            .await
            .map_err(|e| format!("download: {}", http(e)))?;
        if !resp.status().is_success() {
            return Err(format!(
                "download: server answered {}",
                resp.status().as_u16()
            ));
        }
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut hash = sha2::Sha256::new();
        let mut got: u64 = 0;
        let result: Result<(), String> = async {
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| format!("download: {}", http(e)))?
            {
                got += chunk.len() as u64;
                if got > limit {
                    return Err(format!("download: more than the {limit} bytes announced"));
                }
                hash.update(&chunk);
                file.write_all(&chunk)
                    .await
                    .map_err(|e| format!("download: {e}"))?;
            }
            file.sync_all()
                .await
                .map_err(|e| format!("download: {e}"))?;
            if artifact.size > 0 && got != artifact.size {
                return Err(format!(
                    "download: {got} bytes, {} announced",
                    artifact.size
                ));
            }
            let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            match &artifact.sha256 {
                Some(expected) if *expected != digest => Err(format!(
                    "download: SHA-256 {digest} is not the announced {expected}"
                )),
                _ => Ok(()),
            }
        }
        .await;
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e);
        }
        let done = path.with_extension("");
        tokio::fs::rename(&path, &done)
            .await
            .map_err(|e| format!("{}: {e}", done.display()))?;
        Ok(done)
    }

    /// Polls for ever at the server's pace; a failed poll is retried at the default interval.
    pub async fn run(self) {
        loop {
            let wait = match self.poll_once().await {
                Ok(PollOutcome::Idle(sleep)) => sleep,
                Ok(PollOutcome::Installed { .. }) => Duration::from_secs(300),
                Ok(PollOutcome::Failed { action, reason }) => {
                    tracing::error!(action, %reason, "fleet update failed");
                    self.default_poll
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fleet poll failed");
                    self.default_poll
                }
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// Runs a command (with the file as its last argument); its error output's last line is the
/// reason when it fails.
async fn run(command: &[String], file: Option<&Path>) -> Result<(), String> {
    let (program, args) = command.split_first().ok_or("no command configured")?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args);
    if let Some(f) = file {
        cmd.arg(f);
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hawkbit_polling_intervals() {
        assert_eq!(parse_sleep("00:05:00"), Some(Duration::from_secs(300)));
        assert_eq!(parse_sleep("12:00:01"), Some(Duration::from_secs(43_201)));
        assert_eq!(parse_sleep("5 minutes"), None);
        assert_eq!(parse_sleep("00:05"), None);
    }
}
