//! The service catalog: police types → categories → items, as data. The shipped catalog lives in
//! `assets/catalog/` (TOML, several files); an update from upstream is the same TOML as one signed
//! document. Loading parses, then `check` validates; nothing invalid is ever put in front of a citizen.

pub mod active;
pub mod check;
pub mod eligibility;
pub mod review;
pub mod search;
pub mod signature;
pub mod tool;

use std::collections::HashMap;
use std::path::Path;

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
    /// Not handled here: the guidance is printed on a receipt.
    Guide,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Complete,
        Mode::Submit,
        Mode::Appointment,
        Mode::Query,
        Mode::Guide,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Complete => "complete",
            Mode::Submit => "submit",
            Mode::Appointment => "appointment",
            Mode::Query => "query",
            Mode::Guide => "guide",
        }
    }

    /// How it completes, in the few words of a tile's second line.
    pub fn tile_hint(self, english: bool) -> &'static str {
        match (self, english) {
            (Mode::Complete, false) => "本机当场办结",
            (Mode::Complete, true) => "Done here and now",
            (Mode::Submit, false) => "本机申请，稍后领取",
            (Mode::Submit, true) => "Apply here, collect later",
            (Mode::Appointment, false) => "本机预约窗口时间",
            (Mode::Appointment, true) => "Book a counter time",
            (Mode::Query, false) => "本机查询",
            (Mode::Query, true) => "Look it up here",
            (Mode::Guide, false) => "到窗口办理，打印指南",
            (Mode::Guide, true) => "At the counter; guide printed",
        }
    }

    /// How it completes, in the words of the item page.
    pub fn describe(self, english: bool) -> &'static str {
        match (self, english) {
            (Mode::Complete, false) => "在本机当场办结",
            (Mode::Complete, true) => "Completed here and now",
            (Mode::Submit, false) => "在本机提交申请，结果稍后领取",
            (Mode::Submit, true) => "Apply here; the result comes later",
            (Mode::Appointment, false) => "在本机预约窗口办理时间",
            (Mode::Appointment, true) => "Book a time at the counter here",
            (Mode::Query, false) => "在本机查询",
            (Mode::Query, true) => "Look it up here",
            (Mode::Guide, false) => "须到窗口办理，本机打印办事指南",
            (Mode::Guide, true) => "Handled at the counter; a guide is printed here",
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
}

impl SubmissionKind {
    pub fn name(self) -> &'static str {
        match self {
            SubmissionKind::Application => "application",
            SubmissionKind::Evaluation => "evaluation",
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
}

fn yes() -> bool {
    true
}

impl Field {
    /// Checks a typed or chosen answer; the normalised answer, or what is wrong in both languages.
    pub fn check(
        &self,
        value: &str,
        today: onetrip_drivers::id_card::Date,
    ) -> Result<String, Text> {
        let t = |zh: &str, en: &str| Text {
            zh: zh.to_string(),
            en: en.to_string(),
        };
        let v = value.trim();
        if v.is_empty() {
            return if self.required {
                Err(t("请填写此项", "Please fill this in"))
            } else {
                Ok(String::new())
            };
        }
        let len = v.chars().count() as u32;
        let (min, max) = (self.min_len.unwrap_or(1), self.max_len.unwrap_or(40));
        match self.kind {
            FieldKind::Choice => self
                .options
                .iter()
                .any(|o| o.code == v)
                .then(|| v.to_string())
                .ok_or_else(|| t("请选择一项", "Please choose one")),
            FieldKind::Digits if !v.bytes().all(|b| b.is_ascii_digit()) => {
                Err(t("只能输入数字", "Digits only"))
            }
            FieldKind::Letters
                if !v
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Err(t("只能输入字母和数字", "Letters and digits only"))
            }
            FieldKind::Digits | FieldKind::Letters if len < min || len > max => {
                Err(if min == max {
                    Text {
                        zh: format!("应为 {min} 位"),
                        en: format!("Must be {min} characters"),
                    }
                } else {
                    Text {
                        zh: format!("应为 {min} 至 {max} 位"),
                        en: format!("Must be {min} to {max} characters"),
                    }
                })
            }
            FieldKind::Digits | FieldKind::Letters => Ok(v.to_string()),
            FieldKind::Phone => {
                let ok = v.len() == 11
                    && v.starts_with('1')
                    && v.bytes().all(|b| b.is_ascii_digit())
                    && (b'3'..=b'9').contains(&v.as_bytes()[1]);
                ok.then(|| v.to_string()).ok_or_else(|| {
                    t(
                        "请输入11位手机号码，如 13812345678",
                        "Please enter an 11-digit mobile number, e.g. 13812345678",
                    )
                })
            }
            FieldKind::Date => {
                let d = onetrip_drivers::id_card::Date::parse(v).ok_or_else(|| {
                    t(
                        "请按 年月日 输入8位数字，如 20261129",
                        "Enter 8 digits: year, month, day",
                    )
                })?;
                match self.range {
                    Some(DateRange::Past) if d > today => {
                        Err(t("日期不能晚于今天", "The date cannot be after today"))
                    }
                    Some(DateRange::Future) if d < today => {
                        Err(t("日期不能早于今天", "The date cannot be before today"))
                    }
                    _ => Ok(v.to_string()),
                }
            }
            FieldKind::Prefill => Ok(v.to_string()),
        }
    }

