//! The compiled Slint UI (from `ui/`), and the one function that puts a [`View`] on it.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::engine::{DoneOutcome, Screen, View};

slint::include_modules!();

fn screen_kind(s: Screen) -> ScreenKind {
    match s {
        Screen::OutOfService => ScreenKind::OutOfService,
        Screen::Attract => ScreenKind::Attract,
        Screen::ReadingCard => ScreenKind::ReadingCard,
        Screen::ChooseItem => ScreenKind::ChooseItem,
        Screen::Confirm => ScreenKind::Confirm,
        Screen::Submitting => ScreenKind::Submitting,
        Screen::Printing => ScreenKind::Printing,
        Screen::Done => ScreenKind::Done,
    }
}

/// Selects the UI language for every `@tr` string ("" is the Chinese source text).
pub fn select_language(english: bool) {
    if let Err(e) = slint::select_bundled_translation(if english { "en" } else { "" }) {
        tracing::warn!(error = %e, "cannot switch UI language");
    }
}

/// Puts a view on the window. Only masked data ever reaches the UI.
pub fn apply_view(ui: &AppWindow, view: &View) {
    let api = ui.global::<Api>();
    if api.get_english() != view.english {
        select_language(view.english);
    }
    api.set_screen(screen_kind(view.screen));
    api.set_english(view.english);
    api.set_elderly(view.elderly);
    api.set_name_masked(view.name_masked.as_str().into());
    api.set_id_masked(view.id_masked.as_str().into());
    let items: Vec<ServiceItem> = view
        .items
        .iter()
        .map(|(code, name)| ServiceItem {
            code: SharedString::from(code.as_str()),
            name: SharedString::from(name.as_str()),
        })
        .collect();
    api.set_items(ModelRc::new(VecModel::from(items)));
    api.set_selected_item(view.selected_item.as_str().into());
    api.set_submission_number(view.submission_number.as_str().into());
    api.set_outcome(match view.outcome {
        None => Outcome::None,
        Some(DoneOutcome::Printed) => Outcome::Printed,
        Some(DoneOutcome::PrintFailed) => Outcome::PrintFailed,
        Some(DoneOutcome::NotSaved) => Outcome::NotSaved,
    });
    api.set_notice(view.notice.as_str().into());
    api.set_countdown_visible(view.countdown.is_some());
    api.set_countdown(view.countdown.unwrap_or(0) as i32);
}

/// Clears every property that held personal data (the session is over).
pub fn wipe(ui: &AppWindow) {
    let api = ui.global::<Api>();
    api.set_name_masked(SharedString::new());
    api.set_id_masked(SharedString::new());
    api.set_items(ModelRc::new(VecModel::<ServiceItem>::default()));
    api.set_selected_item(SharedString::new());
    api.set_submission_number(SharedString::new());
}
