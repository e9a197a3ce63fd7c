//! The SAM codec and the card parser on arbitrary bytes, in arbitrary fragmentation: never panic,
//! never hold more than one frame's worth of input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onetrip_drivers::id_card::codec::{Decoder, MAX_LEN};
use onetrip_drivers::id_card::identity;
use onetrip_drivers::id_card::reader::parse_read_reply;

fuzz_target!(|data: &[u8]| {
    let step = (data.first().copied().unwrap_or(0) as usize % 64) + 1;
    let mut decoder = Decoder::new();
    for chunk in data.chunks(step) {
        decoder.push(chunk);
        while let Some(frame) = decoder.next_response() {
            if let Ok(response) = frame {
                let _ = parse_read_reply(&response.data, false);
                let _ = parse_read_reply(&response.data, true);
            }
        }
        assert!(decoder.pending() < MAX_LEN + 7);
    }
    let _ = identity::parse(data, Vec::new());
});
