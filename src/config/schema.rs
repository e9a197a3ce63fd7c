//! The configuration's schema: the serde types of each `[section]`, their defaults, and what
//! the rest of the terminal derives from them.

use std::path::PathBuf;

use serde::Deserialize;

pub use super::quiet_hours::QuietHours;

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

#[derive(Clone, Deserialize)]
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
    /// The CA that signed the server's certificate when it is not a public one (PEM).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Other origins a bundle may be downloaded from (a CDN, `https://host[:port]`), without the
    /// token; the server's own origin needs no entry.
    #[serde(default)]
    pub download_origins: Vec<String>,
    /// After an update is installed, the reboot waits until the idle (attract) screen has been up
    /// this long, so that no citizen loses a session (or until the quiet hours).
    #[serde(default = "default_reboot_idle")]
    pub reboot_idle_secs: u64,
    /// Daily quiet hours, local time, `"HH:MM-HH:MM"` (may span midnight): the reboot happens as
    /// soon as the screen is idle, and updates the server leaves to the terminal (`attempt`) are
    /// installed only then.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
}

fn default_reboot_idle() -> u64 {
    300
}

fn default_fleet_poll() -> u64 {
    300
}

#[derive(Clone, Deserialize, Default)]
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
    /// The programme's slogan, on the attract screen and the receipts (Zhengzhou's "就跑一次",
    /// Zhejiang's "最多跑一次"); empty: none. The terminal has no slogan of its own.
    #[serde(default)]
    pub slogan: String,
    /// The slogan in English sessions; none when absent.
    #[serde(default)]
    pub slogan_en: Option<String>,
    /// The police station's 24-hour duty phone, shown on the community panel and the out-of-service
    /// screen until a signed community feed names it (and whenever the feed is refused).
    #[serde(default)]
    pub duty_phone: Option<String>,
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
    /// chasing a field problem), until `record_until`; every device's personal data is withheld.
    #[serde(default)]
    pub record_dir: Option<PathBuf>,
    /// When recording stops by itself (RFC 3339, e.g. "2026-12-02T18:00:00+08:00"), at most 7
    /// days ahead; required with `record_dir`, so a recording is never left on.
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

#[derive(Clone, Deserialize)]
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
    /// espeak-ng's amplitude (0-200) at the middle of the citizen's five volume steps: calibrate it
    /// once per terminal model with a sound meter at the screen, to 60-70 dB SPL (the voting
    /// guidelines' default range; VotingWorks #1484). The steps around it are ×0.4, ×0.7, ×1.4, ×2.
    #[serde(default = "default_voice_amplitude")]
    pub voice_amplitude: u8,
}

fn default_voice_amplitude() -> u8 {
    100
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
            voice_amplitude: default_voice_amplitude(),
        }
    }
}

/// What `{:?}` shows in place of a secret: a configuration printed for debugging, in a panic
/// message or a log line, never carries a token or the PIN's hash.
const HIDDEN: &str = "(hidden)";

fn hidden<T>(secret: &Option<T>) -> Option<&'static str> {
    secret.as_ref().map(|_| HIDDEN)
}

// Written out field by field (not derived), each listed by name: a field added later is a
// compile error here until someone decides whether it is a secret.
impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Upstream {
            base_url,
            token: _,
            connect_timeout_secs,
            request_timeout_secs,
            tracking_url,
            heartbeat_secs,
            tls,
        } = self;
        f.debug_struct("Upstream")
            .field("base_url", base_url)
            .field("token", &HIDDEN)
            .field("connect_timeout_secs", connect_timeout_secs)
            .field("request_timeout_secs", request_timeout_secs)
            .field("tracking_url", tracking_url)
            .field("heartbeat_secs", heartbeat_secs)
            .field("tls", tls)
            .finish()
    }
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Fleet {
            server,
            controller_id,
            token: _,
            poll_secs,
            ca_file,
            download_origins,
            reboot_idle_secs,
            quiet_hours,
        } = self;
        f.debug_struct("Fleet")
            .field("server", server)
            .field("controller_id", controller_id)
            .field("token", &HIDDEN)
            .field("poll_secs", poll_secs)
            .field("ca_file", ca_file)
            .field("download_origins", download_origins)
            .field("reboot_idle_secs", reboot_idle_secs)
            .field("quiet_hours", quiet_hours)
            .finish()
    }
}

impl std::fmt::Debug for Staff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Staff { pin, pin_hash } = self;
        f.debug_struct("Staff")
            .field("pin", &hidden(pin))
            .field("pin_hash", &hidden(pin_hash))
            .finish()
    }
}

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
