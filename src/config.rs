//! The terminal's TOML configuration: its schema, defaults and validation.
//!
//! A broken file never half-starts the terminal: [`Config::load`] returns one error naming the key,
//! the value found and what is expected, and the binary exits with status 2.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_PATH: &str = "/etc/onetrip/onetrip.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub terminal: Terminal,
    pub data: Data,
    pub devices: Devices,
    pub upstream: Upstream,
    #[serde(default)]
    pub catalog: CatalogSettings,
    #[serde(default)]
    pub staff: Staff,
    #[serde(default)]
    pub ui: Ui,
    /// A hawkBit DDI-compatible update server (Eclipse hawkBit, goosebit…); without it the
    /// terminal is updated from a USB stick or `rauc install`.
    #[serde(default)]
    pub fleet: Option<Fleet>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// The server's DDI root including the tenant, e.g. `https://fleet.example.invalid/DEFAULT`.
    pub server: String,
    /// This terminal's controller id on the server (default: `terminal.id`).
    #[serde(default)]
    pub controller_id: Option<String>,
    /// The target security token the server issued for this terminal (`TargetToken`).
    pub token: String,
    /// Seconds between polls when the server does not say (`config.polling.sleep` does).
    #[serde(default = "default_fleet_poll")]
    pub poll_secs: u64,
}

fn default_fleet_poll() -> u64 {
    300
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    /// Never accepted: a PIN in clear. Read only to refuse it with the way to hash it.
    #[serde(default)]
    pub pin: Option<String>,
    /// The argon2id hash of the station staff's PIN (4 to 8 digits), written by `onetrip staff
    /// set-pin`, for the staff screen (press and hold the top-right corner of the idle screen).
    /// Without it the staff screen is off.
    #[serde(default)]
    pub pin_hash: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSettings {
    /// The issuing authority's ed25519 public key (base64, 32 bytes). Without it the terminal runs
    /// the catalog shipped in its firmware and refuses every update.
    #[serde(default)]
    pub public_key: Option<String>,
    /// How often to ask upstream for a newer catalog.
    #[serde(default = "default_catalog_check")]
    pub check_secs: u64,
}

fn default_catalog_check() -> u64 {
    900
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings {
            public_key: None,
            check_secs: default_catalog_check(),
        }
    }
}

