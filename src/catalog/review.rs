//! `onetrip catalog review`: the catalog as the issuing authority checks it — one printable page
//! per item with every field, its sources as links and a box for the reviewer's opinion and
//! signature, an index, and one CSV row per item for a spreadsheet. Editors' notes are shown
//! here (the reviewer needs them) and nowhere a citizen looks.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use super::{CardKind, Catalog, FieldKind, Identify, Item, Mode, Rule, Text};

/// What was written.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    pub items: usize,
    pub verified: usize,
}

/// How an item shows on the terminal, for its review page: pictures of its screens (files
/// beside the page) and the receipts it prints, as printed lines. Made by the terminal's own
/// code (`devtools::review_pictures`); the catalog only places them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// (caption, file name in `items/`).
    pub screens: Vec<(String, String)>,
    /// (caption, lines as printed).
    pub receipts: Vec<(String, Vec<String>)>,
}

/// Writes `index.html`, `items/<code>.html` and `catalog.csv` into `dir` (created).
pub fn write(c: &Catalog, dir: &Path) -> io::Result<Written> {
    write_with(c, dir, &|_| None)
}

/// [`write`], each page with what `shown` says of its item.
pub fn write_with(
    c: &Catalog,
    dir: &Path,
    shown: &dyn Fn(&Item) -> Option<Shown>,
) -> io::Result<Written> {
    std::fs::create_dir_all(dir.join("items"))?;
    for item in &c.items {
        std::fs::write(
            dir.join("items").join(format!("{}.html", item.code)),
            item_page(c, item, shown(item).as_ref()),
        )?;
    }
    std::fs::write(dir.join("index.html"), index(c))?;
    for t in &c.police_types {
        std::fs::write(
            dir.join(format!("police-{}.html", t.code)),
            police_type_file(c, &t.code, shown),
        )?;
    }
    std::fs::write(dir.join("sign-list.html"), sign_list(c))?;
    // With a byte-order mark: spreadsheet programs then read the Chinese as UTF-8.
    std::fs::write(dir.join("catalog.csv"), format!("\u{feff}{}", csv(c)))?;
    Ok(Written {
        items: c.items.len(),
        verified: c.items.iter().filter(|i| i.verified).count(),
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn mode_zh(m: Mode) -> &'static str {
    match m {
        Mode::Complete => "本机提交即完成",
        Mode::Submit => "本机提交申请",
        Mode::Appointment => "本机预约",
        Mode::Query => "本机查询",
        Mode::Decision => "本机查询、确认，打印上游作出的决定",
        Mode::Guide => "打印办事指南",
    }
}

fn rule_zh(r: &Rule) -> String {
    match r {
        Rule::MinAge { years } => format!("年满 {years} 周岁"),
        Rule::MaxAge { years } => format!("{years} 周岁以下"),
        Rule::CardTypes { types } => {
            let names: Vec<&str> = types
                .iter()
                .map(|t| match t {
                    CardKind::Resident => "居民身份证",
                    CardKind::HmtResidence => "港澳台居民居住证",
                    CardKind::ForeignPermanent => "外国人永久居留身份证",
                })
                .collect();
            format!("持{}", names.join("或"))
        }
        Rule::CardNotExpired => "证件在有效期内".into(),
        Rule::ExpiresWithin { months } => format!("证件有效期满前 {months} 个月内（或已过期）"),
    }
}

fn field_zh(f: &super::Field) -> String {
    let kind = match f.kind {
        FieldKind::Choice => {
            let options: Vec<&str> = f.options.iter().map(|o| o.label.zh.as_str()).collect();
            format!("选择：{}", options.join(" / "))
        }
        FieldKind::Digits => format!(
            "数字 {}–{} 位",
            f.min_len.unwrap_or(0),
            f.max_len.unwrap_or(0)
        ),
        FieldKind::Letters => format!(
            "字母和数字 {}–{} 位",
            f.min_len.unwrap_or(0),
            f.max_len.unwrap_or(0)
        ),
        FieldKind::Date => "日期".into(),
        FieldKind::Phone => "手机号码".into(),
        FieldKind::IdNumber => "身份证号码，18位（核对校验位）或15位旧号码".into(),
        FieldKind::Prefill => "从身份证读取".into(),
    };
    format!("{}（{kind}）", f.label.zh)
}

fn list_zh(ts: &[Text]) -> String {
    ts.iter()
        .map(|t| t.zh.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// Every field of an item as (label, value in Chinese), in the order a reviewer reads them.
fn facts(c: &Catalog, item: &Item) -> Vec<(&'static str, String)> {
    let opt = |t: &Option<Text>| t.as_ref().map(|t| t.zh.clone()).unwrap_or_default();
    vec![
        ("编号", item.code.clone()),
        (
            "警种 / 类别",
            format!(
                "{} / {}",
                c.police_type_of(item)
                    .map(|t| t.name.zh.as_str())
                    .unwrap_or(""),
                c.category(&item.category)
                    .map(|k| k.name.zh.as_str())
                    .unwrap_or("")
            ),
        ),
        ("名称", item.name.zh.clone()),
        ("英文名称", item.name.en.clone()),
        (
            "磁贴名称",
            item.short_name
                .as_ref()
                .map(|t| format!("{} / {}", t.zh, t.en))
                .unwrap_or_default(),
        ),
        ("简介", item.summary.zh.clone()),
        ("办理方式", mode_zh(item.mode).into()),
        (
            "身份",
            item.identify
                .iter()
                .map(|i| match i {
                    Identify::IdCard => "读身份证",
                    Identify::Scan => "扫描回执或告知书上的二维码",
                    Identify::Nobody => "不读卡，不留个人信息（匿名）",
                })
                .collect::<Vec<_>>()
                .join("；"),
        ),
        (
            "本机核验",
            item.eligibility
                .iter()
                .map(rule_zh)
                .collect::<Vec<_>>()
                .join("；"),
        ),
        ("申请条件", list_zh(&item.conditions)),
        ("所需材料", list_zh(&item.materials)),
        ("办理步骤", list_zh(&item.steps)),
        ("办理时限", opt(&item.time_limit)),
        ("收费", item.fee_text(false)),
        ("结果领取", opt(&item.collect)),
        (
            "本机询问",
            item.fields
                .iter()
                .map(field_zh)
                .collect::<Vec<_>>()
                .join("；"),
        ),
        ("回执“下一步”", list_zh(&item.next_steps)),
        (
            "需要的设备",
            item.needs
                .iter()
                .map(|n| n.name())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "核定",
            match (&item.verified_by, &item.verified_on) {
                (Some(by), Some(on)) if item.verified => format!("已核定：{by}，{on}"),
                _ => "未核定（来自公开资料）".into(),
            },
        ),
        ("编辑说明", item.editors_note.clone().unwrap_or_default()),
        // What the sign-off binds to: any later edit of what a citizen sees changes it.
        ("内容摘要", item.content_digest()),
    ]
}

/// The pages' style: the CJK fonts of the desks that print them (Windows, then Linux).
const STYLE: &str = "body{font-family:'Microsoft YaHei','SimSun','Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:2em;color:#111}\
h1{font-size:1.5em;margin:0 0 .2em}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #888;padding:.35em .5em;text-align:left;vertical-align:top}\
th{background:#eef2f7;width:9em;white-space:nowrap}.note td{background:#fff8e1}\
.box{border:2px solid #333;margin-top:1.5em;padding:.8em}.box p{margin:.4em 0}\
.line{display:inline-block;border-bottom:1px solid #333;min-width:14em}\
.pending{color:#a00}.done{color:#070}@media print{a{color:#111}body{margin:0}}\
.shown{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}figure{margin:0}\
.shown img{width:480px;border:1px solid #888}figcaption{font-size:.85em;color:#444}\
.page{page-break-after:always;margin-bottom:3em}\
pre.receipt{font-family:'SimSun','Noto Sans Mono CJK SC',monospace;border:1px dashed #888;padding:.5em;margin:0;background:#fffef8}";

/// The item as the citizen meets it: its page on the screen, in Chinese and English, and the
/// receipt it prints.
fn shown_html(shown: &Shown, pictures: &str) -> String {
    let mut h = String::from("<h2>本机显示与回执（由终端程序生成）</h2><div class=\"shown\">");
    for (caption, file) in &shown.screens {
        let _ = write!(
            h,
            "<figure><img src=\"{}{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            pictures,
            esc(file),
            esc(caption),
            esc(caption)
        );
    }
    for (caption, lines) in &shown.receipts {
        let _ = write!(
            h,
            "<figure><pre class=\"receipt\">{}</pre><figcaption>{}</figcaption></figure>",
            esc(&lines.join("\n")),
            esc(caption)
        );
    }
    h.push_str("</div>");
    h
}

/// A page of its own per item (`items/CODE.html`).
fn item_page(c: &Catalog, item: &Item, shown: Option<&Shown>) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{code} {name}</title><style>{style}</style></head><body>\
         <p><a href=\"../index.html\">目录 {version}</a></p>{body}</body></html>",
        code = esc(&item.code),
        name = esc(&item.name.zh),
        version = esc(&c.version),
        style = STYLE,
        body = item_body(c, item, shown, ""),
    )
}

/// One police type's items in one printable file (`police-HZ.html`), a page each.
fn police_type_file(c: &Catalog, code: &str, shown: &dyn Fn(&Item) -> Option<Shown>) -> String {
    let name = c
        .police_type(code)
        .map(|t| t.name.zh.as_str())
        .unwrap_or(code);
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{name} 审核表</title><style>{STYLE}</style></head><body>\
         <p><a href=\"index.html\">目录 {version}</a></p><h1>{name}：服务事项审核表</h1>",
        name = esc(name),
        version = esc(&c.version),
    );
    for item in c
        .items
        .iter()
        .filter(|i| c.police_type_of(i).is_some_and(|t| t.code == code))
    {
        let _ = write!(
            h,
            "<section class=\"page\">{}</section>",
            item_body(c, item, shown(item).as_ref(), "items/")
        );
    }
    h.push_str("</body></html>");
    h
}

/// The list as a whole, signed once: every item with its digest, and the question a list of
/// items alone cannot answer — is anything missing, or here that should not be?
fn sign_list(c: &Catalog) -> String {
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>目录整体审核 {version}</title><style>{STYLE}</style></head><body>\
         <h1>服务事项目录整体审核</h1><p>{issuer} · 目录版本 {version} · 共 {n} 项</p>\
         <table><tr><th>编号</th><th>名称</th><th>办理方式</th><th>核定</th><th>内容摘要</th></tr>",
        version = esc(&c.version),
        issuer = esc(&c.issuer),
        n = c.items.len(),
    );
    for item in &c.items {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&item.code),
            esc(&item.name.zh),
            mode_zh(item.mode),
            if item.verified {
                "已核定"
            } else {
                "未核定"
            },
            item.content_digest()
        );
    }
    h.push_str(
        "</table><div class=\"box\"><p><b>整体审核意见</b></p>\
         <p>本目录是否遗漏本局应在本机办理或指引的事项？　□ 无　□ 有（请列明）</p><p style=\"min-height:4em\"></p>\
         <p>是否有应删除、或应改为到窗口办理的事项？　□ 无　□ 有（请列明）</p><p style=\"min-height:4em\"></p>\
         <p>审核人：<span class=\"line\"></span>　部门：<span class=\"line\"></span></p>\
         <p>日期：<span class=\"line\"></span>　签字（盖章）：<span class=\"line\"></span></p></div></body></html>",
    );
    h
}

