//! A citizen at the real window: the five commonest tasks done by pressing what is on the screen,
//! in either language and either mode, counting every press — 下一页 included, which the engine
//! alone never sees. Shared by the five-tasks test and `cargo bench --bench window_taps`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use onetrip::ui::words::plain;
use onetrip::ui::{Api, AppWindow, DecisionState, Outcome, QueryState, ScreenKind};
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

use super::kiosk::KioskRef;

/// The case the station filed for the sample resident: what the progress query and the rating
/// look up (`kiosk::file_case` files it).
pub const CASE: &str = "CASE-0001-000123";

/// What a citizen came for, from the card on the reader to the paper or the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// 无犯罪记录证明（个人）: an application, the purpose and a phone number.
    Certificate,
    /// 案件办理进度查询: a case's progress by its number.
    CaseProgress,
    /// 评价办案民警: the officer of that case rated, from the progress answer.
    RateOfficer,
    /// 非现场交通违法处理: one's camera-recorded violation decided and printed.
    Violation,
    /// 身份证相片和指纹采集预约: a time booked for the ID card's photo and fingerprints.
    IdCardAppointment,
}

impl Task {
    pub const ALL: [Task; 5] = [
        Task::Certificate,
        Task::CaseProgress,
        Task::RateOfficer,
        Task::Violation,
        Task::IdCardAppointment,
    ];

    /// The item whose page the citizen opens.
    pub fn item(self) -> &'static str {
        match self {
            Task::Certificate => "ZA-FZJL-01",
            Task::CaseProgress | Task::RateOfficer => "FZ-ZFGK-02",
            Task::Violation => "JG-WF-01",
            Task::IdCardAppointment => "HZ-SFZ-09",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Task::Certificate => "no-criminal-record certificate (ZA-FZJL-01)",
            Task::CaseProgress => "case progress (FZ-ZFGK-02)",
            Task::RateOfficer => "rate the officer (FZ-ZFGK-05)",
            Task::Violation => "camera-recorded violation (JG-WF-01)",
            Task::IdCardAppointment => "ID-card photo appointment (HZ-SFZ-09)",
        }
    }
}

/// One way the terminal is seen.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub portrait: bool,
    pub english: bool,
    pub elderly: bool,
}

impl Variant {
    pub fn all() -> Vec<Variant> {
        let mut all = Vec::new();
        for portrait in [false, true] {
            for english in [false, true] {
                for elderly in [false, true] {
                    all.push(Variant {
                        portrait,
                        english,
                        elderly,
                    });
                }
            }
        }
        all
    }

    pub fn size(self) -> (u32, u32) {
        if self.portrait {
            (1080, 1920)
        } else {
            (1920, 1080)
        }
    }

    pub fn label(self) -> String {
        format!(
            "{} {} {}",
            if self.portrait {
                "portrait"
            } else {
                "landscape"
            },
            if self.english { "en" } else { "zh" },
            if self.elderly { "elderly" } else { "normal" }
        )
    }
}

/// What one task cost at the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    /// Every press from the card to the paper or the answer: tiles, buttons, keys, page turns.
    pub taps: u32,
    /// Of those, 下一页 / 上一页: what paged lists add to the engine's count.
    pub page_turns: u32,
    /// Views the citizen had to read and decide on (a screen, or a new question on the form).
    pub views: u32,
    /// Wall time from the card on the reader to the end, with simulated devices and a local
    /// upstream and a citizen who presses at once: the terminal's own share.
    pub terminal: Duration,
}

impl Cost {
    /// A citizen's time by the keystroke-level model (Card, Moran and Newell, 1980): 1.1 s to
    /// point and 0.2 s to press for each tap, 1.35 s to read and decide for each view — an
    /// average adult's figures, which an older citizen exceeds — plus the terminal's share.
    pub fn estimate(&self) -> Duration {
        Duration::from_secs_f64(
            self.taps as f64 * 1.3 + self.views as f64 * 1.35 + self.terminal.as_secs_f64(),
        )
    }
}

