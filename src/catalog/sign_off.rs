//! The bureau's decisions brought back from the review sheet's CSV (`onetrip catalog review
//! --import`), with no hand-typing: an agreed item becomes verified with who agreed, when, and the
//! content digest printed on the page they read; a comment goes into the item's editors' note; a
//! "change" or "no" takes any earlier sign-off away. A row whose digest is not the item's digest
//! now (the item was edited after the sheet was printed) is refused. All or nothing: the files
//! are written only when every row is taken and the catalog they make is valid.

use std::collections::HashMap;
use std::path::Path;

use super::{parse_for_review, parse_signed_off, read_path, Catalog};

/// The reviewer's columns at the end of `catalog.csv`.
pub const COLUMNS: [&str; 4] = ["审核结论", "审核人", "审核日期", "审核意见"];
/// The decisions a reviewer writes in 审核结论.
pub const AGREED: &str = "同意";
const AGREED_AFTER_CHANGES: &str = "修改后同意";
const REFUSED: &str = "不同意";

/// What an import did, by item code.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub verified: Vec<String>,
    /// Signed off once, edited since, and not agreed again in this sheet: the sign-off is void.
    pub withdrawn: Vec<String>,
    pub unverified: Vec<String>,
    pub commented: Vec<String>,
}

/// One row's decision for one item.
struct Decision {
    sign_off: Option<SignOff>,
    /// A comment alone (no 审核结论): the sign-off lines stay as they are.
    keep: bool,
    note: Option<String>,
}

/// The item was verified when the sheet came back (a stale sign-off already read as none).
fn was_verified(catalog: &Catalog, code: &str) -> bool {
    catalog.item(code).is_some_and(|i| i.verified)
}

struct SignOff {
    by: String,
    on: String,
    digest: String,
}

