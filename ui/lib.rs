//! The kiosk's screens, compiled from the `.slint` files beside this one.
//!
//! A crate of its own because the generated code is large (≈5 MB of Rust): as a module of
//! `onetrip` it was compiled twice in every test build, once for the library and once for its
//! unit tests. `onetrip::ui` re-exports it and puts the engine's views on it.

slint::include_modules!();
