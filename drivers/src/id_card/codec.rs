//! Sans-IO frames of the SAM protocol.
//!
//! ```text
//! Command : AA AA AA 96 69 | LEN_HI LEN_LO | CMD | PARA | DATA… | CHK
//! Response: AA AA AA 96 69 | LEN_HI LEN_LO | SW1 | SW2 | SW3 | DATA… | CHK
//! ```
//! LEN counts every byte after the length field, CHK included; CHK is the XOR of LEN_HI through the
//! byte before CHK. The decoder works on either direction (the simulator decodes commands with it).

pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

/// The longest frame any command produces (text + photo + 1024-byte fingerprint is LEN 0x090A);
/// anything claiming more is noise.
pub const MAX_LEN: usize = 4096;

/// Commands the host sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    ResetSam,
    SamStatus,
    ReadSamId,
    FindCard,
    SelectCard,
    ReadText,
    ReadAdditionalAddress,
    ReadPhysicalId,
    ReadTextWithFingerprint,
    SetMaxRfFrame(u8),
}

impl Command {
    /// (CMD, PARA, extra data)
    fn parts(self) -> (u8, u8, Option<u8>) {
        match self {
            Command::ResetSam => (0x10, 0xFF, None),
            Command::SamStatus => (0x11, 0xFF, None),
            Command::ReadSamId => (0x12, 0xFF, None),
            Command::FindCard => (0x20, 0x01, None),
            Command::SelectCard => (0x20, 0x02, None),
            Command::ReadText => (0x30, 0x01, None),
            Command::ReadAdditionalAddress => (0x30, 0x03, None),
            Command::ReadPhysicalId => (0x30, 0x05, None),
            Command::ReadTextWithFingerprint => (0x30, 0x10, None),
            Command::SetMaxRfFrame(n) => (0x61, 0xFF, Some(n)),
        }
    }

    pub fn encode(self) -> Vec<u8> {
        let (cmd, para, extra) = self.parts();
        let mut body = vec![cmd, para];
        body.extend(extra);
        encode_frame(&body)
    }

    /// Recognises a decoded command frame body (used by the simulator).
    pub fn from_body(body: &[u8]) -> Option<Command> {
        Some(match body {
            [0x10, 0xFF] => Command::ResetSam,
            [0x11, 0xFF] => Command::SamStatus,
            [0x12, 0xFF] => Command::ReadSamId,
            [0x20, 0x01] => Command::FindCard,
            [0x20, 0x02] => Command::SelectCard,
            [0x30, 0x01] => Command::ReadText,
            [0x30, 0x03] => Command::ReadAdditionalAddress,
            [0x30, 0x05] => Command::ReadPhysicalId,
            [0x30, 0x10] => Command::ReadTextWithFingerprint,
            [0x61, 0xFF, n] => Command::SetMaxRfFrame(*n),
            _ => return None,
        })
    }
}

/// Wraps a frame body (everything between LEN and CHK) into a complete frame.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let len = (body.len() + 1) as u16;
    let mut frame = Vec::with_capacity(body.len() + 8);
    frame.extend_from_slice(&PREAMBLE);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    let chk = frame[5..].iter().fold(0u8, |acc, b| acc ^ b);
    frame.push(chk);
    frame
}

/// The status byte SW3 of a response (SW1 SW2 are 00 00 on every documented reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sw3(pub u8);

impl Sw3 {
    pub const SUCCESS: Sw3 = Sw3(0x90);
    pub const CARD_FOUND: Sw3 = Sw3(0x9F);
    pub const NO_CONTENT: Sw3 = Sw3(0x91);
    pub const FIND_FAILED: Sw3 = Sw3(0x80);
    pub const SELECT_FAILED: Sw3 = Sw3(0x81);
    pub const READ_FAILED: Sw3 = Sw3(0x41);
    pub const SAM_SELF_TEST_FAILED: Sw3 = Sw3(0x60);

    /// The meaning, as the reader manuals give it.
    pub fn meaning(self) -> &'static str {
        match self.0 {
            0x90 => "success",
            0x9F => "card found",
            0x91 => "no such content on card",
            0x10 => "checksum error in host frame",
            0x11 => "length error in host frame",
            0x21 => "command error",
            0x23 => "operation not permitted",
            0x24 => "unrecognised error",
            0x31 => "card failed to authenticate SAM",
            0x32 => "SAM failed to authenticate card",
            0x33 => "information verification error",
            0x37 => "fingerprint verification error",
            0x3F => "information length error",
            0x40 => "unrecognised card type",
            0x41 => "read card failed",
            0x47 => "get random number failed",
            0x60 => "SAM self-test failed",
            0x66 => "SAM not authorised",
            0x80 => "find card failed (no card)",
            0x81 => "select card failed",
            _ => "undocumented status",
        }
    }

    pub fn is_ok(self) -> bool {
        self == Sw3::SUCCESS || self == Sw3::CARD_FOUND
    }
}

