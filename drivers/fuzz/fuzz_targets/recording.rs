//! The device recordings: a recording's text read back (JSON Lines, hex) and the card reader's
//! redaction of replies as they are recorded, on arbitrary input: never panics; the redaction
//! never shows or withholds more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onetrip_drivers::record::{parse, ReaderRedaction};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(exchanges) = parse(text) {
            for e in exchanges {
                assert!(e.bytes().len() <= e.hex.len() / 2);
            }
        }
    }
    let step = (data.first().copied().unwrap_or(0) as usize % 64) + 1;
    let mut redaction = ReaderRedaction::default();
    let (mut shown, mut withheld) = (0, 0);
    for chunk in data.chunks(step) {
        let (s, w) = redaction.filter(chunk);
        shown += s.len();
        withheld += w;
    }
    assert!(shown + withheld <= data.len());
});
