//! Lines managed live from the console: kept in the store (the `lines`
//! table), merged with the configuration file's `[[line]]` tables (a
//! stored line replaces the file's line of the same name; the file's
//! other lines still apply), checked with the configuration's own rules
//! and messages, and published to the running service for new calls.
//!
//! Owns: the stored lines, the merge and check, changes with their roles
//! and audit, the `/api/lines` endpoints and pages, the flat form/CSV
//! fields, and `linewarden lines import|export`.
//! Does not own: the configuration's types and rules (`crate::config`),
//! the snapshot calls use (`crate::serve`), sessions and users.

pub mod api;
pub mod change;
pub mod cli;
pub mod fields;
pub mod file;
pub mod live;
pub mod merge;
pub mod page;
pub mod stored;
