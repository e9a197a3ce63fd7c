//! What the audit log records: session and staff events, and each step of a citizen's session.
//! The engine emits them, the store writes them (`store/audit_rows.rs` decides actor and columns);
//! never a personal value.

/// Session events for the audit log: never personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    /// `card_type` "none": browsing without a card.
    SessionStarted {
        card_type: String,
    },
    /// A citizen browsing without a card tapped one (to start an item that needs it).
    CardForBrowsing {
        card_type: String,
    },
    ItemChosen {
        item_code: String,
    },
    /// The citizen pressed the start button of an item (counts towards "most used here").
    ItemStarted {
        item_code: String,
    },
    CatalogSwapped {
        version: String,
    },
    StaffLogin {
        ok: bool,
    },
    /// Too many wrong PINs: the pad is locked for this many minutes.
    StaffLockedOut {
        minutes: u64,
    },
    /// Staff left their screen (`idle`: logged out for walking away).
    StaffLogout {
        idle: bool,
    },
    StaffReprint {
        number: String,
    },
    StaffRequeue {
        number: String,
    },
    StaffPaperReplaced,
    /// A citizen pressed 呼叫工作人员 on this screen.
    StaffCalled {
        screen: &'static str,
    },
    /// Upstream answered a confirmed decision: `decided`, `refused` or `offline` (the
    /// decision's number and the citizen's record are not audited).
    DecisionAnswered {
        item_code: String,
        outcome: &'static str,
    },
    Submitted {
        submission_id: String,
    },
    ReceiptPrinted {
        submission_id: String,
    },
    ReceiptFailed {
        submission_id: String,
        reason: String,
    },
    SessionEnded {
        reason: &'static str,
    },
    /// One step of a citizen's session (no personal data).
    Journal(JournalStep),
}

/// The journal's storage format: each step is one audit row whose detail is a JSON object with
/// this version in `v`. Rows written before it (`"<ms> <screen> <what>"`) are still read.
pub const JOURNAL_FORMAT: u32 = 1;

/// One step of a session's journal: milliseconds since the session began, what happened (no
/// personal data), and the screen it led to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalStep {
    pub at_ms: u64,
    pub screen: String,
    #[serde(flatten)]
    pub what: Step,
}

/// What happened in one step: a touch (by name or code, never a typed value), a card (its kind),
/// or the terminal's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A card was read: its kind (`resident`, `foreign2023`, …).
    Card {
        kind: String,
    },
    CardRemoved,
    /// A key of the form's keypad: whether a digit or a letter, never which.
    Key {
        digit: bool,
    },
    /// 下一步 on the form; `rejected` when the answer was refused.
    FormNext {
        rejected: bool,
    },
    /// A button that carries nothing.
    Touch {
        button: Button,
    },
    SearchKey {
        key: char,
    },
    Choose {
        code: String,
    },
    SelectItem {
        code: String,
    },
    PoliceType {
        code: String,
    },
    Category {
        code: String,
    },
    Slot {
        id: String,
    },
    /// The store committed the submission (its row id) or could not.
    Stored {
        id: Option<String>,
    },
    Printed {
        ok: bool,
    },
    /// Upstream found the case: how many progress steps, and whether it reported the
    /// authority's acceptance (its number is not journaled).
    QueryFound {
        steps: usize,
        accepted: bool,
    },
    /// Upstream has no such case.
    QueryNotFound,
    /// Upstream could not be asked.
    QueryOffline,
    /// The appointment times offered (`None`: upstream could not be asked).
    Slots {
        offered: Option<usize>,
    },
    /// The card holder's violations offered for a decision: how many can be dealt with here
    /// (`None`: upstream could not be asked).
    Violations {
        here: Option<usize>,
    },
    /// One of them chosen (which is not journaled: upstream's id follows a person).
    Violation,
    /// Upstream's answer to "decide it": `decided`, `refused` or `offline` (no number).
    Decided {
        outcome: String,
    },
    /// Time passed and changed something (the countdown, a timeout).
    Tick,
    /// An anonymous tip was stored: the one step its session keeps from its first question to
    /// its end (no answer, no id, no receipt).
    AnonymousTip,
}

/// The buttons a journal names (the names are the journal's text: `touch start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Button {
    Start,
    Confirm,
    Back,
    Home,
    Finish,
    StillHere,
    ToggleLanguage,
    ToggleElderly,
    ToggleVoice,
    OpenSearch,
    SearchBackspace,
    SearchClear,
    FormBackspace,
    RateCase,
    GuideInstead,
    Retry,
    CallStaff,
    BrowseWithoutCard,
    OpenCommunity,
    PrintContactCard,
    CommunityRequests,
    OpenNotices,
    VolumeUp,
    VolumeDown,
    PrintAcceptance,
}

