//! Validation of a parsed catalog: every problem with its file, its code and what to fix.

use std::collections::{HashMap, HashSet};

use super::{Catalog, FieldKind, Item, Mode, Problem, Rule, Text};

/// The most a fee on this terminal can sensibly be (the dearest item in the research is 120 yuan).
pub const MAX_FEE_YUAN: u32 = 2_000;

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

    fn texts(&mut self, file: &str, code: &str, what: &str, ts: &[Text]) {
        for (i, t) in ts.iter().enumerate() {
            self.text(file, code, &format!("{what}[{i}]"), t);
        }
    }
}

pub fn check(c: &Catalog) -> Vec<Problem> {
    let mut k = Checker {
        problems: Vec::new(),
    };
    let first_file = c
        .police_types
        .first()
        .map(|t| t.file.clone())
        .unwrap_or_else(|| "catalog".into());
    if c.version.trim().is_empty() {
        k.add(
            &first_file,
            None,
            "`version` is missing; set e.g. version = \"2026.11.1\"",
        );
    } else if super::version_order(&c.version).is_none() {
        k.add(
            &first_file,
            None,
            "`version` has no number; terminals only take a newer one, e.g. \"2026.12.01-1\"",
        );
    }
    if c.issuer.trim().is_empty() {
        k.add(
            &first_file,
            None,
            "`issuer` is missing; name the issuing authority",
        );
    }
    if c.items.is_empty() {
        k.add(&first_file, None, "the catalog has no items");
    }

    for code in &c.featured {
        if c.item(code).is_none() {
            k.add(
                &first_file,
                Some(code),
                "`featured` names an item the catalog does not have",
            );
        }
    }

    let sources: HashSet<&str> = c.sources.iter().map(|s| s.id.as_str()).collect();
    let mut seen: HashMap<&str, &str> = HashMap::new();
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
    for t in &c.police_types {
        if c.categories_of(&t.code).next().is_none() {
            k.add(&t.file, Some(&t.code), "police type has no categories");
        }
    }
    for item in &c.items {
        if !code_ok(&item.code) {
            k.add(
                &item.file,
                Some(&item.code),
                "item code must be A-Z, 0-9 and '-'",
            );
        }
        if let Some(other) = seen.insert(&item.code, &item.file) {
            k.add(
                &item.file,
                Some(&item.code),
                format!("code is used twice (also in {other})"),
            );
        }
        check_item(&mut k, c, item, &sources);
    }
    k.problems
}

