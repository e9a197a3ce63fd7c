//! What an item's words must not hold: an editor's remark, where citizens read it; and, against
//! one terminal, a device the item needs or its text claims that the terminal does not have.

use super::{Checker, Problem, Scope};
use crate::catalog::schema::{Capability, Catalog, Item, Text};

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
    use crate::catalog::{parse_for, Capability};

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