    /// A question a scanned notice or receipt number can answer (checked as if typed).
    pub fn takes_a_scan(&self) -> bool {
        matches!(self.kind, FieldKind::Letters | FieldKind::Digits)
    }

    /// Whether to ask this field, given the answers so far.
    pub fn asked(&self, answers: &[(String, String)]) -> bool {
        if self.kind == FieldKind::Prefill {
            return false;
        }
        match &self.ask_if {
            None => true,
            Some(cond) => answers
                .iter()
                .any(|(k, v)| *k == cond.field && *v == cond.equals),
        }
    }
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
    #[serde(skip)]
    pub file: String,
}

fn id_card_only() -> Vec<Identify> {
    vec![Identify::IdCard]
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

/// One file as written: every section optional, so a catalog can be split however a city likes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: Option<String>,
    issuer: Option<String>,
    #[serde(default)]
    sources: Vec<Source>,
    #[serde(default)]
    police_types: Vec<PoliceType>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    featured: Vec<String>,
}

/// A problem with a catalog: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// The item (or type/category) code, when the problem belongs to one.
    pub code: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}: {}: {}", self.file, code, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Parses and validates a catalog from named TOML texts (file name, contents).
pub fn parse(files: &[(String, String)]) -> Result<Catalog, Vec<Problem>> {
    let mut catalog = Catalog::default();
    let mut problems = Vec::new();
    for (name, text) in files {
        let de = toml::Deserializer::parse(text);
        let parsed: Result<CatalogFile, String> = match de {
            Ok(de) => serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                format!("at `{path}`: {}", e.into_inner().message())
            }),
            Err(e) => Err(e.message().to_string()),
        };
        let file = match parsed {
            Ok(f) => f,
            Err(message) => {
                problems.push(Problem {
                    file: name.clone(),
                    code: None,
                    message: format!("not a valid catalog file {message}"),
                });
                continue;
            }
        };
        for (slot, value, what) in [
            (&mut catalog.version, file.version, "version"),
            (&mut catalog.issuer, file.issuer, "issuer"),
        ] {
            if let Some(v) = value {
                if !slot.is_empty() {
                    problems.push(Problem {
                        file: name.clone(),
                        code: None,
                        message: format!("`{what}` is set in more than one file; keep one"),
                    });
                }
                *slot = v;
            }
        }
        catalog.sources.extend(file.sources);
        catalog.featured.extend(file.featured);
        catalog
            .police_types
            .extend(file.police_types.into_iter().map(|mut t| {
                t.file = name.clone();
                t
            }));
        catalog
            .categories
            .extend(file.categories.into_iter().map(|mut c| {
                c.file = name.clone();
                c
            }));
        catalog.items.extend(file.items.into_iter().map(|mut i| {
            i.file = name.clone();
            i
        }));
    }
    problems.extend(check::check(&catalog));
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// [`parse`], then the catalog against a terminal's capabilities ([`check::for_terminal`]).
pub fn parse_for(
    files: &[(String, String)],
    capabilities: &[Capability],
) -> Result<Catalog, Vec<Problem>> {
    let catalog = parse(files)?;
    let problems = check::for_terminal(&catalog, capabilities);
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// The files of a catalog directory (every `*.toml` below it, in name order) or a single file.
pub fn read_path(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    if path.is_file() {
        let name = path.display().to_string();
        return Ok(vec![(name, std::fs::read_to_string(path)?)]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&p)?;
                let name = p.strip_prefix(path).unwrap_or(&p).display().to_string();
                files.push((name, text));
            }
        }
    }
    if files.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no .toml files in {}", path.display()),
        ));
    }
    // catalog.toml first: it carries the version, then the rest in name order.
    files.sort_by(|a, b| (a.0 != "catalog.toml", &a.0).cmp(&(b.0 != "catalog.toml", &b.0)));
    Ok(files)
}

