//! Validation of a parsed catalog: every problem with its file, its code and what to fix.
//!
//! Here the catalog as a whole (its header, featured items, sources, police types, categories
//! and codes); each item then goes through `ITEM_RULES`, in order: `item.rs` (its texts, facts,
//! verification, sources and eligibility), `claims.rs` (editors' remarks; outcomes no mode can
//! give; and, against one terminal, the devices an item needs or claims: [`for_terminal`]),
//! `fields.rs` (its form).

mod claims;
mod fields;
mod item;

use std::collections::{HashMap, HashSet};

use super::schema::{version_order, Catalog, Item, Text};

pub use claims::for_terminal;

/// The most a fee on this terminal can sensibly be (the dearest item in the research is 120 yuan).
pub const MAX_FEE_YUAN: u32 = 2_000;

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

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn add(&mut self, file: &str, code: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_string(),
            code: code.map(str::to_string),
            message: message.into(),
        });
    }

    /// A problem of `item`.
    fn on(&mut self, item: &Item, message: impl Into<String>) {
        self.add(&item.file, Some(&item.code), message);
    }

    fn text(&mut self, file: &str, code: &str, what: &str, t: &Text) {
        if t.zh.trim().is_empty() {
            self.add(
                file,
                Some(code),
                format!("{what}: the Chinese text is empty; add `zh`"),
            );
        }
        if t.en.trim().is_empty() {
            self.add(
                file,
                Some(code),
                format!("{what}: the English text is empty; add `en`"),
            );
        }
        if !t.zh.is_empty() && !t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            self.add(
                file,
                Some(code),
                format!("{what}: `zh` has no Chinese characters; is it in the wrong language?"),
            );
        }
        if t.en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            self.add(
                file,
                Some(code),
                format!("{what}: `en` contains Chinese characters; translate it"),
            );
        }
    }

    /// [`Checker::text`] of one of `item`'s texts.
    fn item_text(&mut self, item: &Item, what: &str, t: &Text) {
        self.text(&item.file, &item.code, what, t);
    }

    fn texts(&mut self, item: &Item, what: &str, ts: &[Text]) {
        for (i, t) in ts.iter().enumerate() {
            self.item_text(item, &format!("{what}[{i}]"), t);
        }
    }
}

/// What an item rule sees besides the item: the catalog, and the ids of its `[[sources]]`.
struct Scope<'a> {
    catalog: &'a Catalog,
    sources: HashSet<&'a str>,
}

/// One rule an item must keep; it adds a problem for each way the item breaks it.
type ItemRule = fn(&mut Checker, &Scope, &Item);

/// Every item rule, in the order its problems are listed.
const ITEM_RULES: [ItemRule; 20] = [
    item::category_exists,
    item::names_fit_tiles,
    item::texts_are_bilingual,
    item::identify_is_set,
    item::nobody_stays_nobody,
    item::fee_is_sane,
    item::verified_is_complete,
    item::verification_is_signed,
    item::scan_has_a_question,
    claims::no_editors_remarks,
    claims::no_outcome_claims,
    item::listed_materials_are_listed,
    item::next_steps_are_set,
    item::pre_acceptance_is_said,
    item::complete_is_the_citizen_s_part,
    item::decision_is_the_card_holder_s,
    item::sources_exist,
    item::eligibility_is_sane,
    item::ages_are_ordered,
    fields::fields,
];

