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

/// Splits an optional AIM prefix and decodes the payload.
pub fn decode_scan(frame: &[u8]) -> Scan {
    let (symbology, payload) = match frame {
        [b']', code, _modifier, rest @ ..] => (Some(Symbology::from_aim(*code)), rest),
        _ => (None, frame),
    };
    Scan {
        symbology,
        bytes: payload.to_vec(),
        text: decode_text(payload),
    }
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