/// The catalog shipped in the firmware (`assets/catalog/`), compiled in so a terminal always has one.
pub fn shipped_files() -> Vec<(String, String)> {
    macro_rules! file {
        ($name:literal) => {
            (
                $name.to_string(),
                include_str!(concat!("../../assets/catalog/", $name)).to_string(),
            )
        };
    }
    vec![
        file!("catalog.toml"),
        file!("items/chu_ru_jing.toml"),
        file!("items/fa_zhi.toml"),
        file!("items/hu_zheng.toml"),
        file!("items/jiao_guan.toml"),
        file!("items/jin_du.toml"),
        file!("items/wang_an.toml"),
        file!("items/xiao_fang.toml"),
        file!("items/zhi_an.toml"),
    ]
}

/// The shipped files as one TOML document, the form an upstream update takes.
pub fn bundle(files: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, text) in files {
        out.push_str(&format!("# ---- {name}\n"));
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The shipped catalog. It is checked by a test and by CI, so a failure here is a build defect.
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

pub fn shipped() -> Catalog {
    parse(&shipped_files()).unwrap_or_else(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        panic!("the shipped catalog is invalid:\n{}", list.join("\n"))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_is_valid_and_holds_the_research() {
        let c = shipped();
        assert!(c.items.len() >= 75, "{} items", c.items.len());
        assert_eq!(c.police_types.len(), 8);
        for mode in Mode::ALL {
            assert!(
                c.items.iter().any(|i| i.mode == mode),
                "no item of mode {mode:?}"
            );
        }
        let wfz = c.item("ZA-FZJL-01").unwrap();
        assert_eq!(wfz.name.zh, "无犯罪记录证明（个人）");
        assert_eq!(wfz.fee_text(false), "免费");
    }

    #[test]
    fn shipped_file_list_matches_the_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
        let on_disk: Vec<String> = read_path(&dir).unwrap().into_iter().map(|f| f.0).collect();
        let compiled: Vec<String> = shipped_files().into_iter().map(|f| f.0).collect();
        assert_eq!(on_disk, compiled);
    }

    #[test]
    fn a_bundle_parses_to_the_same_catalog() {
        let files = shipped_files();
        let one = vec![("bundle.toml".to_string(), bundle(&files))];
        let a = parse(&files).unwrap();
        let b = parse(&one).unwrap();
        assert_eq!(a.items.len(), b.items.len());
        assert_eq!(
            a.item("ZA-FZJL-01").unwrap().name,
            b.item("ZA-FZJL-01").unwrap().name
        );
    }
}
