//! `onetrip screenshots` renders every screen, and Chinese text actually has ink (a missing CJK font
//! draws nothing at all, silently).

use std::path::Path;
use std::process::Command;

fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf)
}

/// Dark pixels in a horizontal band (fractions of the height).
fn ink(path: &Path, from: f32, to: f32) -> usize {
    let (w, h, px) = decode(path);
    let (y0, y1) = ((h as f32 * from) as u32, (h as f32 * to) as u32);
    let mut n = 0;
    for y in y0..y1 {
        for x in 0..w {
            let i = ((y * w + x) * 3) as usize;
            if px[i] < 80 && px[i + 1] < 80 && px[i + 2] < 80 {
                n += 1;
            }
        }
    }
    n
}

/// Every screen's name, as `onetrip screenshots` writes it in each orientation and variant.
const SCREENS: [&str; 44] = [
    "out_of_service",
    "attract",
    "attract_printing_paused",
    "home_printing_paused",
    "item_printing_paused",
    "reading_card",
    "attract_read_failed",
    "home",
    "home_featured",
    "categories",
    "items",
    "search_empty",
    "search",
    "item_detail",
    "item_not_eligible",
    "home_without_card",
    "item_card_needed",
    "form_province",
    "query_own_records",
    "query_accepted",
    "form_id_number",
    "item_hmt_renewal",
    "form_choice",
    "form_phone_error",
    "form_letters",
    "query_waiting",
    "query_offline",
    "query_found",
    "rating",
    "rating_reason",
    "slots",
    "slots_offline",
    "confirm_appointment",
    "guide_printing",
    "guide_done",
    "staff_pin",
    "staff",
    "confirm",
    "timeout_warning",
    "submitting",
    "printing",
    "done",
    "done_print_failed",
    "done_not_saved",
];

