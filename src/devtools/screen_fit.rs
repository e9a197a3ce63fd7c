//! Does every text fit? Walks the live Slint item tree of a laid-out window and finds text a
//! citizen could not read whole: elided with "…", wrapped inside a word ("Househol / d", and a
//! Chinese word or a quantity in a short text: "服务大 / 厅", "约6 / 公里"), drawn past its own
//! box, cut by a clipping container, outside the window, or hidden below a scroll area's edge with
//! nothing saying more is there — and pictures and buttons not wholly on screen.
//!
//! It measures with the very text layout the software renderer draws with (Slint's shared parley
//! layout, no cache), so a misfit here is a misfit on the screen. It reaches into Slint's internal
//! item tree (`i-slint-core`, pinned to slint's exact version): the public testing API gives an
//! element's box but not its font or the size its text needs. Developer's tool only.

use std::ops::ControlFlow;
use std::pin::Pin;

use i_slint_core::accessibility::AccessibleStringProperty;
use i_slint_core::graphics::FontRequest;
use i_slint_core::item_rendering::{HasFont, PlainOrStyledText, RenderString};
use i_slint_core::item_tree::{ItemRc, ParentItemTraversalMode};
use i_slint_core::items::{
    AccessibleRole, ClippedImage, ComplexText, Flickable, ImageItem, Opacity, SimpleText,
    TextHorizontalAlignment, TextOverflow, TextVerticalAlignment, TextWrap,
};
use i_slint_core::lengths::{LogicalLength, LogicalPoint, LogicalRect, LogicalSize};
use i_slint_core::renderer::Renderer;
use i_slint_core::textlayout::sharedparley;
use i_slint_core::window::WindowInner;

/// Half a pixel of rounding either way is not a misfit.
const SLACK: f32 = 0.5;

/// One text that does not fit, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Misfit {
    pub text: String,
    pub problem: Problem,
    /// The text's box in window coordinates (x, y, width, height).
    pub at: (f32, f32, f32, f32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Shortened with "…": the text needed this much more width (or height, when wrapped).
    Elided { needs: (f32, f32) },
    /// A word too wide for the box, broken across lines.
    BrokenWord(String),
    /// Drawn past its own box (a clip-overflow text, or more lines than the box is tall).
    Overflows { needs: (f32, f32) },
    /// Its box is cut by a container that clips its children.
    Clipped,
    /// Its box reaches outside the window.
    OutsideWindow,
    /// Below (or above) a scroll area's edge, with nothing on screen saying more is there.
    SilentScroll,
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (x, y, w, h) = self.at;
        let what = match &self.problem {
            Problem::Elided { needs } => format!("elided (needs {:.0}×{:.0})", needs.0, needs.1),
            Problem::BrokenWord(word) => format!("word \"{word}\" broken across lines"),
            Problem::Overflows { needs } => {
                format!("overflows its box (needs {:.0}×{:.0})", needs.0, needs.1)
            }
            Problem::Clipped => "cut by a clipping container".into(),
            Problem::OutsideWindow => "outside the window".into(),
            Problem::SilentScroll => "hidden in a scroll area with no cue".into(),
        };
        write!(
            f,
            "\"{}\" at {x:.0},{y:.0} {w:.0}×{h:.0}: {what}",
            self.text.replace('\n', "⏎")
        )
    }
}

/// The properties of a text element that decide how it is laid out.
struct TextItem {
    text: String,
    size: LogicalSize,
    wrap: TextWrap,
    overflow: TextOverflow,
    align: (TextHorizontalAlignment, TextVerticalAlignment),
    font: FontRequest,
}

fn text_item(item: &ItemRc) -> Option<TextItem> {
    if let Some(t) = item.downcast::<ComplexText>() {
        let t = t.as_pin_ref();
        return Some(TextItem {
            text: t.text().to_string(),
            size: LogicalSize::new(t.width().get(), t.height().get()),
            wrap: t.wrap(),
            overflow: t.overflow(),
            align: (t.horizontal_alignment(), t.vertical_alignment()),
            font: t.font_request(item),
        });
    }
    if let Some(t) = item.downcast::<SimpleText>() {
        let t = t.as_pin_ref();
        return Some(TextItem {
            text: t.text().to_string(),
            size: LogicalSize::new(t.width().get(), t.height().get()),
            wrap: TextWrap::NoWrap,
            overflow: TextOverflow::Clip,
            align: (t.horizontal_alignment(), t.vertical_alignment()),
            font: t.font_request(item),
        });
    }
    None
}

