//! Printing the call log: an aligned table for people, JSON Lines for
//! programs.

use std::io::{self, Write};

use super::types::CallRecord;

/// Longest a table cell may be, in characters; longer values are cut with
/// a trailing `…`.
const MAX_CELL: usize = 40;

/// Longest the bridge cell may be, in characters: enough for the outcome
/// and the usual `user@host` of a phone.
const MAX_BRIDGE_CELL: usize = 32;

/// Longest the tags cell may be, in characters: enough for three tags with
/// their offsets.
const MAX_TAGS_CELL: usize = 48;

/// Longest the why cell may be, in characters: a built-in rule's tags.
const MAX_WHY_CELL: usize = 32;

/// The risk shown for a call with none logged: nothing raised it, as a
/// replay shows it.
const NO_RISK: &str = "none";

/// Writes `records` to `out`.
///
/// - `json = false`: an aligned table with a header row: start time (UTC,
///   to the second), line, caller, called, the policy decision, outcome (or,
///   if none was decided, the end reason, or `in progress`), the bridge
///   outcome and the phone that answered (`answered/resident@192.0.2.10`:
///   its URI without the scheme, port or parameters), the risk (`none`
///   when none was logged, as in `replay`), why (the rule of the last
///   reason the risk rose, e.g. `all of police + bank-details`; the `WHY`
///   column is left out when no call has reasons), tags
///   (comma-separated, each with when in the call it was given if its
///   details are known: `police@12.3s,suspicious-cli`), how much of the
///   call the recognizer heard (`full`, `partial`, `none`; the `HEARD`
///   column is left out when no call has it), duration,
///   recording (last, never cut, so it can be copied; relative to the data
///   directory). An empty cell shows `-`; other long cells are cut with `…`.
///   Control characters (which could reach a terminal from a caller's SIP
///   headers) are shown as `?`. No records prints `no calls`.
/// - `json = true`: JSON Lines: one [`CallRecord`] object per line, in the
///   given order (`tags` as an array, `[]` for none; `tag_details` as an
///   array of `{"tag", "at_ms", "evidence", "confidence"}` objects, `[]`
///   for none; `reasons` as an array of `{"risk", "at_ms", "rule",
///   "evidence"}` objects, one per rise in risk, oldest first, `[]` for
///   none; a field not known, e.g. `risk`, is `null`; `voicemail` is the
///   message's WAV when the caller left one), nothing for no records.
pub fn print_calls(records: &[CallRecord], json: bool, out: &mut impl Write) -> io::Result<()> {
    if json {
        for record in records {
            serde_json::to_writer(&mut *out, record)?;
            out.write_all(b"\n")?;
        }
        return Ok(());
    }
    if records.is_empty() {
        return writeln!(out, "no calls");
    }
    let mut header = vec![
        "STARTED (UTC)",
        "LINE",
        "CALLER",
        "CALLED",
        "POLICY",
        "OUTCOME",
        "BRIDGE",
        "RISK",
        "TAGS",
        "DURATION",
        "RECORDING",
    ];
    // Calls logged before the recognizer's coverage (or the reasons for
    // their risk) were kept have none: the column shows once any call has
    // it.
    let shown = Shown {
        why: records.iter().any(|r| !r.reasons.is_empty()),
        heard: records.iter().any(|r| r.listened.is_some()),
    };
    if shown.heard {
        header.insert(LISTENED_AT, "HEARD");
    }
    if shown.why {
        header.insert(WHY_AT, "WHY");
    }
    let rows: Vec<Vec<String>> = records.iter().map(|r| row(r, shown)).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.into_iter().map(str::to_owned).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, &width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Where the `HEARD` column goes: after the tags.
const LISTENED_AT: usize = 9;

/// Where the `WHY` column goes: after the risk (inserted after `HEARD`).
const WHY_AT: usize = 8;

/// The columns shown only when some call has them.
#[derive(Clone, Copy)]
struct Shown {
    why: bool,
    heard: bool,
}

fn row(record: &CallRecord, shown: Shown) -> Vec<String> {
    let started = record.started_at.get(..19).unwrap_or(&record.started_at);
    let outcome = match (&record.outcome, &record.ended_at, &record.end_reason) {
        (Some(outcome), _, _) => outcome.as_str(),
        (None, None, None) => "in progress",
        (None, _, Some(reason)) => reason.as_str(),
        (None, Some(_), None) => "-",
    };
    let mut cells = vec![
        cell(&started.replacen('T', " ", 1)),
        cell(&record.line),
        cell(&record.caller),
        cell(&record.called),
        cell(record.policy.as_deref().unwrap_or("-")),
        cell(outcome),
        bridge(record),
        cell(record.risk.as_deref().unwrap_or(NO_RISK)),
        tags(record),
        record.duration_ms.map_or_else(|| "-".to_owned(), duration),
        whole(
            record
                .recording
                .as_deref()
                .or(record.recording_note.as_deref())
                .unwrap_or("-"),
        ),
    ];
    if shown.heard {
        cells.insert(LISTENED_AT, cell(record.listened.as_deref().unwrap_or("-")));
    }
    if shown.why {
        let why = record.reasons.last().map_or("-", |r| r.brief_rule());
        cells.insert(WHY_AT, cell_max(why, MAX_WHY_CELL));
    }
    cells
}

/// The bridge cell: the bridge outcome and the answering phone, whichever
/// are known, joined by `/`.
fn bridge(record: &CallRecord) -> String {
    let phone = record.answered_by.as_deref().map(short_uri);
    let parts: Vec<&str> = [record.bridge.as_deref(), phone]
        .into_iter()
        .flatten()
        .collect();
    cell_max(&parts.join("/"), MAX_BRIDGE_CELL)
}

/// The tags cell: each tag name, with `@` and its offset into the call if
/// its details are known (`police@12.3s`), in the order given; details
/// whose name is somehow missing from the tags follow.
pub(super) fn tags(record: &CallRecord) -> String {
    let with_offset = |name: &str| match record.tag_details.iter().find(|d| d.tag == name) {
        Some(detail) => format!(
            "{name}@{}",
            duration(i64::try_from(detail.at_ms).unwrap_or(i64::MAX))
        ),
        None => name.to_owned(),
    };
    let names = record.tags.iter().map(String::as_str).chain(
        record
            .tag_details
            .iter()
            .map(|d| d.tag.as_str())
            .filter(|name| !record.tags.iter().any(|t| t == name)),
    );
    let parts: Vec<String> = names.map(with_offset).collect();
    cell_max(&parts.join(","), MAX_TAGS_CELL)
}

/// A SIP URI without its scheme, port, parameters or headers:
/// `sip:resident@192.0.2.10:5060;transport=udp` is `resident@192.0.2.10`.
/// An IPv6 host keeps its brackets.
pub(super) fn short_uri(uri: &str) -> &str {
    let rest = ["sip:", "sips:"]
        .iter()
        .find_map(|scheme| {
            uri.get(..scheme.len())
                .filter(|s| s.eq_ignore_ascii_case(scheme))
                .and_then(|_| uri.get(scheme.len()..))
        })
        .unwrap_or(uri);
    let rest = rest.split([';', '?']).next().unwrap_or(rest);
    let host_at = rest.rfind('@').map_or(0, |at| at + 1);
    let host = rest.get(host_at..).unwrap_or("");
    // The port follows the last `:` of a plain host, or `]:` of an IPv6 one.
    let port = match host.rfind(']') {
        Some(end) => host
            .get(end + 1..)
            .and_then(|tail| tail.find(':'))
            .map(|p| end + 1 + p),
        None => host.rfind(':'),
    };
    match port {
        Some(p) => rest.get(..host_at + p).unwrap_or(rest),
        None => rest,
    }
}

/// `text` made safe and short for one table cell.
pub(super) fn cell(text: &str) -> String {
    cell_max(text, MAX_CELL)
}

/// `text` made safe for one table cell, whole.
fn whole(text: &str) -> String {
    cell_max(text, usize::MAX)
}

/// `text` made safe for one table cell and cut to `max` characters.
fn cell_max(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > max {
        out.pop();
        out.push('…');
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// `1.2s`, `4m05s`, `2h03m10s`.
pub(super) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{}.{}s", secs, (ms % 1000) / 100),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m{:02}s", secs / 3600, (secs / 60) % 60, secs % 60),
    }
}
