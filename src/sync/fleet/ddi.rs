//! hawkBit's DDI documents as typed values: the controller's root resource (the polling interval,
//! the links to a deployment and to `configData`) and a deployment (the action's id, its
//! `download`/`update` handling, the `maintenanceWindow`, the chunk's version and its RAUC bundle).
//! Anything missing or malformed is a protocol error, never a panic.

use std::time::Duration;

use serde_json::Value;

use super::FleetError;

/// The root resource `{server}/controller/v1/{controller_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Root {
    /// `config.polling.sleep`, when it parses.
    pub sleep: Option<Duration>,
    /// `_links.deploymentBase.href`: an action waits for this terminal.
    pub deployment: Option<String>,
    /// `_links.configData.href`: the server asks for the terminal's attributes.
    pub config_data: Option<String>,
}

pub fn root(v: &Value) -> Root {
    let href = |name: &str| v["_links"][name]["href"].as_str().map(str::to_string);
    Root {
        sleep: v["config"]["polling"]["sleep"]
            .as_str()
            .and_then(parse_sleep),
        deployment: href("deploymentBase"),
        config_data: href("configData"),
    }
}

/// hawkBit's "HH:MM:SS" polling interval (no overflow: a silly number is no interval).
pub fn parse_sleep(text: &str) -> Option<Duration> {
    let mut parts = text.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    let secs = h
        .checked_mul(3600)?
        .checked_add(m.checked_mul(60)?)?
        .checked_add(s)?;
    Some(Duration::from_secs(secs))
}

/// DDI's handling of the download and the update: `skip` (not yet), `attempt` (the device may
/// decide when), `forced` (as soon as it can).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Skip,
    Attempt,
    Forced,
}

impl Handling {
    fn parse(v: &Value) -> Handling {
        match v.as_str() {
            Some("skip") => Handling::Skip,
            Some("forced") => Handling::Forced,
            // Absent or unknown: the device decides, as for `attempt`.
            _ => Handling::Attempt,
        }
    }
}

/// One deployment (an action) for this terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub action: String,
    pub download: Handling,
    pub update: Handling,
    /// `maintenanceWindow`: `Some(false)` outside the window (no install now), `None` when the
    /// server defines none.
    pub window_open: Option<bool>,
    /// The version of the chunk that holds the bundle (or of the first chunk).
    pub version: String,
    pub artifact: Option<Artifact>,
}

/// The RAUC bundle of a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub filename: String,
    pub size: u64,
    pub sha256: Option<String>,
    /// `_links.download.href`: the HTTPS link. `download-http` (plain HTTP in hawkBit) is never
    /// used.
    pub url: Option<String>,
}

pub fn deployment(v: &Value) -> Result<Deployment, FleetError> {
    let action = match &v["id"] {
        Value::String(s) if !s.is_empty() && s.len() <= 64 => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(FleetError::Protocol("deployment without an id".into())),
    };
    let d = &v["deployment"];
    let chunks = d["chunks"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let bundle_of = |chunk: &Value| {
        chunk["artifacts"].as_array().and_then(|list| {
            list.iter().find_map(|a| {
                let filename = a["filename"].as_str()?;
                filename.ends_with(".raucb").then(|| Artifact {
                    filename: filename.to_string(),
                    size: a["size"].as_u64().unwrap_or(0),
                    sha256: a["hashes"]["sha256"].as_str().map(str::to_ascii_lowercase),
                    url: a["_links"]["download"]["href"].as_str().map(str::to_string),
                })
            })
        })
    };
    let found = chunks
        .iter()
        .find_map(|c| bundle_of(c).map(|a| (c, Some(a))));
    let (chunk, artifact) = match found {
        Some(f) => f,
        None => (chunks.first().unwrap_or(&Value::Null), None),
    };
    let version = chunk["version"].as_str().unwrap_or("").trim().to_string();
    if version.is_empty() || version.len() > 128 {
        return Err(FleetError::Protocol(format!(
            "deployment {action}: no version in its chunk"
        )));
    }
    Ok(Deployment {
        action,
        download: Handling::parse(&d["download"]),
        update: Handling::parse(&d["update"]),
        window_open: match d["maintenanceWindow"].as_str() {
            Some("available") => Some(true),
            Some(_) => Some(false),
            None => None,
        },
        version,
        artifact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hawkbit_polling_intervals() {
        assert_eq!(parse_sleep("00:05:00"), Some(Duration::from_secs(300)));
        assert_eq!(parse_sleep("12:00:01"), Some(Duration::from_secs(43_201)));
        assert_eq!(parse_sleep("5 minutes"), None);
        assert_eq!(parse_sleep("00:05"), None);
        assert_eq!(parse_sleep("9999999999999999:00:00"), None);
        assert_eq!(parse_sleep("00:00:00:00"), None);
    }

    #[test]
    fn the_documented_deployment_reads_as_typed_values() {
        // hawkBit's documented example, with the bundle in the "os" chunk.
        let v = json!({"id": "8", "deployment": {
            "download": "forced", "update": "attempt", "maintenanceWindow": "unavailable",
            "chunks": [
                {"part": "jvm", "version": "1.0.75", "artifacts": [{"filename": "binary.tgz"}]},
                {"part": "os", "version": "1.0.79", "artifacts": [{
                    "filename": "onetrip-1.0.79.raucb", "size": 13,
                    "hashes": {"sha256": "AB12"},
                    "_links": {
                        "download": {"href": "https://fleet.example.invalid/a"},
                        "download-http": {"href": "http://fleet.example.invalid/a"}}}]}]}});
        let d = deployment(&v).unwrap();
        assert_eq!(d.action, "8");
        assert_eq!(
            (d.download, d.update),
            (Handling::Forced, Handling::Attempt)
        );
        assert_eq!(d.window_open, Some(false));
        assert_eq!(d.version, "1.0.79");
        let a = d.artifact.unwrap();
        assert_eq!(a.url.as_deref(), Some("https://fleet.example.invalid/a"));
        assert_eq!(a.sha256.as_deref(), Some("ab12"));
        assert!(deployment(&json!({"deployment": {}})).is_err());
        assert!(deployment(&json!({"id": 3, "deployment": {"chunks": [{}]}})).is_err());
    }
}
