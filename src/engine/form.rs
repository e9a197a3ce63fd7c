//! After 开始办理: the item's form, one question per screen (choices as buttons, numbers and
//! letters on on-screen keypads, never Chinese typing, card fields prefilled), and Confirm's
//! masked summary. What follows the last answer, by completion mode, is in completion.rs.

use onetrip_drivers::id_card::Identity;

use super::view::{FormView, Screen, Tile, View};
use super::Engine;
use crate::catalog::{CardField, Field, FieldKind, Item, Mode};
use crate::vocab::mask;

/// The chosen item's form: the answers so far, the question on screen (an index into the item's
/// fields), what is typed for it and what is wrong with that. No `Debug`: the answers are a
/// citizen's.
#[derive(Default)]
pub(super) struct FormState {
    answers: super::answers::Answers,
    field: usize,
    input: String,
    error: String,
}

impl FormState {
    /// The answers so far, in order.
    pub(super) fn given(&self) -> &[(String, String)] {
        self.answers.given()
    }

    /// As upstream receives them (the chosen slot last).
    pub(super) fn answer_pairs(&self) -> Vec<(String, String)> {
        self.answers.to_pairs()
    }

    pub(super) fn has_error(&self) -> bool {
        !self.error.is_empty()
    }

    pub(super) fn choose_slot(&mut self, slot: super::answers::ChosenSlot) {
        self.answers.choose_slot(slot);
    }

    /// Another item's form, from a case's progress (rating its officer): only the case number
    /// carries over.
    pub(super) fn start_over_keeping_case_number(&mut self) {
        let number = self.answers.case_number().map(str::to_string);
        self.answers.clear();
        if let Some(n) = number {
            self.answers.set("case_number", n);
        }
    }
}

/// A choice's words; in English, a choice that is one Chinese character (a plate's province,
/// 豫) keeps it in front — it is what the citizen sees on the plate: "豫 Henan".
fn choice_label(code: &str, label: &str, english: bool) -> String {
    let mut chars = code.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if english && !c.is_ascii() => format!("{c} {label}"),
        _ => label.to_string(),
    }
}

fn kind_name(k: FieldKind) -> &'static str {
    match k {
        FieldKind::Choice => "choice",
        FieldKind::Digits => "digits",
        FieldKind::Letters => "letters",
        FieldKind::Phone => "phone",
        FieldKind::IdNumber => "id_number",
        FieldKind::Date => "date",
        FieldKind::Prefill => "prefill",
    }
}

fn card_value(who: &Identity, f: CardField) -> String {
    match f {
        CardField::Name => who.name.clone(),
        CardField::IdNumber => who.id_number.clone(),
        CardField::BirthDate => who.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        CardField::Sex => format!("{:?}", who.sex),
        CardField::Nation => who.nation.clone().unwrap_or_default(),
        CardField::Address => who.address.clone(),
    }
}

/// How an answer appears on the confirm screen: card data and phone numbers masked.
fn shown(field: &Field, value: &str, english: bool) -> String {
    match (field.kind, field.from) {
        (FieldKind::Prefill, Some(CardField::Name)) => mask::name(value),
        (FieldKind::Prefill, Some(CardField::IdNumber)) => mask::id_number(value),
        (FieldKind::Prefill, Some(CardField::Address)) => "（已读取）".into(),
        (FieldKind::Phone, _) if value.len() == 11 => format!("{}****{}", &value[..3], &value[7..]),
        (FieldKind::IdNumber, _) => mask::id_number(value),
        (FieldKind::Choice, _) => field
            .options
            .iter()
            .find(|o| o.code == value)
            .map(|o| choice_label(&o.code, o.label.get(english), english))
            .unwrap_or_default(),
        _ => value.to_string(),
    }
}

impl Engine {
    fn current_field(&self) -> Option<Field> {
        let s = self.phase.session()?;
        let field = self.item()?.fields.get(s.form.field).cloned()?;
        Some(self.with_feed_options(field))
    }

    /// A well-formed answer to the question on screen, as a citizen might give it: for the
    /// burn-in, and for replaying a journal (which keeps no typed value).
    pub fn sample_answer(&self) -> Option<String> {
        if self.phase.screen() != Screen::Form {
            return None;
        }
        let f = self.current_field()?;
        let min = f.min_len.unwrap_or(1).max(1) as usize;
        Some(match f.kind {
            FieldKind::Choice => f.options.first()?.code.clone(),
            FieldKind::Phone => "13800000000".into(),
            // A well-formed number with its right check digit (no one's: the sample card's).
            FieldKind::IdNumber => "330106198503121231".into(),
            FieldKind::Date if f.range == Some(crate::catalog::DateRange::Future) => {
                "20991231".into()
            }
            FieldKind::Date => "20200101".into(),
            FieldKind::Letters => "A".repeat(min),
            FieldKind::Digits | FieldKind::Prefill => "1".repeat(min),
        })
    }

