//! The compiled Slint UI (from `ui/`), and the one function that puts a [`View`] on it.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::engine::{DoneOutcome, QueryOutcome, Screen, SlotsOutcome, View};

mod decision;
pub mod words;

use words::shown as w;

fn tiles(list: &[crate::engine::Tile]) -> ModelRc<Tile> {
    let v: Vec<Tile> = list
        .iter()
        .map(|t| Tile {
            code: t.code.as_str().into(),
            name: w(&t.name),
            hint: w(&t.hint),
            badge: t.badge.name().into(),
        })
        .collect();
    ModelRc::new(VecModel::from(v))
}

fn strings(list: &[String]) -> ModelRc<SharedString> {
    let v: Vec<SharedString> = list.iter().map(|s| w(s)).collect();
    ModelRc::new(VecModel::from(v))
}

fn staff_report(r: &crate::engine::StaffView) -> StaffReport {
    let devices: Vec<DeviceLine> = r
        .devices
        .iter()
        .map(|d| DeviceLine {
            name: w(&d.name),
            state: w(&d.state),
            ok: d.ok,
        })
        .collect();
    let rejected: Vec<RejectedLine> = r
        .rejected_list
        .iter()
        .map(|x| RejectedLine {
            number: x.number.as_str().into(),
            item_code: x.item_code.as_str().into(),
            reason: x.reason.as_str().into(),
            at: x.at.as_str().into(),
        })
        .collect();
    StaffReport {
        devices: ModelRc::new(VecModel::from(devices)),
        store_problem: w(&r.store_problem),
        pending: r.pending as i32,
        rejected: r.rejected as i32,
        accepted: r.accepted as i32,
        expiring: r.expiring as i32,
        rejected_list: ModelRc::new(VecModel::from(rejected)),
        unprinted: strings(&r.unprinted),
        receipts_printed: r.receipts_printed as i32,
        paper_m: format!("{:.1}", r.paper_mm as f64 / 1000.0).into(),
        catalog: r.catalog.as_str().into(),
        catalog_problem: w(&r.catalog_problem),
        delivery_problem: w(&r.delivery_problem),
        firmware: r.firmware.as_str().into(),
        firmware_problem: w(&r.firmware_problem),
    }
}

fn item_page(p: &crate::engine::ItemPage) -> ItemPage {
    ItemPage {
        code: p.code.as_str().into(),
        name: w(&p.name),
        summary: w(&p.summary),
        mode: w(&p.mode),
        eligible: p.eligible,
        card_needed: p.card_needed,
        reasons: strings(&p.reasons),
        paused: w(&p.paused),
        conditions: strings(&p.conditions),
        materials: strings(&p.materials),
        fee: w(&p.fee),
        time_limit: w(&p.time_limit),
        collect: w(&p.collect),
        verified: p.verified,
    }
}

pub use onetrip_ui::*;

fn place_line(p: &crate::community::panel::PanelPlace) -> PlaceLine {
    PlaceLine {
        name: w(&p.name),
        address: w(&p.address),
        hours: w(&p.hours),
        phone: p.phone.as_str().into(),
    }
}

fn community_panel(
    p: &crate::community::panel::Panel,
    note: &str,
    requests: bool,
) -> CommunityPanel {
    let people: Vec<Officer> = p
        .people
        .iter()
        .map(|x| Officer {
            name: x.name.as_str().into(),
            role: w(&x.role_words),
            badge: x.badge.as_str().into(),
            phone: x.phone.as_str().into(),
            in_room: w(&x.in_room),
            today: w(&x.today),
            present: x.today_status == Some(crate::community::Presence::InRoom),
            police: x.role.is_police(),
            photo: x.photo.as_deref().map(portrait).unwrap_or_default(),
            has_photo: x.photo.is_some(),
        })
        .collect();
    let arrow = |(matter, to, phone): &(String, String, String)| {
        if phone.is_empty() {
            format!("{matter} → {to}")
        } else {
            format!("{matter} → {to} {phone}")
        }
    };
    let elsewhere: Vec<SharedString> = p.elsewhere.iter().map(|r| arrow(r).into()).collect();
    CommunityPanel {
        area: w(&p.area),
        people: ModelRc::new(VecModel::from(people)),
        room: p.room.as_ref().map(place_line).unwrap_or_default(),
        station: w(&p.station),
        duty_phone: p.duty_phone.clone().unwrap_or_default().into(),
        updated: p.updated.as_str().into(),
        why_nobody: w(&p.why_nobody),
        duties: p
            .officer()
            .map(|o| o.duties.join(if p.english { "; " } else { "、" }))
            .unwrap_or_default()
            .into(),
        elsewhere: ModelRc::new(VecModel::from(elsewhere)),
        nearest: ModelRc::new(VecModel::from(
            p.nearest.iter().map(place_line).collect::<Vec<_>>(),
        )),
        note: w(note),
        requests,
        notices: ModelRc::new(VecModel::from(
            p.notices
                .iter()
                .map(|n| NoticeLine {
                    kind: w(&n.kind_words),
                    fraud: n.kind == crate::community::NoticeKind::AntiFraud,
                    title: w(&n.title),
                    body: w(&n.body),
                    publisher: w(&n.publisher),
                    date: n.date.as_str().into(),
                })
                .collect::<Vec<_>>(),
        )),
    }
}

