//! What an item's words must not hold: an editor's remark, where citizens read it; an outcome
//! (acceptance, a decision on the spot) that no mode of the terminal can give; and, against one
//! terminal, a device the item needs or its text claims that the terminal does not have.

use super::{Checker, Problem, Scope};
use crate::catalog::schema::{Capability, Catalog, Item, Mode, Text};

/// Words of an editor, not of a guide: they belong in `editors_note`.
const EDITORS_REMARKS: [&str; 6] = [
    "可信度",
    "待核实",
    "年目录",
    "low-quality source",
    "unreliable source",
    "to be verified",
];

pub(super) fn no_editors_remarks(k: &mut Checker, _: &Scope, item: &Item) {
    for (what, t) in citizen_texts(item) {
        if let Some(remark) = EDITORS_REMARKS
            .iter()
            .find(|r| t.zh.contains(**r) || t.en.to_lowercase().contains(**r))
        {
            k.on(
                item,
                format!("{what} holds an editor's remark (\"{remark}\"); citizens read it: move it to `editors_note`"),
            );
        }
    }
}

/// Outcomes only the authority gives: its acceptance (受理 is its act) and a decision. A phrase's
/// parts joined by "…" must occur in this order, anything between; English is compared in lower case.
const OUTCOME_CLAIMS: [(&str, &[&str]); 2] = [
    (
        "proof of acceptance",
        &[
            "证明…受理",
            "已受理您的",
            "本机受理",
            "prove…accepted",
            "proof…accepted",
            "accepted your",
        ],
    ),
    (
        "a decision or completion on the spot",
        &[
            "当场办结",
            "当场出具决定",
            "生成罚款决定",
            "本机办结",
            "done on the spot",
            "done here and now",
            "decided on the spot",
            "get the fine decision",
        ],
    ),
];

/// Why an item of this mode cannot keep an [`OUTCOME_CLAIMS`] claim. The catalog's words are
/// printed whatever upstream answered, so no item's own text may say the authority accepted or
/// decided: only an upstream answer that carries the decision can. `decision` prints one — from
/// that answer, never from the item's words, which are the same when upstream refused.
fn cannot_keep(mode: Mode) -> &'static str {
    match mode {
        Mode::Guide => {
            "a guide sends the citizen to the counter; nothing is accepted or decided here"
        }
        Mode::Query => "a lookup shows what upstream holds; it accepts and decides nothing",
        Mode::Submit => {
            "a submission is stored and forwarded; only the authority accepts it, later"
        }
        Mode::Complete => {
            "`complete` stores and forwards like submit and gets no decision back from upstream"
        }
        Mode::Appointment => "a booking reserves a time at the counter; nothing is decided here",
        Mode::Decision => {
            "the decision is upstream's answer, printed from it; the item's own words print \
             whatever upstream answered, refused or offline too"
        }
    }
}