/// A date as a reviewer's spreadsheet may have rewritten it (`2026/12/7`), as YYYY-MM-DD.
fn date(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.trim().split(['-', '/', '.']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let day = chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    Some(day.format("%Y-%m-%d").to_string())
}

/// Reads the decisions of `csv` against `catalog`; every row that cannot be taken is named.
fn decisions(catalog: &Catalog, csv: &[u8]) -> Result<Vec<(String, Decision)>, Vec<String>> {
    let csv = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv);
    let headers = reader.headers().map_err(|e| vec![e.to_string()])?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let wanted = [
        "编号",
        "内容摘要",
        COLUMNS[0],
        COLUMNS[1],
        COLUMNS[2],
        COLUMNS[3],
    ];
    let at: Vec<usize> = wanted.iter().filter_map(|n| column(n)).collect();
    if at.len() != wanted.len() {
        return Err(vec![format!(
            "the CSV lacks a column of {}: is it the review sheet's catalog.csv?",
            wanted.join(", ")
        )]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {row}: {e}"));
                continue;
            }
        };
        let cell = |i: usize| record.get(at[i]).unwrap_or("").trim().to_string();
        let (code, digest, decision, by, on, comment) =
            (cell(0), cell(1), cell(2), cell(3), cell(4), cell(5));
        if decision.is_empty() && comment.is_empty() {
            continue;
        }
        let Some(item) = catalog.item(&code) else {
            problems.push(format!("row {row}: no item {code:?} in this catalog"));
            continue;
        };
        let now = item.content_digest();
        let sign_off = match decision.as_str() {
            AGREED if digest != now => {
                problems.push(format!(
                    "{code}: edited since the sheet was printed (the sheet's digest {digest}, now {now}): print a new sheet and review it again"
                ));
                continue;
            }
            AGREED => match (by.is_empty(), date(&on)) {
                (false, Some(on)) => Some(SignOff {
                    by: by.clone(),
                    on,
                    digest: now,
                }),
                _ => {
                    problems.push(format!(
                        "{code}: 同意 needs 审核人 and 审核日期 (YYYY-MM-DD)"
                    ));
                    continue;
                }
            },
            AGREED_AFTER_CHANGES | REFUSED | "" => None,
            other => {
                problems.push(format!(
                    "{code}: 审核结论 {other:?} is not {AGREED}, {AGREED_AFTER_CHANGES} or {REFUSED}"
                ));
                continue;
            }
        };
        // One line in the file: a spreadsheet's line breaks become spaces.
        let comment = comment.replace(['\r', '\n'], " ");
        let note = (!comment.is_empty()).then(|| {
            let who: Vec<&str> = [by.as_str(), on.as_str(), decision.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            format!("审核意见（{}）：{comment}", who.join("，"))
        });
        let keep = decision.is_empty();
        out.push((
            code,
            Decision {
                sign_off,
                keep,
                note,
            },
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `text` with item `code`'s sign-off lines set (or taken away) and `note` added to its editors'
/// note. The item's table runs from its `[[items]]` line to the next table header.
fn edit_item(text: &str, code: &str, d: &Decision) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let code_line = format!("code = {}", toml::Value::String(code.to_string()));
    let at = lines
        .iter()
        .position(|l| l.trim() == code_line)
        .ok_or_else(|| format!("{code}: not found in its file"))?;
    let start = (0..at)
        .rev()
        .find(|&i| lines[i].trim() == "[[items]]")
        .ok_or_else(|| format!("{code}: no [[items]] table above it"))?;
    let end = (at + 1..lines.len())
        .find(|&i| lines[i].trim_start().starts_with('['))
        .unwrap_or(lines.len());
    let key = |l: &str, k: &str| l.split_once('=').is_some_and(|(name, _)| name.trim() == k);
    let mut old_note = None;
    let mut block: Vec<String> = Vec::new();
    let mut verified_line = false;
    for l in &lines[start..end] {
        if d.keep && !key(l, "editors_note") {
            block.push(l.to_string());
            continue;
        }
        if ["verified_by", "verified_on", "verified_digest"]
            .iter()
            .any(|k| key(l, k))
        {
            continue;
        }
        if key(l, "editors_note") {
            let table: toml::Table = toml::from_str(l).map_err(|_| {
                format!("{code}: its editors_note is not one line; add the comment by hand")
            })?;
            old_note = table["editors_note"].as_str().map(str::to_string);
            continue;
        }
        if key(l, "verified") {
            verified_line = true;
            match &d.sign_off {
                Some(s) => {
                    block.push("verified = true".into());
                    block.push(format!(
                        "verified_by = {}",
                        toml::Value::String(s.by.clone())
                    ));
                    block.push(format!(
                        "verified_on = {}",
                        toml::Value::String(s.on.clone())
                    ));
                    block.push(format!(
                        "verified_digest = {}",
                        toml::Value::String(s.digest.clone())
                    ));
                }
                None => block.push("verified = false".into()),
            }
            continue;
        }
        block.push(l.to_string());
    }
    if !d.keep && !verified_line {
        return Err(format!(
            "{code}: no `verified = ...` line in its table; edit it by hand"
        ));
    }
    let note = match (old_note, &d.note) {
        (Some(old), Some(new)) => Some(format!("{old}；{new}")),
        (old, new) => old.or_else(|| new.clone()),
    };
    if let Some(note) = note {
        // Kept where the table's keys end (before any blank line closing it).
        let last = block
            .iter()
            .rposition(|l| !l.trim().is_empty())
            .map_or(0, |i| i + 1);
        block.insert(
            last,
            format!("editors_note = {}", toml::Value::String(note)),
        );
    }
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    out.extend(block);
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    // The file's own line ends (a file saved on Windows keeps CRLF).
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut text = out.join(eol);
    text.push_str(eol);
    Ok(text)
}

/// Imports the decisions in `csv_file` into the catalog folder `dir`; nothing is written unless
/// every row is taken and the result is a valid catalog.
pub fn import(dir: &Path, csv_file: &Path) -> Result<Imported, Vec<String>> {
    let one = |e: String| vec![e];
    if !dir.is_dir() {
        return Err(one(format!("{}: not a catalog folder", dir.display())));
    }
    let files = read_path(dir).map_err(|e| one(format!("{}: {e}", dir.display())))?;
    let (catalog, stale) = parse_for_review(&files)
        .map_err(|p| p.iter().map(|p| p.to_string()).collect::<Vec<_>>())?;
    let csv = std::fs::read(csv_file).map_err(|e| one(format!("{}: {e}", csv_file.display())))?;
    let mut rows = decisions(&catalog, &csv)?;
    let mut done = Imported::default();
    for code in stale {
        if !rows.iter().any(|(c, d)| *c == code && d.sign_off.is_some()) {
            done.withdrawn.push(code.clone());
            let void = Decision {
                sign_off: None,
                keep: false,
                note: None,
            };
            rows.push((code, void));
        }
    }
    let mut texts: HashMap<String, String> = files.iter().cloned().collect();
    for (code, d) in &rows {
        let file = catalog
            .item(code)
            .map(|i| i.file.clone())
            .unwrap_or_default();
        let text = texts.get(&file).cloned().unwrap_or_default();
        texts.insert(file, edit_item(&text, code, d).map_err(one)?);
        match &d.sign_off {
            Some(_) => done.verified.push(code.clone()),
            None if d.keep || done.withdrawn.contains(code) => {}
            None => done.unverified.push(code.clone()),
        }
        if d.note.is_some() {
            done.commented.push(code.clone());
        }
    }
    let edited: Vec<(String, String)> = files
        .iter()
        .map(|(name, _)| (name.clone(), texts[name].clone()))
        .collect();
    let after = parse_signed_off(&edited)
        .map_err(|p| p.iter().map(|p| p.to_string()).collect::<Vec<_>>())?;
    // Each decision is in the files as decided (a table the edit could not find says so).
    for (code, d) in &rows {
        let verified = after.item(code).is_some_and(|i| i.verified);
        if verified != (d.sign_off.is_some() || (d.keep && was_verified(&catalog, code))) {
            return Err(one(format!(
                "{code}: the sign-off could not be written into its file; edit it by hand"
            )));
        }
    }
    // Every changed file written beside its original first, then all moved into place.
    let changed: Vec<(std::path::PathBuf, std::path::PathBuf)> = files
        .iter()
        .zip(&edited)
        .filter(|((_, before), (_, after))| before != after)
        .map(|((name, _), (_, after))| {
            let path = dir.join(name);
            let tmp = path.with_extension("toml.importing");
            std::fs::write(&tmp, after)
                .map(|_| (tmp, path))
                .map_err(|e| format!("{}: {e}", dir.join(name).display()))
        })
        .collect::<Result<_, _>>()
        .map_err(one)?;
    for (tmp, path) in changed {
        std::fs::rename(&tmp, &path).map_err(|e| one(format!("{}: {e}", path.display())))?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "[[items]]\r\ncode = \"A-1\"\r\nverified = true\r\nverified_by = \"局\"\r\nverified_on = \"2026-12-01\"\r\nverified_digest = \"00\"\r\n\r\n[[items]]\r\ncode = \"A-10\"\r\nverified = false\r\n";

    #[test]
    fn a_comment_alone_keeps_the_sign_off_and_the_files_line_ends() {
        let d = Decision {
            sign_off: None,
            keep: true,
            note: Some("审核意见：补充材料".into()),
        };
        let out = edit_item(TABLE, "A-1", &d).unwrap();
        assert!(
            out.contains("verified = true\r\nverified_by = \"局\""),
            "{out:?}"
        );
        assert!(
            out.contains("editors_note = \"审核意见：补充材料\"\r\n"),
            "{out:?}"
        );
        assert!(
            out.ends_with("\r\n") && !out.replace("\r\n", "").contains('\n'),
            "{out:?}"
        );
        // A-10 is not A-1's neighbour by prefix: untouched.
        assert!(
            out.ends_with("code = \"A-10\"\r\nverified = false\r\n"),
            "{out:?}"
        );
        let refused = Decision {
            sign_off: None,
            keep: false,
            note: None,
        };
        let out = edit_item(TABLE, "A-1", &refused).unwrap();
        assert!(
            out.contains("code = \"A-1\"\r\nverified = false\r\n\r\n"),
            "{out:?}"
        );
        let no_line = "[[items]]\ncode = \"A-2\"\n";
        assert!(edit_item(no_line, "A-2", &refused)
            .unwrap_err()
            .contains("no `verified"));
    }

    #[test]
    fn a_spreadsheets_dates_are_read_as_dates() {
        assert_eq!(date("2026/12/7").as_deref(), Some("2026-12-07"));
        assert_eq!(date(" 2026-12-07 ").as_deref(), Some("2026-12-07"));
        assert_eq!(date("2026-13-01"), None);
        assert_eq!(date("7 Dec"), None);
    }
}
