//! What a recording of device I/O withholds ([`crate::record`]): every device's personal bytes. The
//! card reader's replies keep their frame headers and status words and withhold the data (text,
//! photo); the printer's jobs keep their commands and withhold the text and the QR code's data (a
//! receipt's name, ID number and tracking link); the scanner's codes keep their AIM prefix and
//! suffix and withhold the payload (a scanned notice, an ID number, a phone number). What is
//! withheld is only counted. Each works on a stream cut anywhere.

use crate::id_card::codec::PREAMBLE;

/// Keeps the card reader's frame headers (preamble, length, SW1–SW3) and withholds the data
/// after them, across reads that cut frames anywhere.
#[derive(Debug, Default)]
pub struct ReaderRedaction {
    /// Bytes that may be the start of a frame header.
    header: Vec<u8>,
    /// Data bytes of the current frame still to withhold.
    withholding: usize,
}

impl ReaderRedaction {
    const HEADER: usize = 10;

    /// (bytes to record, bytes withheld) for what just arrived.
    pub fn filter(&mut self, bytes: &[u8]) -> (Vec<u8>, usize) {
        let mut shown = Vec::new();
        let mut withheld = 0;
        for &b in bytes {
            if self.withholding > 0 {
                self.withholding -= 1;
                withheld += 1;
                continue;
            }
            self.header.push(b);
            // Not (or no longer) a preamble: what was held is noise, shown as it came.
            while !self.header.is_empty()
                && !PREAMBLE.starts_with(&self.header[..self.header.len().min(PREAMBLE.len())])
            {
                shown.push(self.header.remove(0));
            }
            if self.header.len() == Self::HEADER {
                let len = u16::from_be_bytes([self.header[5], self.header[6]]) as usize;
                shown.append(&mut self.header);
                // LEN counts SW1–SW3, the data and the checksum.
                self.withholding = len.saturating_sub(3);
            }
        }
        (shown, withheld)
    }
}

/// Where the printer's command stream is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Esc {
    /// Between commands: a control code is kept, anything else is text and withheld.
    #[default]
    Text,
    /// After `ESC`, `FS` or `GS`: the command's letter comes next.
    Letter(u8),
    /// Parameters still to keep, this byte included.
    Keep(usize),
    /// `GS V m`: one more parameter for m = 65, 66 (feed and cut).
    Cut,
    /// A command whose header (kept) gives the length of its data (withheld): `ESC *`, `GS v`,
    /// `GS ( x` — its letter, and the header bytes so far.
    Header(u8, [u8; 6], usize),
    /// `GS ( k` (2D symbols) after its length: `cn`, then `fn`, this many bytes left in all.
    Symbol(usize, bool),
    /// `GS ( k … fn 80` (store the symbol's data): `m`, then the data, this many bytes in all.
    Store(usize),
    /// Data still to withhold, this byte included.
    Withhold(usize),
}

/// Keeps the ESC/POS commands the host sends a printer (`ESC`, `FS`, `GS`, `DLE` sequences and
/// their parameters, line feeds) and withholds the text, the QR code's data and any image data: a
/// receipt's masked name and ID number, its number and its tracking link. A command it does not
/// know is kept to its letter; whatever follows is judged as text (withheld), never shown by guess.
#[derive(Debug, Default)]
pub struct PrinterRedaction {
    state: Esc,
}

impl PrinterRedaction {
    /// (bytes to record, bytes withheld) for what the host just sent.
    pub fn filter(&mut self, bytes: &[u8]) -> (Vec<u8>, usize) {
        let mut shown = Vec::new();
        let mut withheld = 0;
        for &b in bytes {
            let (keep, next) = step(self.state, b);
            self.state = next;
            if keep {
                shown.push(b);
            } else {
                withheld += 1;
            }
        }
        (shown, withheld)
    }
}

/// Keeps `n` more bytes, or none.
fn keep(n: usize) -> Esc {
    if n == 0 {
        Esc::Text
    } else {
        Esc::Keep(n)
    }
}

/// Withholds `n` more bytes, or none.
fn withhold(n: usize) -> Esc {
    if n == 0 {
        Esc::Text
    } else {
        Esc::Withhold(n)
    }
}