impl std::fmt::Display for Sw3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SW3 {:02X} ({})", self.0, self.meaning())
    }
}

/// A decoded response: status words and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub sw1: u8,
    pub sw2: u8,
    pub sw3: Sw3,
    pub data: Vec<u8>,
}

impl Response {
    pub fn from_body(body: &[u8]) -> Result<Response, FrameError> {
        if body.len() < 3 {
            return Err(FrameError::TooShort(body.len()));
        }
        Ok(Response {
            sw1: body[0],
            sw2: body[1],
            sw3: Sw3(body[2]),
            data: body[3..].to_vec(),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut body = vec![self.sw1, self.sw2, self.sw3.0];
        body.extend_from_slice(&self.data);
        encode_frame(&body)
    }

    pub fn status(sw3: Sw3) -> Response {
        Response {
            sw1: 0,
            sw2: 0,
            sw3,
            data: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("checksum mismatch (got {got:02X}, computed {computed:02X})")]
    Checksum { got: u8, computed: u8 },
    #[error("length field {0} out of range")]
    Length(usize),
    #[error("frame body too short ({0} bytes)")]
    TooShort(usize),
}

/// Streaming decoder: feed bytes in any fragmentation, take frames out. Garbage before a preamble is
/// skipped; after a bad frame it resynchronises on the next preamble. Memory is bounded by
/// `MAX_LEN + 7` bytes of pending input.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.discard_garbage();
    }

    /// Drops any partial frame (after a timeout, so a truncated frame never poisons the next one).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Keeps the buffer starting at a (possible) preamble, bounded in size.
    fn discard_garbage(&mut self) {
        let start = find_preamble_start(&self.buf);
        if start > 0 {
            self.buf.drain(..start);
        }
    }

    /// Returns the next complete frame body, an error for a bad frame (already skipped), or `None`
    /// when more bytes are needed.
    pub fn next_body(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        self.discard_garbage();
        if self.buf.len() < 7 || self.buf[..5] != PREAMBLE {
            return None;
        }
        let len = u16::from_be_bytes([self.buf[5], self.buf[6]]) as usize;
        if !(2..=MAX_LEN).contains(&len) {
            self.buf.drain(..1);
            return Some(Err(FrameError::Length(len)));
        }
        let total = len + 7;
        if self.buf.len() < total {
            return None;
        }
        let computed = self.buf[5..total - 1].iter().fold(0u8, |acc, b| acc ^ b);
        let got = self.buf[total - 1];
        if computed != got {
            // The preamble may have been noise: look for the next one from the byte after it.
            self.buf.drain(..1);
            return Some(Err(FrameError::Checksum { got, computed }));
        }
        let body = self.buf[7..total - 1].to_vec();
        self.buf.drain(..total);
        Some(Ok(body))
    }

    /// The next response frame.
    pub fn next_response(&mut self) -> Option<Result<Response, FrameError>> {
        self.next_body()
            .map(|r| r.and_then(|body| Response::from_body(&body)))
    }
}

/// Index of the first byte that could start a preamble: a full preamble, or a preamble prefix that
/// reaches the end of the buffer. Everything before it is garbage.
fn find_preamble_start(buf: &[u8]) -> usize {
    for i in 0..buf.len() {
        let rest = &buf[i..];
        let n = rest.len().min(PREAMBLE.len());
        if rest[..n] == PREAMBLE[..n] {
            return i;
        }
    }
    buf.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn every_command_frame_matches_the_reference_bytes() {
        let cases = [
            (Command::ResetSam, "AA AA AA 96 69 00 03 10 FF EC"),
            (Command::SamStatus, "AA AA AA 96 69 00 03 11 FF ED"),
            (Command::ReadSamId, "AA AA AA 96 69 00 03 12 FF EE"),
            (Command::FindCard, "AA AA AA 96 69 00 03 20 01 22"),
            (Command::SelectCard, "AA AA AA 96 69 00 03 20 02 21"),
            (Command::ReadText, "AA AA AA 96 69 00 03 30 01 32"),
            (
                Command::ReadAdditionalAddress,
                "AA AA AA 96 69 00 03 30 03 30",
            ),
            (Command::ReadPhysicalId, "AA AA AA 96 69 00 03 30 05 36"),
            (
                Command::ReadTextWithFingerprint,
                "AA AA AA 96 69 00 03 30 10 23",
            ),
            (
                Command::SetMaxRfFrame(0x50),
                "AA AA AA 96 69 00 04 61 FF 50 CA",
            ),
        ];
        for (cmd, bytes) in cases {
            assert_eq!(cmd.encode(), hex(bytes), "{cmd:?}");
            let mut d = Decoder::new();
            d.push(&cmd.encode());
            let body = d.next_body().unwrap().unwrap();
            assert_eq!(Command::from_body(&body), Some(cmd));
        }
    }

    #[test]
    fn captured_replies_decode_to_their_status() {
        let cases = [
            ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, 0),
            ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, 4),
            ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, 0),
            ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, 0),
            ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, 0),
            (
                "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C",
                0x90,
                8,
            ),
        ];
        for (bytes, sw3, data_len) in cases {
            let mut d = Decoder::new();
            d.push(&hex(bytes));
            let r = d.next_response().unwrap().unwrap();
            assert_eq!(r.sw3, Sw3(sw3));
            assert_eq!(r.data.len(), data_len);
            assert_eq!(r.encode(), hex(bytes));
        }
    }

    #[test]
    fn every_documented_sw3_has_a_meaning() {
        for code in [
            0x90, 0x9F, 0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x37, 0x3F, 0x40,
            0x41, 0x47, 0x60, 0x66, 0x80, 0x81,
        ] {
            assert_ne!(Sw3(code).meaning(), "undocumented status", "{code:02X}");
        }
        assert_eq!(Sw3(0x55).meaning(), "undocumented status");
        assert!(Sw3(0x60).to_string().contains("SAM self-test failed"));
    }

    #[test]
    fn fragmented_stream_decodes_byte_by_byte() {
        let frame = Response {
            sw1: 0,
            sw2: 0,
            sw3: Sw3::SUCCESS,
            data: (0..=255u8).cycle().take(1284).collect(),
        }
        .encode();
        assert_eq!(frame.len(), 1295);
        let mut d = Decoder::new();
        for (i, b) in frame.iter().enumerate() {
            d.push(std::slice::from_ref(b));
            if i + 1 < frame.len() {
                assert!(d.next_response().is_none());
            }
        }
        assert_eq!(d.next_response().unwrap().unwrap().data.len(), 1284);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn noise_before_the_preamble_is_skipped() {
        let mut d = Decoder::new();
        d.push(&[0x00, 0xAA, 0x13, 0xAA, 0xAA, 0x96]);
        d.push(&hex("AA AA AA 96 69 00 04 00 00 90 94"));
        assert_eq!(d.next_response().unwrap().unwrap().sw3, Sw3::SUCCESS);
    }

    #[test]
    fn bad_checksum_is_reported_then_the_next_frame_decodes() {
        let mut d = Decoder::new();
        d.push(&hex("AA AA AA 96 69 00 04 00 00 90 95"));
        d.push(&hex("AA AA AA 96 69 00 04 00 00 80 84"));
        assert!(matches!(
            d.next_response(),
            Some(Err(FrameError::Checksum {
                got: 0x95,
                computed: 0x94
            }))
        ));
        assert_eq!(d.next_response().unwrap().unwrap().sw3, Sw3::FIND_FAILED);
        assert!(d.next_response().is_none());
    }

    #[test]
    fn absurd_length_is_rejected_without_waiting_for_it() {
        let mut d = Decoder::new();
        d.push(&hex("AA AA AA 96 69 FF FF 00"));
        assert!(matches!(
            d.next_response(),
            Some(Err(FrameError::Length(0xFFFF)))
        ));
        d.push(&hex("AA AA AA 96 69 00 04 00 00 90 94"));
        assert_eq!(d.next_response().unwrap().unwrap().sw3, Sw3::SUCCESS);
    }

    #[test]
    fn truncated_frame_waits_and_clear_drops_it() {
        let mut d = Decoder::new();
        d.push(&hex("AA AA AA 96 69 00 04 00 00"));
        assert!(d.next_response().is_none());
        d.clear();
        d.push(&hex("AA AA AA 96 69 00 04 00 00 41 45"));
        assert_eq!(d.next_response().unwrap().unwrap().sw3, Sw3::READ_FAILED);
    }

    #[test]
    fn garbage_alone_does_not_grow_the_buffer() {
        let mut d = Decoder::new();
        for _ in 0..1000 {
            d.push(&[0x13; 64]);
            assert!(d.next_response().is_none());
        }
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn short_body_is_an_error_not_a_panic() {
        let mut d = Decoder::new();
        d.push(&encode_frame(&[0x00]));
        assert!(matches!(
            d.next_response(),
            Some(Err(FrameError::TooShort(1)))
        ));
    }
}
