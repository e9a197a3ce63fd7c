//! The shared words: plain data that every layer above imports (engine, sync, store, shell) so
//! that none of them needs another's insides.

pub mod audit;
pub mod device_health;
pub mod firmware;
pub mod help_call;
pub mod mask;
pub mod refusal;
pub mod restarts;
pub mod staff_report;
pub mod submission;
pub mod upstream;
pub mod violation;
