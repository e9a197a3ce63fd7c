//! The rules of an item's form: each question's key, label, kind and the settings that go with
//! its kind, and conditions that name an earlier choice.

use std::collections::HashSet;

use super::{Checker, Scope};
use crate::catalog::schema::{Field, FieldKind, Item};

/// One rule a question must keep; `what` names it in the message (`field `key``).
type FieldRule = fn(&mut Checker, &Item, &Field, &str);

/// Every question rule after its key's, in the order its problems are listed.
const FIELD_RULES: [FieldRule; 6] = [label, lengths, options, date_range, ask_if, prefill_from];

pub(super) fn fields(k: &mut Checker, _: &Scope, item: &Item) {
    let mut keys = HashSet::new();
    for field in &item.fields {
        let what = format!("field `{}`", field.key);
        key(k, item, field, &what);
        if !keys.insert(field.key.as_str()) {
            k.on(item, format!("{what}: key is used twice in this item"));
        }
        for rule in FIELD_RULES {
            rule(k, item, field, &what);
        }
    }
}

fn key(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    if field.key.is_empty()
        || !field
            .key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        k.on(
            item,
            format!("{what}: key must be lower-case letters, digits, '_'"),
        );
    }
}

fn label(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    k.item_text(item, &format!("{what}.label"), &field.label);
}

/// `min_len` and `max_len`, for digits and letters, and only for them.
fn lengths(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    let wants_len = matches!(field.kind, FieldKind::Digits | FieldKind::Letters);
    match (wants_len, field.min_len, field.max_len) {
        (true, Some(min), Some(max)) if min == 0 || min > max || max > 40 => k.on(
            item,
            format!("{what}: needs 1 <= min_len <= max_len <= 40 (has {min}..{max})"),
        ),
        (true, None, _) | (true, _, None) => k.on(
            item,
            format!("{what}: a {:?} field needs min_len and max_len", field.kind),
        ),
        (false, Some(_), _) | (false, _, Some(_)) => k.on(
            item,
            format!("{what}: min_len/max_len only apply to digits and letters"),
        ),
        _ => {}
    }
}

/// `options`, for a choice and only for one, each once and in both languages.
fn options(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    if (field.kind == FieldKind::Choice) == field.options.is_empty() {
        k.on(
            item,
            format!("{what}: `options` go with kind = \"choice\" and only with it"),
        );
    }
    let mut option_codes = HashSet::new();
    for o in &field.options {
        if !option_codes.insert(o.code.as_str()) {
            k.on(item, format!("{what}: option `{}` is listed twice", o.code));
        }
        k.item_text(item, &format!("{what}.options.{}", o.code), &o.label);
    }
    if field.options_from.is_some() && field.kind != FieldKind::Choice {
        k.on(
            item,
            format!("{what}: `options_from` goes with kind = \"choice\" only"),
        );
    }
    let kept = crate::catalog::schema::OptionsFrom::KEPT_OPTION;
    if field.options_from.is_some() && !field.options.iter().any(|o| o.code == kept) {
        k.on(
            item,
            format!("{what}: `options_from` needs an option `{kept}` to follow the feed's"),
        );
    }
}

fn date_range(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    if (field.kind == FieldKind::Date) != field.range.is_some() {
        k.on(
            item,
            format!("{what}: `range` (past/future/any) goes with kind = \"date\" and only with it"),
        );
    }
}

/// `ask_if` names an earlier question and one of its options.
fn ask_if(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    let Some(cond) = &field.ask_if else {
        return;
    };
    let earlier = item
        .fields
        .iter()
        .take_while(|f| f.key != field.key)
        .find(|f| f.key == cond.field);
    match earlier {
        Some(prev) if prev.options.iter().any(|o| o.code == cond.equals) => {}
        Some(_) => k.on(
            item,
            format!(
                "{what}: ask_if: `{}` is not an option of `{}`",
                cond.equals, cond.field
            ),
        ),
        None => k.on(
            item,
            format!(
                "{what}: ask_if names `{}`, which is not an earlier field",
                cond.field
            ),
        ),
    }
}

fn prefill_from(k: &mut Checker, item: &Item, field: &Field, what: &str) {
    if (field.kind == FieldKind::Prefill) != field.from.is_some() {
        k.on(
            item,
            format!("{what}: `from` (a card field) goes with kind = \"prefill\" and only with it"),
        );
    }
}