fn screen_kind(s: Screen) -> ScreenKind {
    match s {
        Screen::OutOfService => ScreenKind::OutOfService,
        Screen::Attract => ScreenKind::Attract,
        Screen::ReadingCard => ScreenKind::ReadingCard,
        Screen::Home => ScreenKind::Home,
        Screen::Categories => ScreenKind::Categories,
        Screen::Items => ScreenKind::Items,
        Screen::Search => ScreenKind::Search,
        Screen::ItemDetail => ScreenKind::ItemDetail,
        Screen::Form => ScreenKind::Form,
        Screen::QueryResult => ScreenKind::QueryResult,
        Screen::Slots => ScreenKind::Slots,
        Screen::Violations => ScreenKind::Violations,
        Screen::Decision => ScreenKind::Decision,
        Screen::Confirm => ScreenKind::Confirm,
        Screen::Submitting => ScreenKind::Submitting,
        Screen::Printing => ScreenKind::Printing,
        Screen::Done => ScreenKind::Done,
        Screen::Community => ScreenKind::Community,
        Screen::Notices => ScreenKind::Notices,
        Screen::StaffPin => ScreenKind::StaffPin,
        Screen::Staff => ScreenKind::Staff,
    }
}

/// Fills the screen. A fullscreen request is honoured by a window manager (and by KMS, where the
/// window is the screen); on X11 without one (a bare terminal, Xvfb) nobody honours it, so the
/// window is also placed at 0,0 and sized to the X screen. Call after the window is shown.
pub fn fill_screen(ui: &AppWindow) {
    ui.window().set_fullscreen(true);
    #[cfg(feature = "winit")]
    size_to_x_screen(ui);
}

/// The X screen's size, from the server's own description of its root window; nothing without
/// an X server (KMS, Wayland: their fullscreen is honoured).
#[cfg(feature = "winit")]
fn size_to_x_screen(ui: &AppWindow) {
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return;
    };
    let Some(root) = x11rb::connection::Connection::setup(&conn)
        .roots
        .get(screen)
    else {
        return;
    };
    let (width, height) = (
        u32::from(root.width_in_pixels),
        u32::from(root.height_in_pixels),
    );
    ui.window().set_position(slint::PhysicalPosition::new(0, 0));
    ui.window()
        .set_size(slint::PhysicalSize::new(width, height));
    tracing::info!(width, height, "window sized to the X screen");
}

/// Selects the UI language for every `@tr` string ("" is the Chinese source text).
pub fn select_language(english: bool) {
    // Chinese is the screens' own language; its "translation" joins their words (words.rs).
    if let Err(e) = slint::select_bundled_translation(if english { "en" } else { "zh" }) {
        tracing::warn!(error = %e, "cannot switch UI language");
    }
}

thread_local! {
    /// The language whose translation is in force on this (the UI's) thread.
    static SELECTED_ENGLISH: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
    /// Portraits already decoded, by their base64 text: the panel is set again on every view,
    /// the feed changes rarely.
    static PORTRAITS: std::cell::RefCell<Vec<(String, slint::Image)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A feed's portrait as an image (the feed was checked: a picture that does not decode is
/// shown as none).
fn portrait(base64: &str) -> slint::Image {
    PORTRAITS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, image)) = cache.iter().find(|(b, _)| b == base64) {
            return image.clone();
        }
        let image = match crate::community::photo::decode(base64) {
            Ok(p) => slint::Image::from_rgba8(
                slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
                    &p.rgba, p.width, p.height,
                ),
            ),
            Err(_) => slint::Image::default(),
        };
        // A village has a few people: the last few portraits are all there is to keep.
        if cache.len() >= 8 {
            cache.remove(0);
        }
        cache.push((base64.to_string(), image.clone()));
        image
    })
}