pub fn check(c: &Catalog) -> Vec<Problem> {
    let mut k = Checker {
        problems: Vec::new(),
    };
    let first_file = c
        .police_types
        .first()
        .map(|t| t.file.clone())
        .unwrap_or_else(|| "catalog".into());
    header(&mut k, c, &first_file);
    featured(&mut k, c, &first_file);
    source_urls(&mut k, c, &first_file);
    let scope = Scope {
        catalog: c,
        sources: c.sources.iter().map(|s| s.id.as_str()).collect(),
    };
    let mut seen: HashMap<&str, &str> = HashMap::new();
    police_types(&mut k, c, &mut seen);
    categories(&mut k, c, &mut seen);
    for t in &c.police_types {
        if c.categories_of(&t.code).next().is_none() {
            k.add(&t.file, Some(&t.code), "police type has no categories");
        }
    }
    for item in &c.items {
        if !code_ok(&item.code) {
            k.on(item, "item code must be A-Z, 0-9 and '-'");
        }
        if let Some(other) = seen.insert(&item.code, &item.file) {
            k.on(item, format!("code is used twice (also in {other})"));
        }
        for rule in ITEM_RULES {
            rule(&mut k, &scope, item);
        }
    }
    k.problems
}

/// The authority's rule on top of [`check`]: every sign-off matches the words signed
/// (`item::sign_off_matches`).
pub fn sign_offs(c: &Catalog) -> Vec<Problem> {
    let mut k = Checker {
        problems: Vec::new(),
    };
    let scope = Scope {
        catalog: c,
        sources: HashSet::new(),
    };
    for item in &c.items {
        item::sign_off_matches(&mut k, &scope, item);
    }
    k.problems
}

/// The catalog's `version` and `issuer`, and that it has items.
fn header(k: &mut Checker, c: &Catalog, first_file: &str) {
    if c.version.trim().is_empty() {
        k.add(
            first_file,
            None,
            "`version` is missing; set e.g. version = \"2026.11.1\"",
        );
    } else if version_order(&c.version).is_none() {
        k.add(
            first_file,
            None,
            "`version` has no number; terminals only take a newer one, e.g. \"2026.12.01-1\"",
        );
    }
    if c.issuer.trim().is_empty() {
        k.add(
            first_file,
            None,
            "`issuer` is missing; name the issuing authority",
        );
    }
    if c.items.is_empty() {
        k.add(first_file, None, "the catalog has no items");
    }
}

fn featured(k: &mut Checker, c: &Catalog, first_file: &str) {
    for code in &c.featured {
        if c.item(code).is_none() {
            k.add(
                first_file,
                Some(code),
                "`featured` names an item the catalog does not have",
            );
        }
    }
}

fn source_urls(k: &mut Checker, c: &Catalog, first_file: &str) {
    for s in &c.sources {
        if let Some(url) = &s.url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                k.add(
                    first_file,
                    Some(&s.id),
                    format!("source url `{url}` is not a web address (http:// or https://)"),
                );
            }
        }
    }
}

/// `seen`: every code so far, with its file (police types, categories and items share one space).
fn police_types<'a>(k: &mut Checker, c: &'a Catalog, seen: &mut HashMap<&'a str, &'a str>) {
    for t in &c.police_types {
        if !code_ok(&t.code) {
            k.add(
                &t.file,
                Some(&t.code),
                "police type code must be A-Z, 0-9 and '-'",
            );
        }
        if let Some(other) = seen.insert(&t.code, &t.file) {
            k.add(
                &t.file,
                Some(&t.code),
                format!("code is used twice (also in {other})"),
            );
        }
        k.text(&t.file, &t.code, "name", &t.name);
        k.text(&t.file, &t.code, "hint", &t.hint);
    }
}

