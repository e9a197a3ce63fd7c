//! The burn-in's engine on the wall clock against a real runtime: its effects go to the runtime
//! (which prints, stores and asks upstream) and the runtime's events come back, as in the kiosk
//! but without a window. The engine's own harness is simulated time only; this is the one other
//! place that pumps an engine.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use crate::engine::{Action, Effect, Engine, Event};

pub struct OnRuntime {
    engine: Engine,
    effects: UnboundedSender<Effect>,
    events: Receiver<Event>,
}

impl std::ops::Deref for OnRuntime {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl OnRuntime {
    pub fn new(engine: Engine, effects: UnboundedSender<Effect>, events: Receiver<Event>) -> Self {
        OnRuntime {
            engine,
            effects,
            events,
        }
    }

    /// Hands the engine an event now, then its effects to the runtime.
    pub fn handle(&mut self, event: Event) {
        self.engine.handle(event, Instant::now());
        while let Some(effect) = self.engine.poll_effect() {
            // Wiping the UI's models is the kiosk's business; there is no UI here.
            if matches!(effect, Effect::WipeSession) {
                continue;
            }
            if self.effects.send(effect).is_err() {
                tracing::error!("runtime is gone; effect dropped");
            }
        }
    }

    pub fn touch(&mut self, action: Action) {
        self.handle(Event::Touch(action));
    }

    /// Takes in the runtime's events until `pick` holds, or fails after `timeout`.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pick: impl FnMut(&Engine) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if pick(&self.engine) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "timed out waiting for {what} (screen {:?})",
                    self.engine.screen()
                ));
            }
            if let Ok(event) = self
                .events
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                self.handle(event);
            }
        }
    }
}
