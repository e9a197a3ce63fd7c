//! `onetrip screenshots --out DIR`: every screen rendered headlessly to PNG, in landscape
//! (1920×1080) and portrait (1080×1920), Chinese and English, normal and elderly mode.

use std::path::Path;
use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize};

use crate::ui::{self, AppWindow};

mod card_services;
pub mod decision_tour;
mod tour;

pub use tour::catalogue;

/// The terminal's two screen orientations; the screenshots can be limited to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Orientation {
    /// 1920×1080.
    Landscape,
    /// 1080×1920.
    Portrait,
}

impl Orientation {
    /// The one asked for, or both.
    fn chosen(only: Option<Orientation>) -> Vec<Orientation> {
        only.map_or(vec![Orientation::Landscape, Orientation::Portrait], |o| {
            vec![o]
        })
    }

    fn name(self) -> &'static str {
        match self {
            Orientation::Landscape => "landscape",
            Orientation::Portrait => "portrait",
        }
    }

    fn size(self) -> (u32, u32) {
        match self {
            Orientation::Landscape => (1920, 1080),
            Orientation::Portrait => (1080, 1920),
        }
    }
}

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// The tracking link of the screenshots' submissions (as a terminal's configuration gives it).
pub const TRACKING_URL: &str = "https://track.example.invalid/s/{number}";

/// The hall's names in the top bar and the programme's slogan, as the configuration gives them.
#[derive(Debug, Clone, Copy)]
pub struct Hall<'a> {
    pub zh: &'a str,
    pub en: &'a str,
    pub slogan_zh: &'a str,
    pub slogan_en: &'a str,
}

