//! The kiosk as the terminal's service (`onetrip run` under systemd, `Type=notify`): no core dumps,
//! the tokio runtime beside Slint's event loop, READY once the store's fate is known, watchdog
//! pings from the UI thread, and an orderly stop on SIGTERM or SIGINT.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use crate::config::Config;
use crate::engine::Outage;
use crate::shell::{self, RuntimeOptions};

/// The kiosk on a real terminal. It ends only when asked to (SIGTERM or SIGINT, e.g. `systemctl
/// stop`); an event loop that ends by itself (Slint's linuxkms backend quits on Ctrl+Alt+Backspace)
/// is an error, so systemd restarts the kiosk instead of leaving a blank terminal.
///
/// `not_configured`: the terminal has no usable configuration; it shows why (with its hardware id)
/// and keeps running on `cfg`, a stand-in.
pub fn run(cfg: Config, not_configured: Option<Outage>) -> anyhow::Result<()> {
    // No core file may hold a citizen's card data, whatever the service manager says.
    disable_core_dumps();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("onetrip-io")
        .enable_all()
        .build()?;
    let start = Instant::now();
    let clock: shell::kiosk::Clock = Rc::new(move || start + start.elapsed());
    let fullscreen = cfg.ui.fullscreen;
    let mut options = RuntimeOptions::new(cfg);
    options.not_configured = not_configured;
    options.firmware = super::firmware::running();
    if std::env::var("SLINT_BACKEND").is_ok_and(|b| b.starts_with("linuxkms")) {
        await_screen();
    }
    let launched = shell::launch(options, rt.handle(), clock, true)?;
    shell::Kiosk::start_timer(&launched.kiosk);
    launched.ui.show()?;
    if fullscreen {
        crate::ui::fill_screen(&launched.ui);
    }

    let asked_to_stop = Arc::new(AtomicBool::new(false));
    rt.spawn(stop_on_signal(asked_to_stop.clone()));
    // Under systemd (Type=notify): READY once the event loop runs and the store's fate is known.
    // STATUS says which; the A/B slot is marked good only on "store open".
    rt.spawn(ready_when_store_known(launched.runtime.store_state.clone()));
    let _watchdog = watchdog();
    slint::run_event_loop()?;
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
    if asked_to_stop.load(Ordering::SeqCst) {
        Ok(())
    } else {
        anyhow::bail!("the event loop ended without a shutdown request (a key combination?)")
    }
}

/// Under linuxkms, the screen's DRM card before the window (`screen`): up to 30 s, then the
/// kiosk starts anyway and Slint's error says what is missing.
fn await_screen() {
    const LIMIT: Duration = Duration::from_secs(30);
    match super::screen::wait_for_card(std::path::Path::new(super::screen::DRI), LIMIT) {
        Some(waited) if waited.is_zero() => {}
        Some(waited) => {
            tracing::info!(
                waited_ms = waited.as_millis() as u64,
                "the screen's DRM card came"
            )
        }
        None => tracing::warn!(
            dir = super::screen::DRI,
            limit_s = LIMIT.as_secs(),
            "no DRM card came: starting anyway"
        ),
    }
}

/// On SIGTERM or SIGINT: notes that the stop was asked for and ends the event loop.
async fn stop_on_signal(asked: Arc<AtomicBool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutdown requested");
    asked.store(true, Ordering::SeqCst);
    let _ = slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    });
}

/// Tells systemd READY (from the event loop, so it runs) once the store is open or known unusable
/// and the screen shows it.
async fn ready_when_store_known(mut store_state: tokio::sync::watch::Receiver<shell::StoreState>) {
    let state = store_state
        .wait_for(|s| *s != shell::StoreState::Opening)
        .await
        .map(|s| s.clone())
        .unwrap_or(shell::StoreState::Unusable("runtime stopped".into()));
    // A zero timer started from the event loop fires in its next turn, after the turn's redraw:
    // READY follows the frame that shows the store's fate (the linuxkms loop runs timers,
    // callbacks, then the redraw). What systemd starts after READY (mark-good, growfs, the
    // network, name resolution and time) then no longer shares the CPU with that first frame.
    let _ = slint::invoke_from_event_loop(move || {
        slint::Timer::single_shot(Duration::ZERO, move || {
            let status = match &state {
                shell::StoreState::Open => "store open".to_string(),
                other => format!("out of service: {other:?}"),
            };
            tracing::info!(%status, "kiosk ready");
            let _ = sd_notify::notify(
                false,
                &[
                    sd_notify::NotifyState::Ready,
                    sd_notify::NotifyState::Status(&status),
                ],
            );
        });
    });
}

/// Watchdog pings come from the UI thread, so a hung UI stops them and systemd restarts the
/// kiosk. `None` when systemd asks for none.
fn watchdog() -> Option<slint::Timer> {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) {
        return None;
    }
    let t = slint::Timer::default();
    t.start(
        slint::TimerMode::Repeated,
        Duration::from_micros(usec / 2),
        || {
            let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
        },
    );
    Some(t)
}

/// No core file: RLIMIT_CORE 0 (the hard limit too, so it cannot be raised again) and the process
/// not dumpable. Best effort: a refusal is logged, and the kiosk runs on.
fn disable_core_dumps() {
    use rustix::process::{set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit};
    let none = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, none) {
        tracing::warn!(error = %e, "cannot set RLIMIT_CORE to 0");
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        tracing::warn!(error = %e, "cannot make the process not dumpable");
    }
}

#[cfg(test)]
mod tests {
    /// After `disable_core_dumps`, this process has a core limit of 0 and is not dumpable. (It
    /// changes the test process itself, which no other test depends on.)
    #[test]
    fn core_dumps_are_off() {
        super::disable_core_dumps();
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