/// A string measured in a text element's font, outside any element (so no layout cache).
struct Probe {
    text: i_slint_core::SharedString,
    font: FontRequest,
}

impl HasFont for Probe {
    fn font_request(self: Pin<&Self>, _: &ItemRc) -> FontRequest {
        self.font.clone()
    }
}

impl RenderString for Probe {
    fn text(self: Pin<&Self>) -> PlainOrStyledText {
        PlainOrStyledText::Plain(self.text.clone())
    }
}

fn measure(
    renderer: &dyn Renderer,
    item: &ItemRc,
    text: &str,
    font: &FontRequest,
    max_width: Option<f32>,
    wrap: TextWrap,
) -> LogicalSize {
    let probe = Probe {
        text: text.into(),
        font: font.clone(),
    };
    let probe: Pin<&Probe> = Pin::new(&probe);
    sharedparley::text_size(
        renderer,
        probe,
        item,
        max_width.map(LogicalLength::new),
        wrap,
        None,
    )
    .unwrap_or_default()
}

/// The words a line may not be broken inside: runs of Latin letters, digits and their joiners.
/// Han characters, spaces and punctuation are break opportunities, so they split words.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '\'' | '.' | ',' | '(' | ')')))
        .filter(|w| w.chars().filter(|c| c.is_ascii_alphabetic()).count() > 1)
}

