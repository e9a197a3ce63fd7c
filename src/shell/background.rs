//! The supervised background tasks: the store probe and retention, catalog updates, fleet
//! updates, the delivery worker and the heartbeat. Each is restarted after a panic and its
//! restarts counted for staff and the heartbeat.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};

use super::options::{RuntimeOptions, UiSink};
use super::supervision::{supervise, supervise_watched, RestartTally};
use crate::catalog::active::CatalogStatus;
use crate::engine::Event;
use crate::store::{probe_store, retention, StoreHandle, StoreVerdict};
use crate::sync::catalog::CatalogUpdater;
use crate::sync::{LinkStatus, SyncWorker, UpstreamClient};
use crate::vocab::device_health::DeviceHealth;

/// What the tasks share with the drive loop.
pub struct Wiring {
    pub store: Option<StoreHandle>,
    pub client: Option<UpstreamClient>,
    /// Wakes the delivery worker (a submission committed, one requeued).
    pub wake: Arc<Notify>,
    pub store_faults: mpsc::UnboundedSender<StoreVerdict>,
    /// The devices' health, for the heartbeat.
    pub health: watch::Receiver<DeviceHealth>,
    /// The catalog in force: handed to the catalog updater, its writer.
    pub catalog: watch::Sender<CatalogStatus>,
    /// The community feed in force: the community updater is its writer.
    pub community: watch::Sender<crate::sync::community::CommunityStatus>,
    /// Since when the terminal has been out of service (the drive loop writes it).
    pub downtime: watch::Receiver<crate::sync::heartbeat::Downtime>,
    /// A citizen's last call for staff (the effects write it).
    pub help: watch::Receiver<Option<crate::vocab::help_call::HelpCall>>,
    /// Counts every task's restarts.
    pub restarts: RestartTally,
    /// Whether upstream refuses the terminal: the delivery worker sets it.
    pub link: LinkStatus,
    pub sink: UiSink,
}

pub fn start(options: &RuntimeOptions, wiring: Wiring) {
    let cfg = &options.config;
    let restarts = &wiring.restarts;
    // The heartbeat reads the catalog in force; the updater (if any) writes it.
    let catalog = wiring.catalog.subscribe();
    let community = wiring.community.subscribe();
    let retention_ms = options.retention_ms();
    if let Some(store) = &wiring.store {
        let (store, every, faults) = (store.clone(), options.store_probe, wiring.store_faults);
        supervise("store_probe", restarts.clone(), move || {
            probe_store(store.clone(), every, faults.clone())
        });
    }
    if let Some(client) = wiring.client.clone() {
        let deliver_to = wiring.sink.clone();
        let updater = CatalogUpdater {
            client,
            data_dir: cfg.data.dir.clone(),
            key: cfg.catalog.key(),
            capabilities: cfg.terminal.capabilities.clone(),
            status: wiring.catalog,
            deliver: Arc::new(move |c| deliver_to(Event::CatalogUpdated(c))),
            not_taken: Default::default(),
        };
        if updater.key.is_some() {
            let every = options.catalog_check;
            let deliver_to = wiring.sink.clone();
            let community = crate::sync::community::CommunityUpdater {
                client: updater.client.clone(),
                data_dir: cfg.data.dir.clone(),
                key: updater.key,
                status: wiring.community,
                deliver: Arc::new(move |f| deliver_to(Event::CommunityUpdated(f))),
                not_taken: Default::default(),
            };
            supervise("catalog", restarts.clone(), move || {
                updater.clone().run(every)
            });
            // The village's officers change more often than the catalog: checked as often.
            supervise("community", restarts.clone(), move || {
                community.clone().run(every)
            });
        } else {
            tracing::warn!(
                "no catalog.public_key configured: catalog and community updates are off"
            );
        }
    }
    if let (Some(fleet), Some(controller_id)) = (&cfg.fleet, cfg.fleet_controller_id()) {
        match crate::sync::fleet::FleetClient::new(
            fleet,
            &controller_id,
            &cfg.data.dir.join("fleet"),
        ) {
            Ok(f) => {
                let f = f
                    .with_free_floor(crate::store::MIN_FREE_BYTES)
                    .with_screen(options.screen_idle.subscribe());
                // Every request has a deadline (at most the download's, beating on each chunk)
                // and every wait beats: a fleet task without a step for 15 min is stuck.
                supervise_watched(
                    "fleet",
                    restarts.clone(),
                    Duration::from_secs(15 * 60),
                    move |pulse| f.clone().run_with(pulse),
                );
            }
            Err(e) => tracing::error!(error = %e, "fleet updates are off"),
        }
    }
    let Some(store) = wiring.store else { return };
    // Retention: personal data of undeliverable submissions does not stay for ever.
    let kept = store.clone();
    supervise("retention", restarts.clone(), move || {
        retention(kept.clone(), retention_ms)
    });
    let Some(client) = wiring.client else { return };
    let worker = SyncWorker {
        store: store.clone(),
        clock: crate::sync::worker::system_clock(),
        client: client.clone(),
        wake: wiring.wake,
        backoff: options.backoff,
        batch: 64,
        link: wiring.link.clone(),
    };
    // One send lasts at most request_timeout_secs (≤ 10 min) and no wait is longer than a minute:
    // a worker without a step for 15 min is stuck, not slow.
    supervise_watched(
        "sync",
        restarts.clone(),
        Duration::from_secs(15 * 60),
        move |pulse| worker.clone().run_with(pulse),
    );
    let heartbeat = crate::sync::heartbeat::Heartbeat {
        client,
        store,
        catalog,
        community,
        downtime: wiring.downtime,
        help: wiring.help,
        link: wiring.link,
        restarts: restarts.watch(),
        devices: wiring.health,
        firmware: options.firmware.clone(),
        terminal_id: cfg.terminal.id.clone(),
        every: options.heartbeat,
        retention_ms,
    };
    supervise("heartbeat", restarts.clone(), move || {
        heartbeat.clone().run()
    });
}