/// The window's English for the labels the citizen presses (the translation's own words).
fn english() -> &'static HashMap<String, String> {
    static EN: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    EN.get_or_init(|| {
        let po = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/lang/en/LC_MESSAGES/onetrip-ui.po"
        ))
        .expect("the English translation");
        let mut map = HashMap::new();
        let mut id = None;
        for line in po.lines() {
            if let Some(rest) = line.strip_prefix("msgid \"") {
                id = rest.strip_suffix('"').map(str::to_string);
            } else if let Some(rest) = line.strip_prefix("msgstr \"") {
                if let (Some(k), Some(v)) = (id.take(), rest.strip_suffix('"')) {
                    map.insert(k, v.to_string());
                }
            }
        }
        map
    })
}

/// A citizen at one kiosk window.
pub struct Citizen<'a> {
    pub ui: &'a AppWindow,
    pub kiosk: &'a KioskRef,
    pub english: bool,
    cost: Cost,
    seen: Option<(ScreenKind, String)>,
}

impl<'a> Citizen<'a> {
    pub fn new(ui: &'a AppWindow, kiosk: &'a KioskRef, english: bool) -> Self {
        Citizen {
            ui,
            kiosk,
            english,
            cost: Cost::default(),
            seen: None,
        }
    }

    /// A fixed label in the window's language.
    fn words(&self, zh: &str) -> String {
        if self.english {
            english()
                .get(zh)
                .cloned()
                .unwrap_or_else(|| panic!("no English for {zh:?}"))
        } else {
            zh.to_string()
        }
    }

