//! What the tokio half is started with: the configuration, the devices' and tasks' timings (tests
//! shorten them), and the status it shares with the heartbeat and the staff screen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::catalog::active::CatalogStatus;
use crate::config::Config;
use crate::sync::worker::Backoff;

#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    pub config: Config,
    pub reader_poll: Duration,
    pub printer_status_interval: Duration,
    pub backoff: Backoff,
    pub heartbeat: Duration,
    pub catalog_check: Duration,
    /// The catalog in force (set by `launch`), for the heartbeat; the updater keeps it current.
    pub catalog_status: Arc<Mutex<CatalogStatus>>,
    /// Whether upstream refuses the terminal (set by the sync worker; staff and heartbeat read it).
    pub link: crate::sync::LinkStatus,
    /// Restarts of the supervised background tasks (staff and heartbeat read them).
    pub restarts: super::supervision::Restarts,
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
}

impl RuntimeOptions {
    pub fn new(config: Config) -> RuntimeOptions {
        RuntimeOptions {
            reader_poll: Duration::from_millis(300),
            printer_status_interval: Duration::from_secs(2),
            backoff: Backoff::default(),
            heartbeat: Duration::from_secs(config.upstream.heartbeat_secs),
            catalog_check: Duration::from_secs(config.catalog.check_secs),
            catalog_status: Arc::new(Mutex::new(CatalogStatus {
                version: String::new(),
                origin: crate::catalog::active::Origin::Shipped,
                last_rejection: None,
            })),
            config,
            link: Default::default(),
            restarts: Default::default(),
            store_probe: Duration::from_secs(60),
            device_stall: Duration::from_secs(120),
            not_configured: None,
            test_submissions: false,
        }
    }

    /// How long personal data of an undeliverable submission is kept.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.config.data.retention_days) * 24 * 3600 * 1000
    }
}
