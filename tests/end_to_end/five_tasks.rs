//! The five commonest tasks done through the real window as a citizen presses it (issue 30: no
//! fix buys visibility with extra taps). Landscape, Chinese, elderly mode — the variant with the
//! least room — each task ends where the citizen wants it (the paper printed, the answer shown),
//! and costs no more presses than the README's table records (`cargo bench --bench window_taps`
//! gives all eight variants).

use crate::common;
use crate::common::citizen::{Citizen, Task, Variant, CASE};

#[test]
fn the_five_commonest_tasks_in_elderly_landscape() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    common::kiosk::file_case(&rt, &bench, CASE);
    let variant = Variant {
        portrait: false,
        english: false,
        elderly: true,
    };
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, variant.size());
    let mut citizen = Citizen::new(&ui, &kiosk, variant.english);
    let mut taps = Vec::new();
    for task in Task::ALL {
        let cost = citizen.run(task, variant.elderly, || bench.reader.tap(0));
        citizen.leave();
        bench.reader.remove();
        std::thread::sleep(std::time::Duration::from_millis(400));
        taps.push((task, cost.taps, cost.page_turns));
    }
    // The README's "landscape zh elderly" column.
    let recorded = [
        (Task::Certificate, 16, 0),
        (Task::CaseProgress, 20, 0),
        (Task::RateOfficer, 22, 0),
        (Task::Violation, 6, 0),
        (Task::IdCardAppointment, 18, 0),
    ];
    for ((task, taps, pages), (_, most, most_pages)) in taps.iter().zip(recorded) {
        assert!(
            *taps <= most && *pages <= most_pages,
            "{task:?}: {taps} taps ({pages} page turns), the README records {most} ({most_pages})"
        );
    }
}
