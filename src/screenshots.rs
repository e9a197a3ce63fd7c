//! `onetrip screenshots --out DIR`: every screen rendered headlessly to PNG, in landscape
//! (1920×1080) and portrait (1080×1920), Chinese and English, normal and elderly mode.

use std::path::Path;
use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};

use crate::engine::{DoneOutcome, Screen, View};
use crate::ui::{self, Api, AppWindow};

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

/// The views worth a picture: every screen, and each outcome of Done, plus the countdown.
pub fn catalogue(english: bool, elderly: bool) -> Vec<(String, View)> {
    let base = View {
        screen: Screen::Attract,
        english,
        elderly,
        name_masked: String::new(),
        id_masked: String::new(),
        items: Vec::new(),
        selected_item: String::new(),
        submission_number: String::new(),
        outcome: None,
        notice: String::new(),
        countdown: None,
    };
    let items: Vec<(String, String)> = crate::catalog::sample_items()
        .iter()
        .map(|i| (i.code.to_string(), i.name(english).to_string()))
        .collect();
    let session = View {
        name_masked: "张*明".into(),
        id_masked: "330106********1231".into(),
        items,
        selected_item: crate::catalog::sample_items()[1].name(english).to_string(),
        submission_number: "HZXH-0001-000007".into(),
        ..base.clone()
    };
    let at = |screen: Screen, v: &View| View {
        screen,
        ..v.clone()
    };
    vec![
        (
            "out_of_service".into(),
            View {
                notice: "回执打印机缺纸".into(),
                ..at(Screen::OutOfService, &base)
            },
        ),
        ("attract".into(), base.clone()),
        (
            "attract_read_failed".into(),
            View {
                notice: if english {
                    "The card could not be read. Please place it flat on the reader again.".into()
                } else {
                    "未能读取身份证，请将身份证平放在读卡区后重试".into()
                },
                ..base.clone()
            },
        ),
        ("reading_card".into(), at(Screen::ReadingCard, &base)),
        ("choose_item".into(), at(Screen::ChooseItem, &session)),
        ("confirm".into(), at(Screen::Confirm, &session)),
        (
            "timeout_warning".into(),
            View {
                countdown: Some(12),
                ..at(Screen::Confirm, &session)
            },
        ),
        ("submitting".into(), at(Screen::Submitting, &session)),
        ("printing".into(), at(Screen::Printing, &session)),
        (
            "done".into(),
            View {
                outcome: Some(DoneOutcome::Printed),
                ..at(Screen::Done, &session)
            },
        ),
        (
            "done_print_failed".into(),
            View {
                outcome: Some(DoneOutcome::PrintFailed),
                ..at(Screen::Done, &session)
            },
        ),
        (
            "done_not_saved".into(),
            View {
                outcome: Some(DoneOutcome::NotSaved),
                ..at(Screen::Done, &session)
            },
        ),
    ]
}

/// Renders every view to `out`; returns the files written.
pub fn render_all(out: &Path, hall: &str) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(out)?;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless {
        window: window.clone(),
    }))
    .map_err(|e| anyhow::anyhow!("cannot set the headless platform: {e}"))?;
    let ui = AppWindow::new()?;
    ui.global::<Api>().set_hall(hall.into());
    ui.global::<Api>().set_clock("09:41".into());
    ui.show()?;
    let mut written = Vec::new();
    for (orientation, (w, h)) in [
        ("landscape", (1920u32, 1080u32)),
        ("portrait", (1080, 1920)),
    ] {
        window.set_size(PhysicalSize::new(w, h));
        ui.global::<Api>().set_portrait(h > w);
        for english in [false, true] {
            for elderly in [false, true] {
                for (name, view) in catalogue(english, elderly) {
                    ui::apply_view(&ui, &view);
                    let lang = if english { "en" } else { "zh" };
                    let mode = if elderly { "elderly" } else { "normal" };
                    let path = out.join(format!("{name}-{orientation}-{lang}-{mode}.png"));
                    render_png(&window, w, h, &path)?;
                    written.push(path);
                }
            }
        }
    }
    Ok(written)
}

fn render_png(window: &MinimalSoftwareWindow, w: u32, h: u32, path: &Path) -> anyhow::Result<()> {
    slint::platform::update_timers_and_animations();
    window.request_redraw();
    let mut buffer = vec![Rgb8Pixel::new(0, 0, 0); (w * h) as usize];
    window.draw_if_needed(|renderer| {
        renderer.render(&mut buffer, w as usize);
    });
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut enc = png::Encoder::new(file, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    let bytes: Vec<u8> = buffer.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    writer.write_image_data(&bytes)?;
    Ok(())
}
