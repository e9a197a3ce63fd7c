//! Every `@tr("…")` string of the UI has an English translation: an untranslated string would show
//! Chinese in the middle of an English session.

use std::collections::HashSet;
use std::path::Path;

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            slint_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "slint") {
            out.push(p);
        }
    }
}

/// The string literals right after each `@tr(` (the source strings have no escaped quotes).
fn tr_strings(text: &str) -> Vec<String> {
    text.match_indices("@tr(\"")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn every_ui_string_has_an_english_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let po =
        std::fs::read_to_string(root.join("assets/lang/en/LC_MESSAGES/onetrip-ui.po")).unwrap();
    let mut translated = HashSet::new();
    let mut lines = po.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(id) = line
            .strip_prefix("msgid \"")
            .and_then(|l| l.strip_suffix('"'))
        {
            let text = lines
                .peek()
                .and_then(|l| l.strip_prefix("msgstr \""))
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or_default();
            if !id.is_empty() && !text.is_empty() {
                translated.insert(id.to_string());
            }
        }
    }
    let mut files = Vec::new();
    slint_files(&root.join("ui"), &mut files);
    let mut missing = Vec::new();
    for f in files {
        for s in tr_strings(&std::fs::read_to_string(&f).unwrap()) {
            if !translated.contains(&s) {
                missing.push(format!("{}: {s}", f.display()));
            }
        }
    }
    assert!(missing.is_empty(), "untranslated:\n{}", missing.join("\n"));
}

/// The hall is named in the citizen's language: the configuration gives both names, and the
/// language button switches the one on the attract screen with the rest of the words. So is the
/// programme's slogan: the configuration's (Zhengzhou's 就跑一次 on the demo), not the code's.
#[test]
fn the_hall_is_named_in_the_citizens_language() {
    use crate::common::kiosk::{screen_is, tap, wait_for};
    use onetrip::ui::ScreenKind;

    let (rt, bench) = crate::common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = crate::common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    wait_for(&kiosk, "the attract screen", screen_is(ScreenKind::Attract));
    let shown = |label: &str| crate::common::kiosk::labelled(&ui, label).next().is_some();
    let (zh, en) = (
        "郑州市公安局金水分局 示范派出所 服务大厅（演示）",
        "Model Police Station Service Hall, Zhengzhou (demo)",
    );
    assert!(shown(zh) && !shown(en), "the Chinese hall name first");
    assert!(shown("公安自助服务 · 就跑一次"), "the configured slogan");
    assert!(!shown("公安自助服务 · 最多跑一次"));
    tap(&ui, "English");
    wait_for(&kiosk, "the English hall name", |_| shown(en));
    assert!(!shown(zh), "the Chinese hall name still shown in English");
    assert!(shown("Police self-service · One trip is enough"));
    tap(&ui, "中文");
    wait_for(&kiosk, "the Chinese hall name again", |_| shown(zh));
}