impl CatalogSettings {
    /// The parsed key (validated at load, so `None` only when none is configured).
    pub fn key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        self.public_key
            .as_deref()
            .and_then(|k| crate::catalog::signature::public_key(k).ok())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terminal {
    /// Stable id of this terminal, sent upstream and printed in submission numbers.
    pub id: String,
    /// Name of the service hall, shown on the attract screen and printed on receipts.
    pub hall: String,
    /// English name of the hall (for English sessions); the Chinese name is used when absent.
    #[serde(default)]
    pub hall_en: Option<String>,
    /// A demonstration bench (`onetrip demo`, tests): the only place the demo catalog authority's
    /// key is accepted, since its private half is public.
    #[serde(default)]
    pub demo: bool,
    /// What the terminal has to handle items with; a catalog item needing more is refused
    /// (`onetrip catalog check --capabilities`). OneTrip drives the card reader, the printer and
    /// the scanner; anything else is a vendor's device.
    #[serde(default = "default_capabilities")]
    pub capabilities: Vec<crate::catalog::Capability>,
}

fn default_capabilities() -> Vec<crate::catalog::Capability> {
    crate::catalog::Capability::DEFAULT.to_vec()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Where the SQLite store lives; must be on persistent storage.
    pub dir: PathBuf,
    /// Undeliverable submissions keep their personal data at most this long.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// The store never grows beyond this (MiB), so it cannot fill the data partition: at the
    /// limit the terminal goes out of service with the reason, like a full disk.
    #[serde(default = "default_max_store_mb")]
    pub max_store_mb: u32,
}

fn default_retention_days() -> u32 {
    30
}

fn default_max_store_mb() -> u32 {
    1024
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    pub id_card: SerialDevice,
    pub printer: PrinterDevice,
    #[serde(default)]
    pub scanner: Option<ScannerDevice>,
    /// Record every byte exchanged with each device to `<dir>/<device>.jsonl` (for technicians
    /// chasing a field problem), until `record_until`; the card reader's data is withheld.
    #[serde(default)]
    pub record_dir: Option<PathBuf>,
    /// When recording stops by itself (RFC 3339, e.g. "2026-12-02T18:00:00+08:00"); required
    /// with `record_dir`, so a recording is never left on.
    #[serde(default)]
    pub record_until: Option<String>,
}

impl Devices {
    /// Until when device I/O is recorded, if it is configured and not yet over.
    pub fn recording_until(
        &self,
    ) -> Option<(std::path::PathBuf, chrono::DateTime<chrono::FixedOffset>)> {
        let dir = self.record_dir.clone()?;
        let until = chrono::DateTime::parse_from_rfc3339(self.record_until.as_deref()?).ok()?;
        (until > chrono::Utc::now()).then_some((dir, until))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerDevice {
    pub path: PathBuf,
    #[serde(default = "default_scanner_baud")]
    pub baud: u32,
    /// Optional by default: without a scanner, citizens still identify with the ID card.
    #[serde(default)]
    pub required: bool,
    /// `continuous`, `honeywell` (serial trigger SYN T CR / SYN U CR) or `raw` (the bytes below).
    #[serde(default = "default_trigger")]
    pub trigger: String,
    #[serde(default)]
    pub trigger_on: Vec<u8>,
    #[serde(default)]
    pub trigger_off: Vec<u8>,
}

fn default_scanner_baud() -> u32 {
    9600
}
fn default_trigger() -> String {
    "continuous".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialDevice {
    pub path: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// A required device that is not ready takes the terminal out of service.
    #[serde(default = "yes")]
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterDevice {
    pub path: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    #[serde(default = "yes")]
    pub required: bool,
    /// 80 or 58.
    #[serde(default = "default_paper_width")]
    pub paper_width_mm: u32,
    /// The printer pushes status changes itself (ESC/POS `GS a`); only for printers that offer it.
    #[serde(default)]
    pub automatic_status_back: bool,
}

fn default_baud() -> u32 {
    115_200
}
fn yes() -> bool {
    true
}
fn default_paper_width() -> u32 {
    80
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// `https://…` in production; `http://127.0.0.1:…` only for the local reference upstream.
    pub base_url: String,
    /// Per-terminal bearer token.
    pub token: String,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    /// Printed as a QR code on the receipt; `{number}` is replaced by the submission number.
    pub tracking_url: String,
    /// How often the terminal reports its health (devices, paper, queue) upstream.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u64,
    /// A private CA and a client certificate, for platforms that use them.
    #[serde(default)]
    pub tls: Option<UpstreamTls>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamTls {
    /// PEM file of the CA that signs the platform's server certificate (in addition to the public
    /// roots), e.g. the police network's own CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// PEM files of this terminal's client certificate and its private key, when the platform
    /// authenticates terminals by certificate (mutual TLS) as well as by token.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
}

fn default_heartbeat() -> u64 {
    60
}

fn default_connect_timeout() -> u64 {
    5
}
fn default_request_timeout() -> u64 {
    15
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    Landscape,
    Portrait,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    #[serde(default = "default_language")]
    pub language: Language,
    /// Seconds without a touch before the "are you still there?" countdown.
    #[serde(default = "default_inactivity")]
    pub inactivity_timeout_secs: u32,
    #[serde(default = "default_orientation")]
    pub orientation: Orientation,
    #[serde(default = "yes")]
    pub fullscreen: bool,
    /// Speak each screen's prompt (espeak-ng); citizens can switch it off on the attract screen.
    #[serde(default = "yes")]
    pub voice: bool,
}

fn default_language() -> Language {
    Language::Zh
}
fn default_inactivity() -> u32 {
    60
}
fn default_orientation() -> Orientation {
    Orientation::Landscape
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            language: default_language(),
            inactivity_timeout_secs: default_inactivity(),
            orientation: default_orientation(),
            fullscreen: true,
            voice: true,
        }
    }
}

#[derive(Debug)]
pub enum ConfigError {
    NotFound(PathBuf),
    Unreadable(PathBuf, std::io::Error),
    Syntax {
        path: PathBuf,
        message: String,
    },
    Invalid {
        path: PathBuf,
        key: String,
        value: String,
        expected: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotFound(p) => {
                write!(
                    f,
                    "no configuration at {}.\n  Copy assets/onetrip.example.toml there (or pass --config PATH)",
                    p.display()
                )?;
                if cfg!(feature = "dev-tools") {
                    write!(
                        f,
                        ",\n  or try the terminal with simulated devices: onetrip demo"
                    )?;
                }
                Ok(())
            }
            ConfigError::Unreadable(p, e) => {
                write!(f, "cannot read configuration {}: {e}", p.display())
            }
            ConfigError::Syntax { path, message } => {
                write!(
                    f,
                    "configuration {} is not valid TOML: {message}",
                    path.display()
                )
            }
            ConfigError::Invalid {
                path,
                key,
                value,
                expected,
            } => write!(
                f,
                "configuration {}: key `{key}` has value {value}; expected {expected}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The controller id the fleet server knows this terminal by.
    pub fn fleet_controller_id(&self) -> Option<String> {
        let fleet = self.fleet.as_ref()?;
        Some(
            fleet
                .controller_id
                .clone()
                .unwrap_or_else(|| self.terminal.id.clone()),
        )
    }

    /// What an unprovisioned terminal runs with: fullscreen, nothing to reach, no data kept.
    pub fn not_configured() -> Config {
        const TEXT: &str = r#"
[terminal]
id = "UNCONFIGURED"
hall = "警务自助服务一体机"
[data]
dir = "/run/onetrip-not-configured"
[devices.id_card]
path = "/dev/onetrip/id-card"
[devices.printer]
path = "/dev/onetrip/printer"
[upstream]
base_url = "http://127.0.0.1:9"
token = "none"
tracking_url = "{number}"
[ui]
voice = false
"#;
        Config::parse(TEXT, Path::new("(built in)")).expect("the built-in configuration is valid")
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound(path.to_path_buf()))
            }
            Err(e) => return Err(ConfigError::Unreadable(path.to_path_buf(), e)),
        };
        Config::parse(&text, path)
    }

    /// Parses and validates; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: syntax_message(text, &e),
        })?;
        let config: Config = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.lines().next().unwrap_or_default().to_string();
            let (key, value_text, expected) = describe(&value, &key, &inner);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                key,
                value: value_text,
                expected,
            }
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &str, value: String, expected: &str| {
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                key: key.to_string(),
                value,
                expected: expected.to_string(),
            })
        };
        const BAUDS: [u32; 8] = [2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400];
        let t = &self.terminal;
        if t.id.is_empty()
            || t.id.len() > 32
            || !t
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(
                "terminal.id",
                format!("{:?}", t.id),
                "1 to 32 letters, digits, '-' or '_'",
            );
        }
        if t.hall.trim().is_empty() {
            return bad("terminal.hall", "\"\"".into(), "the service hall's name");
        }
        for (key, baud) in [
            ("devices.id_card.baud", Some(self.devices.id_card.baud)),
            ("devices.printer.baud", Some(self.devices.printer.baud)),
            (
                "devices.scanner.baud",
                self.devices.scanner.as_ref().map(|s| s.baud),
            ),
        ] {
            if let Some(b) = baud {
                if !BAUDS.contains(&b) {
                    return bad(key, b.to_string(), "a standard baud rate (9600, 115200, …)");
                }
            }
        }
        if let Some(sc) = &self.devices.scanner {
            match sc.trigger.as_str() {
                "continuous" | "honeywell" => {}
                "raw" if !sc.trigger_on.is_empty() && !sc.trigger_off.is_empty() => {}
                "raw" => {
                    return bad(
                        "devices.scanner.trigger_on",
                        format!("{:?}", sc.trigger_on),
                        "the trigger-on and trigger-off bytes for trigger = \"raw\"",
                    )
                }
                other => {
                    return bad(
                        "devices.scanner.trigger",
                        format!("{other:?}"),
                        "\"continuous\", \"honeywell\" or \"raw\"",
                    )
                }
            }
        }
        match (&self.devices.record_dir, &self.devices.record_until) {
            (Some(_), None) => {
                return bad(
                    "devices.record_until",
                    "(missing)".into(),
                    "when recording stops (RFC 3339, e.g. \"2026-12-02T18:00:00+08:00\"): a recording of device I/O is never left on",
                )
            }
            (_, Some(t)) if chrono::DateTime::parse_from_rfc3339(t).is_err() => {
                return bad(
                    "devices.record_until",
                    format!("{t:?}"),
                    "a time with its offset, e.g. \"2026-12-02T18:00:00+08:00\"",
                )
            }
            _ => {}
        }
        if !matches!(self.devices.printer.paper_width_mm, 58 | 80) {
            return bad(
                "devices.printer.paper_width_mm",
                self.devices.printer.paper_width_mm.to_string(),
                "58 or 80",
            );
        }
        let u = &self.upstream;
        if !secure_or_loopback(&u.base_url) {
            return bad(
                "upstream.base_url",
                format!("{:?}", u.base_url),
                "a URL starting with https:// (plain http:// only to this machine's own loopback): the token, citizens' applications and ID numbers go there",
            );
        }
        if u.token.trim().is_empty() {
            return bad(
                "upstream.token",
                "\"\"".into(),
                "this terminal's bearer token",
            );
        }
        if !u.tracking_url.contains("{number}") {
            return bad(
                "upstream.tracking_url",
                format!("{:?}", u.tracking_url),
                "a URL containing {number}",
            );
        }
        if u.connect_timeout_secs == 0 || u.connect_timeout_secs > 120 {
            return bad(
                "upstream.connect_timeout_secs",
                u.connect_timeout_secs.to_string(),
                "1 to 120 seconds",
            );
        }
        if u.request_timeout_secs == 0 || u.request_timeout_secs > 600 {
            return bad(
                "upstream.request_timeout_secs",
                u.request_timeout_secs.to_string(),
                "1 to 600 seconds",
            );
        }
        if !(5..=3600).contains(&u.heartbeat_secs) {
            return bad(
                "upstream.heartbeat_secs",
                u.heartbeat_secs.to_string(),
                "5 to 3600 seconds",
            );
        }
        if !(15..=600).contains(&self.ui.inactivity_timeout_secs) {
            return bad(
                "ui.inactivity_timeout_secs",
                self.ui.inactivity_timeout_secs.to_string(),
                "15 to 600 seconds",
            );
        }
        if let Some(tls) = &self.upstream.tls {
            if tls.client_cert.is_some() != tls.client_key.is_some() {
                return bad(
                    "upstream.tls.client_key",
                    "(one of the pair)".into(),
                    "client_cert and client_key together, or neither",
                );
            }
            for (key, file) in [
                ("upstream.tls.ca_file", &tls.ca_file),
                ("upstream.tls.client_cert", &tls.client_cert),
                ("upstream.tls.client_key", &tls.client_key),
            ] {
                if let Some(f) = file {
                    if std::fs::metadata(f).is_err() {
                        return bad(
                            key,
                            format!("{:?}", f.display().to_string()),
                            "a readable PEM file",
                        );
                    }
                }
            }
        }
        if let Some(fleet) = &self.fleet {
            if !secure_or_loopback(&fleet.server) {
                return bad(
                    "fleet.server",
                    format!("{:?}", fleet.server),
                    "the DDI root with its tenant, https://…/TENANT (plain http:// only to loopback)",
                );
            }
            if fleet.token.trim().is_empty() {
                return bad(
                    "fleet.token",
                    "(hidden)".into(),
                    "the target token the server issued",
                );
            }
            if !(10..=86_400).contains(&fleet.poll_secs) {
                return bad(
                    "fleet.poll_secs",
                    fleet.poll_secs.to_string(),
                    "10 to 86400 seconds",
                );
            }
        }
        if self.staff.pin.is_some() {
            return bad(
                "staff.pin",
                "(hidden)".into(),
                "no PIN in clear: run `onetrip --config FILE staff set-pin` (it asks for the PIN and writes its argon2 hash as staff.pin_hash)",
            );
        }
        if let Some(h) = &self.staff.pin_hash {
            if !crate::staff_pin::is_hash(h) {
                return bad(
                    "staff.pin_hash",
                    "(hidden)".into(),
                    "an argon2 hash written by `onetrip staff set-pin` ($argon2id$…)",
                );
            }
        }
        if let Some(k) = &self.catalog.public_key {
            // The terminal's build has no demo: there the demo key is refused whatever the file says.
            let demo_allowed = self.terminal.demo && cfg!(feature = "dev-tools");
            if k.trim() == crate::catalog::signature::DEMO_PUBLIC_KEY && !demo_allowed {
                return bad(
                    "catalog.public_key",
                    "(the demo authority's key)".into(),
                    "the city's own catalog key: anyone can sign with the demo key, whose private half is published",
                );
            }
            if crate::catalog::signature::public_key(k).is_err() {
                return bad(
                    "catalog.public_key",
                    format!("{k:?}"),
                    "the authority's ed25519 public key: 32 bytes in base64 (44 characters)",
                );
            }
        }
        if !(60..=86_400).contains(&self.catalog.check_secs) {
            return bad(
                "catalog.check_secs",
                self.catalog.check_secs.to_string(),
                "60 to 86400 seconds",
            );
        }
        if self.data.max_store_mb == 0 {
            return bad("data.max_store_mb", "0".into(), "at least 1 (MiB)");
        }
        if self.data.retention_days == 0 {
            return bad("data.retention_days", "0".into(), "at least 1 day");
        }
        Ok(())
    }

    pub fn scanner_trigger(&self) -> onetrip_drivers::scanner::task::TriggerMode {
        use onetrip_drivers::scanner::task::TriggerMode;
        match self.devices.scanner.as_ref() {
            Some(s) if s.trigger == "honeywell" => TriggerMode::Honeywell,
            Some(s) if s.trigger == "raw" => TriggerMode::Raw {
                on: s.trigger_on.clone(),
                off: s.trigger_off.clone(),
            },
            _ => TriggerMode::Continuous,
        }
    }

    pub fn paper_width(&self) -> onetrip_drivers::printer::PaperWidth {
        onetrip_drivers::printer::PaperWidth::from_mm(self.devices.printer.paper_width_mm)
            .unwrap_or(onetrip_drivers::printer::PaperWidth::Mm80)
    }
}

