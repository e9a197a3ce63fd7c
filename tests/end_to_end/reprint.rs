//! A receipt that did not print is kept (masked) and staff can print it again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip::engine::Effect;
use onetrip::engine::{Availability, Event, ReceiptRequest};
use onetrip::shell::{Runtime, RuntimeOptions, UiSink};
use onetrip::store::Store;
use onetrip::vocab::staff_report::StaffRequest;
use onetrip_drivers::printer::sim::{Printed, SimPaper};

fn wait(
    rx: &std::sync::mpsc::Receiver<Event>,
    what: &str,
    mut pick: impl FnMut(&Event) -> bool,
) -> Event {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "timed out waiting for {what}");
        if let Ok(m) = rx.recv_timeout(left) {
            if pick(&m) {
                return m;
            }
        }
    }
}

#[test]
fn staff_reprint_of_a_failed_receipt() {
    let (rt, bench) = crate::common::boot();
    let _guard = rt.enter();
    let number = {
        let store = Store::open(&bench.config.data.dir).unwrap();
        let sub = store
            .insert_submission(
                "DEMO-0001",
                "application",
                "ZA-WFZ-001",
                &serde_json::json!({}),
            )
            .unwrap();
        let request = ReceiptRequest {
            kind: Default::default(),
            submission: sub.clone(),
            item_code: "ZA-WFZ-001".into(),
            item_name: "无犯罪记录证明申请".into(),
            next_steps: vec!["7个工作日内办结".into()],
            name_masked: "张*明".into(),
            id_masked: "330106********1231".into(),
            english: false,
            acceptance: None,
            decision: None,
        };
        store.save_receipt(&request, false).unwrap();
        sub.number
    };

    let (tx, rx) = std::sync::mpsc::channel();
    let sink: UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let runtime = Runtime::start(RuntimeOptions::new(bench.config.clone()), rt.handle(), sink);
    wait(&rx, "available", |m| {
        matches!(m, Event::Availability(Availability::Available))
    });

    runtime
        .effects
        .send(Effect::Staff(StaffRequest::Reprint(number.clone())))
        .unwrap();
    let done = wait(&rx, "the reprint", |m| matches!(m, Event::Reprinted { .. }));
    assert!(
        matches!(&done, Event::Reprinted { number: n, result: Ok(()) } if *n == number),
        "{done:?}"
    );
    let printed = bench.printer.printed();
    assert!(
        printed.contains(&Printed::Line {
            text: number.clone(),
            bold: true,
            large: true
        }),
        "{printed:?}"
    );
    assert!(printed.contains(&Printed::Line {
        text: "申请人：张*明".into(),
        bold: false,
        large: false
    }));
    let store = Store::open(&bench.config.data.dir).unwrap();
    assert!(store.unprinted_receipts().unwrap().is_empty());

    runtime
        .effects
        .send(Effect::Staff(StaffRequest::Reprint(
            "DEMO-0001-999999".into(),
        )))
        .unwrap();
    let unknown = wait(&rx, "an unknown number", |m| {
        matches!(m, Event::Reprinted { .. })
    });
    assert!(
        matches!(unknown, Event::Reprinted { result: Err(e), .. } if e.contains("no receipt kept"))
    );

    // Out of paper: the reprint fails, and says so.
    bench.printer.set_paper(SimPaper::Out);
    std::thread::sleep(Duration::from_millis(2500));
    runtime
        .effects
        .send(Effect::Staff(StaffRequest::Reprint(number.clone())))
        .unwrap();
    let failed = wait(&rx, "a failed reprint", |m| {
        matches!(m, Event::Reprinted { .. })
    });
    assert!(
        matches!(failed, Event::Reprinted { result: Err(_), .. }),
        "{failed:?}"
    );
    assert_eq!(store.unprinted_receipts().unwrap(), vec![number]);
}
