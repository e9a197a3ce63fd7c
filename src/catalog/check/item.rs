//! The rules of one item apart from its form and its claims: its category, texts and tile name,
//! its facts (identification, fee), its verification, its next steps, sources and eligibility.

use super::{Checker, Scope, MAX_FEE_YUAN};
use crate::catalog::schema::{FieldKind, Identify, Item, Mode, Rule, SubmissionKind};
use crate::catalog::words::{fits_tile, TILE_NAME_MAX};

pub(super) fn category_exists(k: &mut Checker, scope: &Scope, item: &Item) {
    if scope.catalog.category(&item.category).is_none() {
        k.on(
            item,
            format!(
                "category `{}` does not exist; use one of the [[categories]] codes",
                item.category
            ),
        );
    }
}

/// The name in both languages, short enough for a tile, or a short name that is.
pub(super) fn names_fit_tiles(k: &mut Checker, _: &Scope, item: &Item) {
    k.item_text(item, "name", &item.name);
    match &item.short_name {
        Some(short) => {
            k.item_text(item, "short_name", short);
            if !fits_tile(short) {
                k.on(
                    item,
                    format!(
                        "short_name is too long for a tile: at most {} Chinese or {} English characters",
                        TILE_NAME_MAX.0,
                        TILE_NAME_MAX.1
                    ),
                );
            }
        }
        None if !fits_tile(&item.name) => k.on(
            item,
            format!(
                "name is too long for a tile (over {} Chinese or {} English characters); add a short_name",
                TILE_NAME_MAX.0,
                TILE_NAME_MAX.1
            ),
        ),
        None => {}
    }
}

pub(super) fn texts_are_bilingual(k: &mut Checker, _: &Scope, item: &Item) {
    k.item_text(item, "summary", &item.summary);
    k.texts(item, "conditions", &item.conditions);
    k.texts(item, "materials", &item.materials);
    k.texts(item, "steps", &item.steps);
    k.texts(item, "next_steps", &item.next_steps);
    for (what, t) in [
        ("time_limit", &item.time_limit),
        ("fee_note", &item.fee_note),
        ("collect", &item.collect),
    ] {
        if let Some(t) = t {
            k.item_text(item, what, t);
        }
    }
}

pub(super) fn identify_is_set(k: &mut Checker, _: &Scope, item: &Item) {
    if item.identify.is_empty() {
        k.on(item, "`identify` is empty; list id_card and/or scan");
    }
}

/// An item nobody identifies for takes nothing of a person and submits only what can be sealed:
/// an anonymous tip, or a query by number and PIN.
pub(super) fn nobody_stays_nobody(k: &mut Checker, _: &Scope, item: &Item) {
    if !item.identify.contains(&Identify::Nobody) {
        return;
    }
    if item.identify.len() > 1 {
        k.on(
            item,
            "`identify` lists nobody with another way: nobody stands alone",
        );
    }
    if !item.eligibility.is_empty() {
        k.on(
            item,
            "an item for nobody checks no card: drop its `eligibility`",
        );
    }
    match (item.mode, item.kind) {
        (Mode::Query, _) | (Mode::Submit, SubmissionKind::Tip) => {}
        _ => k.on(
            item,
            "an item for nobody is a tip (mode submit, kind tip) or a query",
        ),
    }
    for f in &item.fields {
        if matches!(
            f.kind,
            FieldKind::Prefill | FieldKind::Phone | FieldKind::IdNumber
        ) {
            k.on(
                item,
                format!(
                    "fields.{}: an item for nobody asks nothing that names a person",
                    f.key
                ),
            );
        }
    }
}

pub(super) fn fee_is_sane(k: &mut Checker, _: &Scope, item: &Item) {
    if let Some(y) = item.fee_yuan {
        if y > MAX_FEE_YUAN {
            k.on(
                item,
                format!("fee_yuan = {y} is not a sane fee (at most {MAX_FEE_YUAN}); is it in fen?"),
            );
        }
    }
}

/// A verified item states its fee, its time limit and (unless a lookup) its materials.
pub(super) fn verified_is_complete(k: &mut Checker, _: &Scope, item: &Item) {
    if !item.verified {
        return;
    }
    if item.fee_yuan.is_none() && item.fee_note.is_none() {
        k.on(item, "a verified item needs `fee_yuan` or `fee_note`");
    }
    if item.time_limit.is_none() {
        k.on(item, "a verified item needs `time_limit`");
    }
    if item.materials.is_empty() && item.mode != Mode::Query {
        k.on(item, "a verified item needs its `materials`");
    }
}

/// `verified_by` and `verified_on`: both with `verified = true`, neither without.
pub(super) fn verification_is_signed(k: &mut Checker, _: &Scope, item: &Item) {
    match (item.verified, &item.verified_by, &item.verified_on) {
        (true, Some(by), Some(on)) => {
            if by.trim().is_empty() {
                k.on(item, "`verified_by` is empty; name who confirmed it");
            }
            if !is_date(on) {
                k.on(
                    item,
                    format!("`verified_on` = \"{on}\" is not a date; write YYYY-MM-DD"),
                );
            }
        }
        (true, _, _) => k.on(
            item,
            "a verified item says who confirmed it and when: `verified_by` and `verified_on`",
        ),
        (false, None, None) => {}
        (false, _, _) => k.on(
            item,
            "`verified_by`/`verified_on` go with `verified = true`",
        ),
    }
}