    /// The next question to ask at or after `from`, given the answers so far.
    fn next_asked(item: &Item, form: &FormState, from: usize) -> Option<usize> {
        (from..item.fields.len()).find(|&i| item.fields[i].asked(form.answers.given()))
    }

    /// 开始办理 on an item the card qualifies for.
    pub(super) fn start_item(&mut self) {
        let Some(item) = self.item().cloned() else {
            return;
        };
        if item.mode == Mode::Guide {
            self.print_guide(&item);
            return;
        }
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        // Anything but a guide is someone's — the card comes first (`Action::Start` waits for
        // it) — but an anonymous tip, which is nobody's and reads no card.
        let who = match (s.identity.clone(), item.anonymous()) {
            (_, true) => None,
            (Some(who), false) => Some(who),
            (None, false) => return,
        };
        // Prefill from the card; keep what a query already established (the case number).
        s.form
            .answers
            .keep(|k| item.fields.iter().any(|f| f.key == k));
        for f in &item.fields {
            if let (FieldKind::Prefill, Some(from), Some(who)) = (f.kind, f.from, &who) {
                s.form.answers.set(&f.key, card_value(who, from));
            }
        }
        s.form.input.clear();
        s.form.error.clear();
        let first = (0..item.fields.len()).find(|&i| {
            item.fields[i].asked(s.form.answers.given()) && !s.form.answers.has(&item.fields[i].key)
        });
        match first {
            Some(i) => {
                s.form.field = i;
                self.forward_to(Screen::Form);
            }
            None => self.after_form(),
        }
    }

    pub(super) fn forward_to(&mut self, screen: Screen) {
        let from = self.phase.screen();
        if let Some(s) = self.phase.session_mut() {
            s.history.push(from);
        }
        self.go(screen);
    }

    pub(super) fn form_key(&mut self, c: char) {
        let Some(field) = self.current_field() else {
            return;
        };
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let c = c.to_ascii_uppercase();
        let fits = match field.kind {
            FieldKind::Digits | FieldKind::Phone | FieldKind::Date => c.is_ascii_digit(),
            FieldKind::Letters => c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-',
            // X only last, where an ID number's check character may be X.
            FieldKind::IdNumber => {
                c.is_ascii_digit() || (c == 'X' && s.form.input.chars().count() == 17)
            }
            _ => false,
        };
        let max = match field.kind {
            FieldKind::Phone => 11,
            FieldKind::IdNumber => 18,
            FieldKind::Date => 8,
            _ => field.max_len.unwrap_or(40) as usize,
        };
        if fits && s.form.input.chars().count() < max {
            s.form.input.push(c);
            s.form.error.clear();
        }
    }

    pub(super) fn form_backspace(&mut self) {
        if let Some(s) = self.phase.session_mut() {
            s.form.input.pop();
            s.form.error.clear();
        }
    }

    /// A choice button, or 下一步 after typing.
    pub(super) fn form_answer(&mut self, chosen: Option<String>) {
        let (Some(field), Some(item)) = (self.current_field(), self.item().cloned()) else {
            return;
        };
        let today = self.offer.today;
        let english = self.front.english;
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let value = chosen.unwrap_or_else(|| s.form.input.clone());
        // A choice that stops the form (a risk of violence): it says why, and nothing goes on.
        let stop = field
            .options
            .iter()
            .find(|o| o.code == value)
            .and_then(|o| o.stop.as_ref());
        match (field.check(&value, today), stop) {
            (Ok(_), Some(stop)) => s.form.error = stop.get(english).to_string(),
            (Err(why), _) => s.form.error = why.get(english).to_string(),
            (Ok(v), None) => {
                s.form.answers.set(&field.key, v);
                // A changed answer may make later questions moot: drop their answers.
                let later: Vec<String> = item.fields[s.form.field + 1..]
                    .iter()
                    .map(|f| f.key.clone())
                    .collect();
                s.form.answers.keep(|k| !later.iter().any(|l| l == k));
                s.form.input.clear();
                s.form.error.clear();
                match Self::next_asked(&item, &s.form, s.form.field + 1) {
                    Some(i) => {
                        s.form.field = i;
                        s.history.push(Screen::Form);
                        self.go(Screen::Form);
                    }
                    None => self.after_form(),
                }
            }
        }
    }

