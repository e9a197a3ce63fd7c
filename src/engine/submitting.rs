//! Submitting: the citizen confirms, the application goes to the store, the receipt prints and
//! the Done screen says how it went. Whoever stands at the screen at Confirm must be the
//! applicant: with the card taken away, only the same card (same ID number) confirms.

use onetrip_drivers::id_card::Identity;

use super::effect::Effect;
use super::view::{DoneOutcome, Screen};
use super::Engine;
use crate::vocab::audit::AuditEvent;
use crate::vocab::mask;
use crate::vocab::submission::{NewSubmission, ReceiptKind, ReceiptRequest, StoredSubmission};

/// Why Confirm waits: the applicant's card is not on the reader (whoever stands at the screen
/// now may not be the applicant), or another person's card was put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConfirmNotice {
    PlaceCardAgain,
    NotTheApplicant,
    /// An anonymous tip whose receiving unit's key is no longer in force.
    TipsUnavailable,
}

/// What became of the confirmed application in this session.
#[derive(Debug, Default)]
pub(super) struct Submitting {
    /// What the store committed.
    stored: Option<StoredSubmission>,
    outcome: Option<DoneOutcome>,
    /// The card left the reader since it was read (or put back: the same card clears it).
    card_away: bool,
    /// At Confirm with the card away: waiting for the same card before submitting.
    notice: Option<ConfirmNotice>,
}

impl Submitting {
    pub(super) fn card_taken_away(&mut self) {
        self.card_away = true;
    }

    /// The card left the reader since it was read: nothing that carries the card holder's
    /// identity goes out until the same card is back.
    pub(super) fn card_away(&self) -> bool {
        self.card_away
    }

    /// The applicant's own card is back: whether a Confirm was waiting for it.
    fn card_put_back(&mut self, on_confirm: bool) -> bool {
        self.card_away = false;
        on_confirm && self.notice.take().is_some()
    }

    /// Another person's card was put on the reader.
    fn not_the_applicant(&mut self, on_confirm: bool) {
        if on_confirm && self.notice.is_some() {
            self.notice = Some(ConfirmNotice::NotTheApplicant);
        }
    }

    /// An anonymous tip cannot be sealed now: Confirm says so.
    pub(super) fn tips_unavailable(&mut self) {
        self.notice = Some(ConfirmNotice::TipsUnavailable);
    }

    /// A new screen: Confirm's notice is gone.
    pub(super) fn clear_notice(&mut self) {
        self.notice = None;
    }

    /// The stored application's number ("" before it is stored).
    pub(super) fn number(&self) -> &str {
        self.stored.as_ref().map_or("", |x| x.number.as_str())
    }

    pub(super) fn outcome(&self) -> Option<DoneOutcome> {
        self.outcome.clone()
    }

    /// An anonymous tip's PIN, once stored (for its Done screen).
    pub(super) fn pin(&self) -> Option<&str> {
        self.stored.as_ref().and_then(|s| s.pin.as_deref())
    }

    pub(super) fn has_stored(&self) -> bool {
        self.stored.is_some()
    }

    /// Why Confirm waits, in the screen's language ("" when it does not).
    pub(super) fn notice(&self, english: bool) -> String {
        match self.notice {
            Some(ConfirmNotice::PlaceCardAgain) => if english {
                "Please place your ID card on the reader again to confirm it is you."
            } else {
                "请把本人身份证再放到读卡区，确认由本人提交"
            }
            .to_string(),
            Some(ConfirmNotice::NotTheApplicant) => if english {
                "This is not the applicant's card. Please place the applicant's own card."
            } else {
                "这不是本次办理人的证件，请放置办理人本人的身份证"
            }
            .to_string(),
            Some(ConfirmNotice::TipsUnavailable) => if english {
                "This terminal cannot take anonymous tips now. In danger, call 110; or give the lead with your name."
            } else {
                "本机暂时不能接收匿名线索。有危险请拨打110，或实名提供线索。"
            }
            .to_string(),
            None => String::new(),
        }
    }
}

impl Engine {
    /// 确认提交: with the card taken away, wait for the same card.
    pub(super) fn confirm(&mut self) {
        if self.item().is_some_and(|i| i.anonymous()) {
            self.submit_anonymous_tip();
            return;
        }
        if let Some(s) = self.phase.session_mut() {
            if s.submitting.card_away {
                s.submitting.notice = Some(ConfirmNotice::PlaceCardAgain);
                return;
            }
        }
        self.submit();
    }

