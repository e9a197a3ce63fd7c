//! The scanner's framing and decoding (AIM prefixes, UTF-8, GB18030, ECI escapes) on arbitrary
//! bytes in arbitrary fragmentation: never panics, never holds more than one scan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onetrip_drivers::scanner::decode::{decode_eci, decode_scan};
use onetrip_drivers::scanner::framing::{Framer, MAX_SCAN};

fuzz_target!(|data: &[u8]| {
    let step = (data.first().copied().unwrap_or(0) as usize % 64) + 1;
    let mut framer = Framer::new();
    let mut frames = Vec::new();
    for chunk in data.chunks(step) {
        frames.extend(framer.push(chunk));
        assert!(framer.pending() <= MAX_SCAN);
    }
    frames.extend(framer.gap());
    for frame in &frames {
        assert!(!frame.is_empty() && frame.len() <= MAX_SCAN);
        let scan = decode_scan(frame);
        assert!(scan.bytes.len() <= frame.len());
    }
    let _ = decode_scan(data);
    let _ = decode_eci(data);
});