/// The sign-off is bound to the words signed: a verified item carries the digest the reviewer
/// saw, and it is the item's digest now. The authority's tools keep this rule (`catalog check`,
/// `sign`, the import); a terminal reads a stale sign-off as no sign-off instead
/// (`Catalog::void_stale_sign_offs`), so a firmware that hashes differently never refuses a
/// catalog.
pub(super) fn sign_off_matches(k: &mut Checker, _: &Scope, item: &Item) {
    let now = item.content_digest();
    match (item.verified, item.verified_digest.as_deref()) {
        (true, Some(signed)) if signed == now => {}
        (true, Some(signed)) => k.on(
            item,
            format!(
                "edited since it was verified (signed off as {signed}, now {now}): have it reviewed again, or set verified = false"
            ),
        ),
        (true, None) => k.on(
            item,
            format!("a verified item carries the digest signed off: `verified_digest = \"{now}\"` once reviewed"),
        ),
        (false, Some(_)) => k.on(item, "`verified_digest` goes with `verified = true`"),
        (false, None) => {}
    }
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

pub(super) fn scan_has_a_question(k: &mut Checker, _: &Scope, item: &Item) {
    if item.identify.contains(&Identify::Scan) && !item.fields.iter().any(|f| f.takes_a_scan()) {
        k.on(
            item,
            "`identify` lists scan, but no question takes a scanned number (a letters or digits field); add one or drop scan",
        );
    }
}

/// Next steps that speak of "the listed materials" need materials listed.
pub(super) fn listed_materials_are_listed(k: &mut Checker, _: &Scope, item: &Item) {
    if !item.materials.is_empty() {
        return;
    }
    if let Some(i) = item
        .next_steps
        .iter()
        .position(|t| t.zh.contains("上列材料") || t.en.contains("listed materials"))
    {
        k.on(
            item,
            format!("next_steps[{i}] speaks of the listed materials, but the item lists none; list them or say to ask at the counter"),
        );
    }
}

pub(super) fn next_steps_are_set(k: &mut Checker, _: &Scope, item: &Item) {
    if item.mode != Mode::Query && item.next_steps.is_empty() {
        k.on(
            item,
            "`next_steps` is empty; the receipt must tell the citizen what happens next",
        );
    }
}

pub(super) fn sources_exist(k: &mut Checker, scope: &Scope, item: &Item) {
    if item.sources.is_empty() {
        k.on(
            item,
            "`sources` is empty; every item says where its facts come from",
        );
    }
    for s in &item.sources {
        if !scope.sources.contains(s.as_str()) {
            k.on(
                item,
                format!("source `{s}` is not in [[sources]]; add it there or fix the id"),
            );
        }
    }
}

pub(super) fn eligibility_is_sane(k: &mut Checker, _: &Scope, item: &Item) {
    for rule in &item.eligibility {
        match rule {
            Rule::MinAge { years } | Rule::MaxAge { years } if *years > 120 => {
                k.on(item, format!("age {years} is not a sane age limit"));
            }
            Rule::ExpiresWithin { months } if *months == 0 || *months > 24 => {
                k.on(
                    item,
                    format!(
                        "expires_within {months} months is not a sane renewal window (1 to 24)"
                    ),
                );
            }
            Rule::CardTypes { types } if types.is_empty() => {
                k.on(item, "card_types rule lists no card types");
            }
            _ => {}
        }
    }
}

pub(super) fn ages_are_ordered(k: &mut Checker, _: &Scope, item: &Item) {
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
            k.on(item, format!("min_age {min} is above max_age {max}"));
        }
    }
}

/// `complete` means nothing more is to come from the police: only where the citizen's own part
/// is the whole of it (a conduct rating, `kind = "evaluation"`). An application is stored and
/// forwarded and upstream sends no decision back: it is `submit`, whatever the item once said.
pub(super) fn complete_is_the_citizen_s_part(k: &mut Checker, _: &Scope, item: &Item) {
    if item.mode == Mode::Complete && item.kind != SubmissionKind::Evaluation {
        k.on(
            item,
            "mode `complete` on an item that gets nothing back from upstream: only a rating \
             (kind evaluation) is complete when sent; an application is `submit`"
                .to_string(),
        );
    }
}

/// An item whose summary says it is pre-accepted here (预受理) prints a 预受理回执, and one marked
/// so says it: the paper and the page never disagree. Only an item that stores an application can
/// be pre-accepted.
pub(super) fn pre_acceptance_is_said(k: &mut Checker, _: &Scope, item: &Item) {
    let said = item.summary.zh.contains("预受理");
    if said && !item.pre_acceptance {
        k.on(
            item,
            "the summary says 预受理: set `pre_acceptance = true` so the receipt is a 预受理回执"
                .to_string(),
        );
    }
    if item.pre_acceptance && !said {
        k.on(
            item,
            "`pre_acceptance = true` but the summary does not say 预受理 (say what the citizen gets)"
                .to_string(),
        );
    }
    if item.pre_acceptance && item.mode != Mode::Submit {
        k.on(
            item,
            "`pre_acceptance` on an item that stores no application (mode submit only)".to_string(),
        );
    }
}

/// A decision is made on the card holder's own record, for the card holder: the item reads the
/// card and nothing else (a scanned code names no person), and asks nothing — the facts the
/// citizen confirms are upstream's, never typed.
pub(super) fn decision_is_the_card_holder_s(k: &mut Checker, _: &Scope, item: &Item) {
    if item.mode != Mode::Decision {
        return;
    }
    if item.identify != [Identify::IdCard] {
        k.on(
            item,
            "mode `decision` is the card holder's own: `identify` is the ID card alone",
        );
    }
    if !item.fields.is_empty() {
        k.on(
            item,
            "mode `decision` asks nothing: the facts confirmed are upstream's, not typed",
        );
    }
}
