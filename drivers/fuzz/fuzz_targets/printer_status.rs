//! The printer's status decoder on arbitrary bytes, in arbitrary fragmentation (status replies,
//! Automatic Status Back blocks, line noise): never panics, never yields more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onetrip_drivers::printer::status::{asb_to_device_status, Incoming, IncomingDecoder};
use onetrip_drivers::printer::RealTimeStatus;

fuzz_target!(|data: &[u8]| {
    let step = (data.first().copied().unwrap_or(0) as usize % 16) + 1;
    let mut decoder = IncomingDecoder::default();
    let mut items = 0;
    for chunk in data.chunks(step) {
        for item in decoder.push(chunk) {
            items += 1;
            if let Incoming::Asb(block) = item {
                let _ = asb_to_device_status(block);
            }
        }
    }
    assert!(items <= data.len());
    for answers in data.chunks_exact(3) {
        let status = RealTimeStatus {
            printer: answers[0],
            offline_cause: answers[1],
            paper: answers[2],
        };
        let _ = status.to_device_status();
    }
});
