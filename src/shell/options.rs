//! What the tokio half is started with: the configuration, the devices' and tasks' timings (tests
//! shorten them), the catalog in force and the firmware facts, and the sink its events go out by.

use std::sync::Arc;
use std::time::Duration;

use crate::catalog::active::{CatalogStatus, Origin};
use crate::config::Config;
use crate::engine::Event;
use crate::sync::worker::Backoff;
use crate::vocab::firmware::Firmware;

/// Delivers an event to the UI thread (and wakes it).
pub type UiSink = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    pub config: Config,
    pub reader_poll: Duration,
    pub printer_status_interval: Duration,
    pub backoff: Backoff,
    pub heartbeat: Duration,
    pub catalog_check: Duration,
    /// The catalog in force at start (set by `launch`); from there the catalog updater keeps the
    /// heartbeat's and the staff screen's view of it current.
    pub catalog_status: CatalogStatus,
    /// The community feed in force at start (set by `launch`), for the heartbeat.
    pub community_status: crate::sync::community::CommunityStatus,
    /// Which firmware runs, for the heartbeat (filled by whoever starts the terminal; a
    /// developer's build has no image version and no slot).
    pub firmware: Firmware,
    /// How often the store is probed with a small write (see `store::probe_store`).
    pub store_probe: Duration,
    /// A device task whose loop has not turned for this long is stuck (a write the line never
    /// takes): it is aborted, its port closed and reopened, and the restart counted. Longer than
    /// any step a driver takes (a print job is cut at 30 s, a status query at 2 s).
    pub device_stall: Duration,
    /// Set when the terminal has no usable configuration: nothing is opened, the screen says
    /// this (with the hardware id) until a technician provisions the terminal.
    pub not_configured: Option<crate::engine::Outage>,
    /// Every submission is marked as a test (`onetrip burn-in`).
    pub test_submissions: bool,
    /// Since when the idle screen (attract, out of service) is up, `None` while a citizen or
    /// staff use the terminal: the kiosk writes it, the fleet client waits for it to install
    /// and reboot.
    pub screen_idle: tokio::sync::watch::Sender<Option<std::time::Instant>>,
}

impl RuntimeOptions {
    pub fn new(config: Config) -> RuntimeOptions {
        RuntimeOptions {
            reader_poll: Duration::from_millis(300),
            printer_status_interval: Duration::from_secs(2),
            backoff: Backoff::default(),
            heartbeat: Duration::from_secs(config.upstream.heartbeat_secs),
            catalog_check: Duration::from_secs(config.catalog.check_secs),
            catalog_status: CatalogStatus {
                version: String::new(),
                origin: Origin::Shipped,
                last_rejection: None,
            },
            community_status: Default::default(),
            firmware: Firmware::default(),
            config,
            store_probe: Duration::from_secs(60),
            device_stall: Duration::from_secs(120),
            not_configured: None,
            test_submissions: false,
            screen_idle: tokio::sync::watch::Sender::new(None),
        }
    }

    /// How long personal data of an undeliverable submission is kept.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.config.data.retention_days) * 24 * 3600 * 1000
    }
}
