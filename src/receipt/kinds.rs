//! The receipts that are not an application's: the 受理回执 printed from the authority's
//! reported acceptance, the penalty decision upstream made, and the anonymous tip's, which
//! carries nothing of a person.

use onetrip_drivers::printer::{Align, Block, Document};

use super::{push_lines, Receipt};
use crate::vocab::upstream::Acceptance;

impl Receipt<'_> {
    /// 受理回执: the authority's acceptance as upstream reported it — its number large, who
    /// and when — beside this terminal's submission number and the applicant, masked.
    pub(super) fn acceptance(&self, acceptance: &Acceptance, mut blocks: Vec<Block>) -> Document {
        let en = self.request.english;
        let cols = self.width.columns();
        let text = |t: &str, align: Align, bold: bool, large: bool, blocks: &mut Vec<Block>| {
            push_lines(blocks, t, align, bold, large, cols)
        };
        let rule = "-".repeat(cols);
        let label = |zh: &'static str, english: &'static str| if en { english } else { zh };
        text(
            label("受理回执", "Acceptance receipt"),
            Align::Center,
            true,
            true,
            &mut blocks,
        );
        text(&rule, Align::Left, false, false, &mut blocks);
        text(
            &format!("{}{}", label("事项：", "Item: "), self.request.item_name),
            Align::Left,
            true,
            false,
            &mut blocks,
        );
        text(
            label("受理编号：", "Acceptance number:"),
            Align::Left,
            false,
            false,
            &mut blocks,
        );
        text(&acceptance.number, Align::Center, true, true, &mut blocks);
        let authority = acceptance.authority(en);
        if !authority.is_empty() {
            text(
                &format!("{}{authority}", label("受理单位：", "Accepted by: ")),
                Align::Left,
                false,
                false,
                &mut blocks,
            );
        }
        if !acceptance.when.is_empty() {
            text(
                &format!(
                    "{}{}",
                    label("受理时间：", "Accepted on: "),
                    acceptance.when
                ),
                Align::Left,
                false,
                false,
                &mut blocks,
            );
        }
        for (l, v) in [
            (
                label("提交编号：", "Submission number: "),
                &self.request.submission.number,
            ),
            (label("申请人：", "Applicant: "), &self.request.name_masked),
            (label("证件号码：", "ID number: "), &self.request.id_masked),
            (label("打印时间：", "Printed: "), &self.when.to_string()),
        ] {
            text(&format!("{l}{v}"), Align::Left, false, false, &mut blocks);
        }
        text(
            label(
                "公安机关已受理此申请（据公安业务系统记录）。",
                "The police have accepted this application (from the police system's record).",
            ),
            Align::Left,
            true,
            false,
            &mut blocks,
        );
        text(&rule, Align::Left, false, false, &mut blocks);
        for line in &self.request.next_steps {
            text(line, Align::Left, false, false, &mut blocks);
        }
        text(&rule, Align::Left, false, false, &mut blocks);
        self.tracking_footer(&mut blocks);
        Document { blocks }
    }

    /// 匿名线索回执: the tip's number and PIN — what follows the tip, and all that does — and
    /// nothing of a person, no time (the tipster's pocket may be searched), no tracking code.
    pub(super) fn anonymous_tip(&self, mut blocks: Vec<Block>) -> Document {
        let en = self.request.english;
        let cols = self.width.columns();
        let label = |zh: &'static str, english: &'static str| if en { english } else { zh };
        let rule = "-".repeat(cols);
        let mut text = |t: &str, align: Align, bold: bool, large: bool| {
            push_lines(&mut blocks, t, align, bold, large, cols)
        };
        text(
            label("匿名线索回执", "Anonymous tip"),
            Align::Center,
            true,
            true,
        );
        text(&rule, Align::Left, false, false);
        text(
            label("线索编号：", "Tip number:"),
            Align::Left,
            false,
            false,
        );
        text(&self.request.submission.number, Align::Center, true, true);
        text(label("查询码：", "PIN:"), Align::Left, false, false);
        let pin = self.request.submission.pin.as_deref().unwrap_or_default();
        text(pin, Align::Center, true, true);
        text(
            label(
                "本机没有读取您的身份证，没有记录您的姓名和电话。",
                "This terminal read no ID card and kept no name or phone number.",
            ),
            Align::Left,
            true,
            false,
        );
        text(&rule, Align::Left, false, false);
        for (i, step) in self.request.next_steps.iter().enumerate() {
            text(&format!("{}. {step}", i + 1), Align::Left, false, false);
        }
        text(&rule, Align::Left, false, false);
        text(
            &self.with_slogan(label(
                "凭编号和查询码查询，请勿交给他人",
                "Number and PIN follow the tip: keep them to yourself",
            )),
            Align::Center,
            false,
            false,
        );
        blocks.push(Block::Cut { partial: false });
        Document { blocks }
    }

    /// 处罚决定: the decision upstream made when the citizen confirmed the facts — its number
    /// large, who made it and when, the party (masked), the facts, the fine and points, the
    /// basis, how to pay and how to appeal, all as upstream answered them. No tracking code:
    /// the decision is followed on 12123 or at the counter, by its number.
    pub(super) fn decision(&self, mut blocks: Vec<Block>) -> Document {
        let en = self.request.english;
        let cols = self.width.columns();
        let label = |zh: &'static str, english: &'static str| if en { english } else { zh };
        let rule = "-".repeat(cols);
        let mut text = |t: &str, align: Align, bold: bool, large: bool| {
            push_lines(&mut blocks, t, align, bold, large, cols)
        };
        text(
            label("交通违法处罚决定", "Traffic penalty decision"),
            Align::Center,
            true,
            true,
        );
        text(&rule, Align::Left, false, false);
        text(
            label("决定书编号：", "Decision number:"),
            Align::Left,
            false,
            false,
        );
        text(&self.request.submission.number, Align::Center, true, true);
        if let Some(h) = &self.request.decision {
            if !h.authority.is_empty() {
                text(
                    &format!("{}{}", label("作出机关：", "Decided by: "), h.authority),
                    Align::Left,
                    false,
                    false,
                );
            }
            if !h.when.is_empty() {
                text(
                    &format!("{}{}", label("决定时间：", "Decided on: "), h.when),
                    Align::Left,
                    false,
                    false,
                );
            }
        }
        for (l, v) in [
            (label("当事人：", "Party: "), &self.request.name_masked),
            (label("证件号码：", "ID number: "), &self.request.id_masked),
            (label("打印时间：", "Printed: "), &self.when.to_string()),
        ] {
            text(&format!("{l}{v}"), Align::Left, false, false);
        }
        text(
            label(
                "当事人在本机核对并确认了违法事实；决定由公安交通管理部门作出（据其系统记录）。",
                "The party checked and confirmed the facts at this terminal; the decision was made by the traffic police (from their system's record).",
            ),
            Align::Left,
            true,
            false,
        );
        text(&rule, Align::Left, false, false);
        for line in &self.request.next_steps {
            text(line, Align::Left, false, false);
        }
        text(&rule, Align::Left, false, false);
        text(
            &self.with_slogan(label("请妥善保管本决定书", "Please keep this decision")),
            Align::Center,
            false,
            false,
        );
        blocks.push(Block::Cut { partial: false });
        Document { blocks }
    }
}