/// `https://…`, or `http://` to this machine's own loopback (the local reference upstream).
pub fn secure_or_loopback(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Keys whose values never appear in a message (the journal and a technician's screen are not
/// places for a token or a PIN).
const SECRET_KEYS: &[&str] = &["token", "pin", "pin_hash"];

fn is_secret(key: &str) -> bool {
    key.rsplit('.')
        .next()
        .is_some_and(|last| SECRET_KEYS.contains(&last))
}

/// A TOML syntax error as "line N, column C: what is wrong", without the quoted source line that
/// the parser's own message carries — that line may hold a secret.
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return what;
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or_default();
    let key = line_text.split('=').next().unwrap_or_default().trim();
    if is_secret(key) {
        // Even the parser's description may quote what it found.
        return format!("line {line}, column {column} (`{key}`, value hidden): not a valid value");
    }
    format!("line {line}, column {column}: {what}")
}

/// Turns a serde error at `key` into (key, value found, what is expected).
fn describe(root: &toml::Value, key: &str, message: &str) -> (String, String, String) {
    let (key, value, expected) = describe_any(root, key, message);
    if is_secret(&key) {
        // "invalid type: integer `123`, expected a string": keep only what is expected.
        let expected = expected.split('`').next().unwrap_or_default().to_string();
        return (key, "(hidden)".into(), expected);
    }
    (key, value, expected)
}

fn describe_any(root: &toml::Value, key: &str, message: &str) -> (String, String, String) {
    // "missing field `x`": the key is the parent path plus x.
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let full = if key.is_empty() || key == "." {
            field.to_string()
        } else {
            format!("{key}.{field}")
        };
        return (full, "(missing)".into(), "this key to be set".into());
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        // The path already ends at the unknown key.
        let full = if key.is_empty() || key == "." {
            field.to_string()
        } else {
            key.to_string()
        };
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_else(|| "a known key".into());
        return (full, "(unknown key)".into(), expected);
    }
    let mut value = root;
    for part in key.split('.') {
        match value.get(part) {
            Some(v) => value = v,
            None => break,
        }
    }
    let expected = message
        .split_once("expected ")
        .map(|(_, e)| e.to_string())
        .unwrap_or_else(|| message.to_string());
    (key.to_string(), value.to_string(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.example.invalid",
            "http://127.0.0.1:8700",
            "http://127.1.2.3",
            "http://localhost:8700/v1",
            "http://[::1]:8700",
        ] {
            assert!(secure_or_loopback(ok), "{ok}");
        }
        for refused in [
            "http://10.0.2.100:8700",
            "http://api.example.invalid",
            "http://127.0.0.1.example.invalid",
            "http://localhost.evil.invalid",
            "ftp://127.0.0.1",
            "127.0.0.1:8700",
        ] {
            assert!(!secure_or_loopback(refused), "{refused}");
        }
        let example = include_str!("../assets/onetrip.example.toml");
        let line = example
            .lines()
            .find(|l| l.starts_with("base_url = "))
            .unwrap();
        let e = Config::parse(
            &example.replace(line, "base_url = \"http://api.example.invalid\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("upstream.base_url") && e.contains("https://"),
            "{e}"
        );
    }

    #[test]
    fn a_recording_needs_an_end() {
        let example = include_str!("../assets/onetrip.example.toml");
        let with = |extra: &str| {
            example.replace("[devices.id_card]", &format!("{extra}\n[devices.id_card]"))
        };
        assert!(with("").contains("[devices.id_card]"));
        let e = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("devices.record_until"), "{e}");
        let e = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"tomorrow\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("devices.record_until"), "{e}");
        let past = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"2020-01-01T00:00:00+08:00\""),
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(
            past.devices.recording_until().is_none(),
            "an end in the past records nothing"
        );
        let future = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"2099-01-01T00:00:00+08:00\""),
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(future.devices.recording_until().is_some());
    }

    #[test]
    fn the_demo_catalog_key_is_refused_outside_a_demo() {
        let demo_key =
            crate::catalog::signature::public_of(&crate::catalog::signature::demo_signing_key());
        let example = include_str!("../assets/onetrip.example.toml");
        let text = example.replace(
            "# public_key = \"…44 characters of base64…\"",
            &format!("public_key = \"{demo_key}\""),
        );
        assert_ne!(text, example);
        let e = Config::parse(&text, Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("catalog.public_key") && e.contains("demo"),
            "{e}"
        );
        let demo = text.replace("[terminal]\n", "[terminal]\ndemo = true\n");
        assert_ne!(demo, text);
        assert!(Config::parse(&demo, Path::new("t.toml")).is_ok());
    }

    #[test]
    fn the_unprovisioned_terminal_has_a_valid_configuration() {
        let c = Config::not_configured();
        assert_eq!(c.terminal.id, "UNCONFIGURED");
        assert!(!c.ui.voice);
        assert!(
            c.staff.pin.is_none(),
            "no staff screen without provisioning"
        );
    }

    pub(crate) const EXAMPLE: &str = include_str!("../assets/onetrip.example.toml");

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let c = parse(EXAMPLE).unwrap();
        assert_eq!(c.devices.id_card.baud, 115_200);
        assert!(c.devices.printer.required);
        assert_eq!(c.ui.language, Language::Zh);
    }

    #[test]
    fn wrong_type_names_key_value_and_expectation() {
        let text = EXAMPLE.replace("baud = 115200", "baud = \"fast\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`devices.id_card.baud`"), "{e}");
        assert!(e.contains("\"fast\""), "{e}");
        assert!(e.contains("u32"), "{e}");
    }

    #[test]
    fn missing_key_is_named_in_full() {
        let text = EXAMPLE.replace("hall = ", "# hall = ");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`terminal.hall`"), "{e}");
        assert!(e.contains("missing"), "{e}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let text = EXAMPLE.replace("[ui]", "[ui]\ncolour = \"red\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`ui.colour`"), "{e}");
    }

    #[test]
    fn semantic_checks() {
        let e = parse(&EXAMPLE.replace("paper_width_mm = 80", "paper_width_mm = 76"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("devices.printer.paper_width_mm") && e.contains("58 or 80"),
            "{e}"
        );
        let e = parse(&EXAMPLE.replace("{number}", "x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("upstream.tracking_url"), "{e}");
    }

    #[test]
    fn catalog_staff_and_tls_sections() {
        let e = parse(&EXAMPLE.replace(
            "# public_key = \"…44 characters of base64…\"",
            "public_key = \"abc\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("catalog.public_key"), "{e}");
        // A PIN in clear is refused, with the way to hash it, and never echoed.
        let e = parse(&EXAMPLE.replace("# pin_hash = \"$argon2id$…\"", "pin = \"2580\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("staff.pin") && e.contains("set-pin"), "{e}");
        assert!(!e.contains("2580"), "the PIN is never echoed: {e}");
        let e = parse(&EXAMPLE.replace("# pin_hash = \"$argon2id$…\"", "pin_hash = \"2580\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("staff.pin_hash") && !e.contains("2580"), "{e}");
        let h = crate::staff_pin::hash("2580").unwrap();
        let c = parse(&EXAMPLE.replace(
            "# pin_hash = \"$argon2id$…\"",
            &format!("pin_hash = \"{h}\""),
        ))
        .unwrap();
        assert_eq!(c.staff.pin_hash.as_deref(), Some(h.as_str()));
        let with_tls = |tls: &str| {
            EXAMPLE.replace(
                "heartbeat_secs = 60\n",
                &format!("heartbeat_secs = 60\n\n[upstream.tls]\n{tls}\n"),
            )
        };
        let e = parse(&with_tls("client_cert = \"/etc/hosts\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("client_cert and client_key together"), "{e}");
        let e = parse(&with_tls("ca_file = \"/nonexistent/ca.pem\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("upstream.tls.ca_file") && e.contains("readable PEM"),
            "{e}"
        );
        let c = parse(&with_tls("ca_file = \"/etc/hosts\"")).unwrap();
        assert!(c.upstream.tls.unwrap().ca_file.is_some());
    }

    #[test]
    fn scanner_section() {
        let with = |extra: &str| {
            parse(&format!(
                "{EXAMPLE}\n[devices.scanner]\npath = \"/dev/x\"\n{extra}"
            ))
        };
        let c = with("").unwrap();
        let s = c.devices.scanner.as_ref().unwrap();
        assert_eq!(
            (s.baud, s.required, s.trigger.as_str()),
            (9600, false, "continuous")
        );
        assert!(with("trigger = \"honeywell\"").is_ok());
        assert!(with("trigger = \"raw\"\ntrigger_on = [84]\ntrigger_off = [80]").is_ok());
        let e = with("trigger = \"raw\"").unwrap_err().to_string();
        assert!(e.contains("devices.scanner.trigger_on"), "{e}");
        let e = with("trigger = \"laser\"").unwrap_err().to_string();
        assert!(
            e.contains("devices.scanner.trigger") && e.contains("laser"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_is_reported() {
        let e = parse("[terminal\nid=").unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }));
    }
}
