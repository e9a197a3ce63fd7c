//! Splits a scanner's byte stream into scans: a scan ends at CR, LF or CRLF, or after an
//! inter-character gap (scanners configured without a suffix). Bounded: an endless line is cut.

/// Longest scan kept; a QR code holds at most 2953 bytes (binary, level L).
pub const MAX_SCAN: usize = 4096;

#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// The last byte was CR: a following LF belongs to the same terminator.
    after_cr: bool,
}

impl Framer {
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Feeds bytes; returns the scans completed by a terminator.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    if !self.buf.is_empty() {
                        out.push(std::mem::take(&mut self.buf));
                    }
                }
                _ => {
                    self.after_cr = false;
                    if self.buf.len() == MAX_SCAN {
                        out.push(std::mem::take(&mut self.buf));
                    }
                    self.buf.push(b);
                }
            }
        }
        out
    }

    /// The line went quiet: whatever is pending is a complete scan (no-suffix scanners).
    pub fn gap(&mut self) -> Option<Vec<u8>> {
        self.after_cr = false;
        (!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf))
    }

    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suffix() {
        let mut f = Framer::new();
        assert_eq!(
            f.push(b"A1\rB2\nC3\r\nD4\r\n"),
            vec![
                b"A1".to_vec(),
                b"B2".to_vec(),
                b"C3".to_vec(),
                b"D4".to_vec()
            ]
        );
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn crlf_split_across_reads_is_one_terminator() {
        let mut f = Framer::new();
        assert_eq!(f.push(b"AB\r"), vec![b"AB".to_vec()]);
        assert_eq!(f.push(b"\nCD\r"), vec![b"CD".to_vec()]);
    }

    #[test]
    fn gap_ends_a_scan_without_suffix() {
        let mut f = Framer::new();
        assert!(f.push(b"NOSUFFIX").is_empty());
        assert_eq!(f.gap(), Some(b"NOSUFFIX".to_vec()));
        assert_eq!(f.gap(), None);
    }

    #[test]
    fn an_endless_line_is_cut_not_buffered_for_ever() {
        let mut f = Framer::new();
        let out = f.push(&vec![b'x'; MAX_SCAN * 2 + 10]);
        assert_eq!(out.len(), 2);
        assert_eq!(f.pending(), 10);
    }
}