    fn api(&self) -> Api<'a> {
        self.ui.global::<Api>()
    }

    fn find(&self, label: &str) -> Option<ElementHandle> {
        super::kiosk::find_button(self.ui, label)
    }

    fn pump(&self) {
        self.kiosk.borrow_mut().pump();
    }

    /// Presses the button labelled `label`, turning pages to it as a citizen would.
    fn press(&mut self, label: &str) {
        let next = self.words("下一页");
        for _ in 0..10 {
            if let Some(found) = self.find(label) {
                found.mock_single_click(PointerEventButton::Left);
                self.cost.taps += 1;
                self.pump();
                return;
            }
            match self.find(&next) {
                Some(page) if page.accessible_enabled() == Some(true) => {
                    page.invoke_accessible_default_action();
                    self.cost.taps += 1;
                    self.cost.page_turns += 1;
                    self.pump();
                }
                _ => break,
            }
        }
        panic!(
            "no button {label:?} on {:?} ({})",
            self.api().get_screen(),
            if self.english { "en" } else { "zh" }
        );
    }

    fn type_in(&mut self, text: &str) {
        for c in text.chars() {
            self.press(&c.to_string());
        }
        let next = self.words("下一步");
        self.press(&next);
    }

    /// The attract screen set to the variant (these presses are the terminal's set-up, not the
    /// task's), then the sample resident's card, then the task; its cost.
    pub fn run(&mut self, task: Task, elderly: bool, lay_card: impl FnOnce()) -> Cost {
        self.wait("attract", |c| c.api().get_screen() == ScreenKind::Attract);
        if self.api().get_english() != self.english {
            let toggle = if self.english { "English" } else { "中文" };
            self.press(toggle);
        }
        if self.api().get_elderly() != elderly {
            let toggle = self.words(if elderly {
                "长辈模式（大字）"
            } else {
                "标准模式"
            });
            self.press(&toggle);
        }
        self.cost = Cost::default();
        self.seen = None;
        let start = Instant::now();
        lay_card();
        self.wait("home", |c| c.api().get_screen() == ScreenKind::Home);
        let catalog = onetrip::catalog::shipped();
        let item = catalog
            .item(task.item())
            .expect("the task's item is shipped");
        let category = catalog.category(&item.category).expect("its category");
        let route = (
            item.code.as_str(),
            category.code.as_str(),
            category.police_type.as_str(),
        );
        let deadline = start + Duration::from_secs(60);
        while !self.step(task, route) {
            assert!(
                Instant::now() < deadline,
                "{task:?} did not end; screen {:?}",
                self.api().get_screen()
            );
        }
        let mut cost = self.cost;
        cost.terminal = start.elapsed();
        cost
    }

    /// Ends the session (完成 / 结束办理) back to the attract screen.
    pub fn leave(&mut self) {
        let screen = self.api().get_screen();
        let finish = self.words(
            if matches!(screen, ScreenKind::Done | ScreenKind::Decision) {
                "完成"
            } else {
                "结束办理"
            },
        );
        self.press(&finish);
        self.wait("attract", |c| c.api().get_screen() == ScreenKind::Attract);
    }

    fn wait(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.pump();
            if cond(self) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen {:?}",
                self.api().get_screen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The name on the tile whose code is `code` in `tiles`.
    fn tile(tiles: slint::ModelRc<onetrip::ui::Tile>, code: &str) -> Option<String> {
        tiles
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.name.to_string())
    }

    /// One decision on what the screen shows; true when the task has reached its end.
    fn step(&mut self, task: Task, route: (&str, &str, &str)) -> bool {
        self.pump();
        let api = self.api();
        let screen = api.get_screen();
        let view = (screen, plain(&api.get_form().label));
        let waiting = matches!(screen, ScreenKind::Submitting | ScreenKind::Printing)
            || (screen == ScreenKind::QueryResult && api.get_query_state() == QueryState::Waiting)
            || (screen == ScreenKind::Slots && api.get_slots_state() == QueryState::Waiting)
            || (screen == ScreenKind::Violations
                && api.get_violations_state() == QueryState::Waiting)
            || (screen == ScreenKind::Decision
                && (api.get_decision_state() == DecisionState::Waiting
                    || api.get_decision_printed().is_empty()));
        if waiting {
            std::thread::sleep(Duration::from_millis(10));
            return false;
        }
        if self.seen.as_ref() != Some(&view) {
            self.cost.views += 1;
            self.seen = Some(view);
        }
        let (item, category, police_type) = route;
        match screen {
            ScreenKind::Home => {
                let tile = Self::tile(api.get_most_used(), item)
                    .or_else(|| Self::tile(api.get_police_types(), police_type))
                    .expect("the item or its police type on the home screen");
                self.press(&tile);
            }
            ScreenKind::Categories => {
                let tile = Self::tile(api.get_categories(), category).expect("the category");
                self.press(&tile);
            }
            ScreenKind::Items => {
                let tile = Self::tile(api.get_items(), item).expect("the item");
                self.press(&tile);
            }
            ScreenKind::ItemDetail => {
                let start = self.words("开始办理");
                self.press(&start);
            }
            ScreenKind::Form => {
                let form = api.get_form();
                match form.kind.as_str() {
                    "choice" => {
                        let first = form.choices.row_data(0).expect("a choice");
                        self.press(&first.name);
                    }
                    "phone" => self.type_in("13812345678"),
                    _ => self.type_in(CASE),
                }
            }
            ScreenKind::Slots => {
                let first = api.get_slots().row_data(0).expect("a time");
                self.press(&first.name);
            }
            ScreenKind::Violations => {
                let first = api.get_violations().row_data(0).expect("a violation");
                self.press(&first.name);
            }
            ScreenKind::Confirm => {
                let confirm = self.words(if api.get_confirming_decision() {
                    "确认，接受处理"
                } else {
                    "确认提交"
                });
                self.press(&confirm);
            }
            ScreenKind::QueryResult => {
                assert_eq!(
                    api.get_query_state(),
                    QueryState::Found,
                    "the case is found"
                );
                if task == Task::CaseProgress {
                    return true;
                }
                let rate = self.words("评价办案民警");
                self.press(&rate);
            }
            ScreenKind::Decision => {
                assert_eq!(
                    api.get_decision_printed(),
                    "printed",
                    "the decision printed"
                );
                return true;
            }
            ScreenKind::Done => {
                assert_eq!(api.get_outcome(), Outcome::Printed, "the receipt printed");
                return true;
            }
            other => panic!("{task:?}: unexpected screen {other:?}"),
        }
        false
    }
}