/// An item's facts, sources, screens and receipts and the reviewer's box; pictures are found
/// under `pictures` (relative to the page).
fn item_body(c: &Catalog, item: &Item, shown: Option<&Shown>, pictures: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<h1>{code} {name}</h1><p>{issuer} · 目录版本 {version}</p><table>",
        code = esc(&item.code),
        name = esc(&item.name.zh),
        issuer = esc(&c.issuer),
        version = esc(&c.version),
    );
    for (label, value) in facts(c, item) {
        let class = if label == "编辑说明" {
            " class=\"note\""
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr{class}><th>{}</th><td>{}</td></tr>",
            esc(label),
            esc(&value)
        );
    }
    h.push_str("<tr><th>来源</th><td><ol>");
    for id in &item.sources {
        let source = c.sources.iter().find(|s| &s.id == id);
        let title = source.map(|s| s.title.as_str()).unwrap_or("");
        match source.and_then(|s| s.url.as_deref()) {
            Some(url) => {
                let _ = write!(
                    h,
                    "<li>{} <a href=\"{}\">{}</a></li>",
                    esc(id),
                    esc(url),
                    esc(title)
                );
            }
            None => {
                let _ = write!(h, "<li>{} {}</li>", esc(id), esc(title));
            }
        }
    }
    h.push_str("</ol></td></tr></table>");
    if let Some(shown) = shown {
        h.push_str(&shown_html(shown, pictures));
    }
    let _ = write!(
        h,
        "<div class=\"box\"><p><b>审核意见</b>（核对上列每一项；与本局办事指南不符的，请写明正确内容）</p>\
         <p>□ 同意　□ 修改后同意　□ 不同意</p><p style=\"min-height:6em\"></p>\
         <p>本页内容摘要（导入审核结论时核对）：<b>{digest}</b></p>\
         <p>审核人：<span class=\"line\"></span>　部门：<span class=\"line\"></span></p>\
         <p>日期：<span class=\"line\"></span>　签字：<span class=\"line\"></span></p></div>",
        digest = item.content_digest(),
    );
    h
}

