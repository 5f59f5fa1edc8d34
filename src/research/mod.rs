//! The researchers' side: recorded call fixtures, importing them from packet
//! captures, and replaying them through the same screening and tagging
//! pipeline as live calls (offline on a virtual clock, or as live SIP calls).
//!
//! Owns: the fixture format (`fixture`), capture import (`import`) and
//! replay (`replay`). Does not own: the live service (`crate::serve`), the
//! per-line policy (`crate::policy`) or the call-control machines (`ivr`).

pub mod fixture;
pub mod import;
pub mod replay;
