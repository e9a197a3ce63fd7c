//! The service catalog: police types → categories → items, as data. The shipped catalog lives in
//! `assets/catalog/` (TOML, several files); an update from upstream is the same TOML as one signed
//! document. Loading parses, then `check` validates; nothing invalid is ever put in front of a citizen.
//!
//! Where things are: the item types in `schema.rs`; reading and parsing in `load.rs`; the
//! citizen's words for a mode, a fee or a tile name in `words.rs`; checking a typed answer in
//! `answer.rs`; the catalog's rules in [`check`].

mod answer;
pub mod check;
mod digest;
mod load;
mod lookup;
mod schema;
mod words;

pub mod active;
pub mod eligibility;
pub mod review;
pub mod search;
pub mod sign_off;
pub mod signature;
pub mod signed_file;
pub mod tool;

pub use check::Problem;
pub use load::{
    bundle, parse, parse_for, parse_for_review, parse_signed_off, read_path, shipped, shipped_files,
};
pub use schema::{
    version_order, AskIf, Capability, CardField, CardKind, Catalog, Category, Choice, DateRange,
    Field, FieldKind, Identify, Item, Mode, OptionsFrom, PoliceType, Rule, Source, SubmissionKind,
    Text,
};
pub use words::{fits_tile, TILE_NAME_MAX};
