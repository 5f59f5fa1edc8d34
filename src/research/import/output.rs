//! Writing an imported call as a fixture directory through
//! `crate::research::fixture::write`: `call.toml` (caller, called, notes,
//! `challenge_digit`, `[expect] outcome`, `[[dtmf]]`), `caller.wav` and
//! `resident.wav` (8 kHz mono 16-bit).
//!
//! Owns: refusing to write into a non-empty directory (an import never
//! overwrites a fixture), the `notes` text, and the [`CallMeta`] of an
//! import: the challenge digit given or read from linewarden's prompts,
//! and the outcome those prompts show as `[expect] outcome` (what the call
//! really led to, so `replay --check` shows a replay that differs). Tags
//! and risk are left for the researcher.
//!
//! Does not own: the fixture format (`crate::research::fixture`) or what
//! goes into the files (`mod.rs`).

use std::path::Path;

use crate::research::fixture::{self, CallMeta, DtmfEvent, Expect};

use super::types::{ImportError, ImportSummary};

/// Writes the fixture for `summary` into `dir` (created if missing; an
/// existing one must be empty).
pub(super) fn write(
    dir: &Path,
    summary: &ImportSummary,
    source_name: &str,
    caller: &[i16],
    resident: Option<&[i16]>,
) -> Result<(), ImportError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ImportError::OutputNotEmpty {
                    path: dir.to_path_buf(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(ImportError::Write {
                path: dir.to_path_buf(),
                message: e.to_string(),
            })
        }
    }
    let defaults = CallMeta::default();
    let meta = CallMeta {
        caller: summary.caller.clone(),
        called: if summary.called.trim().is_empty() {
            defaults.called.clone()
        } else {
            summary.called.clone()
        },
        notes: Some(notes(summary, source_name)),
        challenge_digit: summary.challenge_digit,
        expect: summary
            .screening
            .and_then(|s| s.outcome)
            .map(|outcome| Expect {
                outcome: Some(outcome),
                tags: None,
                risk: None,
            }),
        dtmf: summary
            .digits
            .iter()
            .map(|d| DtmfEvent {
                at_ms: d.at_ms,
                digit: d.digit,
                by: d.by,
            })
            .collect(),
        ..defaults
    };
    fixture::write(dir, &meta, caller, resident)?;
    Ok(())
}

fn notes(s: &ImportSummary, source_name: &str) -> String {
    let end = match s.hung_up_by {
        Some(p) => format!("the {} hung up at {} ms", p.as_str(), s.duration_ms),
        None => format!("no BYE captured; the audio ends at {} ms", s.duration_ms),
    };
    let screening = match s.screening {
        Some(_) => "; answered by linewarden: challenge digit and outcome from its prompts, resident.wav from \"connecting you\" on",
        None => "",
    };
    format!(
        "imported from the capture {source_name} (Call-ID {}); t=0 is the 200 OK; {end}{screening}",
        s.call_id
    )
}
