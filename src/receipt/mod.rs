//! The receipt, laid out from data only (so staff can reprint it), independent of the driver.

use onetrip_drivers::printer::commands::printable;
use onetrip_drivers::printer::{Align, Block, Document, PaperWidth};

use crate::vocab::submission::{ReceiptKind, ReceiptRequest};

mod kinds;

/// Everything printed on a receipt. Personal fields arrive masked.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    pub hall: &'a str,
    /// The programme's slogan from the configuration ("就跑一次"), in the receipt's language;
    /// empty: none. The terminal prints no slogan of its own.
    pub slogan: &'a str,
    pub request: &'a ReceiptRequest,
    /// Local date and time, already formatted (`2026-11-29 09:41`).
    pub when: &'a str,
    /// The tracking URL template from configuration (`{number}` is replaced).
    pub tracking_url: &'a str,
    pub width: PaperWidth,
}

/// Display columns of a character in the printer's font: CJK and full-width forms take two.
fn columns(c: char) -> usize {
    if (c as u32) < 0x1100 {
        1
    } else {
        2
    }
}

/// Replaces characters the printer font cannot print with a visible placeholder, never garbage.
pub fn printable_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut buf = [0u8; 4];
            if printable(c.encode_utf8(&mut buf)) {
                c
            } else {
                '□'
            }
        })
        .collect()
}