impl Button {
    pub const ALL: [Button; 25] = [
        Button::Start,
        Button::Confirm,
        Button::Back,
        Button::Home,
        Button::Finish,
        Button::StillHere,
        Button::ToggleLanguage,
        Button::ToggleElderly,
        Button::ToggleVoice,
        Button::OpenSearch,
        Button::SearchBackspace,
        Button::SearchClear,
        Button::FormBackspace,
        Button::RateCase,
        Button::GuideInstead,
        Button::Retry,
        Button::CallStaff,
        Button::BrowseWithoutCard,
        Button::OpenCommunity,
        Button::PrintContactCard,
        Button::CommunityRequests,
        Button::OpenNotices,
        Button::VolumeUp,
        Button::VolumeDown,
        Button::PrintAcceptance,
    ];

    pub fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }
}

impl Step {
    /// A citizen's tap on the screen (every key of a keypad counts).
    pub fn is_tap(&self) -> bool {
        matches!(
            self,
            Step::Touch { .. }
                | Step::FormNext { .. }
                | Step::Key { .. }
                | Step::SearchKey { .. }
                | Step::Choose { .. }
                | Step::SelectItem { .. }
                | Step::PoliceType { .. }
                | Step::Category { .. }
                | Step::Slot { .. }
                | Step::Violation
        )
    }

    /// The step as the journal's text reads (`touch start`, `key digit`, `stored 41`).
    pub fn text(&self) -> String {
        match self {
            Step::Card { kind } => format!("card {kind}"),
            Step::CardRemoved => "card_removed".into(),
            Step::Key { digit } => format!("key {}", if *digit { "digit" } else { "letter" }),
            Step::FormNext { rejected: false } => "touch formnext".into(),
            Step::FormNext { rejected: true } => "touch formnext rejected".into(),
            Step::Touch { button } => format!("touch {}", button.name()),
            Step::SearchKey { key } => format!("search_key {key}"),
            Step::Choose { code } => format!("choose {code}"),
            Step::SelectItem { code } => format!("select_item {code}"),
            Step::PoliceType { code } => format!("police_type {code}"),
            Step::Category { code } => format!("category {code}"),
            Step::Slot { id } => format!("slot {id}"),
            Step::Stored { id: Some(id) } => format!("stored {id}"),
            Step::Stored { id: None } => "stored failed".into(),
            Step::Printed { ok } => format!("printed {}", if *ok { "ok" } else { "failed" }),
            Step::QueryFound {
                steps,
                accepted: false,
            } => format!("query found {steps}"),
            Step::QueryFound {
                steps,
                accepted: true,
            } => format!("query found {steps} accepted"),
            Step::QueryNotFound => "query not_found".into(),
            Step::QueryOffline => "query offline".into(),
            Step::Slots { offered: Some(n) } => format!("slots offered {n}"),
            Step::Slots { offered: None } => "slots offline".into(),
            Step::Violations { here: Some(n) } => format!("violations offered {n}"),
            Step::Violations { here: None } => "violations offline".into(),
            Step::Violation => "violation".into(),
            Step::Decided { outcome } => format!("decided {outcome}"),
            Step::Tick => "tick".into(),
            Step::AnonymousTip => "anonymous_tip".into(),
        }
    }

    /// The journal's text back as a step; `None` for text no journal writes.
    pub fn from_text(text: &str) -> Option<Step> {
        let words: Vec<&str> = text.split(' ').collect();
        let code = |c: &str| c.to_string();
        Some(match words.as_slice() {
            ["card", kind] => Step::Card { kind: code(kind) },
            ["card_removed"] => Step::CardRemoved,
            ["key", kind] => Step::Key {
                digit: *kind == "digit",
            },
            ["touch", "formnext"] => Step::FormNext { rejected: false },
            ["touch", "formnext", "rejected"] => Step::FormNext { rejected: true },
            ["touch", name] => Step::Touch {
                button: Button::ALL.into_iter().find(|b| b.name() == *name)?,
            },
            ["search_key", k] => Step::SearchKey {
                key: k.chars().next()?,
            },
            ["choose", c] => Step::Choose { code: code(c) },
            ["select_item", c] => Step::SelectItem { code: code(c) },
            ["police_type", c] => Step::PoliceType { code: code(c) },
            ["category", c] => Step::Category { code: code(c) },
            ["slot", id] => Step::Slot { id: code(id) },
            ["stored", "failed"] => Step::Stored { id: None },
            ["stored", id] => Step::Stored { id: Some(code(id)) },
            ["printed", ok] => Step::Printed { ok: *ok == "ok" },
            ["query", "found", n] => Step::QueryFound {
                steps: n.parse().ok()?,
                accepted: false,
            },
            ["query", "found", n, "accepted"] => Step::QueryFound {
                steps: n.parse().ok()?,
                accepted: true,
            },
            ["query", "not_found"] => Step::QueryNotFound,
            ["query", "offline"] => Step::QueryOffline,
            ["slots", "offered", n] => Step::Slots {
                offered: Some(n.parse().ok()?),
            },
            ["slots", "offline"] => Step::Slots { offered: None },
            ["violations", "offered", n] => Step::Violations {
                here: Some(n.parse().ok()?),
            },
            ["violations", "offline"] => Step::Violations { here: None },
            ["violation"] => Step::Violation,
            ["decided", o @ ("decided" | "refused" | "offline")] => Step::Decided {
                outcome: o.to_string(),
            },
            ["tick"] => Step::Tick,
            ["anonymous_tip"] => Step::AnonymousTip,
            _ => return None,
        })
    }
}