    /// Back on the form: the previous question (its answer ready to change), or the item page.
    pub(super) fn form_back(&mut self) {
        let Some(item) = self.item().cloned() else {
            return;
        };
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let prev = (0..s.form.field)
            .rev()
            .find(|&i| item.fields[i].asked(s.form.answers.given()));
        match prev {
            Some(i) => {
                s.form.field = i;
                s.form.input = match item.fields[i].kind {
                    FieldKind::Choice => String::new(),
                    _ => s
                        .form
                        .answers
                        .get(&item.fields[i].key)
                        .unwrap_or_default()
                        .to_string(),
                };
                s.form.error.clear();
                s.history.pop();
                self.go(Screen::Form);
            }
            None => self.back(),
        }
    }

    /// A scanned notice or receipt number, on a question that asks for a number: typed for the
    /// citizen, and answered.
    pub(super) fn scanned_number(&mut self, number: String) {
        let Some(field) = self.current_field() else {
            return;
        };
        let allowed = self
            .item()
            .is_some_and(|i| i.identify.contains(&crate::catalog::Identify::Scan));
        if !allowed || !field.takes_a_scan() {
            return;
        }
        if let Some(s) = self.phase.session_mut() {
            // Checked as if typed: a digits question refuses a scanned code with letters.
            s.form.input = number.to_ascii_uppercase();
        }
        self.form_answer(None);
    }

    /// Back from Confirm or a query's result: to the last question with its answer ready to change.
    pub(super) fn back_into_form(&mut self) {
        self.back();
        if self.phase.screen() != Screen::Form {
            return;
        }
        let Some(field) = self.current_field() else {
            return;
        };
        if let Some(s) = self.phase.session_mut() {
            if field.kind != FieldKind::Choice {
                s.form.input = s
                    .form
                    .answers
                    .get(&field.key)
                    .unwrap_or_default()
                    .to_string();
            }
        }
    }

