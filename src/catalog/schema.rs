//! The catalog's items as data: police types → categories → items, their forms and rules, as
//! the TOML files write them (the serde types and their defaults), and the lookups on a loaded
//! [`Catalog`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A text in both languages. Both must be present (checked by `check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, english: bool) -> &str {
        if english {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    /// Where it can be read, if it is on the web (the review sheet links it).
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliceType {
    pub code: String,
    pub name: Text,
    /// Shown as the hint under the name on the first browsing screen.
    pub hint: Text,
    #[serde(skip)]
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub police_type: String,
    pub name: Text,
    #[serde(skip)]
    pub file: String,
}

/// How the terminal handles an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Finished here; the receipt is the result (or proves it).
    Complete,
    /// An application is submitted here; the result comes later.
    Submit,
    /// A slot offered by upstream for a visit to the counter.
    Appointment,
    /// A lookup upstream (e.g. case progress); online only.
    Query,
    /// The card holder's own record looked up upstream, one confirmed, and the authority's
    /// decision made upstream and printed from its answer (JG-WF-01); online only.
    Decision,
    /// Not handled here: the guidance is printed on a receipt.
    Guide,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::Complete,
        Mode::Submit,
        Mode::Appointment,
        Mode::Query,
        Mode::Decision,
        Mode::Guide,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Complete => "complete",
            Mode::Submit => "submit",
            Mode::Appointment => "appointment",
            Mode::Query => "query",
            Mode::Decision => "decision",
            Mode::Guide => "guide",
        }
    }
}

/// What a terminal has to handle items with. A terminal declares its own (`[terminal]
/// capabilities`); OneTrip drives the first three. An item that needs more (`needs`) is refused
/// by `catalog check` and by the terminal, so no screen or receipt promises what it cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    CardReader,
    Printer,
    Scanner,
    /// Takes money (card, QR payment): a receipt may then prove payment.
    Payment,
    /// Takes the applicant's photo.
    Camera,
    Fingerprint,
    /// Writes an endorsement to a permit's chip.
    ChipWriter,
}

impl Capability {
    pub const ALL: [Capability; 7] = [
        Capability::CardReader,
        Capability::Printer,
        Capability::Scanner,
        Capability::Payment,
        Capability::Camera,
        Capability::Fingerprint,
        Capability::ChipWriter,
    ];

    /// What a OneTrip terminal has: the devices it drives.
    pub const DEFAULT: [Capability; 3] = [
        Capability::CardReader,
        Capability::Printer,
        Capability::Scanner,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::CardReader => "card_reader",
            Capability::Printer => "printer",
            Capability::Scanner => "scanner",
            Capability::Payment => "payment",
            Capability::Camera => "camera",
            Capability::Fingerprint => "fingerprint",
            Capability::ChipWriter => "chip_writer",
        }
    }
}

/// How a citizen may identify for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identify {
    IdCard,
    /// The QR on a notice or receipt.
    Scan,
    /// Nobody: the card reader is not read for the item, even with a card on it, and nothing of
    /// a person goes with it (an anonymous tip, and the query that follows it by number and
    /// PIN). Alone or not at all.
    Nobody,
}

/// The card types as the catalog names them (the reader's `CardType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    Resident,
    HmtResidence,
    ForeignPermanent,
}

