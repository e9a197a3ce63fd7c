//! Driving the engine outside the kiosk (after quinn-proto's test `Pair`): one engine, its
//! clock, and where its effects go. Journal replay and the engine's tests run it on simulated
//! time (`at`, `advance`, `run_to_deadline`); the burn-in runs it on the wall clock against a
//! real runtime (`on_runtime`, `wait_for`). The kiosk's loop is the UI's own (shell/kiosk.rs);
//! nothing else pumps an engine.

use std::borrow::BorrowMut;
use std::collections::VecDeque;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use onetrip_drivers::id_card::Identity;
use tokio::sync::mpsc::UnboundedSender;

use super::session::{Action, Effect, Engine, Event};

/// Where time comes from.
enum Clock {
    Simulated(Instant),
    Wall,
}

/// Where the engine's effects go: kept for the caller, or carried out by a runtime (which
/// answers with events).
enum Outbox {
    Kept(VecDeque<Effect>),
    Runtime {
        effects: UnboundedSender<Effect>,
        events: Receiver<Event>,
    },
}

/// An engine (owned, or borrowed: `Harness<&mut Engine>`) with its clock and its effects' way out.
/// It reads as the engine (`Deref`): views and deadlines; every event goes through the harness.
pub struct Harness<E: BorrowMut<Engine> = Engine> {
    engine: E,
    clock: Clock,
    outbox: Outbox,
}

impl<E: BorrowMut<Engine>> std::ops::Deref for Harness<E> {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        self.engine.borrow()
    }
}

impl<E: BorrowMut<Engine>> Harness<E> {
    /// Simulated time from `t0`; effects are kept (`take_effects`).
    pub fn simulated(engine: E, t0: Instant) -> Harness<E> {
        Harness {
            engine,
            clock: Clock::Simulated(t0),
            outbox: Outbox::Kept(VecDeque::new()),
        }
    }

    /// The wall clock; effects go to a running runtime, whose events `wait_for` takes in.
    pub fn on_runtime(
        engine: E,
        effects: UnboundedSender<Effect>,
        events: Receiver<Event>,
    ) -> Harness<E> {
        Harness {
            engine,
            clock: Clock::Wall,
            outbox: Outbox::Runtime { effects, events },
        }
    }

    pub fn now(&self) -> Instant {
        match self.clock {
            Clock::Simulated(t) => t,
            Clock::Wall => Instant::now(),
        }
    }

    /// Hands the engine an event now, then its effects to where they go.
    pub fn handle(&mut self, event: Event) {
        let now = self.now();
        self.engine.borrow_mut().handle(event, now);
        self.route_effects();
    }

    pub fn touch(&mut self, action: Action) {
        self.handle(Event::Touch(action));
    }

    /// A card read on the reader.
    pub fn card(&mut self, identity: Identity) {
        self.handle(Event::CardPresented(Box::new(identity)));
    }

    /// Simulated time: hands the engine an event at `t` (the clock is set there, as a test
    /// sets it).
    pub fn handle_at(&mut self, event: Event, t: Instant) {
        if let Clock::Simulated(now) = &mut self.clock {
            *now = t;
        }
        self.handle(event);
    }

    /// Simulated time: moves the clock to `t` (never back).
    pub fn at(&mut self, t: Instant) {
        if let Clock::Simulated(now) = &mut self.clock {
            *now = (*now).max(t);
        }
    }

    /// Simulated time: lets `by` pass, then the engine looks at its timers (one tick).
    pub fn advance(&mut self, by: Duration) {
        let t = self.now() + by;
        self.at(t);
        self.handle(Event::Tick);
    }

    /// Simulated time: jumps to the engine's next deadline and ticks there; the deadline, or
    /// `None` when nothing is armed.
    pub fn run_to_deadline(&mut self) -> Option<Instant> {
        let deadline = self.engine.borrow().next_deadline()?;
        self.at(deadline);
        self.handle(Event::Tick);
        Some(deadline)
    }

    /// The effects kept since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        match &mut self.outbox {
            Outbox::Kept(kept) => kept.drain(..).collect(),
            Outbox::Runtime { .. } => Vec::new(),
        }
    }

    /// On a runtime: takes in its events until `pick` holds, or fails after `timeout`.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pick: impl FnMut(&Engine) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if pick(self.engine.borrow()) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "timed out waiting for {what} (screen {:?})",
                    self.engine.borrow().screen()
                ));
            }
            let event = match &self.outbox {
                Outbox::Runtime { events, .. } => events
                    .recv_timeout(left.min(Duration::from_millis(200)))
                    .ok(),
                Outbox::Kept(_) => return Err(format!("{what}: no runtime to wait on")),
            };
            if let Some(event) = event {
                self.handle(event);
            }
        }
    }

    fn route_effects(&mut self) {
        while let Some(effect) = self.engine.borrow_mut().poll_effect() {
            match &mut self.outbox {
                Outbox::Kept(kept) => kept.push_back(effect),
                // Wiping the UI's models is the kiosk's business; there is no UI here.
                Outbox::Runtime { .. } if matches!(effect, Effect::WipeSession) => {}
                Outbox::Runtime { effects, .. } => {
                    if effects.send(effect).is_err() {
                        tracing::error!("runtime is gone; effect dropped");
                    }
                }
            }
        }
    }
}
