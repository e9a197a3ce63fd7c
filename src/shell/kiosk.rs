//! The UI-thread half: owns the engine and the window, turns touches into events and views into
//! properties, and hands I/O effects to the runtime.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use slint::ComponentHandle;
use tokio::sync::mpsc::UnboundedSender;

use super::runtime::{Command, UiMessage};
use crate::engine::{Action, Engine, Event};
use crate::ui::{self, Api, AppWindow};

pub type Clock = Rc<dyn Fn() -> Instant>;

pub struct Kiosk {
    engine: Engine,
    ui: AppWindow,
    commands: UnboundedSender<Command>,
    inbox: Receiver<UiMessage>,
    clock: Clock,
    hall_zh: String,
    hall_en: String,
    /// What is on the window now: an unchanged view is not pushed again (the item buttons would be
    /// rebuilt on every event).
    shown: Option<crate::engine::View>,
    /// The calendar day the engine was last told.
    day: onetrip_drivers::id_card::Date,
    speaker: super::voice::Speaker,
    /// The last prompt spoken (a screen is announced once, not on every refresh).
    spoken: String,
}

impl Kiosk {
    /// Wires the window's callbacks to a new kiosk.
    pub fn new(
        ui: &AppWindow,
        engine: Engine,
        commands: UnboundedSender<Command>,
        inbox: Receiver<UiMessage>,
        clock: Clock,
        hall_zh: String,
        hall_en: String,
    ) -> Rc<RefCell<Kiosk>> {
        let kiosk = Rc::new(RefCell::new(Kiosk {
            engine,
            ui: ui.clone_strong(),
            commands,
            inbox,
            clock,
            hall_zh,
            hall_en,
            shown: None,
            day: super::today(),
            speaker: super::voice::Speaker::Off,
            spoken: String::new(),
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
        api.on_staff_entry(simple(Action::StaffEntry));
        api.on_form_backspace(simple(Action::FormBackspace));
        api.on_form_next(simple(Action::FormNext));
        api.on_rate_case(simple(Action::RateCase));
        api.on_guide_instead(simple(Action::GuideInstead));
        api.on_pin_backspace(simple(Action::PinBackspace));
        api.on_pin_enter(simple(Action::PinEnter));
        api.on_staff_paper_replaced(simple(Action::StaffPaperReplaced));
        api.on_back(simple(Action::Back));
        api.on_home(simple(Action::Home));
        api.on_still_here(simple(Action::StillHere));
        api.on_finish(simple(Action::Finish));
        api.on_toggle_language(simple(Action::ToggleLanguage));
        api.on_toggle_elderly(simple(Action::ToggleElderly));
        api.on_toggle_voice(simple(Action::ToggleVoice));
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
        if !view.voice {
            if !self.spoken.is_empty() {
                self.speaker.hush();
                self.spoken.clear();
            }
            return;
        }
        if view.prompt != self.spoken {
            self.speaker.say(&view.prompt, view.english);
            self.spoken = view.prompt.clone();
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn handle(&mut self, event: Event) {
        let now = (self.clock)();
        self.engine.handle(event, now);
        if super::runtime::carry_out_effects(&mut self.engine, &self.commands) {
            ui::wipe(&self.ui);
            self.shown = None;
        }
        self.render();
    }

    /// Takes in everything the runtime sent, and lets time pass.
    pub fn pump(&mut self) {
        while let Ok(msg) = self.inbox.try_recv() {
            match msg {
                UiMessage::Engine(e) => self.handle(e),
                UiMessage::Reprinted { number, result } => {
                    let notice = match result {
                        Ok(()) => format!("{number} 已补打"),
                        Err(e) => format!("{number} 补打失败：{e}"),
                    };
                    self.handle(Event::StaffNotice(notice));
                }
            }
        }
        let today = super::today();
        if today != self.day {
            self.day = today;
            self.handle(Event::Today(today));
        }
        if let Some(deadline) = self.engine.next_deadline() {
            if (self.clock)() >= deadline {
                self.handle(Event::Tick);
            }
        }
        self.ui
            .global::<Api>()
            .set_clock(chrono::Local::now().format("%H:%M").to_string().into());
    }

    fn render(&mut self) {
        let view = self.engine.view();
        if self.shown.as_ref() == Some(&view) {
            return;
        }
        let hall = if view.english {
            &self.hall_en
        } else {
            &self.hall_zh
        };
        self.ui.global::<Api>().set_hall(hall.as_str().into());
        ui::apply_view(&self.ui, &view);
        self.render_voice(&view);
        self.shown = Some(view);
    }

    /// A UI-thread timer that pumps four times a second (time, clock, anything missed by a wake-up).
    pub fn start_timer(this: &Rc<RefCell<Kiosk>>) -> slint::Timer {
        let timer = slint::Timer::default();
        let weak = Rc::downgrade(this);
        timer.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(250),
            move || {
                if let Some(k) = weak.upgrade() {
                    k.borrow_mut().pump();
                }
            },
        );
        timer
    }
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
            if let Ok(mut k) = k.try_borrow_mut() {
                k.pump();
            }
        }
    });
}