fn categories<'a>(k: &mut Checker, c: &'a Catalog, seen: &mut HashMap<&'a str, &'a str>) {
    for cat in &c.categories {
        if !code_ok(&cat.code) {
            k.add(
                &cat.file,
                Some(&cat.code),
                "category code must be A-Z, 0-9 and '-'",
            );
        }
        if let Some(other) = seen.insert(&cat.code, &cat.file) {
            k.add(
                &cat.file,
                Some(&cat.code),
                format!("code is used twice (also in {other})"),
            );
        }
        if c.police_type(&cat.police_type).is_none() {
            k.add(
                &cat.file,
                Some(&cat.code),
                format!(
                    "police_type `{}` does not exist; use one of the [[police_types]] codes",
                    cat.police_type
                ),
            );
        }
        k.text(&cat.file, &cat.code, "name", &cat.name);
        if c.items_in(&cat.code).next().is_none() {
            k.add(
                &cat.file,
                Some(&cat.code),
                "category has no items; remove it or add one",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    pub(super) const HEAD: &str = r#"
version = "t1"
issuer = "测试"
[[sources]]
id = "S1"
title = "t"
[[police_types]]
code = "ZA"
name = { zh = "治安", en = "Public order" }
hint = { zh = "证明", en = "Certificates" }
[[categories]]
code = "ZA-A"
police_type = "ZA"
name = { zh = "证明", en = "Certificates" }
"#;

    pub(super) const ITEM: &str = r#"
[[items]]
code = "ZA-A-01"
category = "ZA-A"
name = { zh = "无犯罪记录证明", en = "No criminal record" }
summary = { zh = "开具证明", en = "A certificate" }
mode = "submit"
next_steps = [{ zh = "三个工作日", en = "Three working days" }]
sources = ["S1"]
verified = false
"#;

    fn problems(extra: &str) -> Vec<String> {
        problems_in(HEAD, &format!("{ITEM}{extra}"))
    }

    fn problems_in(head: &str, items: &str) -> Vec<String> {
        let files = vec![
            ("catalog.toml".to_string(), head.to_string()),
            ("items/za.toml".to_string(), items.to_string()),
        ];
        // As the authority's tools read it (stale sign-offs are problems).
        match crate::catalog::parse_signed_off(&files) {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn one(extra: &str, expect: &str) {
        let p = problems(extra);
        assert!(
            p.iter().any(|m| m.contains(expect)),
            "expected `{expect}` in {p:#?}"
        );
    }

    #[test]
    fn a_minimal_catalog_is_valid() {
        assert_eq!(problems(""), Vec::<String>::new());
    }

    /// The receipt's heading follows the item: a summary that says 预受理 without the flag (the
    /// citizen would get a plain application receipt), the flag without the words, and the flag
    /// on an item that stores nothing are each refused.
    #[test]
    fn pre_acceptance_is_said_on_the_page_and_the_paper_alike() {
        let item = |summary: &str, mode: &str, flag: bool| {
            let flag = if flag { "pre_acceptance = true\n" } else { "" };
            ITEM.replace("开具证明", summary)
                .replace("mode = \"submit\"\n", &format!("mode = \"{mode}\"\n{flag}"))
        };
        let check = |items: String| problems_in(HEAD, &items).join("\n");
        assert!(
            check(item("在本机预受理", "submit", false)).contains("set `pre_acceptance = true`")
        );
        assert!(check(item("开具证明", "submit", true)).contains("does not say 预受理"));
        assert!(check(item("在本机预受理", "guide", true)).contains("stores no application"));
        assert_eq!(check(item("在本机预受理", "submit", true)), "");
    }

    #[test]
    fn every_error_is_caught_with_file_and_code() {
        one(ITEM, "items/za.toml: ZA-A-01: code is used twice");
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-02")
                .replace("\"ZA-A\"", "\"ZA-X\""),
            "items/za.toml: ZA-A-02: category `ZA-X` does not exist",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-03")
                .replace("en = \"A certificate\"", "en = \"\""),
            "ZA-A-03: summary: the English text is empty",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-04")
                .replace("zh = \"开具证明\"", "zh = \"\""),
            "ZA-A-04: summary: the Chinese text is empty",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-05")
                .replace("en = \"A certificate\"", "en = \"证明\""),
            "`en` contains Chinese characters",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-06")
                .replace("verified = false", "verified = false\nfee_yuan = 20000"),
            "ZA-A-06: fee_yuan = 20000 is not a sane fee",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-07")
                .replace("verified = false", "verified = true"),
            "ZA-A-07: a verified item needs `fee_yuan` or `fee_note`",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-08")
                .replace("[\"S1\"]", "[\"S9\"]"),
            "ZA-A-08: source `S9` is not in [[sources]]",
        );
        one(
            &ITEM.replace("ZA-A-01", "za-1"),
            "za-1: item code must be A-Z",
        );
        one(
            &ITEM
                .replace("ZA-A-01", "ZA-A-09")
                .replace("mode = \"submit\"", "mode = \"later\""),
            "items/za.toml: not a valid catalog file at `items[1].mode`",
        );
        one(
            &ITEM.replace("ZA-A-01", "ZA-A-10").replace(
                "next_steps = [{ zh = \"三个工作日\", en = \"Three working days\" }]",
                "",
            ),
            "ZA-A-10: `next_steps` is empty",
        );
        one(
            "[[items]]\ncode = \"X\"\nbogus = 1\n",
            "unknown field `bogus`",
        );
    }

    /// An item for nobody (an anonymous tip) can take nothing that names a person, and cannot be
    /// an application in disguise.
    #[test]
    fn an_item_for_nobody_takes_nothing_of_a_person() {
        let tip = ITEM.replace("ZA-A-01", "ZA-A-50").replace(
            "verified = false",
            "verified = false\nkind = \"tip\"\nidentify = [\"nobody\"]",
        );
        assert_eq!(problems_in(HEAD, &tip), Vec::<String>::new());
        let mixed = tip
            .replace("ZA-A-50", "ZA-A-51")
            .replace("[\"nobody\"]", "[\"nobody\", \"id_card\"]");
        assert!(problems_in(HEAD, &mixed)
            .iter()
            .any(|p| p.contains("ZA-A-51: `identify` lists nobody with another way")));
        let application = ITEM.replace("ZA-A-01", "ZA-A-52").replace(
            "verified = false",
            "verified = false\nidentify = [\"nobody\"]",
        );
        assert!(problems_in(HEAD, &application)
            .iter()
            .any(|p| p.contains("ZA-A-52: an item for nobody is a tip")));
        let phone = format!(
            "{}\n[[items.fields]]\nkey = \"phone\"\nlabel = {{ zh = \"电话\", en = \"Phone\" }}\nkind = \"phone\"\n",
            tip.replace("ZA-A-50", "ZA-A-53")
        );
        assert!(problems_in(HEAD, &phone).iter().any(|p| p.contains(
            "ZA-A-53: fields.phone: an item for nobody asks nothing that names a person"
        )));
    }

    #[test]
    fn verification_scan_and_editors_remarks_are_checked() {
        let with = |code: &str, extra: &str| {
            ITEM.replace("ZA-A-01", code)
                .replace("verified = false", extra)
        };
        one(
            &with("ZA-A-40", "verified = true\nfee_yuan = 0\ntime_limit = { zh = \"当场\", en = \"At once\" }\nmaterials = [{ zh = \"身份证\", en = \"ID card\" }]"),
            "ZA-A-40: a verified item says who confirmed it and when",
        );
        one(
            &with("ZA-A-41", "verified = false\nverified_by = \"市局户政处\""),
            "ZA-A-41: `verified_by`/`verified_on` go with `verified = true`",
        );
        one(
            &with(
                "ZA-A-42",
                "verified = true\nverified_by = \"市局户政处\"\nverified_on = \"2026-13-01\"",
            ),
            "ZA-A-42: `verified_on` = \"2026-13-01\" is not a date",
        );
        // Signed off with the digest of exactly these words: valid; one word changed since, not.
        let facts = "fee_yuan = 0\ntime_limit = { zh = \"当场\", en = \"At once\" }\nmaterials = [{ zh = \"身份证\", en = \"ID card\" }]";
        let unsigned = with("ZA-A-43", &format!("verified = false\n{facts}"));
        let files = vec![
            ("catalog.toml".to_string(), HEAD.to_string()),
            ("items/za.toml".to_string(), unsigned),
        ];
        let digest = parse(&files).unwrap().items[0].content_digest();
        let confirmed = with(
            "ZA-A-43",
            &format!("verified = true\nverified_by = \"市局户政处\"\nverified_on = \"2026-12-01\"\nverified_digest = \"{digest}\"\n{facts}"),
        );
        assert_eq!(problems_in(HEAD, &confirmed), Vec::<String>::new());
        let edited = confirmed.replace("A certificate", "A certificate at once");
        assert!(problems_in(HEAD, &edited)
            .iter()
            .any(|p| p.contains(&format!(
                "ZA-A-43: edited since it was verified (signed off as {digest}, now"
            ))));
        // A terminal takes the same catalog, and never calls the edited words verified.
        let on_terminal = parse(&[
            ("catalog.toml".to_string(), HEAD.to_string()),
            ("items/za.toml".to_string(), edited.clone()),
        ])
        .unwrap();
        assert!(!on_terminal.items[0].verified);
        assert!(problems_in(
            HEAD,
            &confirmed.replace(&format!("verified_digest = \"{digest}\"\n"), "")
        )
        .iter()
        .any(|p| p.contains("ZA-A-43: a verified item carries the digest signed off")));
        one(
            &with(
                "ZA-A-44",
                "verified = false\nidentify = [\"id_card\", \"scan\"]",
            ),
            "ZA-A-44: `identify` lists scan, but no question takes a scanned number",
        );
        one(
            &with("ZA-A-45", "verified = false\nfee_note = { zh = \"约45元（来源可信度低）\", en = \"about 45 yuan\" }"),
            "ZA-A-45: fee_note holds an editor's remark (\"可信度\")",
        );
        // The same doubt where it belongs: in the editors' note, which no citizen reads.
        let noted = with(
            "ZA-A-46",
            "verified = false\nfee_note = { zh = \"约45元\", en = \"about 45 yuan\" }\neditors_note = \"45元出自深圳转载，来源可信度低\"",
        );
        assert_eq!(problems_in(HEAD, &noted), Vec::<String>::new());
    }

    #[test]
    fn a_guide_never_speaks_of_materials_it_does_not_list() {
        let listed = "{ zh = \"请携带上列材料到公安窗口办理\", en = \"Bring the listed materials to the police counter\" }";
        let item = ITEM
            .replace("ZA-A-01", "ZA-A-50")
            .replace("next_steps = [", &format!("next_steps = [{listed}, "));
        one(
            &item,
            "ZA-A-50: next_steps[0] speaks of the listed materials, but the item lists none",
        );
        let with_materials = item.replace(
            "verified = false",
            "verified = false\nmaterials = [{ zh = \"身份证\", en = \"ID card\" }]",
        );
        assert_eq!(problems_in(HEAD, &with_materials), Vec::<String>::new());
        one(
            &ITEM.replace("ZA-A-01", "ZA-A-51").replace(
                "verified = false",
                "verified = false\neligibility = [{ rule = \"expires_within\", months = 0 }]",
            ),
            "ZA-A-51: expires_within 0 months is not a sane renewal window",
        );
    }

    /// An application called complete would say on screen that nothing more is to come,
    /// although upstream sends no decision back; a rating is complete when sent.
    #[test]
    fn complete_is_only_a_rating() {
        let complete = ITEM
            .replace("ZA-A-01", "ZA-A-52")
            .replace("mode = \"submit\"", "mode = \"complete\"");
        one(
            &complete,
            "ZA-A-52: mode `complete` on an item that gets nothing back from upstream",
        );
        let rating = complete.replace(
            "verified = false",
            "verified = false\nkind = \"evaluation\"",
        );
        assert!(
            !problems_in(HEAD, &rating)
                .iter()
                .any(|p| p.contains("mode `complete`")),
            "a rating is complete when sent"
        );
    }

    #[test]
    fn rules_and_fields_are_checked() {
        let rules = |r: &str| {
            ITEM.replace("ZA-A-01", "ZA-A-20")
                .replace("verified = false", &format!("verified = false\n{r}"))
        };
        one(
            &rules("eligibility = [{ rule = \"min_age\", years = 60 }, { rule = \"max_age\", years = 18 }]"),
            "min_age 60 is above max_age 18",
        );
        // The ID number's prefix is not where a household is registered: no such rule.
        one(
            &rules("eligibility = [{ rule = \"region_prefix\", prefixes = [\"4101\"], region = { zh = \"郑州\", en = \"Zhengzhou\" } }]"),
            "unknown variant `region_prefix`",
        );
        one(
            &rules("eligibility = [{ rule = \"card_types\", types = [] }]"),
            "card_types rule lists no card types",
        );
        one(
            &rules("eligibility = [{ rule = \"min_age\" }]"),
            "missing field `years`",
        );
        let field = |body: &str| {
            format!(
                "{}\n[[items.fields]]\nkey = \"f\"\nlabel = {{ zh = \"号码\", en = \"Number\" }}\n{body}\n",
                ITEM.replace("ZA-A-01", "ZA-A-30")
            )
        };
        one(
            &field("kind = \"digits\""),
            "a Digits field needs min_len and max_len",
        );
        one(
            &field("kind = \"digits\"\nmin_len = 9\nmax_len = 4"),
            "needs 1 <= min_len <= max_len <= 40",
        );
        one(
            &field("kind = \"choice\""),
            "`options` go with kind = \"choice\"",
        );
        one(
            &field("kind = \"date\""),
            "`range` (past/future/any) goes with kind = \"date\"",
        );
        one(
            &field("kind = \"prefill\""),
            "`from` (a card field) goes with kind = \"prefill\"",
        );
        one(
            &field("kind = \"phone\"\nmin_len = 11\nmax_len = 11"),
            "min_len/max_len only apply to digits and letters",
        );
    }

    #[test]
    fn structure_errors_are_caught() {
        let problems = |text: String| -> Vec<String> {
            parse(&[("catalog.toml".to_string(), text)])
                .unwrap_err()
                .iter()
                .map(|p| p.to_string())
                .collect()
        };
        let p = problems(HEAD.replace("police_type = \"ZA\"", "police_type = \"XX\""));
        assert!(
            p.iter()
                .any(|m| m.contains("police_type `XX` does not exist")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.contains("the catalog has no items")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.contains("category has no items")),
            "{p:?}"
        );
        // A featured item that is not in the catalog.
        let p = problems(HEAD.replace(
            "issuer = \"测试\"",
            "issuer = \"测试\"\nfeatured = [\"ZA-GONE-01\"]",
        ));
        assert!(
            p.iter().any(|m| m.contains("ZA-GONE-01")
                && m.contains("`featured` names an item the catalog does not have")),
            "{p:?}"
        );
    }

    #[test]
    fn a_name_too_long_for_a_tile_needs_a_short_one() {
        let long = ITEM.replace(
            "en = \"No criminal record\"",
            "en = \"Certificate of no criminal record for an individual\"",
        );
        let p = problems_in(HEAD, &long);
        assert!(
            p.iter()
                .any(|m| m.contains("name is too long for a tile") && m.contains("ZA-A-01")),
            "{p:?}"
        );
        let shortened = long.replace(
            "summary =",
            "short_name = { zh = \"无犯罪记录证明\", en = \"No-criminal-record certificate\" }\nsummary =",
        );
        assert_eq!(problems_in(HEAD, &shortened), Vec::<String>::new());
        let p = problems_in(
            HEAD,
            &long.replace(
                "summary =",
                "short_name = { zh = \"无犯罪记录证明\", en = \"Certificate of no criminal record\" }\nsummary =",
            ),
        );
        assert!(
            p.iter()
                .any(|m| m.contains("short_name is too long for a tile")),
            "{p:?}"
        );
    }
}