impl JournalStep {
    /// The step as text: `"<ms> <screen> <what>"` (what `onetrip journal` prints).
    pub fn to_detail(&self) -> String {
        format!("{} {} {}", self.at_ms, self.screen, self.what.text())
    }

    /// Text written by `to_detail` (and the rows of firmware before the format version).
    pub fn from_detail(detail: &str) -> Option<JournalStep> {
        let mut parts = detail.splitn(3, ' ');
        Some(JournalStep {
            at_ms: parts.next()?.parse().ok()?,
            screen: parts.next()?.to_string(),
            what: Step::from_text(parts.next()?)?,
        })
    }

    /// The audit row's detail: the step as JSON with the format version.
    pub fn to_record(&self) -> String {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        json["v"] = JOURNAL_FORMAT.into();
        json.to_string()
    }

    /// An audit row's detail back as a step: this format, or the text of older firmware; `None`
    /// for a newer format or anything else.
    pub fn from_record(detail: &str) -> Option<JournalStep> {
        if !detail.starts_with('{') {
            return JournalStep::from_detail(detail);
        }
        let json: serde_json::Value = serde_json::from_str(detail).ok()?;
        if json.get("v").and_then(|v| v.as_u64()) != Some(u64::from(JOURNAL_FORMAT)) {
            return None;
        }
        serde_json::from_value(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind_of_step() -> Vec<Step> {
        let mut steps = vec![
            Step::Card {
                kind: "resident".into(),
            },
            Step::CardRemoved,
            Step::Key { digit: true },
            Step::Key { digit: false },
            Step::FormNext { rejected: false },
            Step::FormNext { rejected: true },
            Step::SearchKey { key: 'w' },
            Step::Choose {
                code: "study".into(),
            },
            Step::SelectItem {
                code: "ZA-FZJL-01".into(),
            },
            Step::PoliceType { code: "CRJ".into() },
            Step::Category {
                code: "CRJ-QZ".into(),
            },
            Step::Slot {
                id: "2026-12-01T09:00".into(),
            },
            Step::Stored {
                id: Some("41".into()),
            },
            Step::Stored { id: None },
            Step::Printed { ok: true },
            Step::Printed { ok: false },
            Step::QueryFound {
                steps: 3,
                accepted: false,
            },
            Step::QueryFound {
                steps: 2,
                accepted: true,
            },
            Step::QueryNotFound,
            Step::QueryOffline,
            Step::Slots { offered: Some(4) },
            Step::Slots { offered: None },
            Step::Tick,
        ];
        steps.extend(Button::ALL.map(|button| Step::Touch { button }));
        steps
    }

    #[test]
    fn every_step_round_trips_through_the_record_and_the_text() {
        for (i, what) in every_kind_of_step().into_iter().enumerate() {
            let step = JournalStep {
                at_ms: 100 * i as u64,
                screen: "form".into(),
                what,
            };
            let record = step.to_record();
            assert!(record.contains("\"v\":1"), "{record}");
            assert_eq!(JournalStep::from_record(&record).as_ref(), Some(&step));
            let text = step.to_detail();
            assert_eq!(
                JournalStep::from_detail(&text).as_ref(),
                Some(&step),
                "{text}"
            );
            // Rows written before the format version still read.
            assert_eq!(JournalStep::from_record(&text).as_ref(), Some(&step));
        }
    }

    #[test]
    fn a_record_is_tagged_and_a_newer_format_is_not_guessed_at() {
        let step = JournalStep {
            at_ms: 1200,
            screen: "items".into(),
            what: Step::PoliceType { code: "CRJ".into() },
        };
        let json: serde_json::Value = serde_json::from_str(&step.to_record()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"v": 1, "at_ms": 1200, "screen": "items", "step": "police_type", "code": "CRJ"})
        );
        let newer = step.to_record().replace("\"v\":1", "\"v\":2");
        assert_eq!(JournalStep::from_record(&newer), None);
        assert_eq!(
            JournalStep::from_record("{\"v\":1,\"step\":\"warp\"}"),
            None
        );
        assert_eq!(JournalStep::from_record("garbage"), None);
    }
}
