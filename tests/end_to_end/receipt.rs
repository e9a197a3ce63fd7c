//! The receipt as the citizen takes it home: laid out from data, encoded to ESC/POS, decoded back by
//! the printer simulator's decoder. The golden files pin the exact bytes, so a layout change is
//! always deliberate (regenerate with `UPDATE_GOLDEN=1 cargo test --test end_to_end receipt`, then review).

use onetrip::engine::{ReceiptRequest, StoredSubmission};
use onetrip::receipt::Receipt;
use onetrip_drivers::printer::commands::encode;
use onetrip_drivers::printer::sim::{Decoded, EscPosDecoder, Printed};
use onetrip_drivers::printer::PaperWidth;

fn request(english: bool, name_masked: &str) -> ReceiptRequest {
    ReceiptRequest {
        kind: Default::default(),
        submission: StoredSubmission {
            id: "6f1c2b9e-0000-4000-8000-000000000007".into(),
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
        next_steps: if english {
            vec![
                "Completed within 7 working days".into(),
                "You will be notified; collect with this receipt".into(),
            ]
        } else {
            vec![
                "7个工作日内办结".into(),
                "办结后短信通知，凭回执领取".into(),
            ]
        },
        name_masked: name_masked.into(),
        id_masked: "330106********1231".into(),
        english,
        acceptance: None,
        decision: None,
    }
}

fn bytes(req: &ReceiptRequest, width: PaperWidth) -> Vec<u8> {
    with_slogan(req, width, "")
}

fn with_slogan(req: &ReceiptRequest, width: PaperWidth, slogan: &str) -> Vec<u8> {
    let hall = if req.english {
        "Wenxin Police Station Service Hall"
    } else {
        "西湖区公安分局 文新派出所 服务大厅"
    };
    let doc = Receipt {
        hall,
        slogan,
        request: req,
        when: "2026-11-29 09:41",
        tracking_url: "https://track.example.invalid/s/{number}",
        width,
    }
    .layout();
    encode(&doc).unwrap()
}

fn decode(bytes: &[u8]) -> Vec<Printed> {
    let mut d = EscPosDecoder::new();
    let out = d.push(bytes);
    assert!(d.unknown.is_empty(), "unknown commands {:?}", d.unknown);
    out.into_iter()
        .filter_map(|x| match x {
            Decoded::Printed(p) => Some(p),
            Decoded::StatusRequest(_) | Decoded::AutoStatusBack(_) => None,
        })
        .collect()
}

fn lines(printed: &[Printed]) -> Vec<String> {
    printed
        .iter()
        .filter_map(|p| match p {
            Printed::Line { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn chinese_receipt_on_80mm() {
    let printed = decode(&bytes(&request(false, "张*明"), PaperWidth::Mm80));
    let l = lines(&printed);
    assert_eq!(l[0], "西湖区公安分局 文新派出所 服务大厅");
    assert_eq!(l[1], "申请回执");
    for want in [
        "事项：无犯罪记录证明申请",
        "提交编号：",
        "申请已提交。是否受理，以公安机关审核为准。",
        "HZXH-0001-000007",
        "时间：2026-11-29 09:41",
        "申请人：张*明",
        "证件号码：330106********1231",
        "后续步骤：",
        "1. 7个工作日内办结",
        "2. 办结后短信通知，凭回执领取",
        "扫码查询办理进度",
    ] {
        assert!(l.contains(&want.to_string()), "missing {want:?} in {l:?}");
    }
    assert!(printed.contains(&Printed::Line {
        text: "HZXH-0001-000007".into(),
        bold: true,
        large: true
    }));
    assert!(printed.contains(&Printed::Qr(
        "https://track.example.invalid/s/HZXH-0001-000007".into()
    )));
    assert_eq!(printed.last(), Some(&Printed::Cut { partial: false }));
    assert!(l.iter().all(|x| x.chars().count() <= 48));
}

#[test]
fn narrow_58mm_paper_wraps_to_32_columns() {
    let l = lines(&decode(&bytes(&request(false, "张*明"), PaperWidth::Mm58)));
    let width = |s: &str| {
        s.chars()
            .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
            .sum::<usize>()
    };
    assert!(l.iter().all(|x| width(x) <= 32), "{l:?}");
    assert!(l.contains(&"-".repeat(32)));
    // The hall name (34 columns) wraps onto two lines.
    assert_eq!(l[0], "西湖区公安分局 文新派出所 服务大");
    assert_eq!(l[1], "厅");
}

#[test]
fn english_receipt() {
    let l = lines(&decode(&bytes(
        &request(true, "S***** J***"),
        PaperWidth::Mm80,
    )));
    for want in [
        "Wenxin Police Station Service Hall",
        "Application receipt",
        "Submission number:",
        "Item: Certificate of no criminal record",
        "Applicant: S***** J***",
        "ID number: 330106********1231",
        "Next steps:",
        "Scan to track your application",
    ] {
        assert!(l.contains(&want.to_string()), "missing {want:?} in {l:?}");
    }
}

/// An item the bureau runs here as pre-acceptance: the paper says so, and that the citizen's
/// identity is checked at the counter; nothing claims acceptance.
#[test]
fn a_pre_acceptance_receipt_says_identity_is_checked_at_the_counter() {
    let mut req = request(false, "张*明");
    req.kind = onetrip::vocab::submission::ReceiptKind::PreAcceptance;
    let l = lines(&decode(&bytes(&req, PaperWidth::Mm80)));
    assert_eq!(l[1], "预受理回执");
    let said = l.join("");
    assert!(
        said.contains("本机仅预受理：请本人持证件原件到窗口核验身份，受理以窗口为准。"),
        "{l:?}"
    );
    req.english = true;
    let en = lines(&decode(&bytes(&req, PaperWidth::Mm80))).join(" ");
    assert!(en.contains("Pre-application receipt"), "{en}");
    assert!(en.contains("your identity is checked"), "{en}");
}

/// The programme's slogan is the configuration's: Zhengzhou's when configured, none otherwise —
/// never another province's from the code.
#[test]
fn the_slogan_is_the_configurations_or_none() {
    for req in [request(false, "张*明"), request(true, "S***** J***")] {
        let plain = lines(&decode(&bytes(&req, PaperWidth::Mm80))).join("\n");
        assert!(!plain.contains("跑一次"), "{plain}");
    }
    let zz = lines(&decode(&with_slogan(
        &request(false, "张*明"),
        PaperWidth::Mm80,
        "就跑一次",
    )));
    assert!(
        zz.contains(&"请妥善保管本回执 · 就跑一次".to_string()),
        "{zz:?}"
    );
    assert!(!zz.join("").contains("最多跑一次"));
}

#[test]
fn rare_characters_print_a_placeholder_not_garbage() {
    let l = lines(&decode(&bytes(
        &request(false, "王\u{E000}𠀀"),
        PaperWidth::Mm80,
    )));
    assert!(l.contains(&"申请人：王□□".to_string()), "{l:?}");
}

fn golden(name: &str, actual: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{name} changed ({} bytes, was {}); if deliberate, regenerate with UPDATE_GOLDEN=1 and review",
        actual.len(),
        expected.len()
    );
}

#[test]
fn golden_reference_receipts() {
    golden(
        "receipt-80mm-zh.escpos",
        &bytes(&request(false, "张*明"), PaperWidth::Mm80),
    );
    golden(
        "receipt-58mm-zh.escpos",
        &bytes(&request(false, "张*明"), PaperWidth::Mm58),
    );
    golden(
        "receipt-80mm-en.escpos",
        &bytes(&request(true, "S***** J***"), PaperWidth::Mm80),
    );
}
