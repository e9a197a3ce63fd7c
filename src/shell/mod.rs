//! The runtime: the Slint event loop on the main thread, tokio on background threads, typed
//! channels between them. `kiosk` is the UI-thread half (engine + window); `runtime` is the tokio
//! half (devices, store, sync).

pub mod availability;
mod background;
mod device_tasks;
mod effects;
pub mod kiosk;
mod options;
mod printing;
pub mod runtime;
mod staff_desk;
pub mod supervision;
pub mod voice;

pub use kiosk::Kiosk;
pub use options::{RuntimeOptions, UiSink};
pub use runtime::{Runtime, StoreState};

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Language;
use crate::engine::{Engine, EngineConfig};
use crate::ui::AppWindow;

/// A kiosk window wired to a running runtime.
pub struct Launched {
    pub ui: AppWindow,
    pub kiosk: Rc<RefCell<Kiosk>>,
    pub runtime: Runtime,
}

/// Builds the window, the engine and the runtime. With `wake_event_loop`, every runtime message
/// wakes the Slint event loop; tests leave it off and call `Kiosk::pump` themselves.
pub fn launch(
    mut options: RuntimeOptions,
    handle: &tokio::runtime::Handle,
    clock: kiosk::Clock,
    wake_event_loop: bool,
) -> Result<Launched, slint::PlatformError> {
    let cfg = options.config.clone();
    let (catalog, status) = crate::catalog::active::load(
        &cfg.data.dir,
        cfg.catalog.key().as_ref(),
        &cfg.terminal.capabilities,
    );
    tracing::info!(version = %catalog.version, items = catalog.items.len(), "catalog loaded");
    options.catalog_status = status;
    // The community feed kept from upstream, verified again (a refused one is reported and the
    // panel falls back to the duty phone and 110).
    let community = match crate::community::kept::load(&cfg.data.dir, cfg.catalog.key().as_ref()) {
        Ok(feed) => feed,
        Err(e) => {
            tracing::error!(error = %e, "kept community feed refused");
            options.community_status.last_rejection = Some(format!("kept feed refused: {e}"));
            None
        }
    };
    options.community_status = crate::sync::community::CommunityStatus::of(
        community.as_ref(),
        options.community_status.last_rejection.take(),
    );
    let day = crate::community::kept::reading_day(&cfg.data.dir, today(), community.as_ref());
    let ui = AppWindow::new()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let sink: UiSink = Arc::new(move |event| {
        let _ = tx.send(event);
        if wake_event_loop {
            let _ = slint::invoke_from_event_loop(kiosk::pump_active);
        }
    });
    let screen_idle = options.screen_idle.clone();
    let runtime = Runtime::start(options, handle, sink);
    let mut engine_cfg =
        EngineConfig::new(Duration::from_secs(cfg.ui.inactivity_timeout_secs as u64));
    engine_cfg.english_default = cfg.ui.language == Language::En;
    engine_cfg.staff_pin = cfg.staff.pin_hash.clone();
    engine_cfg.voice_default = cfg.ui.voice;
    engine_cfg.tracking_url = cfg.upstream.tracking_url.clone();
    engine_cfg.duty_phone = cfg.terminal.duty_phone.clone();
    crate::ui::select_language(engine_cfg.english_default);
    let mut engine = Engine::new(engine_cfg, Arc::new(catalog), clock(), today());
    engine.handle(crate::engine::Event::LatestDaySeen(day), clock());
    if let Some(feed) = community {
        engine.handle(
            crate::engine::Event::CommunityUpdated(Arc::new(feed)),
            clock(),
        );
    }
    let kiosk = Kiosk::new(&ui, engine, runtime.effects.clone(), rx, clock);
    kiosk.borrow_mut().days_kept_in = Some(cfg.data.dir.clone());
    kiosk.borrow_mut().voice_amplitude = cfg.ui.voice_amplitude;
    crate::ui::show_terminal(
        &ui,
        &crate::ui::Terminal {
            hall_zh: &cfg.terminal.hall,
            hall_en: cfg
                .terminal
                .hall_en
                .as_deref()
                .unwrap_or(&cfg.terminal.hall),
            slogan_zh: &cfg.terminal.slogan,
            slogan_en: cfg.terminal.slogan_en.as_deref().unwrap_or_default(),
            portrait: cfg.ui.orientation == crate::config::Orientation::Portrait,
        },
    );
    if cfg.ui.voice {
        kiosk.borrow_mut().set_speaker(voice::Speaker::espeak());
    }
    kiosk.borrow_mut().publish_screen(screen_idle);
    kiosk::set_active(&kiosk);
    Ok(Launched { ui, kiosk, runtime })
}

/// The local calendar date, for the engine's age rules.
pub fn today() -> onetrip_drivers::id_card::Date {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    onetrip_drivers::id_card::Date {
        year: d.year() as u16,
        month: d.month() as u8,
        day: d.day() as u8,
    }
}