fn check_item(k: &mut Checker, c: &Catalog, item: &Item, sources: &HashSet<&str>) {
    let (f, code) = (item.file.as_str(), item.code.as_str());
    if c.category(&item.category).is_none() {
        k.add(
            f,
            Some(code),
            format!(
                "category `{}` does not exist; use one of the [[categories]] codes",
                item.category
            ),
        );
    }
    k.text(f, code, "name", &item.name);
    match &item.short_name {
        Some(short) => {
            k.text(f, code, "short_name", short);
            if !super::fits_tile(short) {
                k.add(
                    f,
                    Some(code),
                    format!(
                        "short_name is too long for a tile: at most {} Chinese or {} English characters",
                        super::TILE_NAME_MAX.0,
                        super::TILE_NAME_MAX.1
                    ),
                );
            }
        }
        None if !super::fits_tile(&item.name) => k.add(
            f,
            Some(code),
            format!(
                "name is too long for a tile (over {} Chinese or {} English characters); add a short_name",
                super::TILE_NAME_MAX.0,
                super::TILE_NAME_MAX.1
            ),
        ),
        None => {}
    }
    k.text(f, code, "summary", &item.summary);
    k.texts(f, code, "conditions", &item.conditions);
    k.texts(f, code, "materials", &item.materials);
    k.texts(f, code, "steps", &item.steps);
    k.texts(f, code, "next_steps", &item.next_steps);
    for (what, t) in [
        ("time_limit", &item.time_limit),
        ("fee_note", &item.fee_note),
        ("collect", &item.collect),
    ] {
        if let Some(t) = t {
            k.text(f, code, what, t);
        }
    }
    if item.identify.is_empty() {
        k.add(
            f,
            Some(code),
            "`identify` is empty; list id_card and/or scan",
        );
    }
    if let Some(y) = item.fee_yuan {
        if y > MAX_FEE_YUAN {
            k.add(
                f,
                Some(code),
                format!("fee_yuan = {y} is not a sane fee (at most {MAX_FEE_YUAN}); is it in fen?"),
            );
        }
    }
    if item.verified {
        if item.fee_yuan.is_none() && item.fee_note.is_none() {
            k.add(
                f,
                Some(code),
                "a verified item needs `fee_yuan` or `fee_note`",
            );
        }
        if item.time_limit.is_none() {
            k.add(f, Some(code), "a verified item needs `time_limit`");
        }
        if item.materials.is_empty() && item.mode != Mode::Query {
            k.add(f, Some(code), "a verified item needs its `materials`");
        }
    }
    if item.mode != Mode::Query && item.next_steps.is_empty() {
        k.add(
            f,
            Some(code),
            "`next_steps` is empty; the receipt must tell the citizen what happens next",
        );
    }
    if item.sources.is_empty() {
        k.add(
            f,
            Some(code),
            "`sources` is empty; every item says where its facts come from",
        );
    }
    for s in &item.sources {
        if !sources.contains(s.as_str()) {
            k.add(
                f,
                Some(code),
                format!("source `{s}` is not in [[sources]]; add it there or fix the id"),
            );
        }
    }
    for rule in &item.eligibility {
        match rule {
            Rule::MinAge { years } | Rule::MaxAge { years } if *years > 120 => {
                k.add(
                    f,
                    Some(code),
                    format!("age {years} is not a sane age limit"),
                );
            }
            Rule::CardTypes { types } if types.is_empty() => {
                k.add(f, Some(code), "card_types rule lists no card types");
            }
            Rule::RegionPrefix { prefixes, region } => {
                if prefixes.is_empty() {
                    k.add(f, Some(code), "region_prefix rule lists no prefixes");
                }
                for p in prefixes {
                    if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
                        k.add(
                            f,
                            Some(code),
                            format!("region prefix `{p}` must be 1 to 6 digits of an ID number"),
                        );
                    }
                }
                k.text(f, code, "region_prefix.region", region);
            }
            _ => {}
        }
    }
    let ages = item
        .eligibility
        .iter()
        .fold((None, None), |acc, r| match r {
            Rule::MinAge { years } => (Some(*years), acc.1),
            Rule::MaxAge { years } => (acc.0, Some(*years)),
            _ => acc,
        });
    if let (Some(min), Some(max)) = ages {
        if min > max {
            k.add(
                f,
                Some(code),
                format!("min_age {min} is above max_age {max}"),
            );
        }
    }
    let mut keys = HashSet::new();
    for field in &item.fields {
        let what = format!("field `{}`", field.key);
        if field.key.is_empty()
            || !field
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            k.add(
                f,
                Some(code),
                format!("{what}: key must be lower-case letters, digits, '_'"),
            );
        }
        if !keys.insert(field.key.as_str()) {
            k.add(
                f,
                Some(code),
                format!("{what}: key is used twice in this item"),
            );
        }
        k.text(f, code, &format!("{what}.label"), &field.label);
        let wants_len = matches!(field.kind, FieldKind::Digits | FieldKind::Letters);
        match (wants_len, field.min_len, field.max_len) {
            (true, Some(min), Some(max)) if min == 0 || min > max || max > 40 => k.add(
                f,
                Some(code),
                format!("{what}: needs 1 <= min_len <= max_len <= 40 (has {min}..{max})"),
            ),
            (true, None, _) | (true, _, None) => k.add(
                f,
                Some(code),
                format!("{what}: a {:?} field needs min_len and max_len", field.kind),
            ),
            (false, Some(_), _) | (false, _, Some(_)) => k.add(
                f,
                Some(code),
                format!("{what}: min_len/max_len only apply to digits and letters"),
            ),
            _ => {}
        }
        if (field.kind == FieldKind::Choice) == field.options.is_empty() {
            k.add(
                f,
                Some(code),
                format!("{what}: `options` go with kind = \"choice\" and only with it"),
            );
        }
        let mut option_codes = HashSet::new();
        for o in &field.options {
            if !option_codes.insert(o.code.as_str()) {
                k.add(
                    f,
                    Some(code),
                    format!("{what}: option `{}` is listed twice", o.code),
                );
            }
            k.text(f, code, &format!("{what}.options.{}", o.code), &o.label);
        }
        if (field.kind == FieldKind::Date) != field.range.is_some() {
            k.add(
                f,
                Some(code),
                format!(
                    "{what}: `range` (past/future/any) goes with kind = \"date\" and only with it"
                ),
            );
        }
        if let Some(cond) = &field.ask_if {
            let earlier = item
                .fields
                .iter()
                .take_while(|f| f.key != field.key)
                .find(|f| f.key == cond.field);
            match earlier {
                Some(prev) if prev.options.iter().any(|o| o.code == cond.equals) => {}
                Some(_) => k.add(
                    f,
                    Some(code),
                    format!(
                        "{what}: ask_if: `{}` is not an option of `{}`",
                        cond.equals, cond.field
                    ),
                ),
                None => k.add(
                    f,
                    Some(code),
                    format!(
                        "{what}: ask_if names `{}`, which is not an earlier field",
                        cond.field
                    ),
                ),
            }
        }
        if (field.kind == FieldKind::Prefill) != field.from.is_some() {
            k.add(
                f,
                Some(code),
                format!(
                    "{what}: `from` (a card field) goes with kind = \"prefill\" and only with it"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    const HEAD: &str = r#"
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

    const ITEM: &str = r#"
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
        match parse(&files) {
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
        one(
            &rules("eligibility = [{ rule = \"region_prefix\", prefixes = [\"41A\"], region = { zh = \"郑州\", en = \"Zhengzhou\" } }]"),
            "region prefix `41A` must be 1 to 6 digits",
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
