//! Exports (`/export`): a coordinator's CSV files of reports, riders, the points ledger,
//! sign-ups, station visits and feedback, for the district office's spreadsheets.
//!
//! - [`domain`]: the request (table, district dates, `phones`), masking, the cell rules, and
//!   the coordinator check with its audit lines.
//! - [`store`]: one streamed statement per file.
//! - [`columns`]: each file's header and cells.
//! - [`file`]: building the file off the async threads, zipping it past the document limit
//!   ([`file::build`] is what a benchmark calls).
//! - [`slots`]: one export at a time per coordinator, a few at once in all.
//! - [`telegram`]: the `/export` command.

pub mod columns;
pub mod domain;
pub mod file;
pub mod slots;
pub mod store;
pub mod telegram;