/// `onetrip screenshots` for one orientation (the two are separate tests, so that they run side
/// by side: each is most of a minute of software rendering on one core).
fn screenshots(orientation: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["screenshots", "--orientation", orientation, "--out"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for screen in SCREENS {
        for variant in ["zh-normal", "zh-elderly", "en-normal", "en-elderly"] {
            let p = dir
                .path()
                .join(format!("{screen}-{orientation}-{variant}.png"));
            assert!(p.exists(), "{} missing", p.display());
        }
    }
    dir
}

/// Done shows the receipt's tracking code large enough for a phone, in every variant and
/// whether or not the receipt printed: read back from the pixels as a phone would.
fn assert_done_screens_show_the_tracking_code(dir: &Path, orientation: &str) {
    for screen in ["done", "done_print_failed"] {
        for variant in ["zh-normal", "zh-elderly", "en-normal", "en-elderly"] {
            let p = dir.join(format!("{screen}-{orientation}-{variant}.png"));
            let codes = qr_codes(&p);
            assert_eq!(codes.len(), 1, "{}: {codes:?}", p.display());
            assert!(
                codes[0].starts_with("https://track.example.invalid/s/HZXH-0001-"),
                "{}: {codes:?}",
                p.display()
            );
        }
    }
}

/// A screen with nothing to track shows no QR code.
fn assert_nothing_to_track(dir: &Path, p: &str) {
    assert_eq!(
        qr_codes(&dir.join(p)),
        Vec::<String>::new(),
        "{p}: nothing to track"
    );
}

#[test]
fn every_screen_in_landscape_with_chinese_ink() {
    let dir = screenshots("landscape");
    // The attract prompt "请将身份证放在读卡区" is dark text in the middle of the screen.
    let zh = ink(
        &dir.path().join("attract-landscape-zh-normal.png"),
        0.3,
        0.6,
    );
    assert!(
        zh > 2000,
        "the Chinese prompt has no ink ({zh} dark pixels): is the CJK font embedded?"
    );
    let en = ink(
        &dir.path().join("attract-landscape-en-normal.png"),
        0.3,
        0.6,
    );
    assert!(en > 1000, "the English prompt has no ink ({en})");

    assert_done_screens_show_the_tracking_code(dir.path(), "landscape");
    assert_nothing_to_track(dir.path(), "done_not_saved-landscape-zh-normal.png");

    // The demo panel shows the receipt as the printer simulator decoded it from the receipt's
    // ESC/POS bytes: its QR code is on the picture of the paper, readable by a phone, and the
    // lines have ink (not a text dump of the QR's data).
    let panel = dir.path().join("device_panel.png");
    assert_eq!(
        qr_codes(&panel),
        ["https://track.example.invalid/s/HZXH-0001-000007"],
        "{}",
        panel.display()
    );
    assert!(ink(&panel, 0.3, 0.5) > 3000, "the receipt's lines have ink");
}

#[test]
fn every_screen_in_portrait() {
    let dir = screenshots("portrait");
    let (w, h, _) = decode(&dir.path().join("attract-portrait-zh-normal.png"));
    assert_eq!((w, h), (1080, 1920));
    assert!(
        !dir.path().join("device_panel.png").exists(),
        "the device panel comes with the landscape set"
    );
    assert_done_screens_show_the_tracking_code(dir.path(), "portrait");
    assert_nothing_to_track(dir.path(), "guide_done-portrait-en-elderly.png");
}

/// The QR codes a phone's camera would read in a screenshot.
fn qr_codes(path: &Path) -> Vec<String> {
    let (w, h, px) = decode(path);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        let i = (y * w as usize + x) * 3;
        ((px[i] as u32 + px[i + 1] as u32 + px[i + 2] as u32) / 3) as u8
    });
    img.detect_grids()
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// `onetrip screenshots --check` in one orientation: the number of views looked at, once the
/// report says none has a text that does not fit.
fn views_where_every_text_fits(orientation: &str) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["screenshots", "--check", "--orientation", orientation])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    report
        .lines()
        .last()
        .and_then(|l| l.strip_suffix(" views, 0 texts that do not fit"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line in {report}"))
}

/// Nothing clipped, ever: every view of the catalogue in all eight variants (orientation ×
/// language × normal/elderly), each text measured with the renderer's own layout — none elided,
/// broken inside a word, overflowing its box, cut by a container or outside the window. One
/// test per orientation, so that the two run side by side.
#[test]
fn no_text_is_cut_elided_or_broken_in_any_landscape_view() {
    let views = views_where_every_text_fits("landscape");
    assert!(views >= 132, "only {views} views were checked");
}

#[test]
fn no_text_is_cut_elided_or_broken_in_any_portrait_view() {
    let views = views_where_every_text_fits("portrait");
    assert!(views >= 132, "only {views} views were checked");
}

/// The check finds what it is for: a hall name with a word wider than the screen (which Slint's
/// layout will not break: it widens the banner past the window instead) is reported.
#[test]
fn the_fit_check_reports_a_word_wider_than_the_screen() {
    let word = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(3);
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["screenshots", "--check", "--only", "attract", "--hall"])
        .arg(format!("文新派出所 {word}"))
        .arg("--hall-en")
        .arg(format!("Wenxin {word}"))
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{report}");
    for variant in [
        "landscape-zh-normal",
        "landscape-en-elderly",
        "portrait-zh-elderly",
        "portrait-en-normal",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("attract-{variant}: "))
                    && l.contains(&format!("{word}\" at "))
                    && l.ends_with("outside the window")),
            "{variant} not reported in {report}"
        );
    }
}

/// A row the citizen cannot see is found, whether a container cuts it, the window ends above it
/// or a scroll area hides it without a cue: thirty rows planted in the confirm summary are
/// reported in every variant, and the check fails.
#[test]
fn the_fit_check_reports_a_planted_row_out_of_sight() {
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args([
            "screenshots",
            "--check",
            "--only",
            "confirm",
            "--plant-rows",
            "30",
        ])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{report}");
    for orientation in ["landscape", "portrait"] {
        for variant in ["zh-normal", "zh-elderly", "en-normal", "en-elderly"] {
            let stem = format!("confirm-{orientation}-{variant}: ");
            assert!(
                report
                    .lines()
                    .any(|l| l.starts_with(&stem) && l.contains("\"Planted 29\"")),
                "{stem} not reported in {report}"
            );
        }
    }
}
