//! The UI-thread half: owns the engine and the window, turns touches into events and views into
//! properties, and hands I/O effects to the runtime.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use slint::ComponentHandle;
use tokio::sync::mpsc::UnboundedSender;

use crate::engine::{Action, Effect, Engine, Event};
use crate::ui::{self, Api, AppWindow};

pub type Clock = Rc<dyn Fn() -> Instant>;

pub struct Kiosk {
    engine: Engine,
    ui: AppWindow,
    effects: UnboundedSender<Effect>,
    inbox: Receiver<Event>,
    clock: Clock,
    /// What is on the window now: an unchanged view is not pushed again (the item buttons would be
    /// rebuilt on every event).
    shown: Option<crate::engine::View>,
    /// The calendar day the wall clock last said.
    day: onetrip_drivers::id_card::Date,
    /// Where the latest day seen is kept (the data directory), so the engine's day never goes
    /// back; `None` in tests without one.
    pub days_kept_in: Option<std::path::PathBuf>,
    /// `[ui] voice_amplitude`: espeak-ng's amplitude at the middle volume step.
    pub voice_amplitude: u8,
    speaker: super::voice::Speaker,
    /// The last prompt spoken (a screen is announced once, not on every refresh).
    /// 呼叫工作人员 was said aloud for the screen now showing (the ring: even with the voice off).
    rang: bool,
    spoken: String,
    /// One single-shot UI timer, armed at the engine's next deadline (or the next minute, for the
    /// clock in the top bar) after every event; off until `start_timer`.
    timer: Option<(slint::Timer, std::rc::Weak<RefCell<Kiosk>>)>,
    /// Since when the idle screen is up (`None` while someone uses the terminal), for the fleet
    /// client: updates install and reboot only then.
    screen_idle: Option<tokio::sync::watch::Sender<Option<std::time::Instant>>>,
}

impl Kiosk {
    /// Wires the window's callbacks to a new kiosk.
    pub fn new(
        ui: &AppWindow,
        engine: Engine,
        effects: UnboundedSender<Effect>,
        inbox: Receiver<Event>,
        clock: Clock,
    ) -> Rc<RefCell<Kiosk>> {
        let kiosk = Rc::new(RefCell::new(Kiosk {
            engine,
            ui: ui.clone_strong(),
            effects,
            inbox,
            clock,
            shown: None,
            day: super::today(),
            days_kept_in: None,
            voice_amplitude: 100,
            speaker: super::voice::Speaker::Off,
            rang: false,
            spoken: String::new(),
            timer: None,
            screen_idle: None,
        }));
        let api = ui.global::<Api>();
        let touch = |action: fn(slint::SharedString) -> Action| {
            let weak = Rc::downgrade(&kiosk);
            move |arg: slint::SharedString| {
                if let Some(k) = weak.upgrade() {
                    k.borrow_mut().handle(Event::Touch(action(arg)));
                }
            }
        };
        api.on_select_item(touch(|code| Action::SelectItem(code.to_string())));
        api.on_choose_police_type(touch(|code| Action::ChoosePoliceType(code.to_string())));
        api.on_choose_category(touch(|code| Action::ChooseCategory(code.to_string())));
        api.on_form_key(touch(|k| Action::FormKey(k.chars().next().unwrap_or(' '))));
        api.on_choose_slot(touch(|id| Action::ChooseSlot(id.to_string())));
        api.on_choose_violation(touch(|id| Action::ChooseViolation(id.to_string())));
        api.on_form_choose(touch(|c| Action::FormChoose(c.to_string())));
        api.on_pin_digit(touch(|d| Action::PinDigit(d.chars().next().unwrap_or(' '))));
        api.on_staff_reprint(touch(|n| Action::StaffReprint(n.to_string())));
        api.on_staff_requeue(touch(|n| Action::StaffRequeue(n.to_string())));
        api.on_search_key(touch(|key| {
            Action::SearchKey(key.chars().next().unwrap_or(' '))
        }));
        let simple = |action: Action| {
            let weak = Rc::downgrade(&kiosk);
            move || {
                if let Some(k) = weak.upgrade() {
                    k.borrow_mut().handle(Event::Touch(action.clone()));
                }
            }
        };
        api.on_confirm(simple(Action::Confirm));
        api.on_open_search(simple(Action::OpenSearch));
        api.on_search_backspace(simple(Action::SearchBackspace));
        api.on_search_clear(simple(Action::SearchClear));
        api.on_start(simple(Action::Start));
        api.on_browse_without_card(simple(Action::BrowseWithoutCard));
        api.on_open_community(simple(Action::OpenCommunity));
        api.on_print_contact_card(simple(Action::PrintContactCard));
        api.on_community_requests(simple(Action::CommunityRequests));
        api.on_open_notices(simple(Action::OpenNotices));
        api.on_staff_entry(simple(Action::StaffEntry));
        api.on_form_backspace(simple(Action::FormBackspace));
        api.on_form_next(simple(Action::FormNext));
        api.on_rate_case(simple(Action::RateCase));
        api.on_guide_instead(simple(Action::GuideInstead));
        api.on_retry(simple(Action::Retry));
        api.on_print_acceptance(simple(Action::PrintAcceptance));
        api.on_call_staff(simple(Action::CallStaff));
        api.on_pin_backspace(simple(Action::PinBackspace));
        api.on_pin_enter(simple(Action::PinEnter));
        api.on_staff_paper_replaced(simple(Action::StaffPaperReplaced));
        api.on_staff_requeue_all_rejected(simple(Action::StaffRequeueAllRejected));
        api.on_back(simple(Action::Back));
        api.on_home(simple(Action::Home));
        api.on_still_here(simple(Action::StillHere));
        api.on_finish(simple(Action::Finish));
        api.on_toggle_language(simple(Action::ToggleLanguage));
        api.on_toggle_elderly(simple(Action::ToggleElderly));
        api.on_toggle_voice(simple(Action::ToggleVoice));
        api.on_volume_up(simple(Action::VolumeUp));
        api.on_volume_down(simple(Action::VolumeDown));
        kiosk.borrow_mut().render();
        kiosk
    }