/// A button's or heading's few Chinese characters ("结束办理") read as one word: wrapping them
/// ("结束办 / 理") breaks it, though Chinese may otherwise break between any two characters.
fn is_short_label(text: &str) -> bool {
    let chars = text.chars().count();
    chars <= 6 && !text.chars().any(char::is_whitespace) && text.chars().any(is_han)
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// How many lines `chars[..n]` takes in the element's width (for the Chinese-word rule).
fn lines_of(
    renderer: &dyn Renderer,
    item: &ItemRc,
    t: &TextItem,
    chars: &[char],
    n: usize,
) -> usize {
    let s: String = chars[..n].iter().collect();
    let wrapped = measure(renderer, item, &s, &t.font, Some(t.size.width), t.wrap).height;
    let one = measure(renderer, item, &s, &t.font, None, TextWrap::NoWrap).height;
    if one <= 0.0 {
        return 1;
    }
    (wrapped / one).round().max(1.0) as usize
}

/// A short text whose line breaks inside a Chinese word or a quantity ("服务大 / 厅", "约6 / 公里").
fn broken_chinese_word(renderer: &dyn Renderer, item: &ItemRc, t: &TextItem) -> Option<String> {
    let chars: Vec<char> = t.text.chars().collect();
    super::chinese_words::broken_word(&t.text, |n| lines_of(renderer, item, t, &chars, n))
}

/// Where an item is and what of it can be seen.
struct Placement {
    /// Its box in window coordinates.
    rect: LogicalRect,
    /// The part of the window its ancestors let it draw in, a Flickable's viewport counted as
    /// unbounded above and below (what it hides there scrolls into view).
    reachable: LogicalRect,
    /// The same with every Flickable's viewport as a clip: what is on screen now.
    shown: LogicalRect,
    /// The innermost Flickable it is in, if any.
    flickable: Option<ItemRc>,
}

/// Where `item` is (None when an ancestor hides it: invisible, fully clipped or transparent).
fn placement(item: &ItemRc, window: LogicalSize) -> Option<Placement> {
    let geometry = item.geometry();
    let origin = item.map_to_window(geometry.origin);
    let rect = LogicalRect::new(origin, geometry.size);
    let everywhere = LogicalRect::new(LogicalPoint::new(-1e6, -1e6), LogicalSize::new(2e6, 2e6));
    let (mut reachable, mut shown) = (everywhere, everywhere);
    let mut flickable = None;
    let mut scrolls = false;
    let bound = |visible: &mut LogicalRect, clip: LogicalRect, scrolls: bool| {
        let clip = if scrolls {
            LogicalRect::new(
                LogicalPoint::new(clip.min_x(), -1e6),
                LogicalSize::new(clip.width(), 2e6),
            )
        } else {
            clip
        };
        *visible = visible.intersection(&clip).unwrap_or_default();
    };
    let mut ancestor = item.parent_item(ParentItemTraversalMode::StopAtPopups);
    while let Some(a) = ancestor {
        if let Some(o) = a.downcast::<Opacity>() {
            if o.as_pin_ref().opacity() <= 0.01 {
                return None;
            }
        }
        if a.borrow().as_ref().clips_children() {
            let g = a.geometry();
            let clip = LogicalRect::new(a.map_to_window(g.origin), g.size);
            if a.downcast::<Flickable>().is_some() {
                scrolls = true;
                if flickable.is_none() {
                    flickable = Some(a.clone());
                }
            }
            bound(&mut reachable, clip, scrolls);
            bound(&mut shown, clip, false);
            if reachable.is_empty() {
                return None;
            }
        }
        ancestor = a.parent_item(ParentItemTraversalMode::StopAtPopups);
    }
    let screen = LogicalRect::new(LogicalPoint::default(), window);
    bound(&mut reachable, screen, scrolls);
    bound(&mut shown, screen, false);
    Some(Placement {
        rect,
        reachable,
        shown,
        flickable,
    })
}

/// The accessible label of a scroll area's cue ("向下滑动查看更多"), shown while more is below.
pub const SCROLL_CUE: &str = "scroll cue";

/// Does the scroll area say that more is below? A visible cue beside it (in its parent).
fn cued(flickable: &ItemRc, window: LogicalSize) -> bool {
    let Some(parent) = flickable.parent_item(ParentItemTraversalMode::StopAtPopups) else {
        return false;
    };
    parent
        .visit_descendants(|item| {
            let label = item.accessible_string_property(AccessibleStringProperty::Label);
            let shown = text_item(item).is_some_and(|t| !t.text.trim().is_empty())
                && placement(item, window).is_some_and(|p| p.shown.intersects(&p.rect));
            if label.as_deref() == Some(SCROLL_CUE) && shown {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_some()
}

/// The problem of something whose ink (or box) is `ink`: cut off, off screen, or hidden below a
/// scroll area that does not say so.
fn unseen(at: &Placement, ink: &LogicalRect, window: LogicalSize) -> Option<Problem> {
    let screen = LogicalRect::new(LogicalPoint::default(), window);
    if !contains(&at.reachable, ink) {
        return Some(if contains(&screen, ink) {
            Problem::Clipped
        } else {
            Problem::OutsideWindow
        });
    }
    let hidden = !contains(&at.shown, ink);
    match &at.flickable {
        Some(f) if hidden && !cued(f, window) => Some(Problem::SilentScroll),
        _ => None,
    }
}

fn contains(outer: &LogicalRect, inner: &LogicalRect) -> bool {
    inner.min_x() >= outer.min_x() - SLACK
        && inner.min_y() >= outer.min_y() - SLACK
        && inner.max_x() <= outer.max_x() + SLACK
        && inner.max_y() <= outer.max_y() + SLACK
}

/// Every text in `window` that a citizen could not read whole — a short one whose line breaks
/// inside a Chinese word or a quantity too (the window's words are joined: ui/words.rs). The
/// window must have been laid out at its final size (as rendering it does).
pub fn misfits(window: &slint::Window) -> Vec<Misfit> {
    let inner = WindowInner::from_pub(window);
    let adapter = inner.window_adapter();
    let renderer = adapter.renderer();
    let size = window.size().to_logical(window.scale_factor());
    let window_size = LogicalSize::new(size.width, size.height);
    let root = ItemRc::new_root(inner.component());
    let mut found = Vec::new();
    root.visit_descendants(|item| {
        if let Some(misfit) = check(renderer, item, window_size) {
            found.push(misfit);
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

fn check(renderer: &dyn Renderer, item: &ItemRc, window: LogicalSize) -> Option<Misfit> {
    let Some(t) = text_item(item) else {
        return check_picture(item, window);
    };
    if t.text.trim().is_empty() {
        return None;
    }
    let at = placement(item, window)?;
    let rect = at.rect;
    let misfit = |problem| {
        Some(Misfit {
            text: t.text.clone(),
            problem,
            at: (rect.min_x(), rect.min_y(), rect.width(), rect.height()),
        })
    };
    let (w, h) = (t.size.width, t.size.height);
    let wrapped = !matches!(t.wrap, TextWrap::NoWrap);
    let needs = if wrapped {
        measure(renderer, item, &t.text, &t.font, Some(w), t.wrap)
    } else {
        measure(renderer, item, &t.text, &t.font, None, TextWrap::NoWrap)
    };
    if wrapped && is_short_label(&t.text) {
        let one_line = measure(renderer, item, &t.text, &t.font, None, TextWrap::NoWrap);
        if needs.height > one_line.height + SLACK {
            return misfit(Problem::BrokenWord(t.text.clone()));
        }
    }
    if wrapped {
        if let Some(word) = words(&t.text).find(|word| {
            measure(renderer, item, word, &t.font, None, TextWrap::NoWrap).width > w + SLACK
        }) {
            return misfit(Problem::BrokenWord(word.to_string()));
        }
        if let Some(word) = broken_chinese_word(renderer, item, &t) {
            return misfit(Problem::BrokenWord(word));
        }
    }
    // A wrapped line's measured width counts the space it broke at: only its height can
    // overflow (a word too wide for the line is caught above).
    let needs = if wrapped {
        LogicalSize::new(needs.width.min(w), needs.height)
    } else {
        needs
    };
    let too_big = needs.width > w + SLACK || needs.height > h + SLACK;
    if too_big {
        let needs = (needs.width, needs.height);
        return match t.overflow {
            TextOverflow::Elide => misfit(Problem::Elided { needs }),
            _ => misfit(Problem::Overflows { needs }),
        };
    }
    // Where the glyphs are drawn inside the box, by the alignment.
    let dx = match t.align.0 {
        TextHorizontalAlignment::Center => (w - needs.width) / 2.0,
        TextHorizontalAlignment::Right => w - needs.width,
        _ => 0.0,
    };
    let dy = match t.align.1 {
        TextVerticalAlignment::Center => (h - needs.height) / 2.0,
        TextVerticalAlignment::Bottom => h - needs.height,
        _ => 0.0,
    };
    let ink = LogicalRect::new(
        LogicalPoint::new(rect.min_x() + dx, rect.min_y() + dy),
        needs,
    );
    misfit(unseen(&at, &ink, window)?)
}

/// A picture (pictogram, QR code, illustration) or a button: its whole box must be on screen.
fn check_picture(item: &ItemRc, window: LogicalSize) -> Option<Misfit> {
    let picture =
        item.downcast::<ImageItem>().is_some() || item.downcast::<ClippedImage>().is_some();
    let role = item.accessible_role();
    let named = matches!(role, AccessibleRole::Button | AccessibleRole::Image);
    if !picture && !named {
        return None;
    }
    let at = placement(item, window)?;
    let rect = at.rect;
    if rect.is_empty() {
        return None;
    }
    let problem = unseen(&at, &rect, window)?;
    let label = item
        .accessible_string_property(AccessibleStringProperty::Label)
        .filter(|l| !l.is_empty())
        .map(|l| format!("[{l}]"))
        .unwrap_or_else(|| "[picture]".into());
    Some(Misfit {
        text: label,
        problem,
        at: (rect.min_x(), rect.min_y(), rect.width(), rect.height()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_latin_runs_and_han_breaks_between_them() {
        let w: Vec<_> =
            words("Household registration（户口）迁入 No-criminal-record 3 a").collect();
        assert_eq!(w, ["Household", "registration", "No", "criminal", "record"]);
    }
}
