//! Validation of a parsed catalog: every problem with its file, its code and what to fix.

use std::collections::{HashMap, HashSet};

use super::{Capability, Catalog, FieldKind, Identify, Item, Mode, Problem, Rule, Text};

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

    for s in &c.sources {
        if let Some(url) = &s.url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                k.add(
                    &first_file,
                    Some(&s.id),
                    format!("source url `{url}` is not a web address (http:// or https://)"),
                );
            }
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
    match (item.verified, &item.verified_by, &item.verified_on) {
        (true, Some(by), Some(on)) => {
            if by.trim().is_empty() {
                k.add(
                    f,
                    Some(code),
                    "`verified_by` is empty; name who confirmed it",
                );
            }
            if !is_date(on) {
                k.add(
                    f,
                    Some(code),
                    format!("`verified_on` = \"{on}\" is not a date; write YYYY-MM-DD"),
                );
            }
        }
        (true, _, _) => k.add(
            f,
            Some(code),
            "a verified item says who confirmed it and when: `verified_by` and `verified_on`",
        ),
        (false, None, None) => {}
        (false, _, _) => k.add(
            f,
            Some(code),
            "`verified_by`/`verified_on` go with `verified = true`",
        ),
    }
    if item.identify.contains(&Identify::Scan) && !item.fields.iter().any(|f| f.takes_a_scan()) {
        k.add(
            f,
            Some(code),
            "`identify` lists scan, but no question takes a scanned number (a letters or digits field); add one or drop scan",
        );
    }
    for (what, t) in citizen_texts(item) {
        if let Some(remark) = EDITORS_REMARKS
            .iter()
            .find(|r| t.zh.contains(**r) || t.en.to_lowercase().contains(**r))
        {
            k.add(
                f,
                Some(code),
                format!("{what} holds an editor's remark (\"{remark}\"); citizens read it: move it to `editors_note`"),
            );
        }
    }
    if item.materials.is_empty() {
        if let Some(i) = item
            .next_steps
            .iter()
            .position(|t| t.zh.contains("上列材料") || t.en.contains("listed materials"))
        {
            k.add(
                f,
                Some(code),
                format!("next_steps[{i}] speaks of the listed materials, but the item lists none; list them or say to ask at the counter"),
            );
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
            Rule::ExpiresWithin { months } if *months == 0 || *months > 24 => {
                k.add(
                    f,
                    Some(code),
                    format!(
                        "expires_within {months} months is not a sane renewal window (1 to 24)"
                    ),
                );
            }
            Rule::CardTypes { types } if types.is_empty() => {
                k.add(f, Some(code), "card_types rule lists no card types");
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

/// Words of an editor, not of a guide: they belong in `editors_note`.
const EDITORS_REMARKS: [&str; 6] = [
    "可信度",
    "待核实",
    "年目录",
    "low-quality source",
    "unreliable source",
    "to be verified",
];

/// What an item's text may claim only where the terminal can do it.
const CLAIMS: [(Capability, &[&str]); 2] = [
    (
        Capability::Payment,
        &[
            "缴费凭证",
            "缴款凭证",
            "已缴费",
            "已缴款",
            "缴费成功",
            "proves payment",
            "proof of payment",
            "payment receipt",
        ],
    ),
    (
        Capability::ChipWriter,
        &["写入证件芯片", "写入芯片", "to the chip", "onto the chip"],
    ),
];

/// Every text of an item a citizen reads on the screen or the receipt, with its name.
fn citizen_texts(item: &Item) -> Vec<(String, &Text)> {
    let mut all = vec![
        ("name".to_string(), &item.name),
        ("summary".to_string(), &item.summary),
    ];
    for (what, list) in [
        ("conditions", &item.conditions),
        ("materials", &item.materials),
        ("steps", &item.steps),
        ("next_steps", &item.next_steps),
    ] {
        all.extend(
            list.iter()
                .enumerate()
                .map(|(i, t)| (format!("{what}[{i}]"), t)),
        );
    }
    for (what, t) in [
        ("time_limit", &item.time_limit),
        ("fee_note", &item.fee_note),
        ("collect", &item.collect),
    ] {
        all.extend(t.iter().map(|t| (what.to_string(), t)));
    }
    all
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// The catalog against one terminal: no item needs, or claims in its text, a device the
/// terminal does not have (`capabilities`) — a receipt must not prove a payment no one took.
pub fn for_terminal(c: &Catalog, capabilities: &[Capability]) -> Vec<Problem> {
    let mut k = Checker {
        problems: Vec::new(),
    };
    let has = |cap: &Capability| capabilities.contains(cap);
    let names = capabilities
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ");
    for item in &c.items {
        let (f, code) = (item.file.as_str(), item.code.as_str());
        for need in item.needs.iter().filter(|n| !has(n)) {
            k.add(
                f,
                Some(code),
                format!(
                    "needs `{}`, which the terminal does not have (capabilities: {names}); make it a guide or declare the device",
                    need.name()
                ),
            );
        }
        for (cap, phrases) in CLAIMS {
            if has(&cap) && item.needs.contains(&cap) {
                continue;
            }
            for (what, t) in citizen_texts(item) {
                if let Some(p) = phrases
                    .iter()
                    .find(|p| t.zh.contains(**p) || t.en.to_lowercase().contains(**p))
                {
                    k.add(
                        f,
                        Some(code),
                        format!(
                            "{what} claims \"{p}\", which needs `{}` in the item's `needs` and on the terminal",
                            cap.name()
                        ),
                    );
                }
            }
        }
    }
    k.problems
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
        let confirmed = with(
            "ZA-A-43",
            "verified = true\nverified_by = \"市局户政处\"\nverified_on = \"2026-12-01\"\nfee_yuan = 0\ntime_limit = { zh = \"当场\", en = \"At once\" }\nmaterials = [{ zh = \"身份证\", en = \"ID card\" }]",
        );
        assert_eq!(problems_in(HEAD, &confirmed), Vec::<String>::new());
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

    #[test]
    fn no_item_needs_or_claims_a_device_the_terminal_lacks() {
        use super::super::{parse_for, Capability};
        let files = |extra: &str| {
            vec![
                ("catalog.toml".to_string(), HEAD.to_string()),
                (
                    "items/za.toml".to_string(),
                    ITEM.replace("verified = false", &format!("verified = false\n{extra}")),
                ),
            ]
        };
        let problems = |extra: &str, caps: &[Capability]| -> Vec<String> {
            match parse_for(&files(extra), caps) {
                Ok(_) => Vec::new(),
                Err(p) => p.iter().map(|p| p.to_string()).collect(),
            }
        };
        let default = &Capability::DEFAULT;
        let with_payment = &[
            Capability::CardReader,
            Capability::Printer,
            Capability::Payment,
        ];
        assert_eq!(problems("", default), Vec::<String>::new());
        let needs = "needs = [\"payment\"]";
        assert!(problems(needs, default)[0].contains(
            "ZA-A-01: needs `payment`, which the terminal does not have (capabilities: card_reader, printer, scanner)"
        ));
        assert_eq!(problems(needs, with_payment), Vec::<String>::new());
        let claims = "collect = { zh = \"本回执是缴费凭证\", en = \"Keep this receipt\" }";
        assert!(problems(claims, default)[0]
            .contains("ZA-A-01: collect claims \"缴费凭证\", which needs `payment`"));
        // Claimed in English only, still refused; and on a payment terminal, the item must say
        // it needs payment for its receipt to say so.
        let claims_en =
            "collect = { zh = \"请保管回执\", en = \"This receipt is proof of payment\" }";
        assert!(problems(claims_en, with_payment)[0].contains("claims \"proof of payment\""));
        assert_eq!(
            problems(&format!("{claims_en}\n{needs}"), with_payment),
            Vec::<String>::new()
        );
        let chip = vec![
            ("catalog.toml".to_string(), HEAD.to_string()),
            (
                "items/za.toml".to_string(),
                ITEM.replace("A certificate", "Endorsed and written to the chip at once"),
            ),
        ];
        let p: Vec<String> = parse_for(&chip, default)
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert!(
            p[0].contains("ZA-A-01: summary claims \"to the chip\", which needs `chip_writer`"),
            "{p:#?}"
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
