//! How an item completes once its questions are answered: a query asks upstream and shows the
//! case's progress (and may lead to rating its officer), an appointment offers upstream's times,
//! a guide prints at once; everything else goes to Confirm (session.rs) and the outbox.

use super::answers::ChosenSlot;
use super::effect::Effect;
use super::view::{Screen, View};
use super::Engine;
use crate::catalog::{Item, Mode};
use crate::vocab::upstream::{CaseQuery, QueryOutcome, Slot, SlotsOutcome};

/// What upstream answered in this session: a case's progress, the appointment times offered.
/// `None` while the question is out.
#[derive(Debug, Default)]
pub(super) struct Completion {
    query_outcome: Option<QueryOutcome>,
    slots: Option<SlotsOutcome>,
    /// The 受理回执 is printing (the printer's answer leads back to the progress).
    printing_acceptance: bool,
    /// How the 受理回执 printed, once it has.
    acceptance_printed: Option<bool>,
    /// The ticket of the query waiting for its answer.
    waiting: Option<u64>,
}

impl Completion {
    /// A question is out: the answer to an earlier one is stale.
    fn asked_query(&mut self, ticket: u64) {
        self.query_outcome = None;
        self.acceptance_printed = None;
        self.waiting = Some(ticket);
    }

    fn asked_slots(&mut self) {
        self.slots = None;
    }

    /// The offered time with this id, if upstream offered it.
    fn offered(&self, id: &str) -> Option<Slot> {
        match &self.slots {
            Some(SlotsOutcome::Offered(slots)) => slots.iter().find(|x| x.id == id).cloned(),
            _ => None,
        }
    }

    /// What upstream answered, on the screen that waits for it.
    pub(super) fn show(&self, screen: Screen, view: &mut View) {
        match screen {
            Screen::QueryResult => {
                view.query_outcome = self.query_outcome.clone();
                view.acceptance_printed = self.acceptance_printed;
            }
            Screen::Printing => view.printing_acceptance = self.printing_acceptance,
            Screen::Slots => view.slots = self.slots.clone(),
            _ => {}
        }
    }
}

impl Engine {
    pub(super) fn after_form(&mut self) {
        let Some(item) = self.item().cloned() else {
            return;
        };
        match item.mode {
            Mode::Query => {
                let Some(s) = self.phase.session_mut() else {
                    return;
                };
                // A query carries the card holder's ID number: with the card taken away, whoever
                // stands here now may be someone else. The item page asks for the card again.
                // A query for nobody (a tip's number and PIN) carries none.
                let anonymous = item.anonymous();
                if s.submitting.card_away() && !anonymous {
                    self.back_to_item_page();
                    return;
                }
                self.ask(&item);
                self.forward_to(Screen::QueryResult);
            }
            Mode::Appointment => {
                if let Some(s) = self.phase.session_mut() {
                    s.completion.asked_slots();
                }
                self.effects.push_back(Effect::FetchSlots {
                    item_code: item.code.clone(),
                });
                self.forward_to(Screen::Slots);
            }
            Mode::Decision => self.ask_violations(),
            _ => self.forward_to(Screen::Confirm),
        }
    }

    /// The query of the answers given asked upstream, under a ticket of its own.
    fn ask(&mut self, item: &Item) {
        self.front.queries_asked += 1;
        let ticket = self.front.queries_asked;
        if let Some(s) = self.phase.session_mut() {
            s.completion.asked_query(ticket);
        }
        if let Some(q) = self.case_query(item, ticket) {
            self.effects.push_back(Effect::Query(q));
        }
    }

    /// Whether the query with this ticket is the one waiting for its answer.
    pub(super) fn query_waits_for(&self, ticket: u64) -> bool {
        self.phase
            .session()
            .is_some_and(|s| s.completion.waiting == Some(ticket))
    }

    /// The query of the answers given, with the card holder's ID number (none for an item that
    /// identifies nobody).
    fn case_query(&self, item: &Item, ticket: u64) -> Option<CaseQuery> {
        let s = self.phase.session()?;
        Some(CaseQuery {
            ticket,
            item_code: item.code.clone(),
            answers: s
                .form
                .given()
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect(),
            id_number: s
                .identity
                .as_ref()
                .filter(|_| !item.anonymous())
                .map(|i| i.id_number.clone())
                .unwrap_or_default(),
        })
    }

