//! `onetrip catalog check | keygen | sign`, as a technician or the issuing authority runs them.

use std::path::Path;
use std::process::Command;

fn onetrip(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn the_shipped_catalog_passes_and_a_broken_one_says_where() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let (code, out, _) = onetrip(&["catalog", "check", shipped.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("8 police types, 21 categories, 98 items"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("catalog");
    copy_dir(&shipped, &copy);
    let items = copy.join("items/zhi_an.toml");
    let text = std::fs::read_to_string(&items).unwrap();
    std::fs::write(
        &items,
        text.replacen("fee_yuan = 0", "fee_yuan = 500000", 1)
            .replacen("category = \"ZA-TZHY\"", "category = \"ZA-NOPE\"", 1),
    )
    .unwrap();
    let (code, _, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("items/zhi_an.toml: ZA-FZJL-01: fee_yuan = 500000 is not a sane fee"),
        "{err}"
    );
    assert!(
        err.contains("items/zhi_an.toml: ZA-TZHY-01: category `ZA-NOPE` does not exist"),
        "{err}"
    );
    assert!(err.contains("2 problem(s)"), "{err}");

    let (code, _, err) = onetrip(&["catalog", "check", "/nonexistent/catalog"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

/// A receipt that proves a payment the terminal never took is refused, for the terminal's own
/// devices; where a vendor's terminal declares a payment device, the item may say so.
#[test]
fn no_item_promises_a_device_the_terminal_does_not_have() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let (code, out, _) = onetrip(&["catalog", "check", shipped.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(0 verified by the issuing authority)"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("catalog");
    copy_dir(&shipped, &copy);
    let items = copy.join("items/jiao_guan.toml");
    let text = std::fs::read_to_string(&items).unwrap();
    let claim =
        "{ zh = \"本回执是缴款凭证，请妥善保管\", en = \"This receipt proves payment; keep it\" }";
    let claims = |needs: &str| {
        text.replacen(
            "next_steps = [\n",
            &format!("{needs}next_steps = [\n  {claim},\n"),
            1,
        )
    };
    std::fs::write(&items, claims("")).unwrap();
    let (code, _, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("items/jiao_guan.toml: JG-WF-01: next_steps[0] claims \"缴款凭证\", which needs `payment`"),
        "{err}"
    );

    std::fs::write(&items, claims("needs = [\"payment\"]\n")).unwrap();
    let (code, _, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("JG-WF-01: needs `payment`, which the terminal does not have (capabilities: card_reader, printer, scanner)"),
        "{err}"
    );
    let with_payment = [
        "catalog",
        "check",
        copy.to_str().unwrap(),
        "--capabilities",
        "card_reader,printer,scanner,payment",
    ];
    let (code, out, err) = onetrip(&with_payment);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("98 items"), "{out}");
}

/// The bureau's review sheet: a page per item with every field, its sources as links and the
/// reviewer's box; the CSV opens in Python's csv module as a spreadsheet would read it.
#[test]
fn the_review_sheet_has_a_page_per_item_and_a_csv_a_spreadsheet_reads() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review");
    let (code, stdout, err) = onetrip(&[
        "catalog",
        "review",
        shipped.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("98 items (0 verified)"), "{stdout}");
    let pages = std::fs::read_dir(out.join("items"))
        .unwrap()
        .filter(|f| {
            f.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "html")
        })
        .count();
    assert_eq!(pages, 98);
    let page = std::fs::read_to_string(out.join("items/HZ-SFZ-01.html")).unwrap();
    for expected in [
        "<h1>HZ-SFZ-01 居民身份证首次申领</h1>",
        "<th>收费</th><td>20 元（城市享受最低生活保障的和农村生活确有困难的免收工本费；其他生活确有困难的可以减收）</td>",
        "<a href=\"http://www.sgjweuf.cn/new/63/74/2003/12/ad24786501110321300215568.htm\">",
        "<th>编辑说明</th><td>原“免费”出自汝州",
        "审核人：",
        "未核定（来自公开资料）",
    ] {
        assert!(
            page.contains(expected),
            "{expected} not in the page:\n{page}"
        );
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("<a href=\"items/JG-WF-03.html\">JG-WF-03</a>"));

    // What a citizen meets, drawn by the terminal's own code: the page in both languages (real
    // pictures, with ink), and the receipt an application prints.
    assert!(page.contains("<img src=\"HZ-SFZ-01.zh.png\""), "{page}");
    assert!(page.contains("<img src=\"HZ-SFZ-01.en.png\""), "{page}");
    let picture = out.join("items/HZ-SFZ-01.zh.png");
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&picture).unwrap(),
    ));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (1920, 1080));
    let application = std::fs::read_to_string(out.join("items/ZA-FZJL-01.html")).unwrap();
    for expected in [
        "回执（中文）",
        "申请回执",
        "提交编号：",
        "回执（英文）",
        "Application receipt",
    ] {
        assert!(application.contains(expected), "{expected} not on the page");
    }
    // One file per police type to print, and the page that signs the list as a whole.
    let household = std::fs::read_to_string(out.join("police-HZ.html")).unwrap();
    assert!(household.contains("<h1>HZ-SFZ-01 居民身份证首次申领</h1>"));
    assert!(household.contains("<img src=\"items/HZ-SFZ-01.zh.png\""));
    assert!(!household.contains("<h1>ZA-FZJL-01"));
    let list = std::fs::read_to_string(out.join("sign-list.html")).unwrap();
    assert!(list.contains("是否遗漏"), "{list}");
    let digest = page
        .split("<th>内容摘要</th><td>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    assert!(list.contains(&format!("<td>{digest}</td>")));

    let python = Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, sys\n\
             rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n\
             by = {r['编号']: r for r in rows}\n\
             print(len(rows))\n\
             print(by['JG-WF-03']['本机询问'])\n\
             print(by['CRJ-JF-01']['办理方式'])\n\
             print(by['HZ-HJZM-03']['来源'])\n",
        )
        .arg(out.join("catalog.csv"))
        .output()
        .expect("python3 (apt-get install python3)");
    let printed = String::from_utf8_lossy(&python.stdout);
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "98");
    assert!(
        lines[1].starts_with("号牌的省份简称（选择：豫 / 京"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("号牌号码（省份简称后的字母和数字）（字母和数字 6–7 位）"));
    assert_eq!(lines[2], "打印办事指南");
    assert_eq!(lines[3], "S2 GTZ-2016-21");
}

/// The sign-off comes back from the sheet with no hand-typing and is bound to the words signed:
/// the CSV filled in as a spreadsheet saves it (its own date format) verifies one item with the
/// digest on its page and keeps another's comment; one word edited afterwards and `catalog check`
/// refuses the old sign-off; the same sheet imported again is refused whole, nothing written.
#[test]
fn the_reviewers_decisions_come_back_from_the_csv_bound_to_the_words_signed() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("catalog");
    copy_dir(&shipped, &copy);
    let sheet = dir.path().join("sheet");
    let (code, _, err) = onetrip(&[
        "catalog",
        "review",
        copy.to_str().unwrap(),
        "--out",
        sheet.to_str().unwrap(),
        "--no-pictures",
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(sheet.join("items/HZ-SFZ-01.html")).unwrap();
    assert!(
        !sheet.join("items/HZ-SFZ-01.zh.png").exists(),
        "--no-pictures"
    );
    let digest = page
        .split("<th>内容摘要</th><td>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the page shows the digest")
        .to_string();
    assert!(page.contains(&format!("<b>{digest}</b>")), "{page}");

    // The reviewer's decisions, as a spreadsheet writes the file back.
    let filled = dir.path().join("filled.csv");
    let python = Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, sys\n\
             rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n\
             for r in rows:\n\
             \x20   if r['编号'] == 'HZ-SFZ-01':\n\
             \x20       r.update({'审核结论': '同意', '审核人': '郑州市公安局户政处', '审核日期': '2026/12/7'})\n\
             \x20   if r['编号'] == 'HZ-HJZM-03':\n\
             \x20       r.update({'审核结论': '修改后同意', '审核意见': '请增加\"另一人\"的字段, 再送审'})\n\
             w = csv.DictWriter(open(sys.argv[2], 'w', encoding='utf-8-sig', newline=''), fieldnames=list(rows[0]))\n\
             w.writeheader()\n\
             w.writerows(rows)\n",
        )
        .arg(sheet.join("catalog.csv"))
        .arg(&filled)
        .output()
        .expect("python3 (apt-get install python3)");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let import = [
        "catalog",
        "review",
        copy.to_str().unwrap(),
        "--import",
        filled.to_str().unwrap(),
    ];
    let (code, out, err) = onetrip(&import);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified HZ-SFZ-01;"), "{out}");
    assert!(
        out.contains("comments kept in editors' notes HZ-HJZM-03"),
        "{out}"
    );
    let (code, out, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(1 verified by the issuing authority)"),
        "{out}"
    );
    let items = copy.join("items/hu_zheng.toml");
    let text = std::fs::read_to_string(&items).unwrap();
    assert!(
        text.contains(&format!("verified = true\nverified_by = \"郑州市公安局户政处\"\nverified_on = \"2026-12-07\"\nverified_digest = \"{digest}\"")),
        "{text}"
    );
    assert!(
        text.contains("审核意见（修改后同意）：请增加\"另一人\"的字段, 再送审"),
        "{text}"
    );

    // One word a citizen reads, edited after the sign-off: the sign-off no longer holds.
    let edited = text.replacen("第一次申领居民身份证。", "首次申领居民身份证。", 1);
    assert_ne!(edited, text);
    std::fs::write(&items, &edited).unwrap();
    let (code, _, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!(
            "HZ-SFZ-01: edited since it was verified (signed off as {digest}, now "
        )),
        "{err}"
    );
    // The old sheet no longer signs it: refused whole, nothing written.
    let (code, _, err) = onetrip(&import);
    assert_eq!(code, 2);
    assert!(
        err.contains("HZ-SFZ-01: edited since the sheet was printed"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(&items).unwrap(), edited);
}

#[test]
fn keygen_sign_and_the_signature_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authority.key");
    let (code, public, _) = onetrip(&["catalog", "keygen", "--key", key.to_str().unwrap()]);
    assert_eq!(code, 0);
    let public = public.trim().to_string();
    assert_eq!(public.len(), 44);
    // Never overwrites a key.
    let (code, _, _) = onetrip(&["catalog", "keygen", "--key", key.to_str().unwrap()]);
    assert_eq!(code, 2);

    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let out = dir.path().join("catalog.toml");
    let (code, sig, err) = onetrip(&[
        "catalog",
        "sign",
        shipped.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let doc = std::fs::read(&out).unwrap();
    let sig_file = std::fs::read_to_string(dir.path().join("catalog.toml.sig")).unwrap();
    assert_eq!(sig.trim(), sig_file.trim());
    let pk = onetrip::catalog::signature::public_key(&public).unwrap();
    onetrip::catalog::signature::verify(&doc, &sig_file, &pk).unwrap();
    // The signed document is itself a valid catalog.
    let (code, _, _) = onetrip(&["catalog", "check", out.to_str().unwrap()]);
    assert_eq!(code, 0);

    // An invalid catalog is never signed.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "version = \"x\"\n").unwrap();
    let (code, _, err) = onetrip(&[
        "catalog",
        "sign",
        bad.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        dir.path().join("bad-out.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not signed"), "{err}");
    assert!(!dir.path().join("bad-out.toml").exists());
}