/// A QR code of `text` (black on white, four modules of quiet zone, one pixel per module: the
/// screen scales it up without smoothing); an empty image for no text.
pub fn qr_image(text: &str) -> slint::Image {
    if text.is_empty() {
        return slint::Image::default();
    }
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        tracing::warn!("tracking link too long for a QR code");
        return slint::Image::default();
    };
    const QUIET: usize = 4;
    let width = code.width();
    let side = width + 2 * QUIET;
    let mut pixels = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side as u32, side as u32);
    let dark = code.to_colors();
    for (i, px) in pixels.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % side, i / side);
        let module = (x >= QUIET && y >= QUIET && x < QUIET + width && y < QUIET + width)
            .then(|| dark[(y - QUIET) * width + (x - QUIET)]);
        let v = if module == Some(qrcode::Color::Dark) {
            0
        } else {
            255
        };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    slint::Image::from_rgb8(pixels)
}

/// Puts a view on the window. Only masked data ever reaches the UI.
pub fn apply_view(ui: &AppWindow, view: &View) {
    let api = ui.global::<Api>();
    // The translation in force (Chinese has its own: words.rs), set once per change and on the
    // window's first view, whoever made the window.
    if SELECTED_ENGLISH.replace(Some(view.english)) != Some(view.english) {
        select_language(view.english);
    }
    api.set_screen(screen_kind(view.screen));
    api.set_english(view.english);
    api.set_elderly(view.elderly);
    api.set_voice(view.voice);
    api.set_volume(i32::from(view.volume));
    api.set_prompt(w(&view.prompt));
    api.set_name_masked(view.name_masked.as_str().into());
    api.set_id_masked(view.id_masked.as_str().into());
    api.set_police_types(tiles(&view.police_types));
    api.set_most_used(tiles(&view.most_used));
    api.set_most_used_featured(view.most_used_featured);
    api.set_heading(w(&view.heading));
    api.set_categories(tiles(&view.categories));
    api.set_items(tiles(&view.items));
    api.set_query(view.query.as_str().into());
    let live: Vec<bool> = ('A'..='Z').map(|c| view.keys.contains(c)).collect();
    api.set_key_live(ModelRc::new(VecModel::from(live)));
    api.set_detail(view.detail.as_ref().map(item_page).unwrap_or_default());
    api.set_selected_item(w(&view.selected_item));
    api.set_submission_number(view.submission_number.as_str().into());
    api.set_tip_pin(view.tip_pin.as_str().into());
    api.set_rating_offered(view.rating_offered);
    api.set_help_offered(view.help_offered);
    api.set_help_called(view.help_called);
    api.set_printing_paused(view.printing_paused);
    if api.get_tracking_link().as_str() != view.tracking_link {
        api.set_tracking_qr(qr_image(&view.tracking_link));
        api.set_tracking_link(view.tracking_link.as_str().into());
    }
    api.set_outcome(match view.outcome {
        None => Outcome::None,
        Some(DoneOutcome::Printed) => Outcome::Printed,
        Some(DoneOutcome::PrintFailed) => Outcome::PrintFailed,
        Some(DoneOutcome::NotSaved) => Outcome::NotSaved,
    });
    api.set_notice(w(&view.notice));
    api.set_notice_other(w(&view.notice_other));
    api.set_form(
        view.form
            .as_ref()
            .map(|f| FormField {
                label: w(&f.label),
                kind: f.kind.into(),
                value: f.value.as_str().into(),
                choices: tiles(&f.choices),
                error: w(&f.error),
                step: f.step.as_str().into(),
            })
            .unwrap_or_default(),
    );
    // The confirm summary as one list (the screen lays it out in one or two columns): the item,
    // the applicant's masked name and number (none for an anonymous tip), then the answers.
    let pick = |zh: &'static str, en: &'static str| if view.english { en } else { zh };
    // A violation's facts are the party's: one row for who, then the facts (decision.rs).
    let party = format!("{} {}", view.name_masked, view.id_masked);
    let fixed = if view.screen == Screen::Confirm && view.decision.is_some() {
        vec![(pick("当事人", "Card holder"), &party)]
    } else {
        vec![
            (pick("办理事项", "Item"), &view.selected_item),
            (pick("申请人", "Applicant"), &view.name_masked),
            (pick("证件号码", "ID number"), &view.id_masked),
        ]
    };
    let summary: Vec<SummaryLine> = fixed
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(l, v)| (l, v.as_str()))
        .chain(view.summary.iter().map(|(l, v)| (l.as_str(), v.as_str())))
        .map(|(l, v)| SummaryLine {
            label: w(l),
            value: w(v),
        })
        .collect();
    api.set_summary(ModelRc::new(VecModel::from(summary)));
    let (state, steps, acceptance) = match &view.query_outcome {
        None => (QueryState::Waiting, Vec::new(), None),
        Some(QueryOutcome::Found(steps, acceptance)) => {
            (QueryState::Found, steps.clone(), acceptance.as_ref())
        }
        Some(QueryOutcome::NotFound) => (QueryState::NotFound, Vec::new(), None),
        Some(QueryOutcome::Offline) => (QueryState::Offline, Vec::new(), None),
    };
    api.set_query_state(state);
    // The authority's acceptance: its number and who, and its paper unless printing waits.
    api.set_accepted_number(
        acceptance
            .map(|a| a.number.as_str())
            .unwrap_or_default()
            .into(),
    );
    api.set_accepted_by(
        acceptance
            .map(|a| a.authority(view.english))
            .unwrap_or_default()
            .into(),
    );
    api.set_printing_acceptance(view.printing_acceptance);
    api.set_acceptance_printable(
        acceptance.is_some() && !view.printing_paused && view.acceptance_printed != Some(true),
    );
    api.set_acceptance_printed(match view.acceptance_printed {
        Some(true) => "printed".into(),
        Some(false) => "failed".into(),
        None => SharedString::new(),
    });
    api.set_query_own_records(view.query_own_records);
    let lines: Vec<ProgressLine> = steps
        .iter()
        .map(|s| ProgressLine {
            when: s.when.as_str().into(),
            text: w(if view.english { &s.en } else { &s.zh }),
        })
        .collect();
    api.set_progress(ModelRc::new(VecModel::from(lines)));
    let (slots_state, slots) = match &view.slots {
        None => (QueryState::Waiting, Vec::new()),
        Some(SlotsOutcome::Offered(s)) => (
            if s.is_empty() {
                QueryState::NotFound
            } else {
                QueryState::Found
            },
            s.iter()
                .map(|x| crate::engine::Tile {
                    code: x.id.clone(),
                    name: if view.english {
                        x.en.clone()
                    } else {
                        x.zh.clone()
                    },
                    hint: String::new(),
                    badge: Default::default(),
                })
                .collect(),
        ),
        Some(SlotsOutcome::Offline) => (QueryState::Offline, Vec::new()),
    };
    api.set_slots_state(slots_state);
    api.set_slots(tiles(&slots));
    decision::apply(ui, view);
    api.set_pin_length(view.pin_length as i32);
    api.set_staff_message(view.staff_message.as_str().into());
    api.set_staff(view.staff.as_ref().map(staff_report).unwrap_or_default());
    api.set_community(
        view.community
            .as_ref()
            .map(|p| community_panel(p, &view.community_note, view.community_requests))
            .unwrap_or_default(),
    );
    api.set_countdown_visible(view.countdown.is_some());
    api.set_countdown(view.countdown.unwrap_or(0) as i32);
}