fn index(c: &Catalog) -> String {
    let verified = c.items.iter().filter(|i| i.verified).count();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>服务事项目录审核 {version}</title><style>{style}</style></head><body>\
         <h1>服务事项目录审核表</h1><p>{issuer} · 目录版本 {version} · 共 {n} 项，已核定 {verified} 项 · 表格：<a href=\"catalog.csv\">catalog.csv</a> · <a href=\"sign-list.html\">目录整体审核页</a> · 按警种打印：{types}</p>\
         <table><tr><th>编号</th><th>名称</th><th>警种 / 类别</th><th>办理方式</th><th>核定</th></tr>",
        version = esc(&c.version),
        issuer = esc(&c.issuer),
        n = c.items.len(),
        style = STYLE,
        types = c
            .police_types
            .iter()
            .map(|t| format!("<a href=\"police-{}.html\">{}</a>", esc(&t.code), esc(&t.name.zh)))
            .collect::<Vec<_>>()
            .join(" "),
    );
    for item in &c.items {
        let state = if item.verified {
            "<span class=\"done\">已核定</span>"
        } else {
            "<span class=\"pending\">未核定</span>"
        };
        let _ = write!(
            h,
            "<tr><td><a href=\"items/{code}.html\">{code}</a></td><td>{name}</td><td>{pt} / {cat}</td><td>{mode}</td><td>{state}</td></tr>",
            code = esc(&item.code),
            name = esc(&item.name.zh),
            pt = esc(c.police_type_of(item).map(|t| t.name.zh.as_str()).unwrap_or("")),
            cat = esc(c.category(&item.category).map(|k| k.name.zh.as_str()).unwrap_or("")),
            mode = mode_zh(item.mode),
        );
    }
    h.push_str("</table></body></html>");
    h
}

