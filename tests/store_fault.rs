//! A store that cannot be used takes the terminal out of service instead of losing submissions,
//! and the damaged file is left for a technician, untouched.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip::demo::Bench;
use onetrip::engine::{Availability, Event};
use onetrip::shell::{Runtime, RuntimeOptions, UiMessage, UiSink};

#[test]
fn a_corrupt_database_means_out_of_service() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let bench = rt.block_on(Bench::start()).unwrap();
    let data = &bench.config.data.dir;
    std::fs::create_dir_all(data).unwrap();
    let junk: Vec<u8> = (0..16384u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(data.join("onetrip.sqlite3"), &junk).unwrap();

    let (tx, rx) = std::sync::mpsc::channel();
    let sink: UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let _runtime = Runtime::start(RuntimeOptions::new(bench.config.clone()), rt.handle(), sink);
    // Devices come up (the reader and printer are fine); the terminal must stay out of service.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(UiMessage::Engine(Event::Availability(a))) =
            rx.recv_timeout(Duration::from_millis(100))
        {
            last = Some(a);
        }
    }
    match last {
        Some(Availability::OutOfService(why)) => {
            assert!(why.contains("本地存储无法使用"), "{why}");
            assert!(
                !why.contains("正在启动"),
                "devices are up; only the store is the problem: {why}"
            );
        }
        other => panic!("expected out of service, got {other:?}"),
    }
    assert_eq!(std::fs::read(data.join("onetrip.sqlite3")).unwrap(), junk);
}