    /// 重试 after upstream could not be asked: the same query (with the card still on the
    /// reader, as the first time) or the appointment times, asked again.
    pub(super) fn retry(&mut self) {
        let Some(item) = self.item().cloned() else {
            return;
        };
        let screen = self.phase.screen();
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        match screen {
            Screen::QueryResult if s.completion.query_outcome == Some(QueryOutcome::Offline) => {
                if s.submitting.card_away() && !item.anonymous() {
                    self.back_to_item_page();
                    return;
                }
                self.ask(&item);
            }
            Screen::Slots if s.completion.slots == Some(SlotsOutcome::Offline) => {
                s.completion.asked_slots();
                self.effects.push_back(Effect::FetchSlots {
                    item_code: item.code.clone(),
                });
            }
            _ => {}
        }
    }

    pub(super) fn slots_offered(&mut self, outcome: SlotsOutcome) {
        if self.phase.screen() != Screen::Slots {
            return;
        }
        if let Some(s) = self.phase.session_mut() {
            s.completion.slots = Some(outcome);
        }
    }

    pub(super) fn choose_slot(&mut self, id: String) {
        let en = self.front.english;
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let Some(slot) = s.completion.offered(&id) else {
            return;
        };
        s.form.choose_slot(ChosenSlot {
            id: slot.id,
            shown: if en { slot.en } else { slot.zh },
        });
        self.forward_to(Screen::Confirm);
    }

    /// Offline appointments: the guidance on paper instead.
    pub(super) fn guide_instead(&mut self) {
        if let Some(item) = self.item().cloned() {
            self.print_guide(&item);
        }
    }

    /// A guide item: the guidance receipt prints at once; nothing personal, nothing submitted.
    pub(super) fn print_guide(&mut self, item: &Item) {
        let en = self.front.english;
        let mut lines: Vec<String> = Vec::new();
        if !item.conditions.is_empty() {
            lines.push(
                if en {
                    "Who can apply:"
                } else {
                    "办理条件："
                }
                .to_string(),
            );
            lines.extend(item.conditions.iter().map(|c| format!("· {}", c.get(en))));
        }
        if item.materials.is_empty() {
            // Nothing sourced to list: say so rather than leave the citizen to guess.
            lines.push(
                if en {
                    "What to bring: ask at the counter"
                } else {
                    "所需材料：请向窗口咨询"
                }
                .to_string(),
            );
        } else {
            lines.push(if en { "Please bring:" } else { "请准备：" }.to_string());
            lines.extend(item.materials.iter().map(|m| format!("· {}", m.get(en))));
        }
        lines.push(format!(
            "{}{}",
            if en { "Fee: " } else { "收费：" },
            item.fee_text(en)
        ));
        if let Some(t) = &item.time_limit {
            lines.push(format!(
                "{}{}",
                if en { "Time limit: " } else { "时限：" },
                t.get(en)
            ));
        }
        lines.extend(item.next_steps(en));
        self.effects
            .push_back(Effect::Print(crate::vocab::submission::ReceiptRequest {
                submission: crate::vocab::submission::StoredSubmission {
                    id: String::new(),
                    number: String::new(),
                    verification_code: None,
                    pin: None,
                },
                kind: crate::vocab::submission::ReceiptKind::Application,
                item_code: item.code.clone(),
                item_name: item.name(en).to_string(),
                next_steps: lines,
                name_masked: String::new(),
                id_masked: String::new(),
                english: en,
                acceptance: None,
                decision: None,
            }));
        self.forward_to(Screen::Printing);
    }