/// A rule the terminal checks against the card before the citizen starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    MinAge {
        years: u32,
    },
    MaxAge {
        years: u32,
    },
    CardTypes {
        types: Vec<CardKind>,
    },
    // No rule on the ID number's first digits: they are the address code of the first issue and
    // do not change when a household registration moves, so they cannot say where one is.
    CardNotExpired,
    /// The card expires within this many months (or has expired): a renewal window.
    ExpiresWithin {
        months: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One of `options`.
    Choice,
    /// Digits only, `min_len..=max_len`.
    Digits,
    /// Upper-case letters and digits (permit and case numbers), `min_len..=max_len`.
    Letters,
    /// A calendar date, limited by `range`.
    Date,
    /// A mainland mobile number.
    Phone,
    /// A resident ID number typed for another person (the deceased whose registration was
    /// cancelled, a relative): 18 characters, the last a digit or X, its check digit right.
    /// Masked on the confirm screen (whole only while typed); the keypad is the digits' with an X.
    IdNumber,
    /// Taken from the card, shown masked, never typed.
    Prefill,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRange {
    Past,
    Future,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardField {
    Name,
    IdNumber,
    BirthDate,
    Sex,
    Nation,
    Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: Text,
    /// Chosen, the form goes no further and says this instead (a risk of violence: call 110
    /// now, not a request that waits for a call-back).
    #[serde(default)]
    pub stop: Option<Text>,
}

/// Ask a field only when an earlier choice has a given answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskIf {
    pub field: String,
    pub equals: String,
}

/// What a submission is, upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionKind {
    #[default]
    Application,
    /// A conduct rating of the handling officer or unit.
    Evaluation,
    /// A call-back or a visit from the community officer; its receipt carries the number that
    /// will call and a verification code the officer says first.
    VisitRequest,
    /// A request to mediate a dispute, routed by the platform to the police room or the
    /// people's mediation committee.
    Mediation,
    /// A lead (线索): given with the citizen's name and phone, kept confidential; or, on an item
    /// that identifies `nobody`, anonymous — sealed to the receiving unit's key, with no person.
    Tip,
}

impl SubmissionKind {
    pub fn name(self) -> &'static str {
        match self {
            SubmissionKind::Application => "application",
            SubmissionKind::Evaluation => "evaluation",
            SubmissionKind::VisitRequest => "visit_request",
            SubmissionKind::Mediation => "mediation",
            SubmissionKind::Tip => "tip",
        }
    }
}

/// One question of an item's form (one per screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    pub label: Text,
    pub kind: FieldKind,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<Choice>,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub range: Option<DateRange>,
    pub from: Option<CardField>,
    pub ask_if: Option<AskIf>,
    /// A choice whose first options come from the community feed in force (the area's place
    /// names), before the item's own (`options`: "somewhere else").
    #[serde(default)]
    pub options_from: Option<OptionsFrom>,
}

/// Where a choice's options may come from besides the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionsFrom {
    /// The feed's `places`: villages and landmarks of this terminal's area.
    CommunityPlaces,
}

impl OptionsFrom {
    /// The item's one option kept after the feed's (the item's own options are all shown only
    /// without a feed).
    pub const KEPT_OPTION: &'static str = "elsewhere";
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub category: String,
    pub name: Text,
    /// The name on a tile, where the full one would not fit two lines (see `TILE_NAME_MAX`);
    /// the item's own page shows the full name.
    #[serde(default)]
    pub short_name: Option<Text>,
    /// What it is, in one or two plain sentences.
    pub summary: Text,
    pub mode: Mode,
    #[serde(default = "id_card_only")]
    pub identify: Vec<Identify>,
    /// Checked against the card.
    #[serde(default)]
    pub eligibility: Vec<Rule>,
    /// Conditions the terminal can only state.
    #[serde(default)]
    pub conditions: Vec<Text>,
    #[serde(default)]
    pub materials: Vec<Text>,
    #[serde(default)]
    pub steps: Vec<Text>,
    /// The legal or committed time limit; `None` when unknown.
    pub time_limit: Option<Text>,
    /// Whole yuan; `None` when unknown or when it depends (then `fee_note` says on what).
    pub fee_yuan: Option<u32>,
    pub fee_note: Option<Text>,
    /// Where and how the result is collected.
    pub collect: Option<Text>,
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Printed on the receipt under "next steps".
    #[serde(default)]
    pub next_steps: Vec<Text>,
    /// Ids of `[[sources]]` entries.
    pub sources: Vec<String>,
    /// Whether the details were checked against the issuing authority's own guide.
    pub verified: bool,
    /// Who at the issuing authority confirmed the item, and on which day (YYYY-MM-DD): both
    /// with `verified = true`, neither without.
    #[serde(default)]
    pub verified_by: Option<String>,
    #[serde(default)]
    pub verified_on: Option<String>,
    /// The item's content digest the reviewer signed off (`Item::content_digest`): with
    /// `verified = true`; an edit of anything a citizen sees no longer matches it.
    #[serde(default)]
    pub verified_digest: Option<String>,
    /// What the terminal needs to handle the item in its mode, beyond reading the card and
    /// printing (e.g. `payment`); checked against the terminal's capabilities.
    #[serde(default)]
    pub needs: Vec<Capability>,
    /// For the catalog's editors: where a doubtful fact came from, why a finding was answered
    /// the way it was. Shown on no screen, printed on no receipt.
    #[serde(default)]
    pub editors_note: Option<String>,
    /// What the submission is upstream (an application, or a conduct rating).
    #[serde(default)]
    pub kind: SubmissionKind,
    /// The bureau runs this item here as pre-acceptance (预受理): the receipt is headed
    /// 预受理回执 and says that identity is checked at the counter.
    #[serde(default)]
    pub pre_acceptance: bool,
    #[serde(skip)]
    pub file: String,
}

