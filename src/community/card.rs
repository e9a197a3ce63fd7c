//! 警民联系卡: the contact card a villager takes home (for someone without a smartphone, this
//! paper is how they reach their officer). Laid out from the panel as shown — so nobody the
//! screen would not show is ever printed — with the print date and a QR code that dials the
//! officer (or the station, when no officer is in force). Nothing of the citizen is on it.

use onetrip_drivers::printer::{Align, Block, Document, PaperWidth};

use super::panel::Panel;
use super::{ANTI_FRAUD, COMPLAINTS, EMERGENCY};
use crate::receipt::push_lines;

/// The card, for `hall` (this terminal's place), printed at `when` (`2026-12-07 09:41`).
pub fn layout(panel: &Panel, hall: &str, when: &str, width: PaperWidth) -> Document {
    let en = panel.english;
    let cols = width.columns();
    let mut blocks = Vec::new();
    let text = |blocks: &mut Vec<Block>, t: &str, align: Align, bold: bool, large: bool| {
        push_lines(blocks, t, align, bold, large, cols)
    };
    let label = |zh: &'static str, english: &'static str| if en { english } else { zh };
    let rule = "-".repeat(cols);

    text(&mut blocks, hall, Align::Center, true, false);
    text(
        &mut blocks,
        label("警民联系卡", "Police contact card"),
        Align::Center,
        true,
        true,
    );
    if !panel.area.is_empty() {
        text(&mut blocks, &panel.area, Align::Center, false, false);
    }
    text(&mut blocks, &rule, Align::Left, false, false);
    for p in &panel.people {
        text(
            &mut blocks,
            &format!("{}  {}", p.name, p.role_words),
            Align::Left,
            true,
            false,
        );
        if !p.badge.is_empty() {
            text(&mut blocks, &p.badge, Align::Left, false, false);
        }
        text(&mut blocks, &p.phone, Align::Left, true, true);
        text(&mut blocks, &p.in_room, Align::Left, false, false);
        text(&mut blocks, &rule, Align::Left, false, false);
    }
    // What the officer handles and where other matters go: the screen leaves them to this paper
    // in elderly mode.
    if let Some(o) = panel.officer().filter(|o| !o.duties.is_empty()) {
        let sep = if en { "; " } else { "、" };
        text(
            &mut blocks,
            &format!(
                "{}{}",
                label("民警负责：", "The officer handles: "),
                o.duties.join(sep)
            ),
            Align::Left,
            false,
            false,
        );
    }
    for (matter, to, phone) in &panel.elsewhere {
        text(
            &mut blocks,
            format!("{matter} → {to} {phone}").trim_end(),
            Align::Left,
            false,
            false,
        );
    }
    if !panel.why_nobody.is_empty() {
        text(&mut blocks, &panel.why_nobody, Align::Left, false, false);
        text(&mut blocks, &rule, Align::Left, false, false);
    }
    if let Some(room) = &panel.room {
        text(&mut blocks, &room.name, Align::Left, true, false);
        text(&mut blocks, &room.address, Align::Left, false, false);
        if !room.hours.is_empty() {
            text(&mut blocks, &room.hours, Align::Left, false, false);
        }
        if !room.phone.is_empty() {
            text(
                &mut blocks,
                &format!("{}{}", label("警务室电话：", "Room phone: "), room.phone),
                Align::Left,
                false,
                false,
            );
        }
        text(&mut blocks, &rule, Align::Left, false, false);
    }
    if let Some(duty) = &panel.duty_phone {
        let station = if panel.station.is_empty() {
            label("派出所", "Police station").to_string()
        } else {
            panel.station.clone()
        };
        text(
            &mut blocks,
            &format!(
                "{station}{}",
                label(" 24小时值班电话：", " 24-hour duty phone: ")
            ),
            Align::Left,
            false,
            false,
        );
        text(&mut blocks, duty, Align::Left, true, true);
    }
    text(
        &mut blocks,
        &format!("{}{EMERGENCY}", label("紧急报警：", "Emergency: ")),
        Align::Left,
        true,
        true,
    );
    // Complaints about an officer: only on a card that names one.
    if !panel.people.is_empty() {
        text(
            &mut blocks,
            &format!(
                "{}{COMPLAINTS}",
                label("投诉民警：", "Complaints about officers: ")
            ),
            Align::Left,
            false,
            false,
        );
    }
    text(
        &mut blocks,
        label(
            "公安机关不会电话办案，不会要求转账。",
            "The police never handle cases by phone or ask you to transfer money.",
        ),
        Align::Left,
        false,
        false,
    );
    // A number on a line of its own: never split by the wrap.
    text(
        &mut blocks,
        &format!("{}{ANTI_FRAUD}", label("反诈专线：", "Anti-fraud line: ")),
        Align::Left,
        true,
        false,
    );
    text(&mut blocks, &rule, Align::Left, false, false);
    let dial = panel
        .officer()
        .map(|o| o.phone.clone())
        .or_else(|| panel.duty_phone.clone())
        .unwrap_or_else(|| EMERGENCY.to_string());
    text(
        &mut blocks,
        label("扫码拨打", "Scan to call"),
        Align::Center,
        false,
        false,
    );
    blocks.push(Block::Qr {
        data: format!("tel:{}", dial.replace('-', "")),
        module: if width == PaperWidth::Mm58 { 5 } else { 6 },
    });
    if !panel.updated.is_empty() {
        text(
            &mut blocks,
            &format!(
                "{}{}",
                label("信息更新于：", "Details as of: "),
                panel.updated
            ),
            Align::Left,
            false,
            false,
        );
    }
    text(
        &mut blocks,
        &format!("{}{when}", label("打印时间：", "Printed: ")),
        Align::Left,
        false,
        false,
    );
    blocks.push(Block::Cut { partial: false });
    Document { blocks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::{parse_date, Feed};

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
    fn the_card_names_the_officer_dials_them_and_says_when_it_was_printed() {
        let feed = Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap();
        let panel = Panel::new(
            Some(&feed),
            parse_date("2026-12-07").unwrap(),
            true,
            false,
            None,
        );
        let doc = layout(&panel, "示例村警务室", "2026-12-07 09:41", PaperWidth::Mm80);
        let text = lines(&doc).join("\n");
        for want in [
            "警民联系卡",
            "李示警",
            "警号 000001",
            "0371-5550-0123",
            "辅警（非人民警察）",
            "0371-5550-0110",
            "110",
            "12389",
            "96110",
            "信息更新于：2026-12-01",
            "打印时间：2026-12-07 09:41",
        ] {
            assert!(text.contains(want), "{want} missing:\n{text}");
        }
        let qr: Vec<&String> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Qr { data, .. } => Some(data),
                _ => None,
            })
            .collect();
        assert_eq!(qr, ["tel:037155500123"]);
    }

    #[test]
    fn an_expired_feed_prints_no_person_only_the_duty_phone_and_110() {
        let feed = Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap();
        let panel = Panel::new(
            Some(&feed),
            parse_date("2028-01-01").unwrap(),
            true,
            false,
            None,
        );
        let doc = layout(&panel, "示例村警务室", "2028-01-01 09:00", PaperWidth::Mm58);
        let text = lines(&doc).join("\n");
        assert!(
            !text.contains("李示警") && !text.contains("0371-5550-0123"),
            "{text}"
        );
        assert!(
            text.contains("0371-5550-0110") && text.contains("110"),
            "{text}"
        );
        assert!(doc
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Qr { data, .. } if data == "tel:037155500110")));
    }
}
