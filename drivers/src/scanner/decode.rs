//! From a framed scan to symbology and text. AIM identifiers (`]` + code + modifier) name the
//! symbology when the scanner sends them. Payloads: BOM stripped, then strict UTF-8, then strict
//! GB18030 (legacy systems print GBK QR codes), else raw bytes only — never a panic, never mojibake.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symbology {
    Qr,
    Code128,
    Ean,
    DataMatrix,
    Pdf417,
    Code39,
    /// Another AIM code character.
    Other(char),
}

impl Symbology {
    pub fn from_aim(code: u8) -> Symbology {
        match code {
            b'Q' => Symbology::Qr,
            b'C' => Symbology::Code128,
            b'E' => Symbology::Ean,
            b'd' => Symbology::DataMatrix,
            b'L' => Symbology::Pdf417,
            b'A' => Symbology::Code39,
            other => Symbology::Other(other as char),
        }
    }

    pub fn name(self) -> String {
        match self {
            Symbology::Qr => "qr".into(),
            Symbology::Code128 => "code128".into(),
            Symbology::Ean => "ean".into(),
            Symbology::DataMatrix => "datamatrix".into(),
            Symbology::Pdf417 => "pdf417".into(),
            Symbology::Code39 => "code39".into(),
            Symbology::Other(c) => format!("aim_{c}"),
        }
    }
}

/// One scan. `bytes` is the payload without AIM prefix; `text` is `None` when it is neither UTF-8
/// nor GB18030.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub symbology: Option<Symbology>,
    pub bytes: Vec<u8>,
    pub text: Option<String>,
}

/// Decodes payload bytes as text: BOM → UTF-8 → GB18030.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
}

/// Splits an optional AIM prefix and decodes the payload. A QR code whose AIM modifier says ECI is
/// in use (`]Q2`, `]Q4`, `]Q6`) carries ECI escapes (`\nnnnnn`, and `\\` for a backslash): each
/// segment is decoded in the encoding its ECI names.
pub fn decode_scan(frame: &[u8]) -> Scan {
    let (symbology, modifier, payload) = match frame {
        [b']', code, modifier, rest @ ..] => {
            (Some(Symbology::from_aim(*code)), Some(*modifier), rest)
        }
        _ => (None, None, frame),
    };
    let eci = symbology == Some(Symbology::Qr) && matches!(modifier, Some(b'2' | b'4' | b'6'));
    Scan {
        symbology,
        bytes: payload.to_vec(),
        text: if eci {
            decode_eci(payload)
        } else {
            decode_text(payload)
        },
    }
}

/// The encoding an ECI designator names (those seen on Chinese codes); others fall back.
fn eci_encoding(eci: u32) -> Option<&'static encoding_rs::Encoding> {
    match eci {
        26 => Some(encoding_rs::UTF_8),
        29 | 32 => Some(encoding_rs::GB18030), // GB 2312 / GB 18030
        3 => Some(encoding_rs::WINDOWS_1252),  // ISO 8859-1
        20 => Some(encoding_rs::SHIFT_JIS),
        _ => None,
    }
}

/// Decodes a payload with ECI escapes; `None` when a segment is not valid in its encoding.
pub fn decode_eci(payload: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut segment: Vec<u8> = Vec::new();
    let mut encoding: Option<&'static encoding_rs::Encoding> = None;
    let flush = |segment: &mut Vec<u8>,
                 encoding: Option<&'static encoding_rs::Encoding>,
                 out: &mut String|
     -> Option<()> {
        if segment.is_empty() {
            return Some(());
        }
        let text = match encoding {
            Some(e) => e
                .decode_without_bom_handling_and_without_replacement(segment)?
                .into_owned(),
            None => decode_text(segment)?,
        };
        out.push_str(&text);
        segment.clear();
        Some(())
    };
    let mut i = 0;
    while i < payload.len() {
        match payload[i] {
            b'\\' if payload.get(i + 1) == Some(&b'\\') => {
                segment.push(b'\\');
                i += 2;
            }
            b'\\'
                if payload.len() >= i + 7
                    && payload[i + 1..i + 7].iter().all(u8::is_ascii_digit) =>
            {
                flush(&mut segment, encoding, &mut out)?;
                let digits = std::str::from_utf8(&payload[i + 1..i + 7]).ok()?;
                encoding = eci_encoding(digits.parse().ok()?);
                i += 7;
            }
            b => {
                segment.push(b);
                i += 1;
            }
        }
    }
    flush(&mut segment, encoding, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aim_prefixes() {
        for (prefix, sym) in [
            (&b"]Q1"[..], Symbology::Qr),
            (b"]C0", Symbology::Code128),
            (b"]E0", Symbology::Ean),
            (b"]d2", Symbology::DataMatrix),
            (b"]L0", Symbology::Pdf417),
            (b"]A0", Symbology::Code39),
        ] {
            let mut frame = prefix.to_vec();
            frame.extend_from_slice(b"12345");
            let s = decode_scan(&frame);
            assert_eq!(s.symbology, Some(sym));
            assert_eq!(s.text.as_deref(), Some("12345"));
        }
        assert_eq!(
            decode_scan(b"]X0abc").symbology,
            Some(Symbology::Other('X'))
        );
        assert_eq!(decode_scan(b"plain").symbology, None);
        assert_eq!(
            decode_scan(b"]Q").symbology,
            None,
            "too short to be a prefix"
        );
    }

    #[test]
    fn eci_segments_are_decoded_in_their_encoding() {
        // ]Q2 = QR with ECI; \000029 = GB 2312, then \000026 = UTF-8, and an escaped backslash.
        let mut frame = b"]Q2\\000029".to_vec();
        frame.extend_from_slice(&[0xB9, 0xAB, 0xB0, 0xB2]);
        frame.extend_from_slice(b"\\000026");
        frame.extend_from_slice("派出所".as_bytes());
        frame.extend_from_slice(b"\\\\x");
        let s = decode_scan(&frame);
        assert_eq!(s.symbology, Some(Symbology::Qr));
        assert_eq!(s.text.as_deref(), Some("公安派出所\\x"));
        // Without the ECI modifier a backslash is just a byte.
        assert_eq!(
            decode_scan(b"]Q1a\\000026b").text.as_deref(),
            Some("a\\000026b")
        );
        // A segment that is not valid in the encoding its ECI names: no text, bytes kept.
        let bad = decode_scan(b"]Q2\\000026\xFF\xFE");
        assert_eq!(bad.text, None);
        assert_eq!(bad.bytes.len(), 9);
    }

    #[test]
    fn utf8_gbk_bom_and_binary() {
        assert_eq!(
            decode_text(&[0xE5, 0x85, 0xAC, 0xE5, 0xAE, 0x89]).as_deref(),
            Some("公安")
        );
        assert_eq!(
            decode_text(&[0xB9, 0xAB, 0xB0, 0xB2]).as_deref(),
            Some("公安")
        );
        assert_eq!(
            decode_text(&[0xEF, 0xBB, 0xBF, b'O', b'K']).as_deref(),
            Some("OK")
        );
        assert_eq!(decode_text(&[0xFF, 0xFF, 0x80]), None);
        let s = decode_scan(&[b']', b'Q', b'1', 0xB9, 0xAB, 0xB0, 0xB2]);
        assert_eq!(s.text.as_deref(), Some("公安"));
        assert_eq!(s.bytes, vec![0xB9, 0xAB, 0xB0, 0xB2]);
    }
}
