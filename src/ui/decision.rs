//! A decision item's screens on the Api: the card holder's violations as tiles, what Confirm
//! says, and upstream's decision (or why there is none).

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{tiles, Api, AppWindow, DecisionState, QueryState, SummaryLine};
use crate::engine::{Screen, View};
use crate::vocab::violation::DecisionOutcome;

pub(super) fn apply(ui: &AppWindow, view: &View) {
    let api = ui.global::<Api>();
    let d = view.decision.clone().unwrap_or_default();
    api.set_violations_state(match (&d.tiles, d.offline) {
        (_, true) => QueryState::Offline,
        (None, false) => QueryState::Waiting,
        (Some(t), false) if t.is_empty() => QueryState::NotFound,
        (Some(_), false) => QueryState::Found,
    });
    api.set_violations(tiles(d.tiles.as_deref().unwrap_or_default()));
    api.set_violations_counter_only(d.counter_only as i32);
    api.set_confirming_decision(view.screen == Screen::Confirm && view.decision.is_some());
    api.set_decision_basis(super::w(&d.basis));
    api.set_printing_decision(d.printing);
    api.set_decision_state(match &d.outcome {
        None => DecisionState::Waiting,
        Some(DecisionOutcome::Decided(_)) => DecisionState::Decided,
        Some(DecisionOutcome::Refused) => DecisionState::Refused,
        Some(DecisionOutcome::Offline) => DecisionState::Offline,
    });
    api.set_decision_rows(ModelRc::new(VecModel::from(
        d.rows
            .iter()
            .map(|(l, v)| SummaryLine {
                label: super::w(l),
                value: super::w(v),
            })
            .collect::<Vec<_>>(),
    )));
    api.set_decision_printed(
        match d.printed {
            None => "",
            Some(true) => "printed",
            Some(false) => "failed",
        }
        .into(),
    );
}

/// The session is over: nothing of the card holder's record stays in the Api.
pub(super) fn wipe(ui: &AppWindow) {
    let api = ui.global::<Api>();
    api.set_violations(ModelRc::default());
    api.set_decision_rows(ModelRc::default());
    api.set_decision_basis(Default::default());
}
