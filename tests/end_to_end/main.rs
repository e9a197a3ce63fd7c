//! The product end to end, in one test binary (one link instead of one per file, and every test
//! shares the two cores instead of each file waiting for the previous one): the kiosk headless
//! with simulated devices, the upstream over real HTTP on loopback, the command-line tools as a
//! technician runs them, the receipt's bytes. The drivers' own behaviour on pseudo-terminals is
//! tested in `drivers/tests/pty`; the booted image in `tests/image_boot`.

// Shared with the image's boot test (`tests/image_boot`).
#[path = "../common/mod.rs"]
mod common;

// The kiosk in front of a citizen.
mod acceptance;
mod burn_in;
mod call_staff;
mod card_services;
mod citizen_session;
mod community;
mod completion_modes;
mod contrast;
mod decision;
mod finding_an_item;
mod five_tasks;
mod fullscreen;
mod pages;
mod printing_paused;
mod screenshots;
mod translations;
mod voice;
mod without_a_card;

// The kiosk in front of station staff.
mod reprint;
mod staff_screen;
mod store_fault;

// What leaves the terminal: the receipt, the upstream, the fleet.
mod catalog_update;
mod fleet;
mod receipt;
mod sync;
mod sync_crash;
mod tls;

// The command-line tools, as a technician runs them.
mod catalog_cli;
mod config_cli;
mod dev_tools;
mod diagnostics;
mod log_bundle;
mod outbox_cli;