    pub fn ui(&self) -> &AppWindow {
        &self.ui
    }

    pub fn set_speaker(&mut self, speaker: super::voice::Speaker) {
        self.speaker = speaker;
        self.spoken.clear();
        let view = self.engine.view();
        self.render_voice(&view);
    }

    /// Speaks the view's prompt when it is new (the view is the one just rendered).
    fn render_voice(&mut self, view: &crate::engine::View) {
        // The ring: a citizen called for staff. Said aloud even with the voice off, at the
        // terminal's calibrated loudness, so that staff in the hall hear it.
        if view.help_called != self.rang {
            self.rang = view.help_called;
            if view.help_called && !view.voice {
                let amplitude =
                    super::voice::amplitude(crate::engine::VOLUME_DEFAULT, self.voice_amplitude);
                self.speaker.say(&view.prompt, view.english, amplitude);
                return;
            }
        }
        if !view.voice {
            if !self.spoken.is_empty() {
                self.speaker.hush();
                self.spoken.clear();
            }
            return;
        }
        if view.prompt != self.spoken {
            let amplitude = super::voice::amplitude(view.volume, self.voice_amplitude);
            self.speaker.say(&view.prompt, view.english, amplitude);
            self.spoken = view.prompt.clone();
        }
    }

    /// Tells `screen_idle` from now on whether someone is at the screen.
    pub fn publish_screen(
        &mut self,
        screen_idle: tokio::sync::watch::Sender<Option<std::time::Instant>>,
    ) {
        self.screen_idle = Some(screen_idle);
        self.tell_screen();
    }