    /// A card during a session: the applicant's own puts it back on the reader (and confirms a
    /// waiting submission, or starts the item whose page asked for it); anyone else's is not taken.
    pub(super) fn card_back(&mut self, identity: &Identity) {
        let on_confirm = self.phase.screen() == Screen::Confirm;
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        let Some(own) = s.identity.as_ref() else {
            return;
        };
        if identity.id_number != own.id_number {
            s.submitting.not_the_applicant(on_confirm);
            return;
        }
        let was_away = s.submitting.card_away();
        if s.submitting.card_put_back(on_confirm) {
            self.submit();
        } else if was_away {
            self.card_back_on_item_page();
        }
    }

    /// The confirmed application goes to the store (a decision item's confirmed facts go to
    /// upstream to be decided instead).
    fn submit(&mut self) {
        if self.deciding_here() {
            self.decide();
            return;
        }
        let Some(s) = self.phase.session() else {
            return;
        };
        let Some(item) = s.browsing.chosen_item(&self.offer.catalog) else {
            return;
        };
        // A submission is always someone's: items that submit ask for the card first.
        let Some(identity) = s.identity.clone() else {
            return;
        };
        self.effects.push_back(Effect::Submit(NewSubmission {
            item_code: item.code.clone(),
            kind: match (item.kind, item.mode) {
                (
                    crate::catalog::SubmissionKind::Application,
                    crate::catalog::Mode::Appointment,
                ) => "appointment",
                (kind, _) => kind.name(),
            },
            identity,
            answers: s.form.answer_pairs(),
            english: self.front.english,
        }));
        self.go(Screen::Submitting);
    }

    pub(super) fn stored(&mut self, result: Result<StoredSubmission, String>) {
        if self.phase.screen() != Screen::Submitting {
            return;
        }
        let english = self.front.english;
        let steps = match (&result, self.item()) {
            (Ok(_), Some(item)) if item.anonymous() => self.anonymous_receipt_steps(item, english),
            (Ok(stored), Some(item)) => self.receipt_steps(item, stored, english),
            _ => Vec::new(),
        };
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        match result {
            Ok(stored) => {
                let Some(item) = s.browsing.chosen_item(&self.offer.catalog) else {
                    return;
                };
                // A tip's row is not tied to the session's steps by its id.
                if !item.anonymous() {
                    self.effects.push_back(Effect::Audit(AuditEvent::Submitted {
                        submission_id: stored.id.clone(),
                    }));
                }
                self.effects.push_back(Effect::Print(ReceiptRequest {
                    submission: stored.clone(),
                    kind: if item.anonymous() {
                        ReceiptKind::AnonymousTip
                    } else if item.pre_acceptance {
                        ReceiptKind::PreAcceptance
                    } else {
                        ReceiptKind::Application
                    },
                    item_code: item.code.to_string(),
                    item_name: item.name(english).to_string(),
                    next_steps: steps,
                    // Nobody's, even with a card on the reader.
                    name_masked: s
                        .identity
                        .as_ref()
                        .filter(|_| !item.anonymous())
                        .map(|i| mask::name(&i.name))
                        .unwrap_or_default(),
                    id_masked: s
                        .identity
                        .as_ref()
                        .filter(|_| !item.anonymous())
                        .map(|i| mask::id_number(&i.id_number))
                        .unwrap_or_default(),
                    english,
                    acceptance: None,
                    decision: None,
                }));
                s.submitting.stored = Some(stored);
                self.go(Screen::Printing);
            }
            Err(reason) => {
                tracing::error!(%reason, "submission not stored");
                s.submitting.outcome = Some(DoneOutcome::NotSaved);
                self.go(Screen::Done);
            }
        }
    }

    pub(super) fn printed(&mut self, result: Result<(), String>) {
        if self.phase.screen() != Screen::Printing {
            return;
        }
        if self.acceptance_printed(result.is_ok()) || self.decision_printed(result.is_ok()) {
            return;
        }
        let Some(s) = self.phase.session_mut() else {
            return;
        };
        // A tip's receipt is audited without its id (see `stored`).
        let id = s
            .submitting
            .stored
            .as_ref()
            .filter(|x| x.pin.is_none())
            .map(|x| x.id.clone())
            .unwrap_or_default();
        match result {
            Ok(()) => {
                s.submitting.outcome = Some(DoneOutcome::Printed);
                self.effects
                    .push_back(Effect::Audit(AuditEvent::ReceiptPrinted {
                        submission_id: id,
                    }));
            }
            Err(reason) => {
                s.submitting.outcome = Some(DoneOutcome::PrintFailed);
                self.effects
                    .push_back(Effect::Audit(AuditEvent::ReceiptFailed {
                        submission_id: id,
                        reason,
                    }));
            }
        }
        self.go(Screen::Done);
    }
}