/// RFC 4180: every field quoted, quotes doubled, rows ended by CRLF.
fn csv(c: &Catalog) -> String {
    let row = |cells: Vec<String>| {
        let quoted: Vec<String> = cells
            .iter()
            .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
            .collect();
        format!("{}\r\n", quoted.join(","))
    };
    let first = c.items.first();
    let mut out = String::new();
    let mut header: Vec<String> = first
        .map(|i| {
            facts(c, i)
                .into_iter()
                .map(|(l, _)| l.to_string())
                .collect()
        })
        .unwrap_or_default();
    header.push("来源".into());
    header.extend(crate::catalog::sign_off::COLUMNS.map(String::from));
    out.push_str(&row(header));
    for item in &c.items {
        let mut cells: Vec<String> = facts(c, item).into_iter().map(|(_, v)| v).collect();
        cells.push(item.sources.join(" "));
        // The reviewer's columns, filled in for an item already signed off.
        let (by, on) = (item.verified_by.clone(), item.verified_on.clone());
        match (item.verified, by, on) {
            (true, Some(by), Some(on)) => cells.extend([
                crate::catalog::sign_off::AGREED.into(),
                by,
                on,
                String::new(),
            ]),
            _ => cells.extend([String::new(), String::new(), String::new(), String::new()]),
        }
        out.push_str(&row(cells));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_escapes_what_it_shows_and_quotes_what_it_lists() {
        assert_eq!(
            esc("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        let mut c = super::super::shipped();
        c.items.truncate(1);
        c.items[0].editors_note = Some("说 \"引号\", 逗号\n换行".into());
        let text = csv(&c);
        let rows: Vec<&str> = text.split("\r\n").collect();
        assert!(rows[0].starts_with("\"编号\",\"警种 / 类别\",\"名称\""));
        assert!(text.contains("\"说 \"\"引号\"\", 逗号\n换行\""), "{text}");
    }
}