impl Item {
    /// Nobody is identified: an anonymous tip, or the query that follows one.
    pub fn anonymous(&self) -> bool {
        self.identify == [Identify::Nobody]
    }
}

fn id_card_only() -> Vec<Identify> {
    vec![Identify::IdCard]
}

/// The whole catalog, as loaded from one or more files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    pub version: String,
    pub issuer: String,
    pub sources: Vec<Source>,
    pub police_types: Vec<PoliceType>,
    pub categories: Vec<Category>,
    pub items: Vec<Item>,
    /// Items the home screen offers while a terminal has no usage of its own yet (a new or reset
    /// terminal), in this order.
    pub featured: Vec<String>,
}

/// A catalog version as numbers in order ("2026.11.29-1" → [2026, 11, 29, 1]), compared
/// component by component: updates only ever move forward. `None` when it holds no number.
pub fn version_order(version: &str) -> Option<Vec<u64>> {
    let parts: Vec<u64> = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect();
    (!parts.is_empty()).then_some(parts)
}

impl Catalog {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    pub fn police_type(&self, code: &str) -> Option<&PoliceType> {
        self.police_types.iter().find(|t| t.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn categories_of<'a>(&'a self, police_type: &'a str) -> impl Iterator<Item = &'a Category> {
        self.categories
            .iter()
            .filter(move |c| c.police_type == police_type)
    }

    pub fn items_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Item> {
        self.items.iter().filter(move |i| i.category == category)
    }

    /// The police type an item belongs to.
    pub fn police_type_of(&self, item: &Item) -> Option<&PoliceType> {
        self.category(&item.category)
            .and_then(|c| self.police_type(&c.police_type))
    }

    /// The featured items that exist, at most `n`.
    pub fn featured_items(&self, n: usize) -> Vec<&Item> {
        self.featured
            .iter()
            .filter_map(|code| self.item(code))
            .take(n)
            .collect()
    }

    /// Items by use, most used first, at most `n`, only items that still exist.
    pub fn most_used(&self, counts: &HashMap<String, u64>, n: usize) -> Vec<&Item> {
        let mut used: Vec<(&Item, u64)> = self
            .items
            .iter()
            .filter_map(|i| counts.get(&i.code).filter(|c| **c > 0).map(|c| (i, *c)))
            .collect();
        // Ties keep catalog order, so the row does not shuffle between sessions.
        used.sort_by_key(|u| std::cmp::Reverse(u.1));
        used.into_iter().take(n).map(|(i, _)| i).collect()
    }
}
