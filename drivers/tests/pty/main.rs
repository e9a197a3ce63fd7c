//! The drivers against their simulators on pseudo-terminals: the real byte protocols, faults
//! injected on the line, and recorded exchanges replayed.

mod devices;
mod replay;