/// Shows every view of the catalogue (or those whose name starts with `only`) in the four
/// variants of each orientation asked for, on a headless window, and hands each to `visit` with
/// its file stem (`name-orientation-lang-mode`).
fn each_view(
    window: &Rc<MinimalSoftwareWindow>,
    hall: Hall,
    only: Option<&str>,
    orientations: &[Orientation],
    planted_rows: usize,
    mut visit: impl FnMut(&MinimalSoftwareWindow, &AppWindow, (u32, u32), &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let ui = AppWindow::new()?;
    ui::show_clock(&ui, "09:41");
    ui.show()?;
    for orientation in orientations {
        let (w, h) = turn(window, &ui, hall, *orientation);
        let orientation = orientation.name();
        for english in [false, true] {
            for elderly in [false, true] {
                for (name, mut view) in catalogue(english, elderly) {
                    if only.is_some_and(|prefix| !name.starts_with(prefix)) {
                        continue;
                    }
                    // The check's own test: rows the confirm summary cannot show.
                    if name == "confirm" {
                        for n in 0..planted_rows {
                            view.summary.push((format!("Planted {n}"), "9".repeat(18)));
                        }
                    }
                    ui::apply_view(&ui, &view);
                    let lang = if english { "en" } else { "zh" };
                    let mode = if elderly { "elderly" } else { "normal" };
                    visit(
                        window,
                        &ui,
                        (w, h),
                        &format!("{name}-{orientation}-{lang}-{mode}"),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The window sized for `orientation`, the hall's names in its top bar; its size.
fn turn(
    window: &MinimalSoftwareWindow,
    ui: &AppWindow,
    hall: Hall,
    orientation: Orientation,
) -> (u32, u32) {
    let (w, h) = orientation.size();
    window.set_size(PhysicalSize::new(w, h));
    ui::show_terminal(
        ui,
        &ui::Terminal {
            hall_zh: hall.zh,
            hall_en: hall.en,
            slogan_zh: hall.slogan_zh,
            slogan_en: hall.slogan_en,
            portrait: h > w,
        },
    );
    (w, h)
}

/// The one headless window every component is shown in (the platform can be set once).
fn headless() -> anyhow::Result<Rc<MinimalSoftwareWindow>> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless {
        window: window.clone(),
    }))
    .map_err(|e| anyhow::anyhow!("cannot set the headless platform: {e}"))?;
    Ok(window)
}

/// The demo's device panel with a receipt on its simulated paper: the receipt's real ESC/POS
/// bytes, decoded by the printer simulator, shown as printed (lines, QR code, cut).
fn render_device_panel(
    window: &MinimalSoftwareWindow,
    hall: &str,
    path: &Path,
) -> anyhow::Result<()> {
    use onetrip_drivers::printer::commands::{encode, PaperWidth};
    use onetrip_drivers::printer::sim::{Decoded, EscPosDecoder};
    let catalog = crate::catalog::shipped();
    let item = catalog
        .item("ZA-FZJL-01")
        .ok_or_else(|| anyhow::anyhow!("the sample item is not in the catalog"))?;
    let request = crate::engine::ReceiptRequest {
        kind: Default::default(),
        submission: crate::engine::StoredSubmission {
            id: "6f1c2b9e-0000-4000-8000-000000000007".into(),
            number: "HZXH-0001-000007".into(),
            verification_code: None,
            pin: None,
        },
        item_code: item.code.clone(),
        item_name: item.name(false).into(),
        next_steps: item.next_steps(false),
        name_masked: "张*明".into(),
        id_masked: "330106********1231".into(),
        english: false,
        acceptance: None,
        decision: None,
    };
    let doc = crate::receipt::Receipt {
        hall,
        slogan: "",
        request: &request,
        when: "2026-11-29 09:41",
        tracking_url: TRACKING_URL,
        width: PaperWidth::Mm58,
    }
    .layout();
    let printed: Vec<_> = EscPosDecoder::new()
        .push(&encode(&doc)?)
        .into_iter()
        .filter_map(|d| match d {
            Decoded::Printed(p) => Some(p),
            _ => None,
        })
        .collect();
    let panel = crate::ui::DevicePanel::new()?;
    panel.set_receipt(slint::ModelRc::new(slint::VecModel::from(
        super::demo::last_receipt_paper(&printed),
    )));
    panel.set_status_line("回执已打印".into());
    panel.show()?;
    let (w, h) = (520, 1400);
    window.set_size(PhysicalSize::new(w, h));
    render_png(window, w, h, path)?;
    panel.hide()?;
    Ok(())
}

/// Renders every view (or those whose name starts with `only`) in the orientation asked for (or
/// both) to `out`, and the device panel with the landscape ones; returns the files written.
pub fn render_all(
    out: &Path,
    hall: Hall,
    only: Option<&str>,
    orientation: Option<Orientation>,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let orientations = Orientation::chosen(orientation);
    std::fs::create_dir_all(out)?;
    let window = headless()?;
    let mut written = Vec::new();
    each_view(
        &window,
        hall,
        only,
        &orientations,
        0,
        |window, _, (w, h), stem| {
            let path = out.join(format!("{stem}.png"));
            render_png(window, w, h, &path)?;
            written.push(path);
            Ok(())
        },
    )?;
    if orientations.contains(&Orientation::Landscape)
        && only.is_none_or(|prefix| "device_panel".starts_with(prefix))
    {
        let path = out.join("device_panel.png");
        render_device_panel(&window, hall.zh, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// Renders `views` in landscape (1920×1080) into `dir`, each to its file name: the review
/// sheet's pictures of each item's page.
pub fn render_views(
    dir: &Path,
    hall: Hall,
    views: &[(String, crate::engine::View)],
) -> anyhow::Result<()> {
    let window = headless()?;
    let ui = AppWindow::new()?;
    ui::show_clock(&ui, "09:41");
    ui.show()?;
    let (w, h) = turn(&window, &ui, hall, Orientation::Landscape);
    for (file, view) in views {
        ui::apply_view(&ui, view);
        render_png(&window, w, h, &dir.join(file))?;
    }
    Ok(())
}

/// Every text that does not fit, in every view and variant of the orientation asked for (or
/// both; or the views whose name starts with `only`), as `(file stem, misfit)`; also the number of views
/// looked at. `planted_rows` rows are added to the confirm summary (the check's own test).
pub fn misfits_all(
    hall: Hall,
    only: Option<&str>,
    orientation: Option<Orientation>,
    planted_rows: usize,
) -> anyhow::Result<(usize, Vec<(String, super::screen_fit::Misfit)>)> {
    let mut found = Vec::new();
    let mut views = 0;
    each_view(
        &headless()?,
        hall,
        only,
        &Orientation::chosen(orientation),
        planted_rows,
        |window, ui, (w, h), stem| {
            // Drawn as for a picture, so layout and timers are exactly those of the PNG.
            snapshot(window, w, h)?;
            views += 1;
            for misfit in super::screen_fit::misfits(ui.window()) {
                found.push((stem.to_string(), misfit));
            }
            Ok(())
        },
    )?;
    Ok((views, found))
}

/// The window drawn, by the renderer's own snapshot: it is compiled (optimised, with the
/// dependencies) for its one pixel type, where `render()` is generic and would be compiled here,
/// unoptimised in tests — 45 % of the screenshot tests' time went to copying pixels one call at
/// a time.
fn snapshot(
    window: &MinimalSoftwareWindow,
    w: u32,
    h: u32,
) -> anyhow::Result<slint::SharedPixelBuffer<slint::Rgba8Pixel>> {
    slint::platform::update_timers_and_animations();
    // Marks the frame drawn, as a real window's event loop would (the snapshot renders it).
    window.draw_if_needed(|_| {});
    let rgba = window.take_snapshot()?;
    anyhow::ensure!(
        (rgba.width(), rgba.height()) == (w, h),
        "the snapshot is {}×{}, the window {w}×{h}",
        rgba.width(),
        rgba.height()
    );
    Ok(rgba)
}

/// The window drawn into RGB bytes (alpha dropped: the window is opaque). The boot test's twin
/// draws with it too.
pub fn draw(window: &MinimalSoftwareWindow, w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    Ok(rgb_of_rgba(snapshot(window, w, h)?.as_bytes()))
}

/// RGBA bytes without their alpha. Byte by byte over slices in a plain loop: unoptimised (as
/// in tests), a Vec index, a range index or an iterator step is a function call each; a slice
/// index is not.
fn rgb_of_rgba(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = vec![0u8; rgba.len() / 4 * 3];
    let out: &mut [u8] = &mut rgb;
    let (mut from, mut to) = (0, 0);
    while to < out.len() {
        out[to] = rgba[from];
        out[to + 1] = rgba[from + 1];
        out[to + 2] = rgba[from + 2];
        from += 4;
        to += 3;
    }
    rgb
}

fn render_png(window: &MinimalSoftwareWindow, w: u32, h: u32, path: &Path) -> anyhow::Result<()> {
    let bytes = draw(window, w, h)?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut enc = png::Encoder::new(file, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Fast deflate and one cheap filter ("sub": flat UI rows): a third of the screenshot
    // tests' time went to the default level and adaptive filtering.
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::Filter::Sub);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&bytes)?;
    Ok(())
}