    fn tell_screen(&self) {
        use crate::engine::Screen;
        let Some(tx) = &self.screen_idle else { return };
        let idle = matches!(self.engine.screen(), Screen::Attract | Screen::OutOfService);
        tx.send_if_modified(|since| match (idle, since.is_some()) {
            (true, false) => {
                *since = Some(std::time::Instant::now());
                true
            }
            (false, true) => {
                *since = None;
                true
            }
            _ => false,
        });
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn handle(&mut self, event: Event) {
        let now = (self.clock)();
        self.engine.handle(event, now);
        if carry_out_effects(&mut self.engine, &self.effects) {
            ui::wipe(&self.ui);
            self.shown = None;
        }
        self.render();
        self.tell_screen();
        self.arm_timer();
    }

    /// Takes in everything the runtime sent, and lets time pass.
    pub fn pump(&mut self) {
        while let Ok(event) = self.inbox.try_recv() {
            self.handle(event);
        }
        let today = super::today();
        if today != self.day {
            self.day = today;
            self.handle(Event::Today(today));
            // The community feed is read against a day never before one this terminal has seen
            // (a clock set back).
            if let Some(dir) = self.days_kept_in.clone() {
                let feed = self.engine.community().cloned();
                let day = crate::community::kept::reading_day(&dir, today, feed.as_deref());
                self.handle(Event::LatestDaySeen(day));
            }
        }
        if let Some(deadline) = self.engine.next_deadline() {
            if (self.clock)() >= deadline {
                self.handle(Event::Tick);
            }
        }
        ui::show_clock(&self.ui, &chrono::Local::now().format("%H:%M").to_string());
        self.arm_timer();
    }

    fn render(&mut self) {
        let view = self.engine.view();
        if self.shown.as_ref() == Some(&view) {
            return;
        }
        ui::apply_view(&self.ui, &view);
        self.render_voice(&view);
        self.shown = Some(view);
    }

    /// Starts the kiosk's timer: from now on it wakes the kiosk at the engine's next deadline and
    /// at each new minute (the clock), nothing in between. The timer lives in the kiosk.
    pub fn start_timer(this: &Rc<RefCell<Kiosk>>) {
        let mut kiosk = this.borrow_mut();
        kiosk.timer = Some((slint::Timer::default(), Rc::downgrade(this)));
        kiosk.arm_timer();
    }

    /// Re-arms the single-shot timer at whichever comes first: the engine's next deadline or the
    /// next minute on the wall clock.
    fn arm_timer(&mut self) {
        let Some((timer, weak)) = &self.timer else {
            return;
        };
        let now = (self.clock)();
        let seconds = u64::from(chrono::Timelike::second(&chrono::Local::now()));
        let mut wait = Duration::from_secs(60 - seconds.min(59));
        if let Some(deadline) = self.engine.next_deadline() {
            wait = wait.min(deadline.saturating_duration_since(now));
        }
        let weak = weak.clone();
        timer.start(slint::TimerMode::SingleShot, wait, move || {
            if let Some(k) = weak.upgrade() {
                k.borrow_mut().pump();
            }
        });
    }
}

/// Hands the engine's I/O effects to the runtime; returns true when the session was wiped (the
/// caller clears whatever it shows).
pub fn carry_out_effects(engine: &mut Engine, effects: &UnboundedSender<Effect>) -> bool {
    let mut wiped = false;
    while let Some(effect) = engine.poll_effect() {
        if matches!(effect, Effect::WipeSession) {
            wiped = true;
        } else if effects.send(effect).is_err() {
            tracing::error!("runtime is gone; effect dropped");
        }
    }
    wiped
}

thread_local! {
    static ACTIVE: RefCell<Option<std::rc::Weak<RefCell<Kiosk>>>> = const { RefCell::new(None) };
}

/// Registers the kiosk that runtime wake-ups pump (UI thread only).
pub fn set_active(kiosk: &Rc<RefCell<Kiosk>>) {
    ACTIVE.with(|a| *a.borrow_mut() = Some(Rc::downgrade(kiosk)));
}

/// Called on the UI thread after the runtime sent something.
pub fn pump_active() {
    ACTIVE.with(|a| {
        if let Some(k) = a.borrow().as_ref().and_then(|w| w.upgrade()) {
            match k.try_borrow_mut() {
                Ok(mut k) => k.pump(),
                // The kiosk is busy with a touch: take the runtime's events right after it.
                Err(_) => slint::Timer::single_shot(Duration::from_millis(5), pump_active),
            }
        }
    });
}
