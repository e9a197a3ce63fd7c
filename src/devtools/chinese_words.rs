//! Where a short Chinese text wraps, does it break a word? A heading, a label, a tile or a
//! one-sentence notice reads as words: "服务大 / 厅" or "约6 / 公里" is misread at a glance. Longer
//! prose breaks between any two characters, as Chinese typesetting does (a paragraph is read, not
//! scanned). Words are ICU's dictionary's (`icu_segmenter`, already in the build under Slint's
//! text layout); a number and the Chinese unit after it are one quantity.

/// A short text: at most this many lines.
const SHORT_TEXT_LINES: usize = 2;

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Punctuation that may not begin a line (禁则): the layout carries the character before it onto
/// the next line with it.
fn closes(c: char) -> bool {
    "，。、；：？！）》」』”’％…·".contains(c)
}

/// The word `text` breaks inside, if it is short and one of its line breaks does; `lines_of(n)`
/// is how many lines its first `n` characters take in their box.
pub fn broken_word(text: &str, lines_of: impl Fn(usize) -> usize) -> Option<String> {
    if !text.chars().any(is_han) {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    // The words are those of the text as written: word joiners (ui/words.rs) change ICU's
    // dictionary matches, so the text is judged without them, at the same break.
    let written = crate::ui::words::plain(text);
    let written_chars: Vec<char> = written.chars().collect();
    line_starts(&chars, lines_of)?
        .into_iter()
        .filter(|&at| at > 0 && at < chars.len())
        .find_map(|at| {
            let at = chars[..at]
                .iter()
                .filter(|&&c| c != crate::ui::words::JOINER)
                .count();
            word_broken_at(&written, &written_chars, at)
        })
}

/// Where each line after the first begins (char indices), found by measuring prefixes: the
/// layout fills lines greedily, so the shortest prefix that needs k+1 lines ends with the
/// character that begins line k+1 (or, before a closing mark, the one before it). `None` for a
/// text longer than a short one.
fn line_starts(chars: &[char], lines_of: impl Fn(usize) -> usize) -> Option<Vec<usize>> {
    let total = lines_of(chars.len());
    if total > SHORT_TEXT_LINES {
        return None;
    }
    let mut starts = Vec::new();
    let mut low = 1;
    for k in 1..total {
        // The smallest n with lines_of(n) > k.
        let mut high = chars.len();
        while low < high {
            let mid = (low + high) / 2;
            if lines_of(mid) > k {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        let mut start = low - 1;
        while start > 1 && closes(chars[start]) {
            start -= 1;
        }
        // A joined word (ui/words.rs) moves to the next line whole: the line begins where it does.
        while start >= 2 && chars[start - 1] == crate::ui::words::JOINER {
            start -= 2;
        }
        starts.push(start);
    }
    Some(starts)
}

/// The Chinese word (or quantity: "6公里") a break before `chars[at]` falls inside, if it does.
fn word_broken_at(text: &str, chars: &[char], at: usize) -> Option<String> {
    let (before, after) = (chars[at - 1], chars[at]);
    let quantity = before.is_ascii_digit();
    if !is_han(after) || !(quantity || is_han(before)) {
        return None;
    }
    let segmenter = icu_segmenter::WordSegmenter::new_dictionary(Default::default());
    let bounds: Vec<usize> = segmenter
        .segment_str(text)
        .map(|byte| text[..byte].chars().count())
        .collect();
    let to = bounds
        .iter()
        .copied()
        .filter(|&b| b > at)
        .min()
        .unwrap_or(chars.len());
    let from = if quantity {
        chars[..at]
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |i| i + 1)
    } else if bounds.contains(&at) {
        return None;
    } else {
        bounds
            .iter()
            .copied()
            .filter(|&b| b < at)
            .max()
            .unwrap_or(0)
    };
    Some(chars[from..to].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICU's dictionary knows the words the review found split; a quantity is one word.
    #[test]
    fn a_break_inside_a_chinese_word_or_a_quantity_is_found() {
        let at = |text: &str, before: &str| {
            let chars: Vec<char> = text.chars().collect();
            word_broken_at(text, &chars, before.chars().count())
        };
        assert_eq!(
            at("示范派出所服务大厅", "示范派出所服务大").as_deref(),
            Some("大厅")
        );
        assert_eq!(at("示范派出所服务大厅", "示范派出所服务"), None);
        assert_eq!(at("硬件编号", "硬").as_deref(), Some("硬件"));
        assert_eq!(at("约6公里", "约6").as_deref(), Some("6公里"));
        assert_eq!(
            at("联系电话（手机）", "联系电话（手").as_deref(),
            Some("手机")
        );
        assert_eq!(at("Tel 电话", "Tel "), None);
    }

    /// A text wrapped after its 8th character: the break is found, and judged.
    #[test]
    fn a_wrapped_short_text_is_judged_where_it_breaks() {
        let at_eight = |n: usize| if n > 8 { 2 } else { 1 };
        assert_eq!(
            broken_word("示范派出所服务大厅", at_eight).as_deref(),
            Some("大厅")
        );
        assert_eq!(broken_word("示范派出所的服务大厅", at_eight), None);
        // Three lines or more: prose, not judged.
        assert_eq!(broken_word("服务大厅", |n| n), None);
    }

    /// Joined against breaks inside words (ui/words.rs), a text that wraps between words is
    /// judged by its words as written; a joined word the layout carried whole to the next line
    /// is not taken for a break inside it.
    #[test]
    fn a_joined_text_is_judged_as_written() {
        let joined = crate::ui::words::keep_whole("示范派出所服务大厅");
        let chars: Vec<char> = joined.chars().collect();
        let at = |c: char| chars.iter().position(|&x| x == c).unwrap();
        // Wrapped before 服务.
        let before_fu = at('服');
        assert_eq!(
            broken_word(&joined, |n| if n > before_fu { 2 } else { 1 }),
            None
        );
        // The first line had room up to 务 but not for 服务 whole: 服 alone would not need a
        // second line, 服务 does, and the line begins at 服.
        let fu_wu = at('务');
        assert_eq!(
            broken_word(&joined, |n| if n > fu_wu { 2 } else { 1 }),
            None
        );
    }
}
