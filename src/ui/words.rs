//! Chinese words kept whole where a line wraps. Chinese has no spaces: Slint's layout may break
//! a line between any two characters, and "服务大 / 厅" or "约6 / 公里" is misread at a glance — by
//! an old citizen most of all. Every text put on the window gets a WORD JOINER (U+2060, invisible,
//! "no break here") between the characters of each word of ICU's dictionary, and between a
//! number and the Chinese unit after it; lines then break between words only. Text without Han
//! characters is left as it is.

use icu_segmenter::WordSegmenter;

/// U+2060 WORD JOINER: no line break on either side of it; it draws nothing.
pub const JOINER: char = '\u{2060}';

fn is_han(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c)
}

/// `text` with its Chinese words (and quantities: "6公里", "12分") joined against line breaks.
pub fn keep_whole(text: &str) -> String {
    if !text.chars().any(is_han) {
        return text.to_string();
    }
    let segmenter = WordSegmenter::new_dictionary(Default::default());
    // Byte offsets where ICU's words begin and end.
    let bounds: Vec<usize> = segmenter.segment_str(text).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        if let Some(p) = prev {
            let inside_a_word = !bounds.contains(&at) && is_han(p) && is_han(c);
            let quantity = p.is_ascii_digit() && is_han(c);
            if inside_a_word || quantity {
                out.push(JOINER);
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// A text for the window, its Chinese words kept whole where a line wraps.
pub(super) fn shown(text: &str) -> slint::SharedString {
    keep_whole(text).into()
}

/// The text as written, joiners taken out (what a test or a reader compares).
pub fn plain(text: &str) -> String {
    text.replace(JOINER, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The screens' own Chinese strings joined the same way, as a "zh" translation of them (the UI
    /// is written in Chinese: `@tr` shows the source string unless a translation says otherwise):
    /// each msgid of the English file — which holds every `@tr` string
    /// (tests/end_to_end/translations.rs) — whose words `keep_whole` joins, with the joined text as
    /// its msgstr. Kept as assets/lang/zh/LC_MESSAGES/onetrip-ui.po, checked by a test.
    fn chinese_translation(english_po: &str) -> String {
        let mut out = String::from(
            "# Made from the English file's msgids by ui::words::chinese_translation: the same\n\
             # strings with their Chinese words joined against line breaks (U+2060). Regenerate with\n\
             # `ONETRIP_BLESS=1 cargo test --lib ui::words`; do not edit by hand.\n\
             msgid \"\"\nmsgstr \"\"\n\
             \"Content-Type: text/plain; charset=UTF-8\\n\"\n\
             \"Language: zh\\n\"\n\
             \"Plural-Forms: nplurals=1; plural=0;\\n\"\n",
        );
        for line in english_po.lines() {
            let Some(id) = line
                .strip_prefix("msgid \"")
                .and_then(|l| l.strip_suffix('"'))
            else {
                continue;
            };
            let joined = keep_whole(id);
            if !id.is_empty() && joined != id {
                out.push_str(&format!("\nmsgid \"{id}\"\nmsgstr \"{joined}\"\n"));
            }
        }
        out
    }

    /// The Chinese screens' strings are the English file's msgids joined: regenerated with
    /// `ONETRIP_BLESS=1`, else compared (a new `@tr` string fails here until it is).
    #[test]
    fn the_screens_chinese_strings_are_joined() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lang");
        let english = std::fs::read_to_string(root.join("en/LC_MESSAGES/onetrip-ui.po")).unwrap();
        let want = chinese_translation(&english);
        let path = root.join("zh/LC_MESSAGES/onetrip-ui.po");
        if std::env::var_os("ONETRIP_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is not the English file's strings joined: run \
             `ONETRIP_BLESS=1 cargo test --lib ui::words` and commit it",
            path.display()
        );
        assert!(want.contains(&format!("msgstr \"{}\"", keep_whole("呼叫工作人员"))));
    }

    fn joined(parts: &[&str]) -> String {
        parts
            .iter()
            .map(|p| {
                p.chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join("\u{2060}")
            })
            .collect()
    }

    #[test]
    fn words_and_quantities_are_joined_and_nothing_else() {
        assert_eq!(keep_whole("服务大厅"), joined(&["服务", "大厅"]));
        assert_eq!(keep_whole("派出所"), joined(&["派出所"]));
        assert_eq!(keep_whole("约6公里"), format!("约6{JOINER}公{JOINER}里"));
        assert_eq!(keep_whole("Tel 110"), "Tel 110");
        assert_eq!(plain(&keep_whole("联系电话（手机）")), "联系电话（手机）");
        // Punctuation and Latin text keep their break opportunities.
        assert!(!keep_whole("手机，电话").contains("机\u{2060}，"));
    }
}
