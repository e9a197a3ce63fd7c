//! `onetrip outbox status|requeue`: the technician's view of the submissions waiting for or
//! refused by upstream (numbers, items and reasons; no personal data).

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::store::{Requeued, Store};

#[derive(clap::Subcommand)]
pub enum OutboxCmd {
    /// Counts, and the submissions upstream rejected (number, item, reason; no personal data).
    Status,
    /// Send a rejected submission again (after checking with the platform why it was refused),
    /// or every rejected one with --all-rejected (a gateway rejected a backlog). Exit 0 queued, 1
    /// not possible (unknown, not rejected, or purged; none rejected).
    Requeue {
        #[arg(required_unless_present = "all_rejected")]
        number: Option<String>,
        /// Every rejected submission at once (each audited, and the whole).
        #[arg(long, conflicts_with = "number")]
        all_rejected: bool,
    },
}

/// Exit 0 done, 1 not possible (or the store unreadable), 2 no configuration.
pub fn command(config_path: &Path, cmd: OutboxCmd) -> ExitCode {
    match super::load_config(config_path) {
        Ok(cfg) => outbox(&cfg, cmd).unwrap_or_else(|e| {
            eprintln!("onetrip: outbox: {e:#}");
            ExitCode::FAILURE
        }),
        Err(code) => code,
    }
}

fn outbox(cfg: &Config, cmd: OutboxCmd) -> anyhow::Result<ExitCode> {
    let store = Store::open(&cfg.data.dir)?;
    match cmd {
        OutboxCmd::Status => {
            let c = store.queue_counts()?;
            println!(
                "pending {} · rejected {} · accepted {}",
                c.pending, c.rejected, c.accepted
            );
            let breaker = crate::sync::breaker::Breaker::kept(&store);
            if breaker.is_open() {
                println!(
                    "held: upstream rejected {} in a row the same way ({}); the rest wait",
                    crate::sync::breaker::SAME_REJECTIONS,
                    breaker.reason()
                );
            }
            if let Some(step) = store.clock_step() {
                println!(
                    "clock: stepped {:+} s ({} steps so far); retention counts running time",
                    step.step_ms / 1000,
                    step.count
                );
            }
            for r in store.rejected_submissions(100)? {
                println!("rejected  {}  {}  {}", r.number, r.item_code, r.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCmd::Requeue {
            all_rejected: true, ..
        } => {
            let done = store.requeue_all_rejected("technician")?;
            if done.purged > 0 {
                eprintln!(
                    "onetrip: outbox requeue: {} rejected submissions were purged at the retention \
                     limit; nothing to send for them",
                    done.purged
                );
            }
            if done.queued == 0 {
                eprintln!("onetrip: outbox requeue: no rejected submission to send again");
                return Ok(ExitCode::from(1));
            }
            println!(
                "{} rejected submissions back in the queue; the kiosk sends them within 30 s",
                done.queued
            );
            Ok(ExitCode::SUCCESS)
        }
        OutboxCmd::Requeue {
            number: Some(number),
            ..
        } => {
            let (text, code) = match store.requeue(&number, "technician")? {
                Requeued::Queued => (
                    format!("{number}: back in the queue; the kiosk sends it within 30 s"),
                    0,
                ),
                Requeued::Unknown => (format!("{number}: no such submission"), 1),
                Requeued::NotRejected => (format!("{number}: not rejected, nothing to do"), 1),
                Requeued::Purged => (
                    format!("{number}: its personal data was purged at the retention limit; nothing to send"),
                    1,
                ),
            };
            if code == 0 {
                println!("{text}");
            } else {
                eprintln!("onetrip: outbox requeue: {text}");
            }
            Ok(ExitCode::from(code))
        }
        OutboxCmd::Requeue { number: None, .. } => {
            eprintln!("onetrip: outbox requeue: a submission number or --all-rejected");
            Ok(ExitCode::from(1))
        }
    }
}
