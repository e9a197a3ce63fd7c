//! The five commonest tasks through the real kiosk window in all eight variants (orientation ×
//! language × elderly): the presses a citizen makes from the card to the paper or the answer —
//! tiles, buttons, keypad keys and page turns (下一页, which `benches/taps.rs` walking the engine
//! never sees) — the views read, the terminal's own seconds (simulated devices, local upstream)
//! and a citizen's estimated seconds (`Cost::estimate`: the keystroke-level model).
//! `cargo bench --bench window_taps`; headless (Slint's testing backend), no display needed.

#[path = "../tests/common/mod.rs"]
mod common;

use common::citizen::{Citizen, Cost, Task, Variant, CASE};
use std::time::Duration;

fn main() {
    i_slint_backend_testing::init_no_event_loop();
    let variants = Variant::all();
    let mut costs: Vec<Vec<Cost>> = Vec::new();
    for variant in &variants {
        // A fresh terminal each time: the decision is made once, the case rated once.
        let rt = common::kiosk::runtime();
        let _guard = rt.enter();
        let bench = common::bench(&rt);
        common::kiosk::file_case(&rt, &bench, CASE);
        let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, variant.size());
        let mut citizen = Citizen::new(&ui, &kiosk, variant.english);
        let mut row = Vec::new();
        for task in Task::ALL {
            let cost = citizen.run(task, variant.elderly, || bench.reader.tap(0));
            citizen.leave();
            bench.reader.remove();
            // The reader reports the card gone before the next one is laid.
            std::thread::sleep(Duration::from_millis(400));
            eprintln!(
                "{:<26} {:<45} taps {:>3} (pages {}) views {:>2} terminal {:>5.1} s estimate {:>5.1} s",
                variant.label(),
                task.name(),
                cost.taps,
                cost.page_turns,
                cost.views,
                cost.terminal.as_secs_f64(),
                cost.estimate().as_secs_f64()
            );
            row.push(cost);
        }
        costs.push(row);
    }

    // The README's table: a task per row, a variant per column, "taps (page turns) · seconds".
    let mut header = String::from("| task |");
    let mut rule = String::from("|---|");
    for v in &variants {
        header.push_str(&format!(" {} |", v.label()));
        rule.push_str("---|");
    }
    println!("{header}\n{rule}");
    for (t, task) in Task::ALL.iter().enumerate() {
        let mut line = format!("| {} |", task.name());
        for row in &costs {
            let c = row[t];
            let pages = if c.page_turns > 0 {
                format!(" ({})", c.page_turns)
            } else {
                String::new()
            };
            line.push_str(&format!(
                " {}{} · {:.0} s |",
                c.taps,
                pages,
                c.estimate().as_secs_f64()
            ));
        }
        println!("{line}");
    }
}
