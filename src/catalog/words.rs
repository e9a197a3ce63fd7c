//! The citizen's copy the catalog data does not hold: how a mode, a fee and an item's name read
//! on a tile and on the item page.

use super::schema::{Item, Mode, SubmissionKind, Text};

impl Mode {
    /// How it completes, in the few words of a tile's second line.
    pub fn tile_hint(self, english: bool) -> &'static str {
        match (self, english) {
            // Stored and forwarded like an application: what is complete is the citizen's part
            // (a rating), not a decision of the police.
            (Mode::Complete, false) => "本机提交即完成",
            (Mode::Complete, true) => "Done once sent here",
            (Mode::Submit, false) => "本机申请，稍后领取",
            (Mode::Submit, true) => "Apply here, collect later",
            (Mode::Appointment, false) => "本机预约窗口时间",
            (Mode::Appointment, true) => "Book a counter time",
            (Mode::Query, false) => "本机查询",
            (Mode::Query, true) => "Look it up here",
            (Mode::Decision, false) => "本机查询处理，打印决定书",
            (Mode::Decision, true) => "Dealt with here; decision printed",
            (Mode::Guide, false) => "到窗口办理，打印指南",
            (Mode::Guide, true) => "At the counter; guide printed",
        }
    }

    /// How it completes, in the words of the item page.
    pub fn describe(self, english: bool) -> &'static str {
        match (self, english) {
            (Mode::Complete, false) => "在本机提交即完成，无需再到窗口",
            (Mode::Complete, true) => "Done once submitted here; no visit to the counter",
            (Mode::Submit, false) => "在本机提交申请，结果稍后领取",
            (Mode::Submit, true) => "Apply here; the result comes later",
            (Mode::Appointment, false) => "在本机预约窗口办理时间",
            (Mode::Appointment, true) => "Book a time at the counter here",
            (Mode::Query, false) => "在本机查询",
            (Mode::Query, true) => "Look it up here",
            (Mode::Decision, false) => "在本机查询本人的记录，确认后由交管系统作出决定，本机打印决定书",
            (Mode::Decision, true) => {
                "Look up your own record here; once you confirm it, the traffic police system makes the decision and it is printed here"
            }
            (Mode::Guide, false) => "须到窗口办理，本机打印办事指南",
            (Mode::Guide, true) => "Handled at the counter; a guide is printed here",
        }
    }
}

/// The longest name a tile shows in two lines at its narrowest (portrait, elderly, two columns):
/// Chinese characters, and Latin characters for English.
pub const TILE_NAME_MAX: (usize, usize) = (14, 30);

/// Whether `text` fits a tile in two lines (see `TILE_NAME_MAX`).
pub fn fits_tile(text: &Text) -> bool {
    text.zh.chars().count() <= TILE_NAME_MAX.0 && text.en.chars().count() <= TILE_NAME_MAX.1
}

impl Item {
    pub fn name(&self, english: bool) -> &str {
        self.name.get(english)
    }

    /// How it completes, on its tile: the kind's words where the mode's would mislead (a
    /// call-back is booked here, but not at a counter).
    pub fn tile_hint(&self, english: bool) -> &'static str {
        match (self.anonymous(), self.mode, english) {
            (true, Mode::Query, false) => return "凭编号和查询码，不读卡",
            (true, Mode::Query, true) => return "By number and PIN, no card",
            (true, _, false) => return "不读卡，不留姓名电话",
            (true, _, true) => return "No card, no name, no phone",
            _ => {}
        }
        match (self.kind, english) {
            (SubmissionKind::VisitRequest, false) => "约民警回电或上门",
            (SubmissionKind::VisitRequest, true) => "Book a call or a visit",
            (SubmissionKind::Mediation, false) => "本机申请，调解员联系您",
            (SubmissionKind::Mediation, true) => "Ask here; a mediator calls",
            (SubmissionKind::Tip, false) => "实名，依法保密",
            (SubmissionKind::Tip, true) => "With your name, kept confidential",
            // Pre-acceptance: the counter still has a visit in it (identity, photo).
            _ if self.pre_acceptance && english => "Pre-apply here, then counter",
            _ if self.pre_acceptance => "本机预受理，再到窗口",
            _ => self.mode.tile_hint(english),
        }
    }

    /// How it completes, on its page.
    pub fn describe_mode(&self, english: bool) -> &'static str {
        match (self.anonymous(), self.mode, english) {
            (true, Mode::Query, false) => return "凭匿名线索回执上的编号和查询码查询，本机不读身份证",
            (true, Mode::Query, true) => {
                return "Look it up with the number and PIN on the tip's receipt; no ID card is read"
            }
            (true, _, false) => {
                return "匿名提供线索：本机不读身份证，不留姓名电话，线索加密后送达接收单位"
            }
            (true, _, true) => {
                return "Anonymous: no ID card is read, no name or phone kept; the lead is encrypted for the receiving unit"
            }
            _ => {}
        }
        match (self.kind, english) {
            (SubmissionKind::VisitRequest, false) => "在本机约一个时间，请民警回电或上门",
            (SubmissionKind::VisitRequest, true) => {
                "Book a time here for the officer to call or visit"
            }
            (SubmissionKind::Mediation, false) => "在本机申请调解，民警或调解员会联系您",
            (SubmissionKind::Mediation, true) => {
                "Ask for mediation here; the police or a mediator will call you"
            }
            (SubmissionKind::Tip, false) => "在本机实名提供线索，民警核实后按您留的电话反馈",
            (SubmissionKind::Tip, true) => {
                "Give a lead here with your name; the police check it and call you back"
            }
            _ if self.pre_acceptance && english => {
                "Pre-apply here, then go to the counter, where it is accepted"
            }
            _ if self.pre_acceptance => "在本机预受理，再到窗口办理，受理以窗口为准",
            _ => self.mode.describe(english),
        }
    }

    /// The name for a tile: the short form where there is one.
    pub fn tile_name(&self, english: bool) -> &str {
        self.short_name.as_ref().unwrap_or(&self.name).get(english)
    }

    pub fn next_steps(&self, english: bool) -> Vec<String> {
        self.next_steps
            .iter()
            .map(|t| t.get(english).to_string())
            .collect()
    }

    /// The fee in words.
    pub fn fee_text(&self, english: bool) -> String {
        let note = self.fee_note.as_ref().map(|n| n.get(english));
        match (self.fee_yuan, note, english) {
            (Some(0), None, false) => "免费".into(),
            (Some(0), None, true) => "Free".into(),
            (Some(y), None, false) => format!("{y} 元"),
            (Some(y), None, true) => format!("{y} yuan"),
            (Some(0), Some(n), false) => format!("免费（{n}）"),
            (Some(0), Some(n), true) => format!("Free ({n})"),
            (Some(y), Some(n), false) => format!("{y} 元（{n}）"),
            (Some(y), Some(n), true) => format!("{y} yuan ({n})"),
            (None, Some(n), _) => n.to_string(),
            (None, None, false) => "以窗口告知为准".into(),
            (None, None, true) => "Ask at the counter".into(),
        }
    }
}