    /// The 受理回执 of an application made here that the authority accepted, as upstream
    /// reported it with its progress: the authority's number, who and when — the only paper
    /// that says 受理. Only for the lookup of an application by its submission number (never a
    /// tip's, never a case's), with the card still here, once, and not while printing waits.
    pub(super) fn print_acceptance(&mut self) {
        let Some(item) = self.item().cloned() else {
            return;
        };
        if !item.follows_an_application() || self.printing_paused() {
            return;
        }
        let card_away = self
            .phase
            .session()
            .is_some_and(|s| s.submitting.card_away());
        if card_away {
            self.back_to_item_page();
            return;
        }
        let en = self.front.english;
        let Some(s) = self.phase.session() else {
            return;
        };
        let Some(QueryOutcome::Found(_, Some(acceptance))) = &s.completion.query_outcome else {
            return;
        };
        if s.completion.acceptance_printed == Some(true) {
            return;
        }
        let number = s
            .form
            .given()
            .iter()
            .find(|(k, _)| k == "submission_number")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if number.is_empty() {
            return;
        }
        let identity = s.identity.as_ref();
        let request = crate::vocab::submission::ReceiptRequest {
            submission: crate::vocab::submission::StoredSubmission {
                id: String::new(),
                number,
                verification_code: None,
                pin: None,
            },
            kind: crate::vocab::submission::ReceiptKind::Acceptance,
            item_code: item.code.clone(),
            item_name: item.name(en).to_string(),
            next_steps: vec![if en {
                "The police will tell you the result; keep this receipt".to_string()
            } else {
                "办理结果以公安机关通知为准，请妥善保管本回执".to_string()
            }],
            name_masked: identity
                .map(|i| crate::vocab::mask::name(&i.name))
                .unwrap_or_default(),
            id_masked: identity
                .map(|i| crate::vocab::mask::id_number(&i.id_number))
                .unwrap_or_default(),
            english: en,
            acceptance: Some(acceptance.clone()),
            decision: None,
        };
        self.effects.push_back(Effect::Print(request));
        if let Some(s) = self.phase.session_mut() {
            s.completion.printing_acceptance = true;
        }
        self.forward_to(Screen::Printing);
    }

    /// The 受理回执's printer answer: back to the progress it came from, which says how it went
    /// (not the Done screen, whose words are a submission's or a guide's). `false`: not ours.
    pub(super) fn acceptance_printed(&mut self, ok: bool) -> bool {
        let Some(s) = self.phase.session_mut() else {
            return false;
        };
        if !std::mem::take(&mut s.completion.printing_acceptance) {
            return false;
        }
        s.completion.acceptance_printed = Some(ok);
        s.history.pop();
        self.go(Screen::QueryResult);
        true
    }

    pub(super) fn query_result(&mut self, outcome: QueryOutcome) {
        if self.phase.screen() != Screen::QueryResult {
            return;
        }
        // An acceptance belongs to an application made here, looked up by its number: reported
        // on any other lookup (a tip's, a case's, one's records) it is not believed.
        let follows = self.item().is_some_and(|i| i.follows_an_application());
        let outcome = match outcome {
            QueryOutcome::Found(steps, acceptance) => {
                QueryOutcome::Found(steps, acceptance.filter(|_| follows))
            }
            other => other,
        };
        if let Some(s) = self.phase.session_mut() {
            s.completion.query_outcome = Some(outcome);
            s.completion.waiting = None;
        }
    }

    /// From a case's progress: rate its officer, with the case number already known.
    pub(super) fn rate_case(&mut self) {
        // Only where the screen offers it: a case with an officer that was found, printing
        // not paused.
        let found = self
            .phase
            .session()
            .is_some_and(|s| matches!(s.completion.query_outcome, Some(QueryOutcome::Found(..))));
        if !found || self.printing_paused() || !self.item().is_some_and(|i| i.has_a_case_officer())
        {
            return;
        }
        let rating = self
            .offer
            .catalog
            .items
            .iter()
            .find(|i| i.kind == crate::catalog::SubmissionKind::Evaluation)
            .map(|i| i.code.clone());
        let Some(code) = rating else { return };
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        s.browsing.choose_item(code.clone());
        s.form.start_over_keeping_case_number();
        self.effects.push_back(Effect::Audit(
            crate::vocab::audit::AuditEvent::ItemStarted { item_code: code },
        ));
        self.start_item();
    }
}
