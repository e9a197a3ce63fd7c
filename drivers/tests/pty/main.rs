//! The drivers against their simulators on pseudo-terminals: the real byte protocols, faults
//! injected on the line, late and lost replies, a slow line and a receipt cut short (desync.rs),
//! what a recording keeps (recording.rs), and recorded exchanges replayed.

mod desync;
mod devices;
mod recording;
mod replay;