    pub(super) fn form_view(&self, view: &mut View) {
        let Some(s) = self.phase.session() else {
            return;
        };
        let Some(item) = self.item() else { return };
        let en = self.front.english;
        if self.phase.screen() == Screen::Form {
            if let Some(f) = self.current_field() {
                let f = &f;
                // Questions that may still come count in the total, so the counter never
                // grows under the citizen (2/2 then 3/3): 2/3, then 3/3 or done.
                // Answers from here on do not count: gone back to change one, the citizen sees
                // the same total as on the way there.
                let before: Vec<(String, String)> = s
                    .form
                    .answers
                    .given()
                    .iter()
                    .filter(|(k, _)| {
                        item.fields[..s.form.field.min(item.fields.len())]
                            .iter()
                            .any(|f| &f.key == k)
                    })
                    .cloned()
                    .collect();
                let asked: Vec<usize> = (0..item.fields.len())
                    .filter(|&i| {
                        item.fields[i].may_be_asked(&item.fields, &before) || i == s.form.field
                    })
                    .collect();
                let pos = asked.iter().position(|&i| i == s.form.field).unwrap_or(0) + 1;
                view.form = Some(FormView {
                    label: f.label.get(en).to_string(),
                    kind: kind_name(f.kind),
                    value: s.form.input.clone(),
                    choices: f
                        .options
                        .iter()
                        .map(|o| Tile {
                            code: o.code.clone(),
                            name: choice_label(&o.code, o.label.get(en), en),
                            hint: String::new(),
                            badge: Default::default(),
                        })
                        .collect(),
                    error: s.form.error.clone(),
                    step: format!("{pos} / {}", asked.len()),
                });
            }
        }
        if self.phase.screen() == Screen::Confirm {
            view.summary = item
                .fields
                .iter()
                // The card's name and number are already the applicant's rows: each fact once.
                .filter(|f| {
                    !matches!(
                        (f.kind, f.from),
                        (
                            FieldKind::Prefill,
                            Some(CardField::Name | CardField::IdNumber)
                        )
                    )
                })
                .filter_map(|f| {
                    let v = s.form.answers.get(&f.key)?;
                    let f = self.with_feed_options(f.clone());
                    Some((f.label.get(en).to_string(), shown(&f, v, en)))
                })
                .collect();
        }
        if self.phase.screen() == Screen::Confirm {
            if let Some(slot) = s.form.answers.slot() {
                view.summary.push((
                    if en { "Appointment" } else { "预约时间" }.to_string(),
                    slot.shown.clone(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;
    use onetrip_drivers::id_card::Date;

    use super::*;
    use crate::catalog::shipped;
    use crate::engine::{Action, Event, Harness, StoredSubmission};
    use crate::engine::{Effect, ProgressStep, QueryOutcome, Slot, SlotsOutcome};

    fn engine(t: Instant) -> Harness {
        let mut e = Harness::shipped(t);
        let c = SimCard::resident_sample();
        e.handle_at(Event::CardPresented(Box::new(parse(&c.text, c.photo))), t);
        e
    }

    fn touch(e: &mut Harness, a: Action, t: Instant) {
        e.handle_at(Event::Touch(a), t);
    }

    fn typed(e: &mut Harness, s: &str, t: Instant) {
        for c in s.chars() {
            touch(e, Action::FormKey(c), t);
        }
    }

    fn start(e: &mut Harness, code: &str, t: Instant) {
        touch(e, Action::SelectItem(code.into()), t);
        touch(e, Action::Start, t);
    }

    fn drain(e: &mut Harness) -> Vec<Effect> {
        e.take_effects().into_iter().collect()
    }

    #[test]
    fn a_plates_province_keeps_its_character_in_english() {
        assert_eq!(super::choice_label("豫", "Henan", true), "豫 Henan");
        assert_eq!(super::choice_label("豫", "豫", false), "豫");
        assert_eq!(super::choice_label("abroad", "Abroad", true), "Abroad");
    }

    #[test]
    fn the_step_counter_counts_a_question_that_may_still_come() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "FZ-ZFGK-05", t);
        let steps = |e: &mut Harness| e.view().form.unwrap().step;
        // The reason is asked only after 不满意: counted from the start, never added later.
        assert_eq!(steps(&mut e), "1 / 3");
        typed(&mut e, "A123456", t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(steps(&mut e), "2 / 3");
        touch(&mut e, Action::FormChoose("dissatisfied".into()), t);
        assert_eq!(steps(&mut e), "3 / 3");
        // Satisfied: the reason is never asked, and the form ends at 2 / 3.
        touch(&mut e, Action::Back, t);
        assert_eq!(steps(&mut e), "2 / 3");
        touch(&mut e, Action::FormChoose("satisfied".into()), t);
        assert_eq!(e.screen(), Screen::Confirm);
        // Back from the summary to change the rating: still 2 / 3, never 2 / 2 then 3 / 3.
        touch(&mut e, Action::Back, t);
        assert_eq!(steps(&mut e), "2 / 3");
        touch(&mut e, Action::FormChoose("dissatisfied".into()), t);
        assert_eq!(steps(&mut e), "3 / 3");
    }

    #[test]
    fn a_submit_item_asks_one_question_per_screen_and_masks_the_summary() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "ZA-FZJL-01", t);
        let f = e.view().form.unwrap();
        assert_eq!(f.label, "证明用途");
        assert_eq!(f.kind, "choice");
        assert_eq!(f.step, "1 / 2");
        assert_eq!(f.choices.len(), 4);
        touch(&mut e, Action::FormChoose("nonsense".into()), t);
        assert_eq!(e.view().form.unwrap().error, "请选择一项");
        touch(&mut e, Action::FormChoose("abroad".into()), t);
        let f = e.view().form.unwrap();
        assert_eq!((f.kind, f.step.as_str()), ("phone", "2 / 2"));
        // Letters do not go into a phone number; more than 11 digits do not either.
        typed(&mut e, "A1381234567899", t);
        assert_eq!(e.view().form.unwrap().value, "13812345678");
        touch(&mut e, Action::FormBackspace, t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(
            e.view().form.unwrap().error,
            "请输入11位手机号码，如 13812345678"
        );
        typed(&mut e, "8", t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::Confirm);
        let summary = e.view().summary;
        assert_eq!(
            summary,
            vec![
                ("证明用途".to_string(), "出国（境）".to_string()),
                ("联系电话（手机）".to_string(), "138****5678".to_string()),
            ]
        );
        drain(&mut e);
        touch(&mut e, Action::Confirm, t);
        let fx = drain(&mut e);
        let Some(Effect::Submit(s)) = fx.first() else {
            panic!("{fx:?}")
        };
        assert_eq!(s.kind, "application");
        assert!(s
            .answers
            .contains(&("phone".to_string(), "13812345678".to_string())));
        assert!(s
            .answers
            .contains(&("purpose".to_string(), "abroad".to_string())));
    }

    #[test]
    fn a_guide_item_prints_at_once_without_a_submission() {
        let t = Instant::now();
        let mut e = engine(t);
        drain(&mut e);
        start(&mut e, "HZ-HKDJ-01", t);
        assert_eq!(e.screen(), Screen::Printing);
        let fx = drain(&mut e);
        assert!(!fx.iter().any(|x| matches!(x, Effect::Submit(_))));
        let Some(Effect::Print(r)) = fx.iter().find(|x| matches!(x, Effect::Print(_))) else {
            panic!("{fx:?}")
        };
        assert_eq!(r.submission.number, "");
        assert!(r.name_masked.is_empty() && r.id_masked.is_empty());
        assert!(r.next_steps.iter().any(|l| l.contains("《出生医学证明》")));
        e.handle_at(Event::Printed(Ok(())), t);
        assert_eq!(e.screen(), Screen::Done);
    }

    fn present(e: &mut Harness, c: SimCard, t: Instant) {
        e.handle_at(Event::CardPresented(Box::new(parse(&c.text, c.photo))), t);
    }

    fn queries(e: &mut Harness) -> Vec<String> {
        drain(e)
            .into_iter()
            .filter_map(|x| match x {
                Effect::Query(q) => Some(q.id_number),
                _ => None,
            })
            .collect()
    }

    /// A walked away without ending the session; the next person taps a progress query in A's
    /// session: nothing goes out with A's ID number until A's own card is back.
    #[test]
    fn with_the_card_taken_away_a_query_waits_for_the_same_card() {
        let t = Instant::now();
        let mut e = engine(t);
        drain(&mut e);
        e.handle_at(Event::CardRemoved, t);
        touch(&mut e, Action::SelectItem("CRJ-JF-02".into()), t);
        assert!(
            e.view().detail.unwrap().card_needed,
            "the page asks for the card again"
        );
        touch(&mut e, Action::Start, t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        assert_eq!(queries(&mut e), Vec::<String>::new(), "nothing goes out");
        // Someone else's card is not taken for A's.
        present(&mut e, SimCard::elderly_long_term_sample(), t);
        assert_eq!(queries(&mut e), Vec::<String>::new());
        assert_eq!(e.screen(), Screen::ItemDetail);
        // A's own card: the query starts, with A's number.
        present(&mut e, SimCard::resident_sample(), t);
        assert_eq!(queries(&mut e), vec!["330106198503121231".to_string()]);
        assert_eq!(e.screen(), Screen::QueryResult);
    }

    /// The card taken away while the case number was typed: the query waits on the item page
    /// for the same card, and then goes out with the number already typed.
    #[test]
    fn a_query_whose_card_left_during_the_form_waits_on_the_item_page() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "FZ-ZFGK-02", t);
        typed(&mut e, "demo-0001-000001", t);
        e.handle_at(Event::CardRemoved, t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        assert!(e.view().detail.unwrap().card_needed);
        assert_eq!(queries(&mut e), Vec::<String>::new());
        present(&mut e, SimCard::resident_sample(), t);
        let fx = drain(&mut e);
        let Some(Effect::Query(q)) = fx.iter().find(|x| matches!(x, Effect::Query(_))) else {
            panic!("{fx:?}")
        };
        assert_eq!(q.case_number(), Some("DEMO-0001-000001"));
        assert_eq!(q.id_number, "330106198503121231");
        assert_eq!(e.screen(), Screen::QueryResult);
    }

    /// An answer comes back with its question's ticket: a late answer to an earlier question
    /// (asked again meanwhile, or by the citizen before) is dropped, never shown as this one's.
    #[test]
    fn a_late_answer_belongs_to_nobody_at_the_screen_now() {
        let t = Instant::now();
        let ticket = |fx: Vec<Effect>| {
            fx.into_iter()
                .find_map(|x| match x {
                    Effect::Query(q) => Some(q.ticket),
                    _ => None,
                })
                .expect("a query")
        };
        let mut e = engine(t);
        start(&mut e, "FZ-ZFGK-10", t);
        typed(&mut e, "demo-0001-000001", t);
        touch(&mut e, Action::FormNext, t);
        let first = ticket(drain(&mut e));
        // Back, corrected, asked again: the first answer is stale.
        touch(&mut e, Action::Back, t);
        touch(&mut e, Action::FormBackspace, t);
        typed(&mut e, "2", t);
        touch(&mut e, Action::FormNext, t);
        let second = ticket(drain(&mut e));
        assert_ne!(first, second);
        let found = QueryOutcome::Found(Vec::new(), None);
        e.handle_at(Event::QueryAnswered(first, found.clone()), t);
        assert_eq!(e.view().query_outcome, None, "still waiting for the second");
        e.handle_at(Event::QueryAnswered(second, QueryOutcome::NotFound), t);
        assert_eq!(e.view().query_outcome, Some(QueryOutcome::NotFound));

        // The next citizen's question: the last citizen's late answer is not theirs.
        touch(&mut e, Action::Finish, t);
        e.handle_at(Event::CardRemoved, t);
        present(&mut e, SimCard::resident_sample(), t);
        start(&mut e, "FZ-ZFGK-10", t);
        typed(&mut e, "demo-0001-000003", t);
        touch(&mut e, Action::FormNext, t);
        let third = ticket(drain(&mut e));
        e.handle_at(Event::QueryAnswered(second, found.clone()), t);
        assert_eq!(e.view().query_outcome, None);
        e.handle_at(Event::QueryAnswered(third, found.clone()), t);
        assert_eq!(e.view().query_outcome, Some(found));
    }

    #[test]
    fn a_case_query_online_offline_then_a_rating_through_the_outbox() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "FZ-ZFGK-02", t);
        assert_eq!(e.view().form.unwrap().kind, "letters");
        typed(&mut e, "demo-0001-000001", t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::QueryResult);
        assert_eq!(e.view().query_outcome, None, "waiting");
        let fx = drain(&mut e);
        let Some(Effect::Query(q)) = fx.iter().find(|x| matches!(x, Effect::Query(_))) else {
            panic!("{fx:?}")
        };
        assert_eq!(q.case_number(), Some("DEMO-0001-000001"));
        assert_eq!(q.id_number, "330106198503121231");
        assert!(
            !format!("{q:?}").contains("330106"),
            "no ID number in Debug"
        );
        e.handle_at(Event::QueryResult(QueryOutcome::Offline), t);
        assert_eq!(e.view().query_outcome, Some(QueryOutcome::Offline));
        // Back, and again, now online.
        touch(&mut e, Action::Back, t);
        assert_eq!(e.screen(), Screen::Form);
        touch(&mut e, Action::FormNext, t);
        let steps = vec![ProgressStep {
            when: "2026-11-29 09:00".into(),
            zh: "已受理".into(),
            en: "Received".into(),
        }];
        e.handle_at(
            Event::QueryResult(QueryOutcome::Found(steps.clone(), None)),
            t,
        );
        assert_eq!(
            e.view().query_outcome,
            Some(QueryOutcome::Found(steps, None))
        );
        // Rate the officer: the case number is carried over, so the first question is the rating.
        touch(&mut e, Action::RateCase, t);
        assert_eq!(e.screen(), Screen::Form);
        let f = e.view().form.unwrap();
        assert_eq!(f.label, "您对办案民警的评价");
        assert_eq!(f.choices.len(), 3);
        // "Dissatisfied" asks why; "satisfied" would not.
        touch(&mut e, Action::FormChoose("dissatisfied".into()), t);
        assert_eq!(e.view().form.unwrap().label, "不满意的主要原因");
        touch(&mut e, Action::Back, t);
        touch(&mut e, Action::FormChoose("satisfied".into()), t);
        assert_eq!(e.screen(), Screen::Confirm);
        drain(&mut e);
        touch(&mut e, Action::Confirm, t);
        let fx = drain(&mut e);
        let Some(Effect::Submit(s)) = fx.first() else {
            panic!("{fx:?}")
        };
        assert_eq!((s.kind, s.item_code.as_str()), ("evaluation", "FZ-ZFGK-05"));
        assert!(s
            .answers
            .contains(&("case_number".to_string(), "DEMO-0001-000001".to_string())));
        assert!(s
            .answers
            .contains(&("rating".to_string(), "satisfied".to_string())));
        assert!(!s.answers.iter().any(|(k, _)| k == "reason"));
        e.handle_at(
            Event::Stored(Ok(StoredSubmission {
                id: "e1".into(),
                number: "DEMO-0001-000002".into(),
                verification_code: None,
                pin: None,
            })),
            t,
        );
        assert_eq!(e.screen(), Screen::Printing);
    }

    #[test]
    fn inactivity_on_a_form_shows_the_countdown_and_wipes_the_answers() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "ZA-FZJL-01", t);
        touch(&mut e, Action::FormChoose("work".into()), t);
        touch(&mut e, Action::FormChoose("employment".into()), t);
        typed(&mut e, "138", t);
        let d = e.next_deadline().unwrap();
        e.handle_at(Event::Tick, d);
        assert!(e.view().countdown.is_some());
        e.handle_at(Event::Tick, d + Duration::from_secs(15));
        assert_eq!(e.screen(), Screen::Attract);
        assert!(e.view().form.is_none() && e.view().summary.is_empty());
        assert!(drain(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::WipeSession)));
    }

    #[test]
    fn offline_a_query_and_the_times_are_asked_again_with_one_tap() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "FZ-ZFGK-02", t);
        typed(&mut e, "demo-0001-000001", t);
        touch(&mut e, Action::FormNext, t);
        drain(&mut e);
        // Retry means nothing while the answer is still coming.
        touch(&mut e, Action::Retry, t);
        assert!(!drain(&mut e).iter().any(|x| matches!(x, Effect::Query(_))));
        e.handle_at(Event::QueryResult(QueryOutcome::Offline), t);
        touch(&mut e, Action::Retry, t);
        assert_eq!(e.screen(), Screen::QueryResult);
        assert_eq!(e.view().query_outcome, None, "waiting again");
        let fx = drain(&mut e);
        let Some(Effect::Query(q)) = fx.iter().find(|x| matches!(x, Effect::Query(_))) else {
            panic!("{fx:?}")
        };
        assert_eq!(q.case_number(), Some("DEMO-0001-000001"));
        assert_eq!(q.id_number, "330106198503121231");
        // The card taken away meanwhile: the page asks for it; nothing is sent.
        e.handle_at(Event::QueryResult(QueryOutcome::Offline), t);
        e.handle_at(Event::CardRemoved, t);
        touch(&mut e, Action::Retry, t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        assert!(!drain(&mut e).iter().any(|x| matches!(x, Effect::Query(_))));

        let mut e = engine(t);
        start(&mut e, "CRJ-JF-03", t);
        typed(&mut e, "13812345678", t);
        touch(&mut e, Action::FormNext, t);
        e.handle_at(Event::Slots(SlotsOutcome::Offline), t);
        drain(&mut e);
        touch(&mut e, Action::Retry, t);
        assert_eq!(e.view().slots, None, "waiting again");
        assert!(drain(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::FetchSlots { item_code } if item_code == "CRJ-JF-03")));
    }

    #[test]
    fn an_appointment_offers_upstream_times_and_offline_prints_the_guide() {
        let t = Instant::now();
        let mut e = engine(t);
        start(&mut e, "CRJ-JF-03", t);
        typed(&mut e, "13812345678", t);
        touch(&mut e, Action::FormNext, t);
        assert_eq!(e.screen(), Screen::Slots);
        assert!(drain(&mut e)
            .iter()
            .any(|x| matches!(x, Effect::FetchSlots { item_code } if item_code == "CRJ-JF-03")));
        e.handle_at(Event::Slots(SlotsOutcome::Offline), t);
        assert_eq!(e.view().slots, Some(SlotsOutcome::Offline));
        touch(&mut e, Action::GuideInstead, t);
        assert_eq!(e.screen(), Screen::Printing);
        let fx = drain(&mut e);
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Print(r) if r.submission.number.is_empty())));
        assert!(!fx.iter().any(|x| matches!(x, Effect::Submit(_))));
        e.handle_at(Event::Printed(Ok(())), t);
        touch(&mut e, Action::Finish, t);

        // Online: a time is chosen and goes upstream with the submission.
        let c = SimCard::resident_sample();
        e.handle_at(Event::CardPresented(Box::new(parse(&c.text, c.photo))), t);
        start(&mut e, "CRJ-JF-03", t);
        typed(&mut e, "13812345678", t);
        touch(&mut e, Action::FormNext, t);
        let slot = Slot {
            id: "20261201T0900".into(),
            zh: "12月1日 周二 09:00".into(),
            en: "Tue 1 Dec 09:00".into(),
        };
        e.handle_at(Event::Slots(SlotsOutcome::Offered(vec![slot.clone()])), t);
        touch(&mut e, Action::ChooseSlot("nope".into()), t);
        assert_eq!(e.screen(), Screen::Slots);
        touch(&mut e, Action::ChooseSlot(slot.id.clone()), t);
        assert_eq!(e.screen(), Screen::Confirm);
        assert!(e
            .view()
            .summary
            .contains(&("预约时间".to_string(), "12月1日 周二 09:00".to_string())));
        drain(&mut e);
        touch(&mut e, Action::Confirm, t);
        let fx = drain(&mut e);
        let Some(Effect::Submit(s)) = fx.first() else {
            panic!("{fx:?}")
        };
        assert_eq!(s.kind, "appointment");
        assert!(s.answers.contains(&("slot".to_string(), slot.id)));
    }

    #[test]
    fn a_scanned_receipt_answers_the_submission_number() {
        let t = Instant::now();
        let mut e = engine(t);
        // A case number is not this terminal's submission number: a receipt scanned on the
        // case query's form answers nothing.
        touch(&mut e, Action::SelectItem("FZ-ZFGK-02".into()), t);
        touch(&mut e, Action::Start, t);
        e.handle_at(Event::ReceiptScanned("DEMO-0001-000001".into()), t);
        assert_eq!(e.screen(), Screen::Form);
        touch(&mut e, Action::Home, t);
        // Not on other screens (a receipt scanned on the item page changes nothing).
        touch(&mut e, Action::SelectItem("FZ-ZFGK-10".into()), t);
        e.handle_at(Event::ReceiptScanned("DEMO-0001-000001".into()), t);
        assert_eq!(e.screen(), Screen::ItemDetail);
        touch(&mut e, Action::Start, t);
        e.handle_at(Event::ReceiptScanned("DEMO-0001-000001".into()), t);
        assert_eq!(e.screen(), Screen::QueryResult);
        let fx = drain(&mut e);
        assert!(fx
            .iter()
            .any(|x| matches!(x, Effect::Query(q) if q.case_number() == Some("DEMO-0001-000001"))));
    }

    #[test]
    fn a_timeout_at_every_step_wipes_the_session() {
        // (how to get there, the screen)
        let routes: Vec<(Vec<Action>, Screen)> = vec![
            (vec![], Screen::Home),
            (
                vec![Action::ChoosePoliceType("ZA".into())],
                Screen::Categories,
            ),
            (
                vec![
                    Action::ChoosePoliceType("ZA".into()),
                    Action::ChooseCategory("ZA-FZJL".into()),
                ],
                Screen::Items,
            ),
            (
                vec![Action::OpenSearch, Action::SearchKey('w')],
                Screen::Search,
            ),
            (
                vec![Action::SelectItem("ZA-FZJL-01".into())],
                Screen::ItemDetail,
            ),
            (
                vec![Action::SelectItem("ZA-FZJL-01".into()), Action::Start],
                Screen::Form,
            ),
            (
                vec![
                    Action::SelectItem("ZA-FZJL-01".into()),
                    Action::Start,
                    Action::FormChoose("study".into()),
                    Action::FormKey('1'),
                    Action::FormKey('3'),
                    Action::FormKey('8'),
                ],
                Screen::Form,
            ),
            (
                vec![Action::SelectItem("FZ-ZFGK-02".into()), Action::Start],
                Screen::Form,
            ),
        ];
        for (actions, screen) in routes {
            for elderly in [false, true] {
                let t = Instant::now();
                let mut e = engine(t);
                if elderly {
                    touch(&mut e, Action::Home, t);
                    touch(&mut e, Action::Finish, t);
                    touch(&mut e, Action::ToggleElderly, t);
                    let c = SimCard::resident_sample();
                    e.handle_at(Event::CardPresented(Box::new(parse(&c.text, c.photo))), t);
                }
                for a in actions.clone() {
                    touch(&mut e, a, t);
                }
                assert_eq!(e.screen(), screen);
                let scale = if elderly { 2 } else { 1 };
                let warn = t + Duration::from_secs(60 * scale);
                assert_eq!(e.next_deadline(), Some(warn), "{screen:?}");
                e.handle_at(Event::Tick, warn);
                assert_eq!(e.view().countdown, Some(15 * scale as u32), "{screen:?}");
                e.handle_at(Event::Tick, warn + Duration::from_secs(15 * scale));
                assert_eq!(e.screen(), Screen::Attract, "{screen:?}");
                let v = e.view();
                assert!(
                    v.name_masked.is_empty() && v.form.is_none() && v.detail.is_none(),
                    "{screen:?}"
                );
                assert!(drain(&mut e)
                    .iter()
                    .any(|x| matches!(x, Effect::WipeSession)));
            }
        }
        // The waiting screens time out too: a query that never answers, slots that never come.
        for code in ["FZ-ZFGK-02", "CRJ-JF-03"] {
            let t = Instant::now();
            let mut e = engine(t);
            start(&mut e, code, t);
            typed(
                &mut e,
                if code == "CRJ-JF-03" {
                    "13812345678"
                } else {
                    "ABCDEF"
                },
                t,
            );
            touch(&mut e, Action::FormNext, t);
            assert!(matches!(e.screen(), Screen::QueryResult | Screen::Slots));
            let d = e.next_deadline().unwrap();
            e.handle_at(Event::Tick, d);
            e.handle_at(Event::Tick, d + Duration::from_secs(15));
            assert_eq!(e.screen(), Screen::Attract, "{code}");
        }
    }

    #[test]
    fn field_checks() {
        let c = shipped();
        let today = Date {
            year: 2026,
            month: 11,
            day: 29,
        };
        let permit = c
            .item("CRJ-QZ-01")
            .unwrap()
            .fields
            .iter()
            .find(|f| f.key == "permit_number")
            .unwrap()
            .clone();
        assert_eq!(permit.check("C12345678", today), Ok("C12345678".into()));
        assert_eq!(permit.check("C1234", today).unwrap_err().zh, "应为 9 位");
        assert_eq!(
            permit.check("c12345678", today).unwrap_err().en,
            "Letters and digits only"
        );
        let mut date = permit.clone();
        date.kind = FieldKind::Date;
        date.range = Some(crate::catalog::DateRange::Past);
        assert!(date.check("20261130", today).is_err());
        assert!(date.check("20261129", today).is_ok());
        assert!(date.check("20261332", today).is_err());
    }
}
