//! Driving the engine on simulated time (after quinn-proto's test `Pair`): one engine, its
//! clock, and the effects it asked for, kept for the caller. The engine's tests, journal replay,
//! the screenshots tour and the taps bench run it (`at`, `advance`, `run_to_deadline`), and
//! `Harness::shipped` is the one fixture they start from. No wall clock and no runtime here: the
//! kiosk's loop is the UI's own (shell/kiosk.rs), the burn-in's is its own (cli/burn_in.rs).

use std::borrow::BorrowMut;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip_drivers::id_card::{Date, Identity};

use super::effect::Effect;
use super::event::Availability;
use super::event::{Action, Event};
use super::{Engine, EngineConfig};
use crate::catalog::shipped;

/// The day the engine's tests, the screenshots and the taps bench are set on.
pub const TODAY: Date = Date {
    year: 2026,
    month: 11,
    day: 29,
};

/// An engine (owned, or borrowed: `Harness<&mut Engine>`) with its simulated clock and the
/// effects it asked for. It reads as the engine (`Deref`): views and deadlines; every event goes
/// through the harness.
pub struct Harness<E: BorrowMut<Engine> = Engine> {
    engine: E,
    now: Instant,
    kept: VecDeque<Effect>,
}

impl Harness {
    /// The shipped catalog on `TODAY`, one minute of inactivity, in service: where the engine's
    /// tests, the screenshots tour and the taps bench start.
    pub fn shipped(t0: Instant) -> Harness {
        Harness::shipped_with(EngineConfig::new(Duration::from_secs(60)), t0)
    }

    /// As `shipped`, with this configuration.
    pub fn shipped_with(config: EngineConfig, t0: Instant) -> Harness {
        let mut h = Harness::starting_with(config, t0);
        h.handle(Event::Availability(Availability::Available));
        h
    }

    /// As `shipped`, before the devices are known: out of service, starting.
    pub fn starting(t0: Instant) -> Harness {
        Harness::starting_with(EngineConfig::new(Duration::from_secs(60)), t0)
    }

    /// As `starting`, with this configuration.
    pub fn starting_with(config: EngineConfig, t0: Instant) -> Harness {
        let engine = Engine::new(config, Arc::new(shipped()), t0, TODAY);
        Harness::simulated(engine, t0)
    }
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
            now: t0,
            kept: VecDeque::new(),
        }
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// The engine itself, for a caller that drives it on (journal replay).
    pub fn into_engine(self) -> E {
        self.engine
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

    /// Hands the engine an event at `t` (the clock is set there, as a test
    /// sets it).
    pub fn handle_at(&mut self, event: Event, t: Instant) {
        self.now = t;
        self.handle(event);
    }

    /// Moves the clock to `t` (never back).
    pub fn at(&mut self, t: Instant) {
        self.now = self.now.max(t);
    }

    /// Lets `by` pass, then the engine looks at its timers (one tick).
    pub fn advance(&mut self, by: Duration) {
        let t = self.now() + by;
        self.at(t);
        self.handle(Event::Tick);
    }

    /// Jumps to the engine's next deadline and ticks there; the deadline, or
    /// `None` when nothing is armed.
    pub fn run_to_deadline(&mut self) -> Option<Instant> {
        let deadline = self.engine.borrow().next_deadline()?;
        self.at(deadline);
        self.handle(Event::Tick);
        Some(deadline)
    }

    /// The effects kept since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        self.kept.drain(..).collect()
    }

    fn route_effects(&mut self) {
        while let Some(effect) = self.engine.borrow_mut().poll_effect() {
            self.kept.push_back(effect);
        }
    }
}
