//! A store that cannot be used takes the terminal out of service instead of losing submissions,
//! and the damaged file is left for a technician, untouched.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip::engine::outage::reason;
use onetrip::engine::{Availability, Event, Outage};
use onetrip::shell::{Runtime, RuntimeOptions, UiSink};

#[test]
fn a_corrupt_database_means_out_of_service() {
    let (rt, bench) = common::boot();
    let _guard = rt.enter();
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
        if let Ok(Event::Availability(a)) = rx.recv_timeout(Duration::from_millis(100)) {
            last = Some(a);
        }
    }
    match last {
        Some(Availability::OutOfService(why)) => {
            let why = reason(&why, false);
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

/// A terminal with no usable configuration opens nothing and says so, with the hardware id a
/// technician needs to provision it, and reports its store as unusable (the A/B slot is then not
/// marked good on this boot).
#[test]
fn a_terminal_without_configuration_says_so_and_opens_nothing() {
    let rt = common::kiosk::runtime();
    let _guard = rt.enter();
    let (tx, rx) = std::sync::mpsc::channel();
    let sink: UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let mut options = RuntimeOptions::new(onetrip::config::Config::not_configured());
    let shown = format!(
        "本机尚未开通，暂不能办理。技术人员：硬件编号 {}",
        onetrip::terminal::hardware_id::hardware_id()
    );
    options.not_configured = Some(Outage::NotConfigured {
        found: false,
        hardware_id: onetrip::terminal::hardware_id::hardware_id(),
    });
    let runtime = Runtime::start(options, rt.handle(), sink);
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Event::Availability(Availability::OutOfService(why))) => {
            assert_eq!(reason(&why, false), shown)
        }
        other => panic!("expected out of service, got {other:?}"),
    }
    let mut state = runtime.store_state.clone();
    let state = rt
        .block_on(state.wait_for(|s| *s != onetrip::shell::StoreState::Opening))
        .unwrap()
        .clone();
    assert!(
        matches!(state, onetrip::shell::StoreState::Unusable(_)),
        "{state:?}"
    );
    assert!(
        !std::path::Path::new(&onetrip::config::Config::not_configured().data.dir).exists(),
        "a store was created"
    );
    // Nothing else is said: no device comes up.
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
}

/// Review M9: a store that fills up after start-up (or goes read-only) used to let every citizen
/// fill in a form and then say "not saved". Now the probe's small write fails, the terminal goes
/// out of service with the reason, and comes back by itself once there is room again.
#[test]
fn a_full_store_after_start_up_means_out_of_service_until_mended() {
    let (rt, bench) = common::boot();
    let _guard = rt.enter();
    let mut config = bench.config.clone();
    // The store may not grow past 1 MiB: filling that stands in for a full data partition.
    config.data.max_store_mb = 1;
    let (tx, rx) = std::sync::mpsc::channel();
    let sink: UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let mut options = RuntimeOptions::new(config);
    options.store_probe = Duration::from_millis(100);
    options.reader_poll = Duration::from_millis(100);
    options.printer_status_interval = Duration::from_millis(200);
    let _runtime = Runtime::start(options, rt.handle(), sink);
    let wait = |what: &str, pick: &dyn Fn(&Availability) -> bool| -> Availability {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            if let Ok(Event::Availability(a)) = rx.recv_timeout(Duration::from_millis(100)) {
                if pick(&a) {
                    return a;
                }
            }
        }
    };
    wait("in service", &|a| *a == Availability::Available);

    // Something else fills the store's room (here: another connection writing 2 MiB).
    let db = rusqlite::Connection::open(bench.config.data.dir.join("onetrip.sqlite3")).unwrap();
    db.execute_batch("CREATE TABLE filler (b BLOB)").unwrap();
    for _ in 0..32 {
        db.execute("INSERT INTO filler VALUES (zeroblob(65536))", [])
            .unwrap();
    }
    let out = wait("out of service", &|a| {
        matches!(a, Availability::OutOfService(_))
    });
    match out {
        Availability::OutOfService(why) => {
            let why = reason(&why, false);
            assert!(why.contains("本地存储空间已满"), "{why}")
        }
        other => panic!("{other:?}"),
    }

    // Room again: back in service without a restart.
    db.execute_batch("DROP TABLE filler; VACUUM;").unwrap();
    wait("back in service", &|a| *a == Availability::Available);
}
