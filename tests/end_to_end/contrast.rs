//! Every text/background pair the screens use passes WCAG 2.x AA (4.5:1 for body text), computed
//! from the colours in `ui/theme.slint` itself. (Dimmed, inactive keys are exempt by WCAG 1.4.3.)

use std::collections::HashMap;

fn theme() -> HashMap<String, (f64, f64, f64)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/theme.slint")).unwrap();
    let mut colours = HashMap::new();
    for line in text.lines() {
        // `out property <color> primary: #0B3D91;`
        let Some(rest) = line.trim().strip_prefix("out property <color> ") else {
            continue;
        };
        let (name, value) = rest.split_once(':').unwrap();
        let hex = value.trim().trim_start_matches('#').trim_end_matches(';');
        let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
        colours.insert(name.trim().to_string(), (c(0), c(2), c(4)));
    }
    colours
}

fn hex(h: &str) -> (f64, f64, f64) {
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap() as f64 / 255.0;
    (c(1), c(3), c(5))
}

fn luminance((r, g, b): (f64, f64, f64)) -> f64 {
    let lin = |c: f64| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn ratio(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn text_colours_pass_wcag_aa() {
    let t = theme();
    let get = |n: &str| {
        *t.get(n)
            .unwrap_or_else(|| panic!("no colour {n} in theme.slint"))
    };
    let pairs = [
        ("text", get("text"), get("background")),
        ("text on surface", get("text"), get("surface")),
        ("muted", get("muted"), get("background")),
        ("muted on surface", get("muted"), get("surface")),
        ("button text", get("on-primary"), get("primary")),
        ("outlined button", get("primary"), get("surface")),
        ("danger", get("danger"), get("background")),
        ("danger on surface", get("danger"), get("surface")),
        ("success", get("success"), get("background")),
        ("warning", get("warning"), get("background")),
        ("warning on surface", get("warning"), get("surface")),
        // The item page's eligibility boxes (ui/screens/item_detail.slint).
        ("eligible box", get("success"), hex("#E6F2E9")),
        ("not eligible box", get("danger"), hex("#FBE9E9")),
        ("reason text", get("text"), hex("#FBE9E9")),
    ];
    for (what, fg, bg) in pairs {
        let r = ratio(fg, bg);
        assert!(r >= 4.5, "{what}: contrast {r:.2}:1 is below 4.5:1");
    }
    // Sanity of the formula: black on white is 21:1.
    assert!((ratio((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)) - 21.0).abs() < 0.01);
}
