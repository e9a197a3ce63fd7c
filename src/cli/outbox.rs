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
    /// Send a rejected submission again (after checking with the platform why it was refused).
    /// Exit 0 queued, 1 not possible (unknown, not rejected, or purged).
    Requeue { number: String },
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
            for r in store.rejected_submissions(100)? {
                println!("rejected  {}  {}  {}", r.number, r.item_code, r.reason);
            }
            Ok(ExitCode::SUCCESS)
        }
        OutboxCmd::Requeue { number } => {
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
    }
}