/// What the window shows of the terminal itself, from its configuration: set once at launch.
pub struct Terminal<'a> {
    pub hall_zh: &'a str,
    pub hall_en: &'a str,
    /// The programme's slogan (configured; "" for none).
    pub slogan_zh: &'a str,
    pub slogan_en: &'a str,
    pub portrait: bool,
}

pub fn show_terminal(ui: &AppWindow, terminal: &Terminal) {
    let api = ui.global::<Api>();
    api.set_hall_zh(w(terminal.hall_zh));
    api.set_hall_en(terminal.hall_en.into());
    api.set_slogan_zh(w(terminal.slogan_zh));
    api.set_slogan_en(terminal.slogan_en.into());
    api.set_portrait(terminal.portrait);
}

/// The wall clock in the top bar ("HH:MM"); not session state, so not in the [`View`].
pub fn show_clock(ui: &AppWindow, hh_mm: &str) {
    ui.global::<Api>().set_clock(hh_mm.into());
}

/// Clears every property that held personal data (the session is over).
pub fn wipe(ui: &AppWindow) {
    let api = ui.global::<Api>();
    api.set_name_masked(SharedString::new());
    api.set_id_masked(SharedString::new());
    api.set_police_types(ModelRc::default());
    api.set_most_used(ModelRc::default());
    api.set_categories(ModelRc::default());
    api.set_items(ModelRc::default());
    api.set_query(SharedString::new());
    api.set_detail(ItemPage::default());
    api.set_form(FormField::default());
    api.set_summary(ModelRc::default());
    api.set_progress(ModelRc::default());
    api.set_selected_item(SharedString::new());
    api.set_submission_number(SharedString::new());
    api.set_tip_pin(SharedString::new());
    api.set_tracking_link(SharedString::new());
    api.set_tracking_qr(slint::Image::default());
    decision::wipe(ui);
}