/// `phrase` in `text`: its "…"-separated parts in order.
fn says(text: &str, phrase: &str) -> bool {
    let mut rest = text;
    for part in phrase.split('…') {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// No item claims an outcome its mode cannot give (see [`cannot_keep`]).
pub(super) fn no_outcome_claims(k: &mut Checker, _: &Scope, item: &Item) {
    for (what, t) in citizen_texts(item) {
        let en = t.en.to_lowercase();
        for (outcome, phrases) in OUTCOME_CLAIMS {
            if let Some(p) = phrases.iter().find(|p| says(&t.zh, p) || says(&en, p)) {
                k.on(
                    item,
                    format!(
                        "{what} claims {outcome} (\"{p}\"), which mode `{}` cannot keep: {}; say what happens where",
                        item.mode.name(),
                        cannot_keep(item.mode)
                    ),
                );
            }
        }
    }
}

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
        for need in item.needs.iter().filter(|n| !has(n)) {
            k.on(
                item,
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
                    k.on(
                        item,
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
    use super::super::tests::{HEAD, ITEM};
    use crate::catalog::{parse, parse_for, Capability};

    /// The audit's false claims, each planted back into an item of each mode that could carry
    /// it: proof that the police accepted something (FZ-ZFGK-07's old line), and a decision or
    /// completion on the spot (JG-WF-01's old summary and time limit). None of them is kept by
    /// any mode today, `complete` included: it stores and forwards like `submit`.
    #[test]
    fn no_item_claims_an_acceptance_or_a_decision_it_cannot_give() {
        let problems = |mode: &str, extra: &str| -> Vec<String> {
            // A `complete` item is a rating (the only kind it may be).
            let kind = if mode == "complete" {
                "\nkind = \"evaluation\""
            } else {
                ""
            };
            let item = ITEM
                .replace("mode = \"submit\"", &format!("mode = \"{mode}\""))
                .replace(
                    "verified = false",
                    &format!("verified = false{kind}\n{extra}"),
                );
            match parse(&[
                ("catalog.toml".to_string(), HEAD.to_string()),
                ("items/za.toml".to_string(), item),
            ]) {
                Ok(_) => Vec::new(),
                Err(p) => p.iter().map(|p| p.to_string()).collect(),
            }
        };
        let planted = [
            (
                "collect = { zh = \"本回执证明公安机关已受理您的报案\", en = \"Keep it\" }",
                "collect claims proof of acceptance (\"证明…受理\")",
            ),
            (
                "collect = { zh = \"请保管\", en = \"This receipt proves the police accepted your report\" }",
                "collect claims proof of acceptance (\"prove…accepted\")",
            ),
            (
                "collect = { zh = \"公安机关已受理您的申请\", en = \"Keep it\" }",
                "collect claims proof of acceptance (\"已受理您的\")",
            ),
            (
                "time_limit = { zh = \"当场办结\", en = \"At once\" }",
                "time_limit claims a decision or completion on the spot (\"当场办结\")",
            ),
            (
                "collect = { zh = \"确认违法、记分，生成罚款决定\", en = \"Confirm it\" }",
                "collect claims a decision or completion on the spot (\"生成罚款决定\")",
            ),
            (
                "collect = { zh = \"当场出具决定书\", en = \"Keep it\" }",
                "collect claims a decision or completion on the spot (\"当场出具决定\")",
            ),
            (
                "collect = { zh = \"请保管\", en = \"Done on the spot\" }",
                "collect claims a decision or completion on the spot (\"done on the spot\")",
            ),
        ];
        for mode in [
            "guide",
            "query",
            "submit",
            "complete",
            "appointment",
            "decision",
        ] {
            assert_eq!(problems(mode, ""), Vec::<String>::new(), "{mode}");
            for (extra, expect) in planted {
                let p = problems(mode, extra);
                assert!(
                    p.iter().any(|m| m.contains(&format!("ZA-A-01: {expect}"))
                        && m.contains(&format!("mode `{mode}` cannot keep"))),
                    "{mode} {extra}: {p:#?}"
                );
            }
        }
        // `complete` says why: nothing comes back from upstream.
        assert!(problems("complete", planted[3].0)[0]
            .contains("`complete` stores and forwards like submit and gets no decision back"));
        // What the terminal can say is kept: a pre-acceptance, a counter that accepts, later.
        let kept = "collect = { zh = \"凭本回执到受理窗口领取，公安机关受理后书面通知\", en = \"The police answer once they accept it\" }";
        assert_eq!(problems("submit", kept), Vec::<String>::new());
    }

    /// The same claims planted back into copies of the shipped items they were found on
    /// (FZ-ZFGK-07, JG-WF-01, now guides) and into the one shipped `complete` item (FZ-ZFGK-05):
    /// each is refused with the item's code; the shipped catalog itself passes.
    #[test]
    fn the_audits_false_claims_planted_back_into_shipped_items_are_refused() {
        let planted = |code: &str, line: &str| -> Vec<String> {
            let files: Vec<(String, String)> = crate::catalog::shipped_files()
                .into_iter()
                .map(
                    |(name, text)| match text.find(&format!("code = \"{code}\"\n")) {
                        Some(at) => {
                            let end = at + text[at..].find('\n').unwrap() + 1;
                            (name, format!("{}{line}\n{}", &text[..end], &text[end..]))
                        }
                        None => (name, text),
                    },
                )
                .collect();
            match parse(&files) {
                Ok(_) => Vec::new(),
                Err(p) => p.iter().map(|p| p.to_string()).collect(),
            }
        };
        assert_eq!(planted("FZ-ZFGK-07", ""), Vec::<String>::new());
        for (code, line, expect) in [
            (
                "FZ-ZFGK-07",
                "collect = { zh = \"本回执证明公安机关已受理您的报案\", en = \"This receipt proves the police accepted your report\" }",
                "items/fa_zhi.toml: FZ-ZFGK-07: collect claims proof of acceptance (\"证明…受理\"), which mode `guide` cannot keep",
            ),
            (
                "JG-WF-01",
                "time_limit = { zh = \"当场办结\", en = \"On the spot\" }",
                "items/jiao_guan.toml: JG-WF-01: time_limit claims a decision or completion on the spot (\"当场办结\")",
            ),
            (
                "JG-WF-01",
                "collect = { zh = \"确认违法、记分，生成罚款决定\", en = \"Confirm it and get the fine decision\" }",
                "JG-WF-01: collect claims a decision or completion on the spot (\"生成罚款决定\")",
            ),
            (
                "FZ-ZFGK-05",
                "collect = { zh = \"评价已受理，当场出具决定\", en = \"Rated\" }",
                "FZ-ZFGK-05: collect claims a decision or completion on the spot (\"当场出具决定\"), which mode `complete` cannot keep: `complete` stores and forwards like submit",
            ),
        ] {
            let p = planted(code, line);
            assert!(p.iter().any(|m| m.contains(expect)), "{expect}: {p:#?}");
        }
    }

    #[test]
    fn no_item_needs_or_claims_a_device_the_terminal_lacks() {
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
}