/// `text` in the pieces a line may break between: a run of narrow letters and digits (a Latin
/// word, a number, a phone number), a single wide character (Chinese has no spaces to break on:
/// any character may end a line), a single space.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let narrow_word = columns(c) == 1 && !c.is_whitespace();
        match (narrow_word, start) {
            (true, None) => start = Some(i),
            (true, Some(_)) => {}
            (false, s) => {
                if let Some(s) = s {
                    out.push(&text[s..i]);
                }
                start = None;
                out.push(&text[i..i + c.len_utf8()]);
            }
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Wraps `text` to `width` columns: Chinese anywhere, English between words (a word longer than
/// a line is cut where the line ends); the space a line breaks at is not printed.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    // A line of spaces only (text that starts with spaces before a long word) is not printed.
    let end_line = |lines: &mut Vec<String>, line: &mut String, used: &mut usize| {
        let ended = std::mem::take(line);
        if !ended.trim().is_empty() {
            lines.push(ended.trim_end().to_string());
        }
        *used = 0;
    };
    for piece in pieces(text) {
        let w: usize = piece.chars().map(columns).sum();
        if used + w > width && !line.is_empty() {
            end_line(&mut lines, &mut line, &mut used);
        }
        if used == 0 && piece == " " && !lines.is_empty() {
            continue;
        }
        if w <= width {
            line.push_str(piece);
            used += w;
            continue;
        }
        for c in piece.chars() {
            if used + columns(c) > width && !line.is_empty() {
                end_line(&mut lines, &mut line, &mut used);
            }
            line.push(c);
            used += columns(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` as printed lines of a slip `cols` columns wide (half as many in large type), with a
/// placeholder for any character the printer cannot print.
pub fn push_lines(
    blocks: &mut Vec<Block>,
    text: &str,
    align: Align,
    bold: bool,
    large: bool,
    cols: usize,
) {
    let text = printable_text(text);
    for line in wrap(&text, if large { cols / 2 } else { cols }) {
        blocks.push(Block::Text {
            text: line,
            align,
            bold,
            large,
        });
    }
}

/// The link a submission's QR code holds: the configured template with its number.
pub fn tracking_link(template: &str, number: &str) -> String {
    template.replace("{number}", number)
}

/// The inverse, for the scanner: the submission number in a scanned receipt QR code (the
/// tracking link), or a bare number; `None` for any other code.
pub fn number_in_scan(tracking_url: &str, scanned: &str) -> Option<String> {
    let scanned = scanned.trim();
    let (prefix, suffix) = tracking_url.split_once("{number}")?;
    let number = scanned
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or(scanned);
    let (terminal, seq) = number.rsplit_once('-')?;
    let well_formed = !terminal.is_empty()
        && terminal.len() <= 32
        && terminal
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && seq.len() == 6
        && seq.chars().all(|c| c.is_ascii_digit());
    well_formed.then(|| number.to_string())
}

impl Receipt<'_> {
    /// A footer line with the configured slogan after it, if there is one.
    fn with_slogan(&self, line: &str) -> String {
        if self.slogan.is_empty() {
            line.to_string()
        } else {
            format!("{line} · {}", self.slogan)
        }
    }

    /// The end of a numbered receipt: the QR code that tracks it, "keep this receipt" (with
    /// the slogan), the cut.
    fn tracking_footer(&self, blocks: &mut Vec<Block>) {
        let en = self.request.english;
        let cols = self.width.columns();
        let label = |zh: &'static str, english: &'static str| if en { english } else { zh };
        push_lines(
            blocks,
            label("扫码查询办理进度", "Scan to track your application"),
            Align::Center,
            false,
            false,
            cols,
        );
        blocks.push(Block::Qr {
            data: self.tracking_link(),
            module: if self.width == PaperWidth::Mm58 { 5 } else { 6 },
        });
        push_lines(
            blocks,
            &self.with_slogan(label("请妥善保管本回执", "Please keep this receipt")),
            Align::Center,
            false,
            false,
            cols,
        );
        blocks.push(Block::Cut { partial: false });
    }

    pub fn tracking_link(&self) -> String {
        tracking_link(self.tracking_url, &self.request.submission.number)
    }

    pub fn layout(&self) -> Document {
        let en = self.request.english;
        let cols = self.width.columns();
        let mut blocks = Vec::new();
        let text = |t: &str, align: Align, bold: bool, large: bool, blocks: &mut Vec<Block>| {
            push_lines(blocks, t, align, bold, large, cols)
        };
        let rule = "-".repeat(cols);
        let label = |zh: &'static str, english: &'static str| if en { english } else { zh };

        text(self.hall, Align::Center, true, false, &mut blocks);
        if let (ReceiptKind::Acceptance, Some(acceptance)) =
            (self.request.kind, &self.request.acceptance)
        {
            return self.acceptance(acceptance, blocks);
        }
        if self.request.kind == ReceiptKind::Decision {
            return self.decision(blocks);
        }
        if self.request.submission.number.is_empty() {
            // A guide: what to bring and where to go; nothing was submitted, nothing personal.
            text(
                label("办事指南", "Service guide"),
                Align::Center,
                true,
                true,
                &mut blocks,
            );
            text(&rule, Align::Left, false, false, &mut blocks);
            text(
                &self.request.item_name,
                Align::Left,
                true,
                false,
                &mut blocks,
            );
            text(
                &format!("{}{}", label("打印时间：", "Printed: "), self.when),
                Align::Left,
                false,
                false,
                &mut blocks,
            );
            text(&rule, Align::Left, false, false, &mut blocks);
            for line in &self.request.next_steps {
                text(line, Align::Left, false, false, &mut blocks);
            }
            text(&rule, Align::Left, false, false, &mut blocks);
            text(
                &self.with_slogan(label(
                    "以窗口告知为准",
                    "The counter's information prevails",
                )),
                Align::Center,
                false,
                false,
                &mut blocks,
            );
            blocks.push(Block::Cut { partial: false });
            return Document { blocks };
        }
        if self.request.kind == ReceiptKind::AnonymousTip {
            return self.anonymous_tip(blocks);
        }
        // What happened here: an application stored and forwarded (or pre-accepted, where the
        // item is run so). Acceptance is the authority's act, never claimed by the terminal.
        // An acceptance without the authority's report (never made so) claims nothing: it is
        // laid out as the application it is.
        let heading = match self.request.kind {
            ReceiptKind::Application | ReceiptKind::Acceptance => {
                label("申请回执", "Application receipt")
            }
            ReceiptKind::PreAcceptance => label("预受理回执", "Pre-application receipt"),
            ReceiptKind::AnonymousTip | ReceiptKind::Decision => unreachable!("laid out above"),
        };
        text(heading, Align::Center, true, true, &mut blocks);
        text(&rule, Align::Left, false, false, &mut blocks);
        text(
            &format!("{}{}", label("事项：", "Item: "), self.request.item_name),
            Align::Left,
            true,
            false,
            &mut blocks,
        );
        text(
            label("提交编号：", "Submission number:"),
            Align::Left,
            false,
            false,
            &mut blocks,
        );
        text(
            &self.request.submission.number,
            Align::Center,
            true,
            true,
            &mut blocks,
        );
        text(
            &format!("{}{}", label("时间：", "Time: "), self.when),
            Align::Left,
            false,
            false,
            &mut blocks,
        );
        text(
            &format!(
                "{}{}",
                label("申请人：", "Applicant: "),
                self.request.name_masked
            ),
            Align::Left,
            false,
            false,
            &mut blocks,
        );
        text(
            &format!(
                "{}{}",
                label("证件号码：", "ID number: "),
                self.request.id_masked
            ),
            Align::Left,
            false,
            false,
            &mut blocks,
        );
        let said = match self.request.kind {
            ReceiptKind::Application | ReceiptKind::Acceptance => label(
                "申请已提交。是否受理，以公安机关审核为准。",
                "Your application is submitted. Whether it is accepted is the police's decision.",
            ),
            ReceiptKind::PreAcceptance => label(
                "本机仅预受理：请本人持证件原件到窗口核验身份，受理以窗口为准。",
                "Pre-application only: bring your identity document to the counter, where your identity is checked and the application accepted.",
            ),
            ReceiptKind::AnonymousTip | ReceiptKind::Decision => unreachable!("laid out above"),
        };
        text(said, Align::Left, true, false, &mut blocks);
        text(&rule, Align::Left, false, false, &mut blocks);
        text(
            label("后续步骤：", "Next steps:"),
            Align::Left,
            true,
            false,
            &mut blocks,
        );
        for (i, step) in self.request.next_steps.iter().enumerate() {
            text(
                &format!("{}. {step}", i + 1),
                Align::Left,
                false,
                false,
                &mut blocks,
            );
        }
        text(&rule, Align::Left, false, false, &mut blocks);
        self.tracking_footer(&mut blocks);
        Document { blocks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StoredSubmission;
    use crate::vocab::upstream::Acceptance;

    #[test]
    fn receipt_numbers_from_scans() {
        let url = "https://t.example.invalid/s/{number}";
        assert_eq!(
            number_in_scan(url, "https://t.example.invalid/s/HZXH-0001-000007").as_deref(),
            Some("HZXH-0001-000007")
        );
        assert_eq!(
            number_in_scan(url, "HZXH-0001-000007\r").as_deref(),
            Some("HZXH-0001-000007")
        );
        assert_eq!(
            number_in_scan(url, "https://other.example/s/HZXH-0001-000007").as_deref(),
            None
        );
        assert_eq!(number_in_scan(url, "https://t.example.invalid/s/x"), None);
        assert_eq!(number_in_scan(url, "6901234567892"), None);
    }

    fn request(english: bool) -> ReceiptRequest {
        ReceiptRequest {
            kind: Default::default(),
            submission: StoredSubmission {
                id: "0b8e".into(),
                number: "HZXH-0001-000007".into(),
                verification_code: None,
                pin: None,
            },
            item_code: "ZA-WFZ-001".into(),
            item_name: if english {
                "Certificate of no criminal record".into()
            } else {
                "无犯罪记录证明申请".into()
            },
            next_steps: vec!["7个工作日内办结".into()],
            name_masked: "王*䶮".into(),
            id_masked: "110108********4562".into(),
            english,
            acceptance: None,
            decision: None,
        }
    }

    fn lines(doc: &Document) -> Vec<String> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn wraps_by_display_columns() {
        assert_eq!(wrap("一二三四五", 4), vec!["一二", "三四", "五"]);
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("", 4), vec![""]);
        // English between words, never "name o / r phone"; the space at the break not printed.
        assert_eq!(wrap("  abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(
            wrap("kept no name or phone number.", 16),
            vec!["kept no name or", "phone number."]
        );
        assert_eq!(
            wrap("电话 0371-5550-0123 请拨打", 16),
            vec!["电话", "0371-5550-0123", "请拨打"]
        );
    }

    #[test]
    fn every_line_fits_the_paper() {
        for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let req = request(false);
            let r = Receipt {
                hall: "西湖区公安分局文新派出所服务大厅（一楼东侧自助服务区）",
                slogan: "",
                request: &req,
                when: "2026-11-29 09:41",
                tracking_url: "https://t.example.invalid/s/{number}",
                width,
            };
            for b in r.layout().blocks {
                if let Block::Text { text, large, .. } = b {
                    let w: usize = text.chars().map(columns).sum();
                    let limit = if large {
                        width.columns() / 2
                    } else {
                        width.columns()
                    };
                    assert!(w <= limit, "{text} is {w} columns on {width:?}");
                }
            }
        }
    }

    #[test]
    fn rare_characters_get_a_placeholder() {
        assert_eq!(printable_text("王\u{E000}䶮"), "王□䶮");
        assert_eq!(printable_text("𠀀a"), "□a");
        let req = request(true);
        let r = Receipt {
            hall: "Hall",
            slogan: "",
            request: &req,
            when: "2026-11-29 09:41",
            tracking_url: "https://t.example.invalid/s/{number}",
            width: PaperWidth::Mm80,
        };
        let doc = r.layout();
        assert!(lines(&doc).contains(&"Application receipt".to_string()));
        assert!(doc.blocks.contains(&Block::Qr {
            data: "https://t.example.invalid/s/HZXH-0001-000007".into(),
            module: 6
        }));
    }

    /// 受理 on paper only with the authority's report: its number large, who and when; the
    /// same kind without the report is an application receipt.
    #[test]
    fn an_acceptance_receipt_carries_the_authority_s_number() {
        let mut req = request(false);
        req.kind = ReceiptKind::Acceptance;
        let layout = |req: &ReceiptRequest| {
            lines(
                &Receipt {
                    hall: "Hall",
                    slogan: "",
                    request: req,
                    when: "2026-12-07 10:00",
                    tracking_url: "https://t.example.invalid/s/{number}",
                    width: PaperWidth::Mm80,
                }
                .layout(),
            )
        };
        let without = layout(&req);
        assert!(without.contains(&"申请回执".to_string()), "{without:?}");
        assert!(!without.iter().any(|l| l.contains("受理回执")));
        req.acceptance = Some(Acceptance {
            number: "SL20261207-000007".into(),
            when: "2026-12-07 09:30".into(),
            authority_zh: "金水分局示例派出所".into(),
            authority_en: "Sample Station".into(),
        });
        let with = layout(&req);
        for line in [
            "受理回执",
            "受理编号：",
            "SL20261207-000007",
            "受理单位：金水分局示例派出所",
            "受理时间：2026-12-07 09:30",
            "提交编号：HZXH-0001-000007",
        ] {
            assert!(with.contains(&line.to_string()), "{line} in {with:?}");
        }
    }
}
