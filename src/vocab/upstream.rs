//! What the terminal asks upstream in a citizen's session and what upstream answered, as the
//! engine and the sync client both see it.

/// A lookup upstream (a case's progress, a plate's violations, …): everything the citizen
/// answered, and the party's ID number — so it has no `Debug` that prints them.
#[derive(Clone)]
pub struct CaseQuery {
    pub item_code: String,
    /// The item's questions and the citizen's answers, in order; an unanswered one is left out.
    pub answers: Vec<(String, String)>,
    pub id_number: String,
    /// Which question this is (the engine's count of queries asked): its answer comes back
    /// with it, so a late answer to an earlier question — another citizen's, perhaps — is
    /// dropped, not shown to whoever is at the screen now.
    pub ticket: u64,
}

impl CaseQuery {
    /// A case notice's or a receipt's number, where the item asks for one (its key ends in
    /// `number`): the key of a case-progress lookup.
    pub fn case_number(&self) -> Option<&str> {
        self.answers
            .iter()
            .find(|(k, _)| k.ends_with("number"))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for CaseQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseQuery")
            .field("item_code", &self.item_code)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressStep {
    pub when: String,
    pub zh: String,
    pub en: String,
}

/// A time at a counter that upstream offers for an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: String,
    pub zh: String,
    pub en: String,
}

impl Slot {
    /// A slot worded by the terminal from its start (local time): the date, the weekday and
    /// the time, so that nobody books a Monday thinking it is a Tuesday — "12月8日 周二 09:00",
    /// "Tue 8 Dec 09:00".
    pub fn starting(id: String, start: chrono::NaiveDateTime) -> Slot {
        use chrono::{Datelike, Timelike};
        const WEEKDAYS_ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        let weekday = start.weekday().num_days_from_monday() as usize;
        let (h, m) = (start.hour(), start.minute());
        Slot {
            id,
            zh: format!(
                "{}月{}日 周{} {h:02}:{m:02}",
                start.month(),
                start.day(),
                WEEKDAYS_ZH[weekday]
            ),
            en: format!("{} {h:02}:{m:02}", start.format("%a %-d %b")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotsOutcome {
    Offered(Vec<Slot>),
    /// Upstream could not be reached: say so, and offer the printed guide instead.
    Offline,
}

/// The authority's own acceptance (受理) of an application, as upstream reports it with a
/// case's progress: its number, when and who. Only with this may paper say 受理.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Acceptance {
    /// The authority's acceptance number (letters, digits and '-').
    pub number: String,
    /// When, worded for the screen and paper in local time ("" when upstream did not say).
    pub when: String,
    pub authority_zh: String,
    pub authority_en: String,
}

impl Acceptance {
    pub fn authority(&self, english: bool) -> &str {
        if english {
            &self.authority_en
        } else {
            &self.authority_zh
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOutcome {
    /// The steps, and the authority's acceptance where upstream reports one.
    Found(Vec<ProgressStep>, Option<Acceptance>),
    NotFound,
    /// Upstream could not be reached: the terminal says so plainly.
    Offline,
}