/// Whether `b` is shown, and the state after it.
fn step(state: Esc, b: u8) -> (bool, Esc) {
    let word = |lo: u8, hi: u8| usize::from(lo) + 256 * usize::from(hi);
    match state {
        Esc::Text => match b {
            0x10 => (true, Esc::Keep(2)),
            0x1B..=0x1D => (true, Esc::Letter(b)),
            0x00..=0x1F => (true, Esc::Text),
            _ => (false, Esc::Text),
        },
        Esc::Letter(0x1B) => match b {
            b'*' => (true, Esc::Header(b, [0; 6], 0)),
            b'p' => (true, Esc::Keep(3)),
            b'$' | b'\\' | b'c' => (true, Esc::Keep(2)),
            b'!' | b'-' | b'3' | b'E' | b'G' | b'J' | b'M' | b'R' | b'U' | b'V' | b'a' | b'd'
            | b'e' | b'r' | b't' | b'{' => (true, Esc::Keep(1)),
            _ => (true, Esc::Text),
        },
        Esc::Letter(0x1C) => (true, keep(usize::from(b == b'!'))),
        Esc::Letter(_) => match b {
            b'V' => (true, Esc::Cut),
            b'(' | b'v' => (true, Esc::Header(b, [0; 6], 0)),
            b'!' | b'B' | b'H' | b'I' | b'a' | b'b' | b'f' | b'h' | b'r' | b'w' => {
                (true, Esc::Keep(1))
            }
            b'L' | b'W' | b'$' | b'\\' => (true, Esc::Keep(2)),
            _ => (true, Esc::Text),
        },
        Esc::Keep(n) => (true, keep(n - 1)),
        Esc::Cut => (true, keep(usize::from(matches!(b, 65 | 66)))),
        Esc::Header(cmd, mut got, len) => {
            got[len] = b;
            let len = len + 1;
            let next = match (cmd, len) {
                // ESC * m nL nH: a bit image of nL + 256·nH columns, one or three bytes each.
                (b'*', 3) => withhold(word(got[1], got[2]) * if got[0] <= 1 { 1 } else { 3 }),
                // GS v 0 m xL xH yL yH: a raster image of (xL + 256·xH) × (yL + 256·yH) bytes.
                (b'v', 6) => withhold(word(got[2], got[3]) * word(got[4], got[5])),
                // GS ( x pL pH: x's data, pL + 256·pH bytes.
                (b'(', 3) => match (got[0], word(got[1], got[2])) {
                    (_, 0) => Esc::Text,
                    (b'k', n) => Esc::Symbol(n, false),
                    // Any other function's data (graphics, settings): withheld, never guessed.
                    (_, n) => Esc::Withhold(n),
                },
                _ => Esc::Header(cmd, got, len),
            };
            (true, next)
        }
        // The 2D symbol's `cn`, then its `fn`: "store the data" (fn 80) keeps `m` and
        // withholds the data; the other functions are settings, kept.
        Esc::Symbol(left, false) if left > 1 => (true, Esc::Symbol(left - 1, true)),
        Esc::Symbol(_, false) => (true, Esc::Text),
        Esc::Symbol(left, true) if b == 0x50 && left > 1 => (true, Esc::Store(left - 1)),
        Esc::Symbol(left, true) => (true, keep(left - 1)),
        Esc::Store(left) => (true, withhold(left - 1)),
        Esc::Withhold(n) => (false, withhold(n - 1)),
    }
}

/// Keeps a scanner's frame (the AIM prefix `]` + code + modifier at the start of a scan, and its
/// CR/LF suffix) and withholds the payload.
#[derive(Debug, Default)]
pub struct ScannerRedaction {
    /// Bytes of the current scan so far (the AIM prefix is its first three).
    at: usize,
    /// The scan started with `]`: its first three bytes are its AIM prefix.
    aim: bool,
}

impl ScannerRedaction {
    /// (bytes to record, bytes withheld) for what the scanner just sent.
    pub fn filter(&mut self, bytes: &[u8]) -> (Vec<u8>, usize) {
        let mut shown = Vec::new();
        let mut withheld = 0;
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                shown.push(b);
                self.at = 0;
                self.aim = false;
                continue;
            }
            if self.at == 0 {
                self.aim = b == b']';
            }
            if self.aim && self.at < 3 {
                shown.push(b);
            } else {
                withheld += 1;
            }
            self.at = self.at.saturating_add(1);
        }
        (shown, withheld)
    }
}
