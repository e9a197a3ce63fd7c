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

#[test]
fn every_screen_in_both_orientations_with_chinese_ink() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["screenshots", "--out"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for screen in [
        "out_of_service",
        "attract",
        "reading_card",
        "attract_read_failed",
        "home",
        "categories",
        "items",
        "search_empty",
        "search",
        "item_detail",
        "item_not_eligible",
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
    ] {
        for orientation in ["landscape", "portrait"] {
            for variant in ["zh-normal", "zh-elderly", "en-normal", "en-elderly"] {
                let p = dir
                    .path()
                    .join(format!("{screen}-{orientation}-{variant}.png"));
                assert!(p.exists(), "{} missing", p.display());
            }
        }
    }
    let (w, h, _) = decode(&dir.path().join("attract-portrait-zh-normal.png"));
    assert_eq!((w, h), (1080, 1920));
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
}
